// RunReport: the result of one fixed-rate run, printed as one JSON object. The same shape
// comes out of `stayaway loadgen` and the peer benchmarks, so a throughput-latency curve
// and a comparison are one array of these:
//
//   {"target": "stayaway", "rate_asked": 5000, "rate_achieved": 4998.7, "duration_s": 10,
//    "devices": 2000, "batch": 5, "fixes_scheduled": 50000, "fixes_sent": 50000,
//    "fixes_acked": 50000, "fixes_rejected": 0, "fixes_unanswered": 0, "alerts_observed": 812,
//    "ack_latency_us": {"count": 10000, "p50": 1830, "p99": 5120, "p99_9": 9200,
//                       "max": 11020, "mean": 2010.4},
//    "fix_to_alert_latency_us": {...}, "max_send_lag_us": 140, "saturated": false,
//    "cpu": {"server_cores": 0.82, "server_busiest_thread_cores": 0.61,
//            "generator_cores": 0.12}, "notes": []}
//
// ack_latency_us: from each batch's intended send time to its acknowledgement (for a peer:
// to the reply of the batch's last command). fix_to_alert_latency_us: from the intended
// send time of the fix that caused an event to the event's arrival on the subscriber.
// rate_achieved: fixes acknowledged per second, counted from the run's start to the last
// acknowledgement. saturated: rate_achieved < 90 % of rate_asked, or fixes left unsent.
//
// Plain value; thread-compatible.
#ifndef STAYAWAY_TOOLS_LOADGEN_RUN_REPORT_H_
#define STAYAWAY_TOOLS_LOADGEN_RUN_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tools/loadgen/latency_histogram.h"
#include "tools/loadgen/process_cpu.h"

namespace stayaway::loadgen {

// Below this share of the asked rate, a run counts as saturated.
inline constexpr double kSaturationShare = 0.9;

struct RunReport {
  std::string target;  // "stayaway", "redis", "postgis"
  double rate_asked = 0;
  double rate_achieved = 0;
  double duration_s = 0;
  uint64_t devices = 0;
  uint64_t batch = 0;
  uint64_t fixes_scheduled = 0;
  uint64_t fixes_sent = 0;
  uint64_t fixes_acked = 0;       // answered as accepted (duplicates included)
  uint64_t fixes_rejected = 0;    // answered as refused, or in a batch refused whole
  uint64_t fixes_unanswered = 0;  // sent but no answer before the run gave up waiting
  uint64_t alerts_observed = 0;   // events caused by this run's fixes
  std::map<std::string, uint64_t> events_by_transition;  // opened, closed, ...
  LatencyHistogram ack_latency;
  LatencyHistogram fix_to_alert_latency;
  int64_t max_send_lag_us = 0;
  // CPU use while fixes were sent and answered (process_cpu.h), when known: the server
  // (stayawayd, redis-server, the PostgreSQL backend) as a whole and its busiest thread,
  // and the load generator itself. In cores; printed as null when unknown.
  CpuUse server_cpu;
  CpuUse generator_cpu;
  std::vector<std::string> notes;  // anything that went wrong, one line each

  bool saturated() const;
  // One JSON object on one line.
  std::string ToJson() const;
};

// A JSON array of reports, one per line, for a sweep.
std::string ReportsToJson(const std::vector<RunReport>& reports);

// `text` as a JSON string literal, quotes included.
std::string JsonString(const std::string& text);

}  // namespace stayaway::loadgen

#endif  // STAYAWAY_TOOLS_LOADGEN_RUN_REPORT_H_
