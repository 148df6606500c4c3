// SnapshotFile: the devices board it carries since SSD2, and SSD1 files written before it.
#include "journal/snapshot_file.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/crc32c.h"
#include "journal/byte_codec.h"
#include "journal/journal.h"

namespace stayaway::journal {
namespace {

// An SSD1 file as the daemon wrote it before the board existed, built byte by byte from
// its documented layout (not through Encode), with one order and no events or zones.
std::string Ssd1Bytes() {
  std::string bytes = "SSD1";
  PutInt(42, 8, &bytes);         // records
  PutBytes("engine", &bytes);    // engine bytes (opaque here)
  PutBytes("frontier", &bytes);  // frontier bytes (opaque here)
  PutInt(0, 4, &bytes);          // events
  v1::Order order;
  order.set_id("KG-1");
  order.set_version(3);
  PutInt(1, 4, &bytes);
  PutBytes(order.SerializeAsString(), &bytes);
  PutInt(0, 4, &bytes);  // zones
  PutInt(Crc32c(bytes), 4, &bytes);
  return bytes;
}

TEST(SnapshotFile, AnSsd1FileWrittenBeforeTheBoardStillDecodesWithoutOne) {
  StatusOr<SnapshotFile> decoded = SnapshotFile::Decode(Ssd1Bytes());
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->records, 42u);
  EXPECT_EQ(decoded->engine_bytes, "engine");
  ASSERT_EQ(decoded->orders.size(), 1u);
  EXPECT_EQ(decoded->orders[0].id(), "KG-1");
  EXPECT_FALSE(decoded->with_board);
  EXPECT_TRUE(decoded->devices.empty());
  // Written back without a board it is the same SSD1 bytes.
  EXPECT_EQ(decoded->Encode(), Ssd1Bytes());
}

TEST(SnapshotFile, TheBoardRoundTripsInSsd2) {
  SnapshotFile file;
  file.records = 7;
  v1::DeviceStatus& device = file.devices.emplace_back();
  device.set_device("tag-1");
  device.mutable_last_fix()->set_seq(9);
  device.mutable_last_fix()->set_lat(42.87);
  device.set_battery_pct(12);
  const std::string bytes = file.Encode();
  EXPECT_EQ(bytes.substr(0, 4), "SSD2");
  StatusOr<SnapshotFile> decoded = SnapshotFile::Decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_TRUE(decoded->with_board);
  ASSERT_EQ(decoded->devices.size(), 1u);
  EXPECT_EQ(decoded->devices[0].device(), "tag-1");
  EXPECT_DOUBLE_EQ(decoded->devices[0].last_fix().lat(), 42.87);
  // A damaged one is refused, as before.
  std::string damaged = bytes;
  damaged[10] ^= 1;
  EXPECT_FALSE(SnapshotFile::Decode(damaged).ok());
}

// The events go in and come out as their records' bytes, as the event log keeps them, and
// are laid out as the format says (each a length and the record), so that a file written
// with the events as messages before reads the same.
TEST(SnapshotFile, EventsAreTheirRecordsBytesInTheDocumentedLayout) {
  SnapshotFile file;
  file.records = 12;
  file.engine_bytes = "engine";
  file.frontier_bytes = "frontier";
  file.orders.emplace_back().set_id("KG-1");
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    v1::EventRecord record;
    record.set_seq(seq);
    record.mutable_event()->set_alert_id("alert-" + std::to_string(seq % 2));
    record.mutable_event()->set_kind(v1::Event::proximity_violation);
    record.mutable_event()->set_ack_note(std::string(seq * 40, 'n'));
    file.events.push_back(record.SerializeAsString());
  }
  const std::string bytes = file.Encode();
  std::string expected("SSD2", 4);
  PutInt(12, 8, &expected);
  PutBytes("engine", &expected);
  PutBytes("frontier", &expected);
  PutInt(5, 4, &expected);
  for (const std::string& record : file.events) PutBytes(record, &expected);
  PutInt(1, 4, &expected);
  PutBytes(file.orders[0].SerializeAsString(), &expected);
  PutInt(0, 4, &expected);  // zones
  PutInt(0, 4, &expected);  // devices
  PutInt(Crc32c(expected), 4, &expected);
  EXPECT_EQ(bytes, expected);
  StatusOr<SnapshotFile> decoded = SnapshotFile::Decode(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->events, file.events);
}

}  // namespace
}  // namespace stayaway::journal
