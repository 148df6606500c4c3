#include "engine/seq_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace stayaway::engine {
namespace {

TEST(SeqSet, CountingUpKeepsOneRange) {
  SeqSet seqs;
  EXPECT_FALSE(seqs.newest().has_value());
  EXPECT_FALSE(seqs.oldest().has_value());
  for (uint64_t s = 1; s <= 1000; ++s) ASSERT_TRUE(seqs.Insert(s));
  EXPECT_EQ(seqs.range_count(), 1u);
  EXPECT_FALSE(seqs.Insert(500));
  EXPECT_TRUE(seqs.Contains(1000));
  EXPECT_FALSE(seqs.Contains(1001));
  EXPECT_EQ(seqs.newest(), 1000u);
  EXPECT_EQ(seqs.oldest(), 1u);
}

TEST(SeqSet, GapFilledLaterMergesRanges) {
  SeqSet seqs;
  for (uint64_t s : {1, 2, 3, 7, 8, 9}) ASSERT_TRUE(seqs.Insert(s));
  EXPECT_EQ(seqs.range_count(), 2u);
  for (uint64_t s : {6, 4, 5}) ASSERT_TRUE(seqs.Insert(s));
  EXPECT_EQ(seqs.range_count(), 1u);
  EXPECT_FALSE(seqs.Insert(5));
}

TEST(SeqSet, ForgetsOldestRangeBeyondTheBound) {
  SeqSet seqs;
  for (uint64_t s = 0; s < 2 * (SeqSet::kMaxRanges + 1); s += 2) ASSERT_TRUE(seqs.Insert(s));
  EXPECT_EQ(seqs.range_count(), SeqSet::kMaxRanges);
  EXPECT_FALSE(seqs.Contains(0));  // forgotten: a repeat is applied, never a fix refused
  EXPECT_TRUE(seqs.Contains(2));
}

TEST(SeqSet, MatchesStdSetOnRandomInsertsWithinTheBound) {
  const unsigned seed = 20261127;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  SeqSet seqs;
  std::set<uint64_t> oracle;
  // Every number of a counter, shuffled within blocks of 16, with repeats of recent ones:
  // a device uploading buffered stretches out of order and resending some.
  for (uint64_t block = 0; block < 320; ++block) {
    std::vector<uint64_t> numbers;
    for (uint64_t k = 0; k < 16; ++k) numbers.push_back(block * 16 + k);
    std::shuffle(numbers.begin(), numbers.end(), rng);
    for (uint64_t s : numbers) {
      ASSERT_EQ(seqs.Insert(s), oracle.insert(s).second) << "seq " << s;
      const uint64_t repeat = s - rng() % 8 * (s >= 8);
      ASSERT_EQ(seqs.Insert(repeat), oracle.insert(repeat).second) << "repeat " << repeat;
    }
  }
  for (uint64_t s = 0; s < 5100; ++s) ASSERT_EQ(seqs.Contains(s), oracle.count(s) == 1);
  EXPECT_TRUE(seqs.Insert(UINT64_MAX));
  EXPECT_FALSE(seqs.Insert(UINT64_MAX));
}

// The newest range lives inline and the rest in a vector; the oracle is the single
// sorted vector the set used to be, beyond the bound too.
TEST(SeqSet, SplitStorageMatchesOneSortedVector) {
  const unsigned seed = 2718;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  SeqSet set;
  std::vector<SeqSet::Range> oracle;
  uint64_t top = 0;
  for (int i = 0; i < 20000; ++i) {
    const uint64_t roll = rng() % 10;
    // Mostly counting up, some gaps, some late numbers and repeats from the past.
    const uint64_t seq = roll < 6 ? top + 1 : roll < 8 ? top + 2 + rng() % 3 : rng() % (top + 2);
    top = std::max(top, seq);
    auto next = std::upper_bound(oracle.begin(), oracle.end(), seq,
                                 [](uint64_t s, const SeqSet::Range& r) { return s < r.first; });
    bool expected = true;
    if (next != oracle.begin() && std::prev(next)->last >= seq) {
      expected = false;
    } else if (next != oracle.begin() && std::prev(next)->last + 1 == seq &&
               next != oracle.end() && seq + 1 == next->first) {
      std::prev(next)->last = next->last;
      oracle.erase(next);
    } else if (next != oracle.begin() && std::prev(next)->last + 1 == seq) {
      std::prev(next)->last = seq;
    } else if (next != oracle.end() && seq + 1 == next->first) {
      next->first = seq;
    } else {
      oracle.insert(next, SeqSet::Range{seq, seq});
      if (oracle.size() > SeqSet::kMaxRanges) oracle.erase(oracle.begin());
    }
    ASSERT_EQ(set.Insert(seq), expected) << "seq " << seq << " at step " << i;
    const std::vector<SeqSet::Range> ranges = set.ranges();
    ASSERT_EQ(ranges.size(), oracle.size()) << "step " << i;
    for (size_t k = 0; k < ranges.size(); ++k) {
      ASSERT_EQ(ranges[k].first, oracle[k].first) << "step " << i;
      ASSERT_EQ(ranges[k].last, oracle[k].last) << "step " << i;
    }
    ASSERT_EQ(set.newest(), oracle.back().last) << "step " << i;
    ASSERT_EQ(set.oldest(), oracle.front().first) << "step " << i;
    const uint64_t probe = rng() % (top + 2);
    const bool present = std::any_of(oracle.begin(), oracle.end(), [&](const SeqSet::Range& r) {
      return r.first <= probe && probe <= r.last;
    });
    ASSERT_EQ(set.Contains(probe), present) << "probe " << probe;
  }
}

}  // namespace
}  // namespace stayaway::engine
