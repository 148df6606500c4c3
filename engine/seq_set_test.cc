#include "engine/seq_set.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

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

TEST(SeqSet, MatchesStdSetOnRandomInserts) {
  const unsigned seed = 20261127;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  SeqSet seqs;
  std::set<uint64_t> oracle;
  for (int i = 0; i < 20000; ++i) {
    const uint64_t s = rng() % 3000;
    ASSERT_EQ(seqs.Insert(s), oracle.insert(s).second) << "seq " << s;
  }
  for (uint64_t s = 0; s < 3100; ++s) ASSERT_EQ(seqs.Contains(s), oracle.count(s) == 1);
  EXPECT_TRUE(seqs.Insert(UINT64_MAX));
  EXPECT_FALSE(seqs.Insert(UINT64_MAX));
}

}  // namespace
}  // namespace stayaway::engine
