#include "base/time.h"

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <cinttypes>
#include <cstdio>

namespace stayaway {
namespace {

// Floor division and its remainder, for negative times.
int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}
// From the remainder, not a - FloorDiv(a, b) * b, which overflows at INT64_MIN.
int64_t FloorMod(int64_t a, int64_t b) {
  const int64_t r = a % b;
  return (r != 0 && (r < 0) != (b < 0)) ? r + b : r;
}

struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

// The proleptic Gregorian date `days` after 1970-01-01, for any int64 day count a TimeMs
// can reach. The calendar repeats every 400 years (146097 days); counting from 0000-03-01
// puts the leap day at the end of each year.
CivilDate DateOfDay(int64_t days) {
  const int64_t shifted = days + 719'468;  // days from 0000-03-01 to 1970-01-01
  const int64_t era = FloorDiv(shifted, 146'097);
  const int64_t day_of_era = shifted - era * 146'097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_index = (5 * day_of_year + 2) / 153;  // 0 = March
  const int day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const int month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

std::string FormatExpanded(TimeMs ms) {
  const int64_t seconds = FloorDiv(ms, 1000);
  const int millis = static_cast<int>(FloorMod(ms, 1000));
  const int64_t second_of_day = FloorMod(seconds, 86'400);
  const CivilDate date = DateOfDay(FloorDiv(seconds, 86'400));
  char text[80];
  // Astronomical year numbering, as ISO 8601 has it: year 0 is 1 BC.
  int n = std::snprintf(text, sizeof text, "%c%04" PRId64 "-%02d-%02dT%02d:%02d:%02d",
                        date.year < 0 ? '-' : '+', date.year < 0 ? -date.year : date.year,
                        date.month, date.day, static_cast<int>(second_of_day / 3600),
                        static_cast<int>(second_of_day / 60 % 60),
                        static_cast<int>(second_of_day % 60));
  if (millis != 0) n += std::snprintf(text + n, sizeof text - n, ".%03d", millis);
  return std::string(text, n) + "Z";
}

}  // namespace

Status CheckTimestampRange(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds) {
    return InvalidArgument("seconds " + std::to_string(ts.seconds()) + " is outside [" +
                           std::to_string(kMinTimestampSeconds) + ", " +
                           std::to_string(kMaxTimestampSeconds) +
                           "], the Timestamp range 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z");
  }
  if (ts.nanos() < 0 || ts.nanos() > kMaxTimestampNanos) {
    return InvalidArgument("nanos " + std::to_string(ts.nanos()) + " is outside [0, " +
                           std::to_string(kMaxTimestampNanos) + "]");
  }
  return Status::Ok();
}

TimeMs TimestampToMs(const google::protobuf::Timestamp& ts) {
  // In range this is plain arithmetic; unsigned arithmetic only gives the out-of-range
  // case a defined result (see time.h).
  const uint64_t ms = static_cast<uint64_t>(ts.seconds()) * 1000u +
                      static_cast<uint64_t>(static_cast<int64_t>(ts.nanos() / 1'000'000));
  return static_cast<TimeMs>(ms);
}

void MsToTimestamp(TimeMs ms, google::protobuf::Timestamp* ts) {
  int64_t seconds = ms / 1000;
  int64_t rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    seconds -= 1;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rem * 1000000));
}

std::string FormatRfc3339(TimeMs ms) {
  // Protobuf's printer knows only years 0001..9999 and prints anything else wrongly.
  if (ms < kMinTimeMs || ms > kMaxTimeMs) return FormatExpanded(ms);
  google::protobuf::Timestamp ts;
  MsToTimestamp(ms, &ts);
  return google::protobuf::util::TimeUtil::ToString(ts);
}

}  // namespace stayaway
