// Tests of time zone lookup and zoned formatting (time_zone.h): unknown names are refused
// by name, links resolve, and the offset written is the one in force at the instant.
#include "geo/time_zone.h"

#include <gtest/gtest.h>

namespace stayaway::geo {
namespace {

constexpr TimeMs kWinter = 1'740'823'200'000;  // 2025-03-01T10:00:00Z
constexpr TimeMs kSummer = 1'751'191'200'000;  // 2025-06-29T10:00:00Z

TEST(TimeZone, UnknownNamesAreRefusedByName) {
  const auto unknown = FindTimeZone("Mars/Olympus_Mons");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "unknown time zone \"Mars/Olympus_Mons\"");
  EXPECT_FALSE(FindTimeZone("").ok());
  EXPECT_TRUE(FindTimeZone("Asia/Bishkek").ok());
  EXPECT_TRUE(FindTimeZone("Europe/Kiev").ok());  // a link, kept for old names
}

TEST(TimeZone, TheOffsetIsTheOneInForceThen) {
  const date::time_zone& berlin = *FindTimeZone("Europe/Berlin").value();
  EXPECT_EQ(FormatZoned(kWinter, berlin, "%Y-%m-%d %H:%M:%S %Ez"), "2025-03-01 11:00:00 +01:00");
  EXPECT_EQ(FormatZoned(kSummer, berlin, "%Y-%m-%d %H:%M:%S %Ez"), "2025-06-29 12:00:00 +02:00");
  const date::time_zone& bishkek = *FindTimeZone("Asia/Bishkek").value();
  EXPECT_EQ(FormatZoned(kWinter + 999, bishkek, "%H:%M:%S"), "16:00:00");  // whole seconds
  EXPECT_EQ(FormatZoned(kMaxTimeMs + 1, bishkek, "%H:%M"), FormatRfc3339(kMaxTimeMs + 1));
}

}  // namespace
}  // namespace stayaway::geo
