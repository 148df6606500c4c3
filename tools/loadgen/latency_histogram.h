// LatencyHistogram: a log-linear (HDR-style) histogram of latencies in whole microseconds,
// for the load generator and the peer benchmarks.
//
//   LatencyHistogram h;
//   h.RecordMicros(412);
//   h.Merge(other_thread_histogram);
//   int64_t p99 = h.PercentileMicros(99);
//
// Buckets: values below 128 µs have a bucket each (exact). Above, every power of two is
// split into 64 equal buckets, so a bucket is at most 1/64 of its lowest value wide and a
// reported percentile (the bucket's midpoint, clamped to the exact min and max) is within
// 0.8 % of the true sample value. The range is 0 to kMaxTrackableMicros (about 71 minutes,
// well past the 60 s a load test can wait); larger values are counted in the last bucket
// and in saturated_count(), and max_micros() stays exact. Negative values count as 0.
// Memory is fixed (about 13 KiB); recording is a few shifts and an increment.
//
// Percentiles use the nearest-rank definition: PercentileMicros(p) is the value of the
// sample at rank ceil(p / 100 * count) in sorted order (rank 1 for p = 0), so p = 100 is
// max_micros(). An empty histogram reports 0 everywhere.
//
// Thread-compatible: give each thread its own histogram and Merge() them afterwards.
#ifndef STAYAWAY_TOOLS_LOADGEN_LATENCY_HISTOGRAM_H_
#define STAYAWAY_TOOLS_LOADGEN_LATENCY_HISTOGRAM_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace stayaway::loadgen {

class LatencyHistogram {
 public:
  // 2^32 µs, about 71.6 minutes.
  static constexpr int64_t kMaxTrackableMicros = int64_t{1} << 32;

  LatencyHistogram();

  void RecordMicros(int64_t micros);
  // Adds every sample of `other` (same bucket layout, always true for this class).
  void Merge(const LatencyHistogram& other);
  void Clear();

  uint64_t count() const { return count_; }
  // Samples above kMaxTrackableMicros (kept in the last bucket).
  uint64_t saturated_count() const { return saturated_; }
  int64_t min_micros() const { return count_ == 0 ? 0 : min_; }
  int64_t max_micros() const { return count_ == 0 ? 0 : max_; }
  double mean_micros() const;

  // `percentile` in [0, 100] (clamped). See the header comment for the definition.
  int64_t PercentileMicros(double percentile) const;

  // The bucket layout, exposed for tests: the bucket holding `micros` (clamped to
  // [0, kMaxTrackableMicros]) and the lowest and highest value that bucket holds.
  static std::size_t BucketIndex(int64_t micros);
  static int64_t BucketLowest(std::size_t index);
  static int64_t BucketHighest(std::size_t index);
  static std::size_t BucketCount();

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  uint64_t saturated_ = 0;
  int64_t min_ = std::numeric_limits<int64_t>::max();
  int64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace stayaway::loadgen

#endif  // STAYAWAY_TOOLS_LOADGEN_LATENCY_HISTOGRAM_H_
