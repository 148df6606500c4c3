#include "engine/id_index.h"

#include <utility>

namespace stayaway::engine {

IdIndex::IdIndex() : slots_(64) {}

uint64_t IdIndex::Hash(std::string_view id) {
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
  return h;
}

std::optional<uint32_t> IdIndex::Find(std::string_view id) const {
  const uint64_t hash = Hash(id);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (!slot.used) return std::nullopt;
    if (slot.hash == hash && slot.id == id) return slot.value;
  }
}

std::pair<uint32_t, bool> IdIndex::Insert(std::string_view id, uint32_t value) {
  if (2 * (size_ + 1) > slots_.size()) Grow();
  const uint64_t hash = Hash(id);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (!slot.used) {
      slot.used = true;
      slot.hash = hash;
      slot.value = value;
      slot.id = std::string(id);
      ++size_;
      return {value, true};
    }
    if (slot.hash == hash && slot.id == id) return {slot.value, false};
  }
}

void IdIndex::Grow() {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(slots_.size() * 2));
  const size_t mask = slots_.size() - 1;
  for (Slot& slot : old) {
    if (!slot.used) continue;
    size_t i = slot.hash & mask;
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i] = std::move(slot);
  }
}

}  // namespace stayaway::engine
