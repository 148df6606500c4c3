// RunAgainstDaemon: one fixed-rate, open-loop run of a Workload against a live stayawayd,
// measuring what an integrator and a monitoring centre see.
//
// Connections to the ingest port: one or more stream FixBatches on the OpenLoopSchedule
// (open_loop_schedule.h), round robin, while a reader thread per connection takes the
// BatchAcks off it; one more subscribes to events. Each batch's ack latency runs from its intended
// send time to its BatchAck. Each alert transition (opened, escalated, updated, closed) that names
// a fix of this run (its FixRefs, see proto Event.fixes) is an alert observed, with a fix-to-alert
// latency from the intended send time of the newest fix it names (the one whose arrival caused it)
// to its arrival on the subscriber. Fix event times are the wall-clock form of their intended send
// times.
//
// After the last batch the run waits up to ack_timeout for the outstanding acks, then
// until no event has arrived for `settle` (at most max_settle) so alerts caused by the
// last fixes are counted. A daemon that falls behind makes the generator send late and
// its latency shows it; a generator that is more than (duration + give_up_after) behind
// its schedule stops sending and reports the rest as unsent.
//
// Thread-safety: runs on the calling thread plus threads of its own (one per connection),
// joined before it returns. The workload must not change meanwhile.
#ifndef STAYAWAY_TOOLS_LOADGEN_DAEMON_RUN_H_
#define STAYAWAY_TOOLS_LOADGEN_DAEMON_RUN_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "tools/loadgen/run_report.h"
#include "tools/loadgen/workload.h"

namespace stayaway::loadgen {

struct DaemonRunOptions {
  std::string ingest_target;  // HOST:PORT of the Protobuf ingest port
  // A credential with the ingest (its devices) and operator (the subscriber) roles.
  std::string token;
  double rate_per_s = 1000;
  double duration_s = 10;
  std::size_t batch_size = 1;
  // Ingest connections the batches are spread over, round robin (gateways each hold
  // their own); each has its own reader of acks.
  std::size_t connections = 1;
  // The stream index of this run's first fix: runs of a sweep continue the stream, so
  // every (device, seq) is new to the daemon.
  uint64_t first_fix_index = 0;
  // The subscriber asks for events from this seq; updated to the seq after the last
  // event seen, so the next run of a sweep skips what this one saw.
  uint64_t* next_event_seq = nullptr;
  // stayawayd's process id when it runs on this machine: its CPU use is reported.
  int daemon_pid = -1;
  std::chrono::milliseconds ack_timeout{10'000};
  std::chrono::milliseconds settle{500};
  std::chrono::milliseconds max_settle{5'000};
  std::chrono::milliseconds give_up_after{5'000};
  // Told the fixes sent so far and how many the run schedules, after every batch sent,
  // on the calling thread (for a progress line); may be empty.
  std::function<void(uint64_t fixes_sent, uint64_t fixes_scheduled)> progress;
  // When set and nonzero (a signal's number, tools/interrupt_flag.h): no more batches are
  // sent; the acks of those sent are still awaited and reported.
  const std::atomic<int>* interrupted = nullptr;
};

// Connection failures end the run early and are explained in the report's notes.
RunReport RunAgainstDaemon(const Workload& workload, const DaemonRunOptions& options);

}  // namespace stayaway::loadgen

#endif  // STAYAWAY_TOOLS_LOADGEN_DAEMON_RUN_H_
