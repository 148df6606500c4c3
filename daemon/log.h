// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-27T12:00:00.123Z","level":"info","msg":"listening","port":"7380"}
// so a centre's log shipper can index them. Never log tokens or victims' positions here.
// Thread-safe (one mutex around the write).
#ifndef STAYAWAY_DAEMON_LOG_H_
#define STAYAWAY_DAEMON_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace stayaway::daemon {

enum class LogLevel { kInfo, kWarning, kError };

using LogField = std::pair<std::string_view, std::string>;

void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

// The line Log would write (without the newline), for tests.
std::string FormatLogLine(std::string_view timestamp, LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields);

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_LOG_H_
