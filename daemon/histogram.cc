#include "daemon/histogram.h"

namespace stayaway::daemon {

Histogram::Histogram(std::initializer_list<double> bounds)
    : bounds_(bounds), counts_(bounds.size() + 1, 0) {}

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()), counts_(bounds.size() + 1, 0) {}

size_t Histogram::BucketOf(double value) const {
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  return bucket;
}

void Histogram::Observe(double value) {
  ++counts_[BucketOf(value)];
  sum_ += value;
}

void Histogram::Add(const uint64_t* counts, double sum) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += counts[i];
  sum_ += sum;
}

void Histogram::Render(std::string_view name, std::string_view labels, std::ostream* out) const {
  const std::string_view comma = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    *out << name << "_bucket{" << labels << comma << "le=\"" << bounds_[i] << "\"} " << cumulative
         << '\n';
  }
  cumulative += counts_.back();
  *out << name << "_bucket{" << labels << comma << "le=\"+Inf\"} " << cumulative << '\n';
  const std::string_view open = labels.empty() ? "" : "{";
  const std::string_view close = labels.empty() ? "" : "}";
  *out << name << "_sum" << open << labels << close << ' ' << sum_ << '\n'
       << name << "_count" << open << labels << close << ' ' << cumulative << '\n';
}

}  // namespace stayaway::daemon
