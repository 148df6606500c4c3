// CheckWheel against a plain list: random items filed for random seconds (behind the
// clock, within a turn, several turns ahead), taken by a clock that stays in a second,
// steps, and jumps more than a turn; each TakeDue gives exactly the list's items due by
// then.
#include "engine/check_wheel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace stayaway::engine {
namespace {

TEST(CheckWheel, TakesExactlyWhatIsDueWhateverTheClockDoes) {
  std::mt19937 random(11);
  CheckWheel wheel;
  struct Filed {
    uint32_t item;
    uint32_t due_s;
  };
  std::vector<Filed> oracle;
  uint32_t now_s = 1'767'225'600;  // 2026
  uint32_t next_item = 0;
  size_t taken_total = 0;
  for (int step = 0; step < 20'000; ++step) {
    const uint32_t choice = random() % 10;
    if (choice < 6) {
      uint32_t due_s = now_s;
      switch (random() % 4) {
        case 0:
          due_s = now_s - random() % 3000;
          break;  // already passed
        case 1:
          due_s = now_s + random() % 700;
          break;  // within a turn
        case 2:
          due_s = now_s + random() % (3 * CheckWheel::kSlots);
          break;  // turns ahead
        default:
          break;  // this very second
      }
      wheel.Add(next_item, due_s);
      oracle.push_back({next_item++, due_s});
      continue;
    }
    switch (random() % 4) {
      case 0:
        break;  // the same second again
      case 1:
        now_s += 1;
        break;
      case 2:
        now_s += random() % 120;
        break;
      default:
        now_s += random() % (2 * CheckWheel::kSlots);
        break;  // past a whole turn
    }
    std::vector<uint32_t> due;
    wheel.TakeDue(now_s, &due);
    std::vector<uint32_t> expected;
    std::erase_if(oracle, [&](const Filed& f) {
      if (f.due_s > now_s) return false;
      expected.push_back(f.item);
      return true;
    });
    std::sort(due.begin(), due.end());
    std::sort(expected.begin(), expected.end());
    ASSERT_EQ(due, expected) << "step " << step << ", second " << now_s;
    ASSERT_EQ(wheel.size(), oracle.size());
    taken_total += due.size();
  }
  EXPECT_GT(taken_total, 5'000u);  // the run took many
  // A clock that goes back takes nothing.
  std::vector<uint32_t> due;
  wheel.TakeDue(now_s - 10, &due);
  EXPECT_TRUE(due.empty());
}

}  // namespace
}  // namespace stayaway::engine
