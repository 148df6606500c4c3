#include "geo/weekly_schedule.h"

#include <date/date.h>
#include <date/tz.h>

#include <chrono>
#include <exception>
#include <optional>
#include <string>

#include "geo/time_zone.h"
#include "proto/stayaway.pb.h"

namespace stayaway::geo {
namespace {

// "HH:MM" with HH 00-24 and MM 00-59 to minutes after midnight; "24:00" only when
// allow_end_of_day. nullopt when malformed.
std::optional<int> ParseHhMm(const std::string& text, bool allow_end_of_day) {
  auto digit = [&text](size_t i) -> int {
    return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1;
  };
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  const int h1 = digit(0), h0 = digit(1), m1 = digit(3), m0 = digit(4);
  if (h1 < 0 || h0 < 0 || m1 < 0 || m0 < 0) return std::nullopt;
  const int hours = h1 * 10 + h0, minutes = m1 * 10 + m0;
  if (minutes > 59 || hours > 24) return std::nullopt;
  if (hours == 24 && (minutes != 0 || !allow_end_of_day)) return std::nullopt;
  return hours * 60 + minutes;
}

// Day bit for an ISO weekday number, Monday = 1 ... Sunday = 7.
uint8_t DayBit(unsigned iso_weekday) { return static_cast<uint8_t>(1u << (iso_weekday - 1)); }

}  // namespace

StatusOr<WeeklySchedule> WeeklySchedule::FromProto(const v1::WeeklySchedule& proto) {
  WeeklySchedule schedule;
  if (proto.time_zone().empty()) return InvalidArgument("schedule has no time_zone");
  StatusOr<const date::time_zone*> zone = FindTimeZone(proto.time_zone());
  if (!zone.ok()) return zone.status();
  schedule.zone_ = *zone;
  if (proto.windows_size() == 0) {
    // A schedule that is never active would silently disable its rule.
    return InvalidArgument("schedule has no windows; omit the schedule to apply at all times");
  }
  for (int i = 0; i < proto.windows_size(); ++i) {
    const v1::WeeklySchedule::Window& in = proto.windows(i);
    const std::string where = "window " + std::to_string(i);
    if (in.start().empty()) return InvalidArgument(where + " has no start");
    if (in.end().empty()) return InvalidArgument(where + " has no end");
    const std::optional<int> start = ParseHhMm(in.start(), /*allow_end_of_day=*/false);
    if (!start) {
      return InvalidArgument(where + " start \"" + in.start() +
                             "\" is not HH:MM with HH 00-23 and MM 00-59");
    }
    const std::optional<int> end = ParseHhMm(in.end(), /*allow_end_of_day=*/true);
    if (!end) {
      return InvalidArgument(where + " end \"" + in.end() +
                             "\" is not HH:MM with HH 00-24 and MM 00-59");
    }
    Window window;
    window.start_minute = *start;
    window.end_minute = *end;
    if (in.days_size() > 0) {
      window.day_mask = 0;
      for (int day : in.days()) {
        if (day < v1::WeeklySchedule::mon || day > v1::WeeklySchedule::sun) {
          return InvalidArgument(where + " has day " + std::to_string(day) +
                                 ", expected mon (1) to sun (7)");
        }
        window.day_mask |= DayBit(static_cast<unsigned>(day));
      }
    }
    schedule.windows_.push_back(window);
  }
  return schedule;
}

bool WeeklySchedule::IsActive(TimeMs utc_ms) const {
  using std::chrono::milliseconds;
  using std::chrono::minutes;
  // The local wall time of the instant: in a DST gap no instant maps to the skipped
  // times, so a window starting inside the gap starts at the first instant after it.
  const date::sys_time<milliseconds> instant{milliseconds{utc_ms}};
  const date::local_time<milliseconds> local = zone_->to_local(instant);
  const date::local_days local_day = date::floor<date::days>(local);
  const int minute = static_cast<int>(date::floor<minutes>(local - local_day).count());
  const unsigned today = date::weekday(local_day).iso_encoding();
  const unsigned yesterday = today == 1 ? 7 : today - 1;
  for (const Window& w : windows_) {
    if (w.end_minute > w.start_minute) {
      if ((w.day_mask & DayBit(today)) && minute >= w.start_minute && minute < w.end_minute) {
        return true;
      }
      continue;
    }
    // Crosses midnight: the part that started today, and the tail of yesterday's.
    if ((w.day_mask & DayBit(today)) && minute >= w.start_minute) return true;
    if ((w.day_mask & DayBit(yesterday)) && minute < w.end_minute) return true;
  }
  return false;
}

}  // namespace stayaway::geo
