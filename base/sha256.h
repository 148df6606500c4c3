// SHA-256 (FIPS 180-4), the one hash stayaway uses: Merkle leaves and nodes
// (evidence/merkle_tree.h), file digests in evidence bundles and exports, key ids, and the
// digests under which bearer tokens are stored (access/token.h). Computed by libsodium.
//
// Digests are raw bytes (32 of them); base/hex.h turns them into text.
// Sha256() is pure and thread-safe; a Sha256Hasher is thread-compatible.
#ifndef STAYAWAY_BASE_SHA256_H_
#define STAYAWAY_BASE_SHA256_H_

#include <sodium/crypto_hash_sha256.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace stayaway {

inline constexpr std::size_t kSha256Bytes = 32;
using Sha256Digest = std::array<uint8_t, kSha256Bytes>;

// SHA-256 of `data`.
Sha256Digest Sha256(std::string_view data);

// SHA-256 of the concatenation of everything passed to Update, without building it.
class Sha256Hasher {
 public:
  Sha256Hasher();
  Sha256Hasher& Update(std::string_view data);
  Sha256Hasher& Update(std::span<const uint8_t> data);
  // The digest; the hasher must not be used afterwards.
  Sha256Digest Finish();

 private:
  crypto_hash_sha256_state state_;
};

}  // namespace stayaway

#endif  // STAYAWAY_BASE_SHA256_H_
