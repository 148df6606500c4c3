// ProcessMetrics: the standard Prometheus process figures of the running process, read
// from /proc when asked (Linux), in the text exposition format:
//   process_cpu_seconds_total       user and system CPU time
//   process_resident_memory_bytes   resident set size
//   process_virtual_memory_bytes    virtual memory size
//   process_open_fds                open file descriptors
//   process_max_fds                 the descriptor limit (RLIMIT_NOFILE, soft)
//   process_start_time_seconds      start time, seconds since the epoch
// A figure /proc does not give is left out rather than reported wrong. Thread-safe.
#ifndef STAYAWAY_DAEMON_PROCESS_METRICS_H_
#define STAYAWAY_DAEMON_PROCESS_METRICS_H_

#include <ostream>

namespace stayaway::daemon {

void RenderProcessMetrics(std::ostream* out);

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_PROCESS_METRICS_H_
