// SeqSet: one device's duplicate memory, the sequence numbers already applied for it.
//
// Exact: a number applied is never taken again. Each number is in one of three states:
//   applied  inside one of the ranges kept (sorted, disjoint, never adjacent), each with
//            the newest event time of the fixes in it;
//   closed   below closed_below(): applied or not, it is refused from now on;
//   new      anything else: the next fix with it is applied.
// A device counting up needs one range, held inline (no heap); gaps add ranges.
//
// Bounded, by time and by count, and bounding never forgets an applied number: it closes
// it instead, together with the gaps below it.
//   - Time. A range whose fixes are all older than the engine's acceptance window (a fix
//     more than 30 days before its received time is refused) is closed, lowest first, as
//     fixes of the device arrive: a repeat of its fixes is refused on time anyway, and a
//     gap below it would hold fixes older still (a device numbers its fixes in time
//     order). So a device keeps one range per gap of its last 30 days.
//   - Count. At most kMaxRanges ranges: one more and the lowest range is closed (the
//     gaps below it can no longer be filled). Only a device that leaves more than
//     kMaxRanges - 1 gaps within 30 days gets there; its late uploads into those oldest
//     gaps are then refused as stale, never a duplicate applied.
// The newest range is never closed, so closed_below() <= the first number of the newest
// range. Memory: 32 bytes inline; once a gap or a closing was seen, a heap block with the
// closed numbers and 24 bytes a range beyond the newest (6 KiB at the cap).
//
// Time is data here (event times of fixes, a horizon the caller computes from the
// engine's now), never a clock: the same inserts give the same set. Thread-compatible.
#ifndef STAYAWAY_ENGINE_SEQ_SET_H_
#define STAYAWAY_ENGINE_SEQ_SET_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "base/time.h"

namespace stayaway::engine {

class SeqSet {
 public:
  // Ranges per device at most, the newest included.
  static constexpr size_t kMaxRanges = 256;

  struct Range {
    uint64_t first;    // inclusive
    uint64_t last;     // inclusive
    TimeMs newest_ms;  // the newest event time of the fixes in it, ms since the epoch
  };

  enum class Seen : uint8_t {
    kNew,      // never applied and not closed: may be applied
    kApplied,  // applied, and remembered as such: a duplicate
    kClosed,   // below closed_below(), applied or not: refused as stale
  };

  SeqSet() = default;
  SeqSet(const SeqSet& other);
  SeqSet& operator=(const SeqSet& other);
  SeqSet(SeqSet&&) noexcept = default;
  SeqSet& operator=(SeqSet&&) noexcept = default;
  ~SeqSet() = default;

  // What seq is now, without changing anything.
  Seen Find(uint64_t seq) const;

  // Records seq as applied by a fix with event time time_ms, after closing the ranges
  // (lowest first, never the newest) whose fixes are all older than forget_before_ms.
  // Returns kNew when it was recorded. Otherwise returns kApplied or kClosed as it would
  // stand after that closing, and changes nothing (no closing either): a refused fix
  // leaves no trace.
  Seen Insert(uint64_t seq, TimeMs time_ms, TimeMs forget_before_ms);

  size_t range_count() const {
    return (earlier_ ? earlier_->ranges.size() : 0) + (empty() ? 0 : 1);
  }
  // The largest seq applied; nullopt while nothing was.
  std::optional<uint64_t> newest() const {
    return empty() ? std::nullopt : std::optional<uint64_t>(newest_.last);
  }
  // Every seq below this is closed; 0 while none is.
  uint64_t closed_below() const { return earlier_ ? earlier_->closed_below : 0; }

  // For engine snapshots: the ranges in ascending order, and a set rebuilt from them.
  // FromParts refuses (nullopt) parts that break the invariants above (more than
  // kMaxRanges ranges, unsorted, overlapping or adjacent ranges, a range below
  // closed_below, closed numbers with no range), so a damaged snapshot cannot make the
  // duplicate check silently wrong.
  std::vector<Range> ranges() const;
  static std::optional<SeqSet> FromParts(std::vector<Range> ranges, uint64_t closed_below);

 private:
  // What a device that has only ever counted up never needs.
  struct Earlier {
    std::vector<Range> ranges;  // below the newest, ascending
    uint64_t closed_below = 0;
  };

  bool empty() const { return newest_.first > newest_.last; }
  void Assign(std::vector<Range> ranges);
  // earlier_->closed_below = closed_below, making earlier_ if need be.
  void SetClosedBelow(uint64_t closed_below);
  // Drops earlier_ when it holds nothing.
  void Trim();

  // The ranges below the newest and the closed numbers; null while there are none (most
  // devices), so a device counting up costs nothing beyond the set itself.
  std::unique_ptr<Earlier> earlier_;
  // The highest range; {1, 0} while the set is empty.
  Range newest_{1, 0, std::numeric_limits<TimeMs>::min()};
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_SEQ_SET_H_
