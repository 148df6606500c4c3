#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace stayaway {
namespace {

TEST(Crc32c, MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32cPortable("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32c, TheHardwarePathAgreesWithTheTableForEveryLengthAndAlignment) {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  for (size_t start = 0; start < 9; ++start) {
    for (size_t length = 0; start + length <= data.size(); length += 7) {
      const std::string_view piece(data.data() + start, length);
      ASSERT_EQ(Crc32c(piece), Crc32cPortable(piece)) << start << "+" << length;
    }
  }
}

}  // namespace
}  // namespace stayaway
