#include "base/sha256.h"

#include "base/sodium_init.h"

namespace stayaway {

Sha256Hasher::Sha256Hasher() {
  InitSodium();
  crypto_hash_sha256_init(&state_);
}

Sha256Hasher& Sha256Hasher::Update(std::string_view data) {
  crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
  return *this;
}

Sha256Hasher& Sha256Hasher::Update(std::span<const uint8_t> data) {
  crypto_hash_sha256_update(&state_, data.data(), data.size());
  return *this;
}

Sha256Digest Sha256Hasher::Finish() {
  Sha256Digest out;
  crypto_hash_sha256_final(&state_, out.data());
  return out;
}

Sha256Digest Sha256(std::string_view data) { return Sha256Hasher().Update(data).Finish(); }

}  // namespace stayaway
