// The `stayaway simulate` command: writes a simulated city's protection orders, shelters,
// device fixes and the ground truth of every real violation, for `stayaway replay` and
// `stayaway score` (and for the daemon, through `stayaway feed`).
//
//   stayaway simulate --orders N --seed S --duration D --out DIR [--start TIME]
//       [--approach-share X] [--zone-entry-share X] [--late-upload-share X]
//
// DIR gets orders.json, zones.json and fixes.ndjson (the replay formats) and truth.json
// (tools/sim/scenario_json.h). D is a whole number with a unit: 3600s, 90m, 24h, 2d.
// TIME is RFC 3339 (default 2026-03-02T00:00:00Z). N from 1 to 1,000,000; memory grows
// linearly with N and not with D, and every file is written as it is produced.
// The model: tools/sim/scenario.h (who lives where, the scripted approaches and their
// truth), movement.h, gnss_noise.h, simulation.h (cadence, gaps, late uploads).
//
// The same arguments always give byte-identical files; another seed gives another city.
// Exit status: 0 on success, 2 for usage errors and files that cannot be written.
// Thread-safety: thread-compatible.
#ifndef STAYAWAY_TOOLS_SIMULATE_COMMAND_H_
#define STAYAWAY_TOOLS_SIMULATE_COMMAND_H_

#include <iosfwd>
#include <optional>
#include <span>
#include <string_view>

#include "base/time.h"

namespace stayaway::tools {

// "3600s", "90m", "24h", "2d" in milliseconds; nullopt for anything else or <= 0.
std::optional<TimeMs> ParseDurationMs(std::string_view text);

int RunSimulateCommand(std::span<const std::string_view> args, std::ostream& out,
                       std::ostream& err);
void PrintSimulateUsage(std::ostream& out);

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_SIMULATE_COMMAND_H_
