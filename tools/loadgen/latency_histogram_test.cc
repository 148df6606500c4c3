// LatencyHistogram against a sorted-vector oracle on random samples from fixed seeds, plus
// the bucket layout's bounds and merging.
#include "tools/loadgen/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace stayaway::loadgen {
namespace {

// Nearest rank, as documented in the header.
int64_t OraclePercentile(const std::vector<int64_t>& sorted, double p) {
  const auto n = static_cast<double>(sorted.size());
  const auto rank = std::max<size_t>(1, static_cast<size_t>(std::ceil(p * n / 100.0 - 1e-9)));
  return sorted[rank - 1];
}

// Log-uniform from 1 µs to 60 s: every magnitude the load generator sees.
std::vector<int64_t> RandomLatencies(uint32_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> exponent(0.0, std::log(60e6));
  std::vector<int64_t> values(n);
  for (int64_t& v : values) v = static_cast<int64_t>(std::exp(exponent(rng)));
  return values;
}

void ExpectWithinOnePercent(int64_t got, int64_t want, const std::string& what) {
  if (want < 128) {
    EXPECT_EQ(got, want) << what;  // exact below 128 µs
  } else {
    EXPECT_LE(std::abs(static_cast<double>(got - want)), 0.01 * static_cast<double>(want))
        << what << ": got " << got << ", want " << want;
  }
}

TEST(LatencyHistogram, PercentilesMatchSortedOracleWithinOnePercent) {
  for (const uint32_t seed : {1u, 7u, 20261127u}) {
    for (const size_t n : {1u, 2u, 10u, 999u, 100000u}) {
      std::vector<int64_t> values = RandomLatencies(seed, n);
      LatencyHistogram h;
      for (const int64_t v : values) h.RecordMicros(v);
      std::sort(values.begin(), values.end());
      ASSERT_EQ(h.count(), n);
      EXPECT_EQ(h.min_micros(), values.front());
      EXPECT_EQ(h.max_micros(), values.back());
      for (const double p : {0.0, 1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        ExpectWithinOnePercent(
            h.PercentileMicros(p), OraclePercentile(values, p),
            "seed " + std::to_string(seed) + " n " + std::to_string(n) + " p" + std::to_string(p));
      }
    }
  }
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int64_t v = 0; v < 128; ++v) h.RecordMicros(v);
  for (int64_t v = 0; v < 128; ++v) {
    EXPECT_EQ(h.PercentileMicros(100.0 * static_cast<double>(v + 1) / 128.0), v);
  }
}

TEST(LatencyHistogram, BucketsTileTheRangeWithoutGapsAndStayNarrow) {
  const size_t buckets = LatencyHistogram::BucketCount();
  EXPECT_EQ(LatencyHistogram::BucketLowest(0), 0);
  for (size_t i = 0; i + 1 < buckets; ++i) {
    ASSERT_EQ(LatencyHistogram::BucketHighest(i) + 1, LatencyHistogram::BucketLowest(i + 1))
        << "bucket " << i;
    const int64_t lo = LatencyHistogram::BucketLowest(i);
    const int64_t width = LatencyHistogram::BucketHighest(i) - lo + 1;
    if (lo >= 128) {
      EXPECT_LE(static_cast<double>(width) / static_cast<double>(lo), 1.0 / 64);
    }
    EXPECT_EQ(LatencyHistogram::BucketIndex(lo), i);
    EXPECT_EQ(LatencyHistogram::BucketIndex(LatencyHistogram::BucketHighest(i)), i);
  }
  EXPECT_EQ(LatencyHistogram::BucketIndex(LatencyHistogram::kMaxTrackableMicros), buckets - 1);
  EXPECT_GE(LatencyHistogram::BucketHighest(buckets - 1), LatencyHistogram::kMaxTrackableMicros);
}

TEST(LatencyHistogram, OutOfRangeValuesAreClampedButMaxStaysExact) {
  LatencyHistogram h;
  h.RecordMicros(-5);
  h.RecordMicros(LatencyHistogram::kMaxTrackableMicros * 4);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.min_micros(), 0);
  EXPECT_EQ(h.saturated_count(), 1u);
  EXPECT_EQ(h.max_micros(), LatencyHistogram::kMaxTrackableMicros * 4);
  EXPECT_EQ(h.PercentileMicros(100), LatencyHistogram::kMaxTrackableMicros * 4);
  EXPECT_EQ(h.PercentileMicros(50), 0);
}

TEST(LatencyHistogram, EmptyReportsZero) {
  const LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.PercentileMicros(99), 0);
  EXPECT_EQ(h.min_micros(), 0);
  EXPECT_EQ(h.max_micros(), 0);
  EXPECT_EQ(h.mean_micros(), 0);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  const std::vector<int64_t> a = RandomLatencies(3, 5000);
  const std::vector<int64_t> b = RandomLatencies(4, 7000);
  LatencyHistogram ha, hb, all;
  for (const int64_t v : a) ha.RecordMicros(v), all.RecordMicros(v);
  for (const int64_t v : b) hb.RecordMicros(v), all.RecordMicros(v);
  LatencyHistogram empty;
  ha.Merge(empty);
  ha.Merge(hb);
  EXPECT_EQ(ha.count(), all.count());
  EXPECT_EQ(ha.min_micros(), all.min_micros());
  EXPECT_EQ(ha.max_micros(), all.max_micros());
  EXPECT_DOUBLE_EQ(ha.mean_micros(), all.mean_micros());
  for (const double p : {0.0, 50.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(ha.PercentileMicros(p), all.PercentileMicros(p)) << p;
  }
  empty.Merge(all);
  EXPECT_EQ(empty.PercentileMicros(99), all.PercentileMicros(99));
}

}  // namespace
}  // namespace stayaway::loadgen
