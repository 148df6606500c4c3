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

}  // namespace
}  // namespace stayaway::evidence
