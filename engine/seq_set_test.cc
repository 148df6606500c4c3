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
  for (uint64_t s = 1; s <= 1000; ++s) ASSERT_TRUE(seqs.Insert(s));
  EXPECT_EQ(seqs.range_count(), 1u);
  EXPECT_FALSE(seqs.Insert(500));
  EXPECT_TRUE(seqs.Contains(1000));
  EXPECT_FALSE(seqs.Contains(1001));
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

}  // namespace
}  // namespace stayaway::engine
