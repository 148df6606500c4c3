// Fuzzes order and zone input end to end: JSON decoding, then the engine's validation and
// zone compilation (GeoJSON through GEOS, schedules through the tz database). Orders are
// decoded differentially: ParseOrdersJson (the fast decoder for common shapes,
// order_json_fast.h) must give exactly what Protobuf's JSON mapping gives, the same
// orders byte for byte or the same refusal.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "evidence/leaves.h"
#include "ingest/json_codec.h"
#include "proto/stayaway.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  stayaway::engine::Engine engine;
  std::vector<stayaway::v1::Event> events;
  auto orders = stayaway::ingest::ParseOrdersJson(text);
  const auto reference = stayaway::ingest::ParseOrdersJsonByJsonMapping(text);
  if (orders.ok() != reference.ok()) std::abort();
  if (!orders.ok() && orders.status().message() != reference.status().message()) std::abort();
  if (orders.ok()) {
    if (orders->size() != reference->size()) std::abort();
    for (std::size_t i = 0; i < orders->size(); ++i) {
      // Deterministic bytes: a zone's GeoJSON is a map, which plain serialization
      // writes in no fixed order.
      if (stayaway::evidence::DeterministicBytes((*orders)[i]) !=
          stayaway::evidence::DeterministicBytes((*reference)[i])) {
        std::abort();
      }
    }
    for (const auto& order : *orders) (void)engine.ApplyOrder(order, &events);
  }
  if (auto zones = stayaway::ingest::ParseZonesJson(text); zones.ok()) {
    for (const auto& zone : *zones) (void)engine.ApplyGlobalZone(zone, &events);
  }
  return 0;
}
