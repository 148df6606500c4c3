#include "base/sha256.h"

#include <gtest/gtest.h>

#include <string>

#include "base/hex.h"

namespace stayaway {
namespace {

std::string HexSha256(std::string_view data) { return HexEncode(Sha256(data)); }

// FIPS 180-2, appendix B: the three SHA-256 examples, and the digest of nothing.
TEST(Sha256, MatchesFips180Vectors) {
  EXPECT_EQ(HexSha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexSha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(HexSha256(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(HexSha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, HasherOverPiecesEqualsOneShot) {
  const std::string text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  for (size_t cut = 0; cut <= text.size(); cut += 7) {
    Sha256Hasher hasher;
    hasher.Update(std::string_view(text).substr(0, cut));
    const std::string rest = text.substr(cut);
    hasher.Update(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(rest.data()), rest.size()));
    EXPECT_EQ(hasher.Finish(), Sha256(text)) << "cut at " << cut;
  }
}

TEST(Sha256, BytesMayHoldNul) {
  EXPECT_NE(Sha256(std::string_view("a\0b", 3)), Sha256("a"));
  EXPECT_EQ(HexSha256(std::string(1, '\0')),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

}  // namespace
}  // namespace stayaway
