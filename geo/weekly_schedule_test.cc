#include "geo/weekly_schedule.h"

#include <date/date.h>
#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <string>

#include "proto/stayaway.pb.h"

namespace stayaway::geo {
namespace {

using v1::WeeklySchedule_Day;

// Milliseconds since the epoch of a UTC wall-clock time.
TimeMs Utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0, int ms = 0) {
  using namespace std::chrono;
  const auto t = date::sys_days{date::year{y} / mo / d} + hours{h} + minutes{mi} + seconds{s} +
                 milliseconds{ms};
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

v1::WeeklySchedule Proto(const std::string& zone, const std::string& start, const std::string& end,
                         std::initializer_list<WeeklySchedule_Day> days) {
  v1::WeeklySchedule proto;
  proto.set_time_zone(zone);
  auto* window = proto.add_windows();
  window->set_start(start);
  window->set_end(end);
  for (auto d : days) window->add_days(d);
  return proto;
}

WeeklySchedule Must(const v1::WeeklySchedule& proto) {
  auto schedule = WeeklySchedule::FromProto(proto);
  EXPECT_TRUE(schedule.ok()) << schedule.status().ToString();
  return std::move(schedule).value();
}

// Madrid is UTC+1 in winter (CET) and UTC+2 in summer (CEST).
TEST(WeeklyScheduleTest, NightlyCurfewInMadrid) {
  const WeeklySchedule curfew = Must(Proto("Europe/Madrid", "22:00", "06:00", {}));
  // Wednesday 2025-01-15, CET.
  EXPECT_TRUE(curfew.IsActive(Utc(2025, 1, 15, 22, 0)));  // 23:00 local
  EXPECT_TRUE(curfew.IsActive(Utc(2025, 1, 16, 4, 59)));  // 05:59 local
  EXPECT_TRUE(curfew.IsActive(Utc(2025, 1, 16, 4, 59, 59, 999)));
  EXPECT_FALSE(curfew.IsActive(Utc(2025, 1, 16, 5, 0)));    // 06:00 local: end excluded
  EXPECT_FALSE(curfew.IsActive(Utc(2025, 1, 15, 20, 59)));  // 21:59 local
  EXPECT_TRUE(curfew.IsActive(Utc(2025, 1, 15, 21, 0)));    // 22:00 local: start included
  // The same local times in summer are an hour earlier in UTC.
  EXPECT_TRUE(curfew.IsActive(Utc(2025, 7, 9, 21, 0)));   // 23:00 CEST
  EXPECT_FALSE(curfew.IsActive(Utc(2025, 7, 10, 4, 0)));  // 06:00 CEST
  EXPECT_TRUE(curfew.IsActive(Utc(2025, 7, 10, 3, 59)));  // 05:59 CEST
}

TEST(WeeklyScheduleTest, FridayOnlyWindowRunsIntoSaturday) {
  const WeeklySchedule friday =
      Must(Proto("Europe/Madrid", "22:00", "06:00", {v1::WeeklySchedule::fri}));
  // 2025-01-17 is a Friday.
  EXPECT_TRUE(friday.IsActive(Utc(2025, 1, 17, 22, 0)));   // Fri 23:00
  EXPECT_TRUE(friday.IsActive(Utc(2025, 1, 18, 4, 0)));    // Sat 05:00
  EXPECT_FALSE(friday.IsActive(Utc(2025, 1, 18, 5, 0)));   // Sat 06:00
  EXPECT_FALSE(friday.IsActive(Utc(2025, 1, 18, 22, 0)));  // Sat 23:00: Saturday not set
  EXPECT_FALSE(friday.IsActive(Utc(2025, 1, 16, 22, 0)));  // Thu 23:00
  EXPECT_FALSE(friday.IsActive(Utc(2025, 1, 17, 4, 0)));   // Fri 05:00: Thursday not set
}

TEST(WeeklyScheduleTest, FollowsSpringForwardInMadrid) {
  // Sunday 2025-03-30 02:00 CET becomes 03:00 CEST; the curfew lasts 7 hours that night.
  const WeeklySchedule curfew = Must(Proto("Europe/Madrid", "22:00", "06:00", {}));
  EXPECT_FALSE(curfew.IsActive(Utc(2025, 3, 29, 20, 59, 59)));  // Sat 21:59:59 CET
  EXPECT_TRUE(curfew.IsActive(Utc(2025, 3, 29, 21, 0)));        // Sat 22:00 CET
  EXPECT_TRUE(curfew.IsActive(Utc(2025, 3, 30, 1, 0)));         // 03:00 CEST, just after the gap
  EXPECT_TRUE(curfew.IsActive(Utc(2025, 3, 30, 3, 59, 59)));    // 05:59:59 CEST
  EXPECT_FALSE(curfew.IsActive(Utc(2025, 3, 30, 4, 0)));        // 06:00 CEST (05:00 CET)
}

TEST(WeeklyScheduleTest, FollowsFallBackInMadrid) {
  // Sunday 2025-10-26 03:00 CEST becomes 02:00 CET; the curfew lasts 9 hours that night.
  const WeeklySchedule curfew = Must(Proto("Europe/Madrid", "22:00", "06:00", {}));
  EXPECT_FALSE(curfew.IsActive(Utc(2025, 10, 25, 19, 59)));  // Sat 21:59 CEST
  EXPECT_TRUE(curfew.IsActive(Utc(2025, 10, 25, 20, 0)));    // Sat 22:00 CEST
  EXPECT_TRUE(curfew.IsActive(Utc(2025, 10, 26, 4, 59)));    // 05:59 CET (06:59 CEST)
  EXPECT_FALSE(curfew.IsActive(Utc(2025, 10, 26, 5, 0)));    // 06:00 CET
}

TEST(WeeklyScheduleTest, WindowStartingInTheSpringGapStartsAfterIt) {
  // 02:30 does not exist in Madrid on 2025-03-30; the window starts at 03:00 CEST.
  const WeeklySchedule early =
      Must(Proto("Europe/Madrid", "02:30", "04:00", {v1::WeeklySchedule::sun}));
  EXPECT_FALSE(early.IsActive(Utc(2025, 3, 30, 0, 59, 59)));  // 01:59:59 CET
  EXPECT_TRUE(early.IsActive(Utc(2025, 3, 30, 1, 0)));        // 03:00 CEST
  EXPECT_FALSE(early.IsActive(Utc(2025, 3, 30, 2, 0)));       // 04:00 CEST
}

TEST(WeeklyScheduleTest, SameDayWindowAndEndOfDay) {
  v1::WeeklySchedule proto = Proto("Asia/Bishkek", "08:00", "24:00", {v1::WeeklySchedule::mon});
  auto* second = proto.add_windows();
  second->set_start("12:00");
  second->set_end("13:30");
  second->add_days(v1::WeeklySchedule::wed);
  const WeeklySchedule s = Must(proto);
  // Bishkek is UTC+6. 2025-01-13 is a Monday.
  EXPECT_FALSE(s.IsActive(Utc(2025, 1, 13, 1, 59)));  // Mon 07:59
  EXPECT_TRUE(s.IsActive(Utc(2025, 1, 13, 2, 0)));    // Mon 08:00
  EXPECT_TRUE(s.IsActive(Utc(2025, 1, 13, 17, 59)));  // Mon 23:59
  EXPECT_FALSE(s.IsActive(Utc(2025, 1, 13, 18, 0)));  // Tue 00:00
  EXPECT_TRUE(s.IsActive(Utc(2025, 1, 15, 7, 0)));    // Wed 13:00
  EXPECT_FALSE(s.IsActive(Utc(2025, 1, 15, 7, 30)));  // Wed 13:30
  EXPECT_FALSE(s.IsActive(Utc(2025, 1, 14, 7, 0)));   // Tue 13:00
}

void ExpectRefused(const v1::WeeklySchedule& proto, const std::string& message_part) {
  auto s = WeeklySchedule::FromProto(proto);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find(message_part), std::string::npos) << s.status().message();
}

TEST(WeeklyScheduleTest, RefusesBadInput) {
  ExpectRefused(Proto("Mars/Olympus_Mons", "22:00", "06:00", {}), "unknown time zone");
  ExpectRefused(Proto("", "22:00", "06:00", {}), "time_zone");
  ExpectRefused(Proto("Europe/Madrid", "25:00", "06:00", {}), "\"25:00\"");
  ExpectRefused(Proto("Europe/Madrid", "22:00", "25:00", {}), "\"25:00\"");
  ExpectRefused(Proto("Europe/Madrid", "24:00", "06:00", {}), "start \"24:00\"");
  ExpectRefused(Proto("Europe/Madrid", "22:60", "06:00", {}), "\"22:60\"");
  ExpectRefused(Proto("Europe/Madrid", "9:00", "10:00", {}), "\"9:00\"");
  ExpectRefused(Proto("Europe/Madrid", "", "06:00", {}), "no start");
  ExpectRefused(Proto("Europe/Madrid", "22:00", "24:01", {}), "\"24:01\"");
  ExpectRefused(Proto("Europe/Madrid", "22:00", "06:00", {v1::WeeklySchedule::day_unspecified}),
                "day 0");
  v1::WeeklySchedule no_windows;
  no_windows.set_time_zone("Europe/Madrid");
  ExpectRefused(no_windows, "no windows");
}

}  // namespace
}  // namespace stayaway::geo
