#include "evidence/leaves.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "proto/stayaway.pb.h"

namespace stayaway::evidence {
namespace {

// The daemon's shortcut must give exactly the bytes of the general path, or every Merkle
// root and every replayed journal would differ from what was signed.
TEST(FixLeafData, IsTheInputsLeafDataForEveryKindOfFix) {
  std::mt19937_64 rng(20261127);
  FixLeafBatch batch;  // the daemon's batches: every leaf in one buffer
  std::vector<std::string> expected;
  for (int i = 0; i < 2000; ++i) {
    v1::Fix fix;
    // Device names long enough for multi-byte lengths now and then.
    fix.set_device(std::string(1 + rng() % (i % 50 == 0 ? 300 : 20), static_cast<char>('a' + rng() % 26)));
    fix.set_seq(rng() % 3 == 0 ? rng() : rng() % 1000);
    fix.mutable_time()->set_seconds(static_cast<int64_t>(1'700'000'000 + rng() % 100'000'000));
    fix.mutable_time()->set_nanos(static_cast<int32_t>(rng() % 1'000'000'000));
    if (rng() % 2) fix.mutable_received()->set_seconds(1'700'000'000);
    fix.set_lat(static_cast<double>(rng() % 180'000) / 1000 - 90);
    fix.set_lon(static_cast<double>(rng() % 360'000) / 1000 - 180);
    fix.set_accuracy_m(static_cast<double>(rng() % 5000) / 10);
    if (rng() % 2) fix.set_speed_mps(static_cast<double>(rng() % 400));
    if (rng() % 2) fix.set_battery_pct(static_cast<double>(rng() % 100));
    if (rng() % 10 == 0) fix.set_no_position(true);
    v1::Input input;
    *input.mutable_fix() = fix;
    const std::string leaf = FixLeafData(fix);
    ASSERT_EQ(leaf, InputLeafData(input)) << fix.ShortDebugString();
    batch.Add(fix);
    expected.push_back(leaf);
    const std::string bytes = leaf.substr(1);  // the journal record
    ASSERT_EQ(bytes, DeterministicBytes(input));
    ASSERT_EQ(InputLeafDataFromBytes(bytes), leaf);
    v1::Input parsed;
    ASSERT_TRUE(parsed.ParseFromString(bytes));
    EXPECT_EQ(parsed.fix().SerializeAsString(), fix.SerializeAsString());
  }
  ASSERT_EQ(batch.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(batch[i], expected[i]) << i;
  batch.Clear();
  EXPECT_EQ(batch.size(), 0u);
}

// Events and inputs other than fixes: the prefix, then the message's deterministic bytes,
// map fields (a zone's GeoJSON) in key order whatever order they were made in.
TEST(LeafData, IsThePrefixAndTheDeterministicBytesOfEventsAndInputs) {
  std::mt19937_64 rng(20261207);
  auto text = [&](size_t most) {
    return std::string(rng() % (most + 1), static_cast<char>('a' + rng() % 26));
  };
  for (int i = 0; i < 1000; ++i) {
    v1::EventRecord record;
    record.set_seq(rng() % 3 == 0 ? rng() : rng() % 100'000);
    v1::Event& event = *record.mutable_event();
    event.set_alert_id(text(16));
    event.set_order_id(text(i % 100 == 0 ? 300 : 20));
    event.set_kind(static_cast<v1::Event::Kind>(rng() % 8));
    event.set_transition(static_cast<v1::Event::Transition>(rng() % 5));
    event.set_rule(text(40));
    event.mutable_time()->set_seconds(static_cast<int64_t>(1'700'000'000 + rng() % 100'000'000));
    if (rng() % 2) {
      v1::PositionReport& at = *event.mutable_supervised();
      at.set_person(text(12));
      at.set_device(text(12));
      at.set_lat(static_cast<double>(rng() % 180'000) / 1000 - 90);
      at.set_accuracy_m(static_cast<double>(rng() % 5000) / 10);
    }
    for (uint64_t f = 0, n = rng() % 4; f < n; ++f) {
      v1::FixRef& ref = *event.add_fixes();
      ref.set_device(text(12));
      ref.set_seq(rng());
    }
    if (rng() % 2) event.set_distance_m(static_cast<double>(rng() % 100'000) / 10);
    ASSERT_EQ(EventLeafData(record), "E" + DeterministicBytes(record)) << record.ShortDebugString();

    v1::Input input;
    v1::Order& order = *input.mutable_order();
    order.set_id(text(20));
    order.set_version(static_cast<uint32_t>(rng() % 10));
    order.mutable_supervised()->add_devices(text(10));
    auto& geometry = *order.add_zones()->mutable_geometry()->mutable_fields();
    for (uint64_t k = 0, n = 1 + rng() % 6; k < n; ++k) {
      geometry[text(8) + std::to_string(k)].set_number_value(static_cast<double>(rng() % 1000));
    }
    ASSERT_EQ(InputLeafData(input), "I" + DeterministicBytes(input)) << input.ShortDebugString();
  }
}

}  // namespace
}  // namespace stayaway::evidence
