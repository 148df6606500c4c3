// Fuzzes the JSON line decoder (replay files, POST /v1/fixes) against its reference, the
// JSON mapping alone, and feeds what decodes into an engine with one order, so the
// engine's own validation is fuzzed too.
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
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  auto input = stayaway::ingest::ParseReplayLine(line);
  // The fast decoder of common lines must give the JSON mapping's answer exactly
  // (ingest/replay_line_fast.h): a difference is a finding.
  const auto reference = stayaway::ingest::ParseReplayLineByJsonMapping(line);
  if (input.ok() != reference.ok()) __builtin_trap();
  if (input.ok() ? input->SerializeAsString() != reference->SerializeAsString()
                 : input.status().message() != reference.status().message()) {
    __builtin_trap();
  }
  // Decoded into an Input a line before left its device, times and other fields in (as
  // replay's chunks decode), the answer is the same.
  stayaway::v1::Input kept;
  if (!stayaway::ingest::ParseReplayLineInto(
           R"({"device": "a-device-id-longer-than-sso", "seq": 9, "time": "2025-03-01T10:00:00Z", )"
           R"("received": "2025-03-01T10:00:01Z", "lat": 1, "lon": 2, "accuracy_m": 3, )"
           R"("battery_pct": 50, "flags": ["sos"], "source": "wifi"})",
           &kept)
           .ok()) {
    __builtin_trap();
  }
  const stayaway::Status into = stayaway::ingest::ParseReplayLineInto(line, &kept);
  if (into.ok() != reference.ok()) __builtin_trap();
  if (into.ok() ? kept.SerializeAsString() != reference->SerializeAsString()
                : into.message() != reference.status().message()) {
    __builtin_trap();
  }
  if (input.ok()) {
    std::vector<stayaway::v1::Event> events;
    (void)engine->Apply(*input, &events);
  }
  return 0;
}
