#include "engine/seq_set.h"

#include <algorithm>
#include <utility>

namespace stayaway::engine {
namespace {

using Range = SeqSet::Range;

// The first range whose first number is above seq.
std::vector<Range>::const_iterator After(const std::vector<Range>& ranges, uint64_t seq) {
  return std::upper_bound(ranges.begin(), ranges.end(), seq,
                          [](uint64_t s, const Range& r) { return s < r.first; });
}

bool InAny(const std::vector<Range>& ranges, uint64_t seq) {
  auto it = After(ranges, seq);
  return it != ranges.begin() && std::prev(it)->last >= seq;
}

// Adds seq, not in any range, to sorted, disjoint, never adjacent ranges, merging with
// its neighbours.
void InsertInto(std::vector<Range>& ranges, uint64_t seq, TimeMs time_ms) {
  auto next = ranges.begin() + (After(ranges, seq) - ranges.begin());
  const bool joins_prev = next != ranges.begin() && std::prev(next)->last + 1 == seq;
  const bool joins_next = next != ranges.end() && seq + 1 == next->first;
  if (joins_prev && joins_next) {
    Range& prev = *std::prev(next);
    prev.last = next->last;
    prev.newest_ms = std::max({prev.newest_ms, next->newest_ms, time_ms});
    ranges.erase(next);
  } else if (joins_prev) {
    std::prev(next)->last = seq;
    std::prev(next)->newest_ms = std::max(std::prev(next)->newest_ms, time_ms);
  } else if (joins_next) {
    next->first = seq;
    next->newest_ms = std::max(next->newest_ms, time_ms);
  } else {
    ranges.insert(next, Range{seq, seq, time_ms});
  }
}

}  // namespace

SeqSet::SeqSet(const SeqSet& other)
    : earlier_(other.earlier_ ? std::make_unique<Earlier>(*other.earlier_) : nullptr),
      newest_(other.newest_) {}

SeqSet& SeqSet::operator=(const SeqSet& other) {
  if (this != &other) *this = SeqSet(other);
  return *this;
}

SeqSet::Seen SeqSet::Find(uint64_t seq) const {
  if (seq < closed_below()) return Seen::kClosed;
  if (!empty() && seq >= newest_.first) return seq <= newest_.last ? Seen::kApplied : Seen::kNew;
  return earlier_ && InAny(earlier_->ranges, seq) ? Seen::kApplied : Seen::kNew;
}

void SeqSet::SetClosedBelow(uint64_t closed_below) {
  if (!earlier_) earlier_ = std::make_unique<Earlier>();
  earlier_->closed_below = closed_below;
}

void SeqSet::Trim() {
  if (earlier_ && earlier_->ranges.empty() && earlier_->closed_below == 0) earlier_.reset();
}

SeqSet::Seen SeqSet::Insert(uint64_t seq, TimeMs time_ms, TimeMs forget_before_ms) {
  // The ranges that time closes: the lowest ones, up to the first that still holds a fix
  // young enough to be accepted again. A range above a young one waits its turn, so that
  // the closed numbers stay one run from zero.
  size_t expired = 0;
  uint64_t closed_below = this->closed_below();
  if (earlier_) {
    const std::vector<Range>& earlier = earlier_->ranges;
    while (expired < earlier.size() && earlier[expired].newest_ms < forget_before_ms) {
      closed_below = earlier[expired].last + 1;
      ++expired;
    }
  }
  if (const Seen seen = Find(seq); seen != Seen::kNew) return seen;
  if (seq < closed_below) return Seen::kClosed;

  if (expired > 0) {
    std::vector<Range>& earlier = earlier_->ranges;
    earlier.erase(earlier.begin(), earlier.begin() + static_cast<ptrdiff_t>(expired));
    earlier_->closed_below = closed_below;
  }
  if (empty()) {
    newest_ = Range{seq, seq, time_ms};
  } else if (seq > newest_.last) {
    if (newest_.last + 1 == seq) {
      // The common case: the next number of a device counting up.
      newest_.last = seq;
      newest_.newest_ms = std::max(newest_.newest_ms, time_ms);
    } else {
      // A gap: a new newest range.
      if (!earlier_) earlier_ = std::make_unique<Earlier>();
      earlier_->ranges.push_back(newest_);
      newest_ = Range{seq, seq, time_ms};
    }
  } else {
    // Below the newest range (a late upload): rare, so done on a full copy.
    std::vector<Range> all = ranges();
    InsertInto(all, seq, time_ms);
    Assign(std::move(all));
  }
  if (range_count() > kMaxRanges) {
    // Over the cap: close the lowest range, with the gaps below it.
    std::vector<Range>& earlier = earlier_->ranges;
    earlier_->closed_below = earlier.front().last + 1;
    earlier.erase(earlier.begin());
  }
  Trim();
  return Seen::kNew;
}

std::vector<Range> SeqSet::ranges() const {
  std::vector<Range> all;
  if (earlier_) all = earlier_->ranges;
  if (!empty()) all.push_back(newest_);
  return all;
}

// Keeps the closed numbers.
void SeqSet::Assign(std::vector<Range> ranges) {
  if (ranges.empty()) {
    newest_ = Range{1, 0, std::numeric_limits<TimeMs>::min()};
  } else {
    newest_ = ranges.back();
    ranges.pop_back();
  }
  if (!ranges.empty() && !earlier_) earlier_ = std::make_unique<Earlier>();
  if (earlier_) earlier_->ranges = std::move(ranges);
  Trim();
}

std::optional<SeqSet> SeqSet::FromParts(std::vector<Range> ranges, uint64_t closed_below) {
  if (ranges.size() > kMaxRanges) return std::nullopt;
  if (ranges.empty() ? closed_below != 0 : ranges.front().first < closed_below) {
    return std::nullopt;
  }
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].first > ranges[i].last) return std::nullopt;
    // Sorted, disjoint and never adjacent (adjacent ranges would have been merged).
    if (i > 0 &&
        (ranges[i - 1].last >= ranges[i].first || ranges[i - 1].last + 1 == ranges[i].first)) {
      return std::nullopt;
    }
  }
  SeqSet set;
  set.Assign(std::move(ranges));
  if (closed_below != 0) set.SetClosedBelow(closed_below);
  return set;
}

}  // namespace stayaway::engine
