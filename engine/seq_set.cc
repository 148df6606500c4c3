#include "engine/seq_set.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace stayaway::engine {
namespace {

using Range = SeqSet::Range;

// Adds seq to sorted, disjoint, never adjacent ranges; false when it was already there.
bool InsertInto(std::vector<Range>& ranges, uint64_t seq) {
  auto next = std::upper_bound(ranges.begin(), ranges.end(), seq,
                               [](uint64_t s, const Range& r) { return s < r.first; });
  if (next != ranges.begin() && std::prev(next)->last >= seq) return false;
  const bool joins_prev = next != ranges.begin() && std::prev(next)->last + 1 == seq;
  const bool joins_next = next != ranges.end() && seq + 1 == next->first;
  if (joins_prev && joins_next) {
    std::prev(next)->last = next->last;
    ranges.erase(next);
  } else if (joins_prev) {
    std::prev(next)->last = seq;
  } else if (joins_next) {
    next->first = seq;
  } else {
    ranges.insert(next, Range{seq, seq});
    if (ranges.size() > SeqSet::kMaxRanges) ranges.erase(ranges.begin());
  }
  return true;
}

}  // namespace

bool SeqSet::Contains(uint64_t seq) const {
  if (!empty() && seq >= newest_.first) return seq <= newest_.last;
  auto it = std::upper_bound(earlier_.begin(), earlier_.end(), seq,
                             [](uint64_t s, const Range& r) { return s < r.first; });
  return it != earlier_.begin() && std::prev(it)->last >= seq;
}

bool SeqSet::Insert(uint64_t seq) {
  if (empty()) {
    newest_ = Range{seq, seq};
    return true;
  }
  if (seq > newest_.last) {
    // The common case: the next number of a device counting up.
    if (newest_.last + 1 == seq) {
      newest_.last = seq;
      return true;
    }
    // A gap: a new newest range.
    earlier_.push_back(newest_);
    newest_ = Range{seq, seq};
    if (range_count() > kMaxRanges) earlier_.erase(earlier_.begin());
    return true;
  }
  if (seq >= newest_.first) return false;
  // Below the newest range (a late upload or a repeat): rare, so done on a full copy.
  std::vector<Range> all = ranges();
  if (!InsertInto(all, seq)) return false;
  Assign(all);
  return true;
}

std::vector<Range> SeqSet::ranges() const {
  std::vector<Range> all = earlier_;
  if (!empty()) all.push_back(newest_);
  return all;
}

void SeqSet::Assign(const std::vector<Range>& ranges) {
  if (ranges.empty()) {
    earlier_.clear();
    newest_ = Range{1, 0};
    return;
  }
  earlier_.assign(ranges.begin(), ranges.end() - 1);
  newest_ = ranges.back();
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
  set.Assign(ranges);
  return set;
}

}  // namespace stayaway::engine
