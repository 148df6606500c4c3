// IANA time zones by name, and instants written as wall-clock time in one: the one place
// stayaway looks zones up (Howard Hinnant's date-tz over the system tz database,
// /usr/share/zoneinfo). Weekly schedules (weekly_schedule.h), order validation
// (engine/order_validation.h), the daemon's texts to protected persons and the evidence
// report (evidence/report_html.h) all come here.
//
// Thread-safe: the tz database is loaded once and immutable after.
#ifndef STAYAWAY_GEO_TIME_ZONE_H_
#define STAYAWAY_GEO_TIME_ZONE_H_

#include <string>

#include "base/status.h"
#include "base/time.h"

namespace date {
class time_zone;
}

namespace stayaway::geo {

// The zone named `name` ("Asia/Bishkek"; the tz database's links, "Europe/Kiev", too).
// InvalidArgument `unknown time zone "NAME"` for any other name, the empty one included,
// and when the tz database cannot be read.
StatusOr<const date::time_zone*> FindTimeZone(const std::string& name);

// `utc_ms` as wall-clock time in `zone`, written with date::format's `format`
// ("%Y-%m-%d %H:%M:%S %Ez" gives "2025-03-01 16:00:05 +06:00"; %Ez is the UTC offset in
// force then, DST included). Times outside years 0001..9999 are written as by
// FormatRfc3339, in UTC, so nothing here overflows.
std::string FormatZoned(TimeMs utc_ms, const date::time_zone& zone, const std::string& format);

}  // namespace stayaway::geo

#endif  // STAYAWAY_GEO_TIME_ZONE_H_
