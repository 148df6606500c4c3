// The files `stayaway simulate` writes besides the fixes stream: ORDERS.json and
// ZONES.json in exactly the format `stayaway replay --orders --zones` reads (the proto
// JSON mapping, see README "Orders"), and truth.json, the ground truth `stayaway score`
// reads:
//
//   {"format": "stayaway-sim-truth/1", "seed": 7, "orders": 20, "devices": 52,
//    "start": "2026-03-02T00:00:00Z", "end": "2026-03-02T06:00:00Z",
//    "episodes": [
//      {"order": "SIM-000003", "kind": "proximity_violation",
//       "rule": "proximity:SIM-000003-s:SIM-000003-v", "protected": "SIM-000003-v",
//       "zone": "", "start": "...", "end": "...", "limit_m": 500, "closest_m": 212.4,
//       "script": "approach", "late_upload": false}, ...],
//    "scripts": [
//      {"order": "SIM-000003", "script": "approach", "start": "...", "end": "...",
//       "late_upload": true}, ...],
//    "device_events": [
//      {"order": "SIM-000003", "device": "phone-000003-v", "kind": "sos",
//       "time": "...", "seq": 188, "uploaded_late": false}, ...],
//    "stats": {"fixes": 41234, "urban_canyon_fixes": 1210, "canyon_bursts": 690, ...}}
//
// `kind` is the engine's event kind the episode should raise, `rule` the engine's rule
// key (proximity:S:P, zone:ID, zone:global:ID), start and end the instants the true
// positions crossed into and out of the limit (scenario.h). `scripts` lists each visit
// of each deliberate approach, zone entry or near miss ("near_miss": one or two a day, so
// an order may appear more than once), from leaving home to coming back, and whether
// the tag buffered the walk-in and uploaded it only afterwards (late_upload). Every
// writer streams: one order or episode at a time, nothing quadratic. Output is a pure
// function of its input.
//
// Thread-safety: pure functions.
#ifndef STAYAWAY_TOOLS_SIM_SCENARIO_JSON_H_
#define STAYAWAY_TOOLS_SIM_SCENARIO_JSON_H_

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_quote.h"
#include "tools/sim/scenario.h"
#include "tools/sim/simulation.h"

namespace stayaway::sim {

void WriteOrdersJson(const Scenario& scenario, std::ostream& out);
void WriteZonesJson(const Scenario& scenario, std::ostream& out);
void WriteTruthJson(const Scenario& scenario, const std::vector<DeviceEventTruth>& device_events,
                    const SimulationStats& stats, std::ostream& out);

using stayaway::JsonQuote;  // base/json_quote.h

}  // namespace stayaway::sim

#endif  // STAYAWAY_TOOLS_SIM_SCENARIO_JSON_H_
