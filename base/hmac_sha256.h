// HMAC-SHA256 (RFC 2104 with SHA-256, any key length; RFC 4231 has the test vectors): the
// MAC devices put on their fixes (access/fix_mac.h). Computed by libsodium
// (crypto_auth_hmacsha256 with a key of any length, hashed first when longer than the
// 64-byte block, exactly as RFC 2104 says). Pure; thread-safe.
#ifndef STAYAWAY_BASE_HMAC_SHA256_H_
#define STAYAWAY_BASE_HMAC_SHA256_H_

#include <string_view>

#include "base/sha256.h"

namespace stayaway {

// HMAC-SHA256 of `message` under `key`: 32 bytes.
Sha256Digest HmacSha256(std::string_view key, std::string_view message);

// Compares two MACs in time that does not depend on where they differ.
bool MacsEqual(const Sha256Digest& a, std::string_view b);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_HMAC_SHA256_H_
