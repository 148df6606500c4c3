#include "base/random.h"

#include <sodium.h>

#include "base/sodium_init.h"

namespace stayaway {

Status RandomBytes(std::span<uint8_t> out) {
  if (!InitSodium()) {
    return Status(StatusCode::kInternal,
                  "the system gave no random bytes (libsodium cannot start)");
  }
  randombytes_buf(out.data(), out.size());
  return Status::Ok();
}

}  // namespace stayaway
