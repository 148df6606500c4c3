#include "engine/seq_set.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace stayaway::engine {

bool SeqSet::Contains(uint64_t seq) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), seq,
                             [](uint64_t s, const Range& r) { return s < r.first; });
  return it != ranges_.begin() && std::prev(it)->last >= seq;
}

bool SeqSet::Insert(uint64_t seq) {
  // The common case: the next number of a device counting up.
  if (!ranges_.empty() && ranges_.back().last != std::numeric_limits<uint64_t>::max() &&
      ranges_.back().last + 1 == seq) {
    ranges_.back().last = seq;
    return true;
  }
  auto next = std::upper_bound(ranges_.begin(), ranges_.end(), seq,
                               [](uint64_t s, const Range& r) { return s < r.first; });
  if (next != ranges_.begin() && std::prev(next)->last >= seq) return false;
  const bool joins_prev = next != ranges_.begin() && std::prev(next)->last + 1 == seq;
  const bool joins_next = next != ranges_.end() && seq + 1 == next->first;
  if (joins_prev && joins_next) {
    std::prev(next)->last = next->last;
    ranges_.erase(next);
  } else if (joins_prev) {
    std::prev(next)->last = seq;
  } else if (joins_next) {
    next->first = seq;
  } else {
    ranges_.insert(next, Range{seq, seq});
    if (ranges_.size() > kMaxRanges) ranges_.erase(ranges_.begin());
  }
  return true;
}

std::optional<SeqSet> SeqSet::FromRanges(std::vector<Range> ranges) {
  if (ranges.size() > kMaxRanges) return std::nullopt;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].first > ranges[i].last) return std::nullopt;
    // Sorted, disjoint and never adjacent (adjacent ranges would have been merged).
    if (i > 0 && (ranges[i - 1].last >= ranges[i].first ||
                  ranges[i - 1].last + 1 == ranges[i].first)) {
      return std::nullopt;
    }
  }
  SeqSet set;
  set.ranges_ = std::move(ranges);
  return set;
}

}  // namespace stayaway::engine
