// ParseFixMessage (kafka_fixes_intake.h): the fix one stayaway.fixes message holds, as a
// line of `stayaway replay` input or as the JSON Traccar forwards; anything else refused.
#include "daemon/kafka_fixes_intake.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "base/time.h"
#include "ingest/traccar_codec.h"

namespace stayaway::daemon {
namespace {

constexpr TimeMs kT = 1740823200000;  // 2025-03-01T10:00:00Z

// What Traccar's forward.type=kafka puts in a message (tests/daemon_harness.h).
std::string TraccarForward(const std::string& unique_id, const std::string& alarm) {
  return R"({"position": {"id": 0, "deviceId": 3, "protocol": "h02", "fixTime": ")" +
         FormatRfc3339(kT) + R"(", "deviceTime": ")" + FormatRfc3339(kT) +
         R"(", "outdated": false, "valid": true, "latitude": 42.87, "longitude": 74.59,
         "altitude": 0, "speed": 2, "course": 90, "accuracy": 6, "attributes": {"alarm": ")" +
         alarm + R"(", "batteryLevel": 80}}, "device": {"id": 3, "name": "Tag", "uniqueId": ")" +
         unique_id + R"("}})";
}

TEST(ParseFixMessage, ReadsAReplayFixLine) {
  StatusOr<v1::Fix> fix = ParseFixMessage(
      R"({"device": "tag-1", "seq": 7, "time": "2025-03-01T10:00:00Z", "lat": 42.87,)"
      R"( "lon": 74.59, "accuracy_m": 8, "battery_pct": 55, "flags": ["sos"]})");
  ASSERT_TRUE(fix.ok()) << fix.status().message();
  EXPECT_EQ(fix->device(), "tag-1");
  EXPECT_EQ(fix->seq(), 7u);
  EXPECT_EQ(TimestampToMs(fix->time()), kT);
  EXPECT_DOUBLE_EQ(fix->lat(), 42.87);
  EXPECT_DOUBLE_EQ(fix->lon(), 74.59);
  EXPECT_DOUBLE_EQ(fix->accuracy_m(), 8);
  EXPECT_DOUBLE_EQ(fix->battery_pct(), 55);
  ASSERT_EQ(fix->flags_size(), 1);
  EXPECT_EQ(fix->flags(0), v1::Fix::sos);
}

TEST(ParseFixMessage, ReadsTraccarsForwardedPositionAsTheTraccarDecoderDoes) {
  const std::string message = TraccarForward("357073291234567", "sos");
  StatusOr<v1::Fix> fix = ParseFixMessage(message);
  ASSERT_TRUE(fix.ok()) << fix.status().message();
  EXPECT_EQ(fix->device(), "357073291234567");  // uniqueId, not Traccar's database id
  EXPECT_EQ(TimestampToMs(fix->time()), kT);
  EXPECT_DOUBLE_EQ(fix->lat(), 42.87);
  EXPECT_DOUBLE_EQ(fix->lon(), 74.59);
  EXPECT_DOUBLE_EQ(fix->speed_mps(), 2 * ingest::kKnotsToMps);
  EXPECT_DOUBLE_EQ(fix->accuracy_m(), 6);
  EXPECT_TRUE(std::count(fix->flags().begin(), fix->flags().end(), v1::Fix::sos) == 1);
  EXPECT_EQ(fix->seq(), ingest::codec::DerivedSeq(kT, *fix));
  StatusOr<v1::Fix> decoded = ingest::ParseTraccarForward(message);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(fix->SerializeAsString(), decoded->SerializeAsString());
}

TEST(ParseFixMessage, RefusesATickLineNamingWhoKeepsTheTime) {
  StatusOr<v1::Fix> tick = ParseFixMessage(R"({"tick": "2025-03-01T10:05:00Z"})");
  ASSERT_FALSE(tick.ok());
  EXPECT_EQ(tick.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(tick.status().message().find("ticks come from the leader"), std::string::npos)
      << tick.status().message();
}

TEST(ParseFixMessage, RefusesWhatIsNeitherFormat) {
  for (const char* garbage : {
           "",
           "not json",
           "\x01\x02\x03",
           "[1, 2, 3]",
           R"({"device": "tag-1", "seq": 1})",  // a fix with no time
           R"({"device": "tag-1", "seq": 1, "time": "x", "lat": 1, "lon": 1})",  // a bad time
           R"({"device": "tag-1", "colour": "red"})",                            // an unknown field
           R"({"position": {"latitude": 42.87}})",  // Traccar, no device
           R"({"position": 3, "device": {"uniqueId": "tag-1"}})",
       }) {
    StatusOr<v1::Fix> fix = ParseFixMessage(garbage);
    EXPECT_FALSE(fix.ok()) << garbage;
    EXPECT_EQ(fix.status().code(), StatusCode::kInvalidArgument) << garbage;
    EXPECT_FALSE(fix.status().message().empty()) << garbage;
  }
}

// "position" as a value (a device called so) is not Traccar's key: the line
// is still a stayaway fix.
TEST(ParseFixMessage, AFixLineWhoseValuesSayPositionIsStillAFixLine) {
  StatusOr<v1::Fix> fix = ParseFixMessage(
      R"({"device": "position", "seq": 3, "time": "2025-03-01T10:00:00Z", "lat": 42.87,)"
      R"( "lon": 74.59, "accuracy_m": 8})");
  ASSERT_TRUE(fix.ok()) << fix.status().message();
  EXPECT_EQ(fix->device(), "position");
  EXPECT_EQ(fix->seq(), 3u);
}

}  // namespace
}  // namespace stayaway::daemon
