#include "evidence/trusted_keys.h"

#include <gtest/gtest.h>

#include <string>

namespace stayaway::evidence {
namespace {

// 32 bytes 0x00..0x1f: hex, and base64 as Protobuf's JSON mapping prints bytes.
constexpr char kHex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kBase64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

TEST(TrustedKeys, AKeyAsPublishedInBase64OrAsHex) {
  const StatusOr<PublicKey> from_hex = ParsePublishedKey(kHex);
  const StatusOr<PublicKey> from_base64 = ParsePublishedKey(std::string(" ") + kBase64 + "\n");
  ASSERT_TRUE(from_hex.ok()) << from_hex.status().message();
  ASSERT_TRUE(from_base64.ok()) << from_base64.status().message();
  EXPECT_EQ(*from_hex, *from_base64);
  EXPECT_EQ((*from_hex)[31], 0x1f);
  for (const char* bad : {"", "zz", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
                          "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
                          "key with spaces", "\"AAEC\""}) {
    EXPECT_FALSE(ParsePublishedKey(bad).ok()) << bad;
  }
}

TEST(TrustedKeys, ASavedAnswerOfGetV1Keys) {
  const PublicKey key = *ParsePublishedKey(kHex);
  const std::string id = KeyIdOf(key);
  const StatusOr<std::vector<PublicKey>> keys = ParsePublishedKeyList(
      "{\"keys\": [{\"key_id\": \"" + id + "\", \"algorithm\": \"ed25519\", \"key\": \"" +
      kBase64 + "\"}]}");
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->front(), key);
  // Edited, foreign or empty answers are refused.
  EXPECT_FALSE(ParsePublishedKeyList("{\"keys\": [{\"key_id\": \"0000000000000000\", "
                                     "\"algorithm\": \"ed25519\", \"key\": \"" +
                                     std::string(kBase64) + "\"}]}")
                   .ok());
  EXPECT_FALSE(ParsePublishedKeyList("{\"keys\": [{\"algorithm\": \"rsa\", \"key\": \"" +
                                     std::string(kBase64) + "\"}]}")
                   .ok());
  EXPECT_FALSE(ParsePublishedKeyList("{\"keys\": []}").ok());
  EXPECT_FALSE(ParsePublishedKeyList("{\"keys\": [], \"extra\": 1}").ok());
  EXPECT_FALSE(ParsePublishedKeyList("[]").ok());
}

}  // namespace
}  // namespace stayaway::evidence
