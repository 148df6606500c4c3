#include "engine/small_list.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace stayaway::engine {
namespace {

struct Item {
  uint32_t a;
  uint8_t b;
  friend bool operator==(const Item&, const Item&) = default;
};

void ExpectSame(const SmallList<Item>& list, const std::vector<Item>& plain) {
  ASSERT_EQ(list.size(), plain.size());
  EXPECT_EQ(list.empty(), plain.empty());
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_EQ(list[i], plain[i]) << i;
  EXPECT_EQ(std::vector<Item>(list.begin(), list.end()), plain);
}

TEST(SmallList, IsSixteenBytesForAnEightByteElement) {
  EXPECT_EQ(sizeof(SmallList<Item>), 16u);
}

// Random insertions, erasures, copies and moves against a std::vector (seeds 1-50).
TEST(SmallList, DoesWhatAVectorDoes) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    SmallList<Item> list;
    std::vector<Item> plain;
    for (int step = 0; step < 300; ++step) {
      const uint64_t op = rng() % 10;
      if (op < 5 || plain.empty()) {
        const size_t at = plain.empty() ? 0 : rng() % (plain.size() + 1);
        const Item item{static_cast<uint32_t>(rng()), static_cast<uint8_t>(rng())};
        EXPECT_EQ(*list.insert(list.begin() + at, item), item);
        plain.insert(plain.begin() + static_cast<std::ptrdiff_t>(at), item);
      } else if (op < 7) {
        const size_t from = rng() % plain.size();
        const size_t to = from + rng() % (plain.size() - from + 1);
        list.erase(list.begin() + from, list.begin() + to);
        plain.erase(plain.begin() + static_cast<std::ptrdiff_t>(from),
                    plain.begin() + static_cast<std::ptrdiff_t>(to));
      } else if (op == 7) {
        const SmallList<Item> copy = list;
        ExpectSame(copy, plain);
        SmallList<Item> moved = std::move(list);
        ExpectSame(moved, plain);
        list = std::move(moved);
      } else if (op == 8) {
        list.push_back(Item{7, 7});
        plain.push_back(Item{7, 7});
      } else if (rng() % 8 == 0) {
        list.clear();
        plain.clear();
      }
      ExpectSame(list, plain);
      if (!plain.empty()) {
        EXPECT_EQ(list.back(), plain.back());
      }
    }
  }
}

}  // namespace
}  // namespace stayaway::engine
