#include "base/time.h"

#include <google/protobuf/timestamp.pb.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace stayaway {
namespace {

TEST(FormatRfc3339, PrintsTimesInTheTimestampRangeAsRfc3339) {
  EXPECT_EQ(FormatRfc3339(1740996000000), "2025-03-03T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(1740996000250), "2025-03-03T10:00:00.250Z");
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(kMinTimeMs), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kMaxTimeMs), "9999-12-31T23:59:59.999Z");
}

TEST(FormatRfc3339, PrintsTimesBeyondYear9999WithTheirRealDateNever1970) {
  EXPECT_EQ(FormatRfc3339(kMaxTimeMs + 1), "+10000-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kMinTimeMs - 1), "+0000-12-31T23:59:59.999Z");
  // 10^15 s (the year 31690708) and both ends of TimeMs.
  EXPECT_EQ(FormatRfc3339(int64_t{1'000'000'000'000'000} * 1000), "+31690708-07-05T01:46:40Z");
  EXPECT_EQ(FormatRfc3339(std::numeric_limits<TimeMs>::max()), "+292278994-08-17T07:12:55.807Z");
  EXPECT_EQ(FormatRfc3339(std::numeric_limits<TimeMs>::min()), "-292275055-05-16T16:47:04.192Z");
  // Leap days of the proleptic calendar on both sides of the range.
  EXPECT_EQ(FormatRfc3339(kMaxTimeMs + 1 + 59 * 86'400'000LL), "+10000-02-29T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kMinTimeMs - 307 * 86'400'000LL), "+0000-02-29T00:00:00Z");
}

TEST(TimestampRange, IsCheckedWithoutArithmetic) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(kMaxTimestampSeconds);
  ts.set_nanos(kMaxTimestampNanos);
  EXPECT_TRUE(CheckTimestampRange(ts).ok());
  EXPECT_EQ(TimestampToMs(ts), kMaxTimeMs);
  ts.set_seconds(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(CheckTimestampRange(ts).message(),
            "seconds 9223372036854775807 is outside [-62135596800, 253402300799], the Timestamp "
            "range 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z");
  ts.set_seconds(0);
  ts.set_nanos(std::numeric_limits<int32_t>::max());
  EXPECT_EQ(CheckTimestampRange(ts).message(), "nanos 2147483647 is outside [0, 999999999]");
}

TEST(TimestampToMs, WrapsOutOfRangeTimesAsEarlierReleasesDidWithoutUndefinedBehaviour) {
  // Journals written before the range check may hold such a time; replay must read it
  // as it was read then (the sanitizer build checks there is no signed overflow).
  google::protobuf::Timestamp ts;
  ts.set_seconds((int64_t{1} << 61) + 1'796'475'552);
  EXPECT_EQ(TimestampToMs(ts), 1'796'475'552'000);
  ts.set_seconds(std::numeric_limits<int64_t>::min());
  ts.set_nanos(-999'999'999);
  EXPECT_EQ(TimestampToMs(ts), -999);
}

}  // namespace
}  // namespace stayaway
