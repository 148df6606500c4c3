#include "engine/id_index.h"

#include <utility>

namespace stayaway::engine {

IdIndex::IdIndex() : slots_(64) {}

uint32_t IdIndex::Hash(std::string_view id) {
  // FNV-1a, then a final avalanche so that ids differing in the last digit spread over the
  // whole table (linear probing needs well-spread low bits).
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return static_cast<uint32_t>(h);
}

void IdIndex::Grow() {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(slots_.size() * 2));
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.value == kEmpty) continue;
    size_t i = slot.hash & mask;
    while (slots_[i].value != kEmpty) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

}  // namespace stayaway::engine
