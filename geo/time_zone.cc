#include "geo/time_zone.h"

#include <date/tz.h>

#include <chrono>
#include <exception>

namespace stayaway::geo {

StatusOr<const date::time_zone*> FindTimeZone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    // locate_zone reports unknown names (and an unreadable tz database) by throwing.
    return InvalidArgument("unknown time zone \"" + name + "\"");
  }
}

std::string FormatZoned(TimeMs utc_ms, const date::time_zone& zone, const std::string& format) {
  if (utc_ms < kMinTimeMs || utc_ms > kMaxTimeMs) return FormatRfc3339(utc_ms);
  using std::chrono::milliseconds;
  // Whole seconds: date::format would otherwise print "05.250" for %S.
  const date::sys_seconds instant =
      date::floor<std::chrono::seconds>(date::sys_time<milliseconds>{milliseconds{utc_ms}});
  return date::format(format, date::zoned_time<std::chrono::seconds>(&zone, instant));
}

}  // namespace stayaway::geo
