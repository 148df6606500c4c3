#include "base/base64url.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace stayaway {
namespace {

std::string Encode(std::string_view text) {
  return Base64UrlEncode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

// RFC 4648 section 10, without the padding that section 3.2 lets section 5 leave out.
TEST(Base64Url, MatchesRfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [bytes, text] : vectors) {
    EXPECT_EQ(Encode(bytes), text);
    StatusOr<std::string> decoded = Base64UrlDecode(text);
    ASSERT_TRUE(decoded.ok()) << text;
    EXPECT_EQ(*decoded, bytes);
  }
}

// The URL-safe alphabet: 62 and 63 are '-' and '_', where base64 has '+' and '/'.
TEST(Base64Url, UsesTheUrlSafeAlphabet) {
  const std::array<uint8_t, 3> high = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(Base64UrlEncode(high), "-_-_");
  EXPECT_EQ(*Base64UrlDecode("-_-_"), std::string("\xfb\xff\xbf"));
  // A token's 32 random bytes are 43 characters.
  const std::array<uint8_t, 32> zeros{};
  EXPECT_EQ(Base64UrlEncode(zeros), std::string(43, 'A'));
}

TEST(Base64Url, RefusesWhatEncodeNeverWrites) {
  for (std::string_view bad : {
           std::string_view("Zg=="),   // padding
           std::string_view("Zm9=v"),  // padding inside
           std::string_view("Z"),      // one character is less than a byte
           std::string_view("Zm9vY"),  // nor is one after a whole group
           std::string_view("Zh"),     // the last character's unused bits are not zero
           std::string_view("+/-_"),   // the standard alphabet
           std::string_view("Zm 9v"),  // whitespace
           std::string_view("Zm9v\n"),
           std::string_view("Zm\09v", 5),  // NUL
           std::string_view("Zm9v\xc3\xa9"),
       }) {
    StatusOr<std::string> decoded = Base64UrlDecode(bad);
    ASSERT_FALSE(decoded.ok()) << "'" << bad << "'";
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(Base64Url, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    EXPECT_EQ(*Base64UrlDecode(Encode(bytes)), bytes) << n;
    bytes.push_back(static_cast<char>(n * 37 + 11));
  }
}

}  // namespace
}  // namespace stayaway
