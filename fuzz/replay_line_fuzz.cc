// Fuzzes the JSON line decoder (replay files, POST /v1/fixes) and feeds what decodes into
// an engine with one order, so the engine's own validation is fuzzed too.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "ingest/json_codec.h"
#include "proto/stayaway.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static stayaway::engine::Engine* engine = [] {
    auto* e = new stayaway::engine::Engine();
    stayaway::v1::Order order;
    order.set_id("o");
    order.set_version(1);
    order.mutable_supervised()->set_id("s");
    order.mutable_supervised()->add_devices("tag-1");
    auto* p = order.add_protected_();
    p->set_id("v");
    p->add_devices("phone-2");
    order.set_violation_distance_m(300);
    std::vector<stayaway::v1::Event> events;
    (void)e->ApplyOrder(order, &events);
    return e;
  }();
  auto input = stayaway::ingest::ParseReplayLine(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (input.ok()) {
    std::vector<stayaway::v1::Event> events;
    (void)engine->Apply(*input, &events);
  }
  return 0;
}
