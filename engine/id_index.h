// IdIndex: maps text ids (device ids) to dense uint32 indices into the caller's table.
// Open addressing with linear probing over a flat array of 8-byte slots, each holding 32
// bits of the id's hash and the index. The index does not keep the ids themselves: the
// caller's table does (DeviceState::id), and Find and Insert take a function that returns
// the id stored at an index. A lookup thus reads one small slot, then the table row the
// caller is about to use anyway. Ids are never removed: a device stays known once an
// order has named it.
//
// It exists because the per-fix device lookup dominated the engine's hot path: first with
// a node-based std::unordered_map (pointer chasing per probe), then with 48-byte slots that
// held the ids (100 MB at a million devices, a cache and TLB miss per fix).
// Thread-compatible.
#ifndef STAYAWAY_ENGINE_ID_INDEX_H_
#define STAYAWAY_ENGINE_ID_INDEX_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace stayaway::engine {

class IdIndex {
 public:
  IdIndex();

  // The index stored for `id`, or nullopt. id_at(index) must return the id stored at
  // every index inserted so far.
  template <typename IdAt>
  std::optional<uint32_t> Find(std::string_view id, const IdAt& id_at) const {
    const uint32_t hash = Hash(id);
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.value == kEmpty) return std::nullopt;
      if (slot.hash == hash && std::string_view(id_at(slot.value)) == id) return slot.value;
    }
  }

  // Inserts id -> value unless id is present; returns the index now stored for id and
  // whether this call inserted it. value must be below UINT32_MAX; the caller stores the
  // id at `value` in its table (id_at is only asked about earlier values).
  template <typename IdAt>
  std::pair<uint32_t, bool> Insert(std::string_view id, uint32_t value, const IdAt& id_at) {
    if (2 * (size_ + 1) > slots_.size()) Grow();
    const uint32_t hash = Hash(id);
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.value == kEmpty) {
        slot = Slot{hash, value};
        ++size_;
        return {value, true};
      }
      if (slot.hash == hash && std::string_view(id_at(slot.value)) == id) return {slot.value, false};
    }
  }

  size_t size() const { return size_; }

  // For prefetching only, never for answers: the slot an id's probe starts at, and the
  // value of the first slot there whose 32 hash bits match (without comparing ids, so
  // it may be another id's), or nullopt.
  uint32_t HashOf(std::string_view id) const { return Hash(id); }
  const void* SlotAddress(uint32_t hash) const { return &slots_[hash & (slots_.size() - 1)]; }
  std::optional<uint32_t> Guess(uint32_t hash) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      if (slots_[i].value == kEmpty) return std::nullopt;
      if (slots_[i].hash == hash) return slots_[i].value;
    }
  }

 private:
  static constexpr uint32_t kEmpty = std::numeric_limits<uint32_t>::max();
  struct Slot {
    uint32_t hash = 0;  // the low bits place the slot; all 32 filter before comparing ids
    uint32_t value = kEmpty;
  };
  static uint32_t Hash(std::string_view id);
  void Grow();

  std::vector<Slot> slots_;  // size is a power of two, at most half full
  size_t size_ = 0;
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_ID_INDEX_H_
