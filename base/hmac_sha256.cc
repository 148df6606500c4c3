#include "base/hmac_sha256.h"

#include <sodium.h>

#include "base/sodium_init.h"

namespace stayaway {

Sha256Digest HmacSha256(std::string_view key, std::string_view message) {
  InitSodium();
  static const unsigned char kNoKey = 0;  // an empty key may come with a null pointer
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(
      &state, key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data()),
      key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  Sha256Digest out;
  crypto_auth_hmacsha256_final(&state, out.data());
  sodium_memzero(&state, sizeof state);  // it holds the padded key
  return out;
}

bool MacsEqual(const Sha256Digest& a, std::string_view b) {
  return b.size() == a.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace stayaway
