#include "base/hex.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace stayaway {
namespace {

// RFC 4648 section 10, the base16 vectors (written in lower case here), and every byte.
TEST(Hex, EncodesRfc4648Vectors) {
  EXPECT_EQ(HexEncode(std::string_view("")), "");
  EXPECT_EQ(HexEncode(std::string_view("f")), "66");
  EXPECT_EQ(HexEncode(std::string_view("foobar")), "666f6f626172");
  const std::array<uint8_t, 5> bytes = {0x00, 0x01, 0x7f, 0xab, 0xff};
  EXPECT_EQ(HexEncode(bytes), "00017fabff");
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string hex = HexEncode(all);
  ASSERT_EQ(hex.size(), 512u);
  EXPECT_EQ(hex.substr(0, 8), "00010203");
  EXPECT_EQ(hex.substr(504), "fcfdfeff");
  EXPECT_EQ(*HexDecode(hex), all);
}

TEST(Hex, DecodesEitherCase) {
  EXPECT_EQ(*HexDecode("666F6F626172"), "foobar");
  EXPECT_EQ(*HexDecode("666f6F626172"), "foobar");
  EXPECT_EQ(*HexDecode(""), "");
  std::array<uint8_t, 2> out{};
  ASSERT_TRUE(HexDecodeInto("aBfF", out).ok());
  EXPECT_EQ(out[0], 0xab);
  EXPECT_EQ(out[1], 0xff);
}

TEST(Hex, RefusesAnythingButHexDigits) {
  for (std::string_view bad :
       {std::string_view("abc"), std::string_view("0g"), std::string_view("0x12"),
        std::string_view(" 12"), std::string_view("12 "), std::string_view("12\n"),
        std::string_view("1-2-"), std::string_view("a\0", 2), std::string_view("\xc3\xa9")}) {
    StatusOr<std::string> decoded = HexDecode(bad);
    EXPECT_FALSE(decoded.ok()) << "'" << bad << "'";
  }
  // The message never repeats the text: it may be a secret key.
  StatusOr<std::string> secret = HexDecode("5ec2e7zz");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(secret.status().message().find("5ec2e7"), std::string::npos);
}

TEST(Hex, DecodeIntoWantsExactlyItsSize) {
  std::array<uint8_t, 2> out = {1, 2};
  EXPECT_FALSE(HexDecodeInto("abcdef", out).ok());
  EXPECT_FALSE(HexDecodeInto("ab", out).ok());
  EXPECT_FALSE(HexDecodeInto("abzz", out).ok());
  EXPECT_EQ(out[0], 0);  // zeroed, no half-decoded secret left behind
  EXPECT_EQ(out[1], 0);
}

TEST(Hex, IsLowerHexIsWhatEncodeWrites) {
  EXPECT_TRUE(IsLowerHex("00ff", 2));
  EXPECT_FALSE(IsLowerHex("00FF", 2));
  EXPECT_FALSE(IsLowerHex("00f", 2));
  EXPECT_FALSE(IsLowerHex("00fff0", 2));
  EXPECT_FALSE(IsLowerHex("0g00", 2));
}

}  // namespace
}  // namespace stayaway
