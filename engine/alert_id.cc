#include "engine/alert_id.h"

#include <array>

#include "base/hex.h"

namespace stayaway::engine {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

void Mix(std::string_view bytes, uint64_t* hash) {
  for (unsigned char c : bytes) {
    *hash ^= c;
    *hash *= kFnvPrime;
  }
  // A separator byte that cannot be confused with the text: ids are text.
  *hash ^= 0xff;
  *hash *= kFnvPrime;
}

}  // namespace

std::string MakeAlertId(std::string_view order_id, std::string_view rule_key,
                        uint32_t alert_number) {
  uint64_t hash = kFnvOffset;
  Mix(order_id, &hash);
  Mix(rule_key, &hash);
  Mix(std::to_string(alert_number), &hash);
  std::array<uint8_t, 8> big_endian{};
  for (int i = 7; i >= 0; --i) {
    big_endian[static_cast<size_t>(i)] = static_cast<uint8_t>(hash);
    hash >>= 8;
  }
  return HexEncode(big_endian);
}

}  // namespace stayaway::engine
