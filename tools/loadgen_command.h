// stayaway loadgen: drives a running stayawayd at a fixed rate over its ingest port and
// reports what it costs in latency, as JSON on stdout.
//
//   stayaway loadgen --target HOST:PORT --http HOST:PORT --rate R --duration S
//                    [--sweep R1,R2,...] [--input DIR] [--devices N] [--batch N]
//                    [--violation-fraction F] [--id-prefix P] [--connections N]
//                    [--daemon-pid PID]
//
// First loads the workload's orders (and global zones) over the HTTP API, then streams
// fixes open loop (tools/loadgen/open_loop_schedule.h: latency is measured from each
// fix's intended send time, so a stalled daemon cannot hide its latency) while a second
// connection subscribes to events (tools/loadgen/daemon_run.h). The workload is the
// built-in generator (N devices in N/2 orders, a fraction F of the time in violation) or
// the replay files in DIR (tools/loadgen/workload.h).
//
// Output: one JSON object (tools/loadgen/run_report.h) for --rate, or for --sweep a JSON
// array with one object per rate, run back to back on the same orders, stopping after the
// first rate the daemon cannot sustain (achieved < 90 % of asked): the throughput-latency
// curve up to saturation. --batch defaults to one batch per millisecond (rate / 1000,
// at least 1). With --daemon-pid (a daemon on this machine) each report carries the
// daemon's CPU use and its busiest thread's, which says what saturates. Progress goes to
// stderr.
//
// Exit status: 0 when every run completed (saturation is a result, not an error), 1 when
// the daemon refused fixes or orders or a run could not complete, 2 for usage errors or an
// unreachable daemon. Thread-compatible.
#ifndef STAYAWAY_TOOLS_LOADGEN_COMMAND_H_
#define STAYAWAY_TOOLS_LOADGEN_COMMAND_H_

#include <iosfwd>
#include <span>
#include <string_view>

namespace stayaway::tools {

int RunLoadgenCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);
void PrintLoadgenUsage(std::ostream& out);

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_LOADGEN_COMMAND_H_
