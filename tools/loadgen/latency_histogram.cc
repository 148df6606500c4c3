#include "tools/loadgen/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace stayaway::loadgen {
namespace {

// Values below 2^kLinearBits have a bucket each; each later power of two has
// 2^(kLinearBits - 1) buckets.
constexpr int kLinearBits = 7;
constexpr int64_t kLinearLimit = int64_t{1} << kLinearBits;       // 128
constexpr int64_t kSubBuckets = int64_t{1} << (kLinearBits - 1);  // 64 per power of two
constexpr int kTopMagnitude = 32;  // floor(log2(kMaxTrackableMicros))

}  // namespace

std::size_t LatencyHistogram::BucketIndex(int64_t micros) {
  const int64_t v = std::clamp<int64_t>(micros, 0, kMaxTrackableMicros);
  if (v < kLinearLimit) return static_cast<std::size_t>(v);
  // m >= kLinearBits: the position of the highest set bit; the next kLinearBits - 1 bits
  // below it choose the sub-bucket.
  const int m = std::bit_width(static_cast<uint64_t>(v)) - 1;
  const int shift = m - (kLinearBits - 1);
  const int64_t sub = (v >> shift) - kSubBuckets;  // in [0, kSubBuckets)
  return static_cast<std::size_t>(kLinearLimit + (m - kLinearBits) * kSubBuckets + sub);
}

int64_t LatencyHistogram::BucketLowest(std::size_t index) {
  const auto i = static_cast<int64_t>(index);
  if (i < kLinearLimit) return i;
  const int64_t m = kLinearBits + (i - kLinearLimit) / kSubBuckets;
  const int64_t sub = (i - kLinearLimit) % kSubBuckets;
  const int64_t shift = m - (kLinearBits - 1);
  return (kSubBuckets + sub) << shift;
}

int64_t LatencyHistogram::BucketHighest(std::size_t index) {
  const auto i = static_cast<int64_t>(index);
  if (i < kLinearLimit) return i;
  const int64_t m = kLinearBits + (i - kLinearLimit) / kSubBuckets;
  const int64_t shift = m - (kLinearBits - 1);
  return BucketLowest(index) + (int64_t{1} << shift) - 1;
}

std::size_t LatencyHistogram::BucketCount() {
  // The last bucket is the one kMaxTrackableMicros (a power of two) falls into.
  return static_cast<std::size_t>(kLinearLimit + (kTopMagnitude - kLinearBits) * kSubBuckets + 1);
}

LatencyHistogram::LatencyHistogram() : buckets_(BucketCount(), 0) {}

void LatencyHistogram::RecordMicros(int64_t micros) {
  const int64_t v = std::max<int64_t>(micros, 0);
  ++buckets_[BucketIndex(v)];
  ++count_;
  if (v > kMaxTrackableMicros) ++saturated_;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
  sum_ += static_cast<double>(v);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  saturated_ += other.saturated_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void LatencyHistogram::Clear() { *this = LatencyHistogram(); }

double LatencyHistogram::mean_micros() const {
  return count_ == 0 ? 0 : sum_ / static_cast<double>(count_);
}

int64_t LatencyHistogram::PercentileMicros(double percentile) const {
  if (count_ == 0) return 0;
  const double p = std::isnan(percentile) ? 0 : std::clamp(percentile, 0.0, 100.0);
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(p * static_cast<double>(count_) / 100.0 - 1e-9)));
  if (rank >= count_) return max_;  // the largest sample is known exactly
  uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const int64_t mid = BucketLowest(i) + (BucketHighest(i) - BucketLowest(i)) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace stayaway::loadgen
