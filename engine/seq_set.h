// SeqSet: the set of sequence numbers already applied for one device, kept as sorted
// disjoint ranges. A device that counts up and uploads gaps later needs one or two ranges,
// so duplicates are caught exactly in a few bytes.
//
// Bounded: beyond kMaxRanges ranges (a device that skips numbers often) the oldest range
// is forgotten, so a repeat of a number that old is applied again rather than a real fix
// ever being refused as a duplicate. Thread-compatible.
#ifndef STAYAWAY_ENGINE_SEQ_SET_H_
#define STAYAWAY_ENGINE_SEQ_SET_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace stayaway::engine {

class SeqSet {
 public:
  static constexpr size_t kMaxRanges = 32;

  struct Range {
    uint64_t first;  // inclusive
    uint64_t last;   // inclusive
  };

  bool Contains(uint64_t seq) const;
  // Adds seq; returns false (and changes nothing) when it was already there.
  bool Insert(uint64_t seq);
  size_t range_count() const { return earlier_.size() + (empty() ? 0 : 1); }
  // The largest seq applied, and the smallest still remembered; nullopt while empty. Once
  // kMaxRanges ranges are held, a number below oldest() may have been forgotten.
  std::optional<uint64_t> newest() const {
    return empty() ? std::nullopt : std::optional<uint64_t>(newest_.last);
  }
  std::optional<uint64_t> oldest() const {
    if (empty()) return std::nullopt;
    return earlier_.empty() ? newest_.first : earlier_.front().first;
  }

  // For engine snapshots: the ranges, and a set rebuilt from them. FromRanges refuses
  // (nullopt) ranges that break the invariant below, so a damaged snapshot cannot make
  // the duplicate check silently wrong.
  std::vector<Range> ranges() const;
  static std::optional<SeqSet> FromRanges(std::vector<Range> ranges);

 private:
  bool empty() const { return newest_.first > newest_.last; }
  void Assign(const std::vector<Range>& ranges);

  // The ranges, sorted by first, disjoint, never adjacent: the newest (highest) inline,
  // so the fix of a device counting up reads no memory beyond the set itself, and the
  // others in earlier_. newest_ is {1, 0} when the set is empty.
  std::vector<Range> earlier_;
  Range newest_{1, 0};
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_SEQ_SET_H_
