// WeeklySchedule: when a zone rule applies, as windows of local wall-clock time in an
// IANA time zone (Howard Hinnant's date library over the system tzdata).
//
// A window [start, end) starts on each of its days at `start` local time. When end <= start
// the window crosses midnight and ends at `end` on the following day (a curfew 22:00-06:00
// set for Friday runs from Friday 22:00 to Saturday 06:00). Windows follow local time
// across DST changes: a 22:00-06:00 window lasts 7 or 9 hours on the change nights. A
// local time skipped by a DST change does not exist; a window starting in the gap starts
// at the first valid instant after it.
//
// Thread-safe after construction (the tz database is immutable once loaded).
#ifndef STAYAWAY_GEO_WEEKLY_SCHEDULE_H_
#define STAYAWAY_GEO_WEEKLY_SCHEDULE_H_

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "base/time.h"

namespace stayaway::v1 {
class WeeklySchedule;
}
namespace date {
class time_zone;
}

namespace stayaway::geo {

class WeeklySchedule {
 public:
  // Refuses unknown time zones, malformed "HH:MM" and windows without a start.
  static StatusOr<WeeklySchedule> FromProto(const v1::WeeklySchedule& proto);

  // True when utc_ms falls inside any window.
  bool IsActive(TimeMs utc_ms) const;

 private:
  struct Window {
    uint8_t day_mask = 0x7f;   // bit 0 = Monday ... bit 6 = Sunday
    int start_minute = 0;      // minutes after local midnight
    int end_minute = 0;        // <= start_minute: ends the next day
  };
  const date::time_zone* zone_ = nullptr;
  std::vector<Window> windows_;
};

}  // namespace stayaway::geo

#endif  // STAYAWAY_GEO_WEEKLY_SCHEDULE_H_
