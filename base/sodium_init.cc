#include "base/sodium_init.h"

#include <sodium.h>

namespace stayaway {

bool InitSodium() {
  // sodium_init is itself idempotent; the static makes the call once and thread-safe.
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace stayaway
