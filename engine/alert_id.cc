#include "engine/alert_id.h"

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
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kHex[hash & 0xf];
    hash >>= 4;
  }
  return out;
}

}  // namespace stayaway::engine
