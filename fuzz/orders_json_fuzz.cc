// Fuzzes order and zone input end to end: JSON decoding, then the engine's validation and
// zone compilation (GeoJSON through GEOS, schedules through the tz database).
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "ingest/json_codec.h"
#include "proto/stayaway.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  stayaway::engine::Engine engine;
  std::vector<stayaway::v1::Event> events;
  if (auto orders = stayaway::ingest::ParseOrdersJson(text); orders.ok()) {
    for (const auto& order : *orders) (void)engine.ApplyOrder(order, &events);
  }
  if (auto zones = stayaway::ingest::ParseZonesJson(text); zones.ok()) {
    for (const auto& zone : *zones) (void)engine.ApplyGlobalZone(zone, &events);
  }
  return 0;
}
