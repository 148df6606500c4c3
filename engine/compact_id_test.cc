#include "engine/compact_id.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace stayaway::engine {
namespace {

TEST(CompactId, IsSixteenBytes) { EXPECT_EQ(sizeof(CompactId), 16u); }

// Every length around the inline limit, with bytes a C string could not hold, through
// construction, assignment, copies and moves: the text comes back as it went in.
TEST(CompactId, KeepsAnyTextInlineOrOnTheHeap) {
  std::vector<std::string> texts = {"", "a", "tag-10042", "ph-99999-22"};
  for (size_t n = 13; n <= 40; ++n) {
    std::string text;
    for (size_t i = 0; i < n; ++i) text.push_back(static_cast<char>((i * 37 + n) % 256));
    texts.push_back(text);
  }
  texts.push_back(std::string(1000, 'x'));
  for (const std::string& text : texts) {
    SCOPED_TRACE("length " + std::to_string(text.size()));
    CompactId id(text);
    EXPECT_EQ(id.view(), text);
    EXPECT_EQ(id.str(), text);
    EXPECT_EQ(id.size(), text.size());
    EXPECT_TRUE(id == text);
    CompactId copy = id;
    EXPECT_EQ(copy.view(), text);
    CompactId moved = std::move(copy);
    EXPECT_EQ(moved.view(), text);
    for (const std::string& other : texts) {
      CompactId reassigned(other);
      reassigned = text;
      EXPECT_EQ(reassigned.view(), text);
      reassigned = id;
      EXPECT_EQ(reassigned.view(), text);
      CompactId swapped(other);
      swapped = std::move(moved);
      EXPECT_EQ(swapped.view(), text);
      moved = std::move(swapped);
      EXPECT_EQ(moved.view(), text);
    }
  }
}

}  // namespace
}  // namespace stayaway::engine
