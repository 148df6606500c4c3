// Histogram: a Prometheus histogram of one quantity (seconds, by convention): a count per
// bucket of fixed upper bounds, their sum, rendered in the text exposition format.
//
//   Histogram fsync({0.001, 0.01, 0.1});
//   fsync.Observe(0.004);
//   fsync.Render("stayaway_journal_fsync_seconds", "", &out);   // _bucket, _sum, _count
//
// Thread-compatible: Metrics keeps its histograms under its own lock.
#ifndef STAYAWAY_DAEMON_HISTOGRAM_H_
#define STAYAWAY_DAEMON_HISTOGRAM_H_

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <span>
#include <string_view>
#include <vector>

namespace stayaway::daemon {

class Histogram {
 public:
  // Upper bounds, ascending; +Inf is implied.
  explicit Histogram(std::initializer_list<double> bounds);
  explicit Histogram(std::span<const double> bounds);

  void Observe(double value);
  // Adds counts gathered elsewhere over the same bounds (one per bucket, +Inf last).
  void Add(const uint64_t* counts, double sum);
  size_t buckets() const { return bounds_.size() + 1; }
  // The bucket `value` falls in (buckets() - 1: +Inf).
  size_t BucketOf(double value) const;

  // The _bucket, _sum and _count lines of `name`; `labels` (e.g. `kind="sos"`) go before
  // the le label. No HELP or TYPE line: a labelled family renders several histograms.
  void Render(std::string_view name, std::string_view labels, std::ostream* out) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, +Inf last
  double sum_ = 0;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_HISTOGRAM_H_
