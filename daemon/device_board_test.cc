// DeviceBoard (device_board.h): what a device's newest fix leaves on the board.
#include "daemon/device_board.h"

#include <gtest/gtest.h>

#include "base/time.h"

namespace stayaway::daemon {
namespace {

constexpr TimeMs kStart = 1741600800000;  // 2025-03-10T10:00:00Z

v1::Order OneDeviceOrder() {
  v1::Order order;
  order.set_id("KG-1");
  order.set_version(1);
  order.mutable_supervised()->set_id("p1");
  order.mutable_supervised()->add_devices("tag-1");
  return order;
}

v1::Fix PositionedFix(uint64_t seq, TimeMs t, double lat) {
  v1::Fix fix;
  fix.set_device("tag-1");
  fix.set_seq(seq);
  MsToTimestamp(t, fix.mutable_time());
  fix.set_lat(lat);
  fix.set_lon(74.6);
  fix.set_accuracy_m(9);
  fix.set_source(v1::Fix::gnss);
  return fix;
}

TEST(DeviceBoard, TheNewestFixReplacesEveryFieldOfTheLastOneItsPositionIncluded) {
  DeviceBoard board;
  board.RecordOrder(OneDeviceOrder());
  board.RecordFix(PositionedFix(1, kStart, 42.8));
  v1::Fix blind;
  blind.set_device("tag-1");
  blind.set_seq(2);
  MsToTimestamp(kStart + 30'000, blind.mutable_time());
  blind.set_no_position(true);
  board.RecordFix(blind);
  StatusOr<v1::DeviceStatus> status = board.Get("tag-1");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->last_fix().seq(), 2u);
  EXPECT_TRUE(status->last_fix().no_position());
  EXPECT_FALSE(status->last_fix().has_lat());
  EXPECT_FALSE(status->last_fix().has_lon());
  EXPECT_FALSE(status->last_fix().has_accuracy_m());
  EXPECT_EQ(status->last_fix().source(), v1::Fix::source_unspecified);
  EXPECT_EQ(TimestampToMs(status->last_fix().time()), kStart + 30'000);

  board.RecordFix(PositionedFix(3, kStart + 60'000, 42.9));
  status = board.Get("tag-1");
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status->last_fix().no_position());
  EXPECT_DOUBLE_EQ(status->last_fix().lat(), 42.9);
  EXPECT_DOUBLE_EQ(status->last_fix().accuracy_m(), 9);
  EXPECT_EQ(status->last_fix().source(), v1::Fix::gnss);
  // A late upload of an older fix moves only the last contact.
  v1::Fix late = PositionedFix(4, kStart + 10'000, 40.0);
  MsToTimestamp(kStart + 90'000, late.mutable_received());
  board.RecordFix(late);
  status = board.Get("tag-1");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->last_fix().seq(), 3u);
  EXPECT_DOUBLE_EQ(status->last_fix().lat(), 42.9);
  EXPECT_EQ(TimestampToMs(status->last_received()), kStart + 90'000);
}

}  // namespace
}  // namespace stayaway::daemon
