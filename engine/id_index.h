// IdIndex: maps text ids (device ids) to dense uint32 indices with one cache miss per
// lookup. Open addressing with linear probing over a flat slot array; each slot holds the
// full hash, the index and the id itself (short ids sit inside the std::string, so the
// probe reads one cache line). Ids are never removed: a device stays known once an order
// has named it.
//
// It exists because the per-fix device lookup dominated the engine's hot path with a
// node-based std::unordered_map (pointer chasing per probe). Thread-compatible.
#ifndef STAYAWAY_ENGINE_ID_INDEX_H_
#define STAYAWAY_ENGINE_ID_INDEX_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stayaway::engine {

class IdIndex {
 public:
  IdIndex();

  // The index of `id`, or nullopt.
  std::optional<uint32_t> Find(std::string_view id) const;
  // Inserts id -> value unless present; returns the index now stored for id and whether
  // this call inserted it.
  std::pair<uint32_t, bool> Insert(std::string_view id, uint32_t value);
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t value = 0;
    bool used = false;
    std::string id;
  };
  static uint64_t Hash(std::string_view id);
  void Grow();

  std::vector<Slot> slots_;  // size is a power of two, at most half full
  size_t size_ = 0;
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_ID_INDEX_H_
