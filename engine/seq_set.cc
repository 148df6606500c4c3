#include "engine/seq_set.h"

#include <algorithm>
#include <limits>

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

}  // namespace stayaway::engine
