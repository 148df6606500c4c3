// Random bytes from the operating system's CSPRNG (through libsodium's randombytes_buf):
// bearer tokens, credential ids, signing keys. Thread-safe.
#ifndef STAYAWAY_BASE_RANDOM_H_
#define STAYAWAY_BASE_RANDOM_H_

#include <cstdint>
#include <span>

#include "base/status.h"

namespace stayaway {

// Fills `out` with random bytes. Fails only if libsodium cannot start.
Status RandomBytes(std::span<uint8_t> out);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_RANDOM_H_
