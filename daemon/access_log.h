// AccessLog: the daemon's log lines about access. Refusals ("unauthenticated",
// "permission_denied") are logged one line each, but at most kRefusalLinesPerSecond lines
// a second: a client hammering with a bad token must not fill the disk. What the limit
// held back is summed up in the next line that gets through ("suppressed": N); every
// refusal is counted in metrics either way. Audit lines (who exported evidence, changed an
// order, acknowledged an alert) are never limited.
// Thread-safe.
#ifndef STAYAWAY_DAEMON_ACCESS_LOG_H_
#define STAYAWAY_DAEMON_ACCESS_LOG_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>

#include "base/time.h"

namespace stayaway::daemon {

class AccessLog {
 public:
  static constexpr int kRefusalLinesPerSecond = 20;

  // `steady_ms`: a monotonic clock in milliseconds (the rate limit's time base).
  explicit AccessLog(std::function<TimeMs()> steady_ms) : steady_ms_(std::move(steady_ms)) {}

  // Returns whether a line was written (false: held back by the limit).
  bool Refused(std::string_view source, std::string_view code, std::string_view detail);
  void Audit(std::string_view action, std::string_view who, std::string_view subject);

 private:
  std::function<TimeMs()> steady_ms_;
  std::mutex mu_;
  TimeMs window_start_ms_ = 0;  // guarded by mu_
  int lines_in_window_ = 0;     // guarded by mu_
  uint64_t suppressed_ = 0;     // guarded by mu_
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_ACCESS_LOG_H_
