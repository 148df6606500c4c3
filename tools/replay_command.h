// The `stayaway replay` command: feeds protection orders, global zones and a file of fixes
// and ticks through one Engine and writes the events it emits, one JSON object per line.
//
//   stayaway replay --orders ORDERS.json --fixes FIXES.ndjson
//       [--zones ZONES.json] [--config CONFIG.json] [--format json|text] [--lanes N]
//       [--progress]
//       > events.ndjson
//
// --format text prints one readable line per event (ingest/event_text.h) instead of JSON.
//
// Because the engine is deterministic, the same files always give byte-identical output:
// this is how a court or an engineer reproduces what the centre saw.
//
// Bad input never stops the run: a refused order or zone, or a fixes line that does not
// parse or that the engine refuses, is reported on the error stream ("line 12: ...") and
// skipped; the rest is processed. Duplicate fixes (a (device, seq) seen before) are
// ignored silently and counted. A one-line summary ends the error stream.
//
// Exit status: 0 when nothing was refused, 1 when any order, zone or line was refused,
// 2 for usage errors and files that cannot be read or parsed as a whole.
//
// --lanes N (default: one per core) parses, evaluates and prints on N threads; the output
// is the same for every N.
//
// Thread-safety: the functions are thread-compatible; each call owns its Engine and its
// threads.
#ifndef STAYAWAY_TOOLS_REPLAY_COMMAND_H_
#define STAYAWAY_TOOLS_REPLAY_COMMAND_H_

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine_config.h"
#include "proto/stayaway.pb.h"

namespace stayaway::tools {

class ProgressMeter;

// Exit statuses of the command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitUsage = 2;

// Everything the replay applies before the first fix.
struct ReplayInputs {
  std::vector<v1::Order> orders;  // applied in this order
  std::vector<v1::Zone> zones;    // global zones, applied after the orders
  engine::EngineSettings settings;
  bool text_output = false;  // EventToText lines instead of JSON
  // Threads that parse lines, evaluate fixes (engine lanes) and print events; the output
  // does not depend on it.
  unsigned lanes = 1;
  // Told the lines and bytes read after each chunk of fixes; null: nobody asked.
  ProgressMeter* progress = nullptr;
};

struct ReplayStats {
  uint64_t lines = 0;            // lines read from the fixes stream, empty ones included
  uint64_t fixes = 0;            // fixes the engine applied
  uint64_t ticks = 0;            // ticks applied
  uint64_t duplicates = 0;       // fixes the engine refused as already applied (ignored)
  uint64_t rejected_lines = 0;   // lines that did not parse or that the engine refused
  uint64_t orders = 0;           // orders applied
  uint64_t zones = 0;            // global zones applied
  uint64_t rejected_orders = 0;  // orders and global zones the engine refused
  uint64_t events = 0;           // events written

  bool anything_rejected() const { return rejected_lines > 0 || rejected_orders > 0; }
};

// Applies `inputs`, then every line of `fixes` (streamed, never loaded whole); writes each
// event to `events` as one line of JSON, in the order the engine emits them, and reports
// refusals to `errors`. Does not print the summary (see FormatSummary).
ReplayStats Replay(const ReplayInputs& inputs, std::istream& fixes, std::ostream& events,
                   std::ostream& errors);

// "summary: lines=58 fixes=45 ticks=12 duplicates=1 rejected=1 events=9 orders=2 zones=1
// orders_rejected=0", without a newline.
std::string FormatSummary(const ReplayStats& stats);

// The whole command: `args` are the arguments after "replay". Reads the files, runs
// Replay, prints the summary to `errors` and returns the exit status.
int RunReplayCommand(std::span<const std::string_view> args, std::ostream& events,
                     std::ostream& errors);

void PrintReplayUsage(std::ostream& out);

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_REPLAY_COMMAND_H_
