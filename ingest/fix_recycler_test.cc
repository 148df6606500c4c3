#include "ingest/fix_recycler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stayaway::ingest {
namespace {

TEST(FixRecycler, HandsBackWhatWasGivenButNoFixWithLargeBuffers) {
  FixRecycler recycler;
  EXPECT_TRUE(recycler.Take().empty());
  std::vector<v1::Fix> batch(3);
  batch[0].set_device("tag-1");
  batch[1].set_device(std::string(1000, 'x'));  // an id far over the limit grew this one
  batch[2].set_mac(std::string(32, 'm'));
  const size_t kept_capacity = batch[0].device().capacity();
  recycler.Give(std::move(batch));
  std::vector<v1::Fix> taken = recycler.Take();
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].device().capacity(), kept_capacity);
  EXPECT_LE(taken[1].device().capacity(), FixRecycler::kMaxKeptBytesPerFix);
  EXPECT_EQ(taken[2].mac().size(), 32u);  // a MAC's 32 bytes are kept
  EXPECT_TRUE(recycler.Take().empty());
}

TEST(FixRecycler, KeepsNoMoreThanItsBound) {
  FixRecycler recycler;
  recycler.Give(std::vector<v1::Fix>(FixRecycler::kMaxFixes - 10));
  recycler.Give(std::vector<v1::Fix>(11));  // over the bound: freed
  recycler.Give(std::vector<v1::Fix>(10));  // fits exactly
  EXPECT_EQ(recycler.Take().size(), 10u);
  EXPECT_EQ(recycler.Take().size(), FixRecycler::kMaxFixes - 10);
  EXPECT_TRUE(recycler.Take().empty());
}

}  // namespace
}  // namespace stayaway::ingest
