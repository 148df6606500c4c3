#include "daemon/access_log.h"

#include <string>

#include "daemon/log.h"

namespace stayaway::daemon {

bool AccessLog::Refused(std::string_view source, std::string_view code,
                        std::string_view detail) {
  uint64_t suppressed = 0;
  {
    std::lock_guard lock(mu_);
    const TimeMs now = steady_ms_();
    if (now - window_start_ms_ >= 1000) {
      window_start_ms_ = now;
      lines_in_window_ = 0;
    }
    if (lines_in_window_ >= kRefusalLinesPerSecond) {
      ++suppressed_;
      return false;
    }
    ++lines_in_window_;
    suppressed = suppressed_;
    suppressed_ = 0;
  }
  if (suppressed > 0) {
    Log(LogLevel::kWarning, "access refused",
        {{"source", std::string(source)}, {"code", std::string(code)},
         {"detail", std::string(detail)}, {"suppressed", std::to_string(suppressed)}});
  } else {
    Log(LogLevel::kWarning, "access refused",
        {{"source", std::string(source)}, {"code", std::string(code)},
         {"detail", std::string(detail)}});
  }
  return true;
}

void AccessLog::Audit(std::string_view action, std::string_view who, std::string_view subject) {
  Log(LogLevel::kInfo, "audit",
      {{"action", std::string(action)}, {"by", std::string(who)},
       {"subject", std::string(subject)}});
}

}  // namespace stayaway::daemon
