#include "base/hmac_sha256.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/hex.h"

namespace stayaway {
namespace {

// RFC 4231, section 4: the HMAC-SHA-256 results of test cases 1 to 7 (keys shorter than,
// equal to and longer than the 64-byte block, which must be hashed first).
TEST(HmacSha256, MatchesRfc4231TestVectors) {
  struct Case {
    std::string key, data, mac;
  };
  const std::string key_131(131, '\xaa');
  const std::vector<Case> cases = {
      {std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {*HexDecode("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      // Case 5 publishes only the first 128 bits.
      {std::string(20, '\x0c'), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},
      {key_131, "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {key_131,
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string mac = HexEncode(HmacSha256(cases[i].key, cases[i].data));
    EXPECT_EQ(mac.substr(0, cases[i].mac.size()), cases[i].mac) << "test case " << i + 1;
  }
}

// An empty key is a valid HMAC key (all-zero padding); the value is the well-known one.
TEST(HmacSha256, TakesAnEmptyKey) {
  EXPECT_EQ(HexEncode(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HmacSha256, MacsEqualComparesWholeMacs) {
  const Sha256Digest mac = HmacSha256("key", "message");
  const std::string bytes(reinterpret_cast<const char*>(mac.data()), mac.size());
  EXPECT_TRUE(MacsEqual(mac, bytes));
  EXPECT_FALSE(MacsEqual(mac, bytes.substr(0, 31)));
  EXPECT_FALSE(MacsEqual(mac, bytes + "x"));
  std::string changed = bytes;
  changed[31] = static_cast<char>(changed[31] ^ 1);
  EXPECT_FALSE(MacsEqual(mac, changed));
}

}  // namespace
}  // namespace stayaway
