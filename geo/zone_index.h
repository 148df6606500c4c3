// ZoneIndex: a Boost.Geometry R-tree from boxes (degrees) to 32-bit zone handles, used to
// find the candidate zones near a position before the exact ZoneShape test.
//
// Boxes that cross the antimeridian (min_lng > max_lng) are stored and queried as two
// boxes; a handle is reported once per query. Query results are sorted ascending, so
// callers iterate zones in a deterministic order.
//
// BulkLoad builds a packed tree (STR) for a static set; Insert and Remove keep it current
// under changes. Thread-compatible: concurrent const Query calls are safe, mutation needs
// exclusive access.
#ifndef STAYAWAY_GEO_ZONE_INDEX_H_
#define STAYAWAY_GEO_ZONE_INDEX_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "geo/lat_lng.h"

namespace stayaway::geo {

class ZoneIndex {
 public:
  using Handle = uint32_t;

  ZoneIndex();
  ~ZoneIndex();
  ZoneIndex(ZoneIndex&&) noexcept;
  ZoneIndex& operator=(ZoneIndex&&) noexcept;

  // Replaces the whole content with a packed tree of these entries.
  void BulkLoad(const std::vector<std::pair<GeoBox, Handle>>& entries);
  void Insert(const GeoBox& box, Handle handle);
  // Removes the entry with exactly this box and handle; false when absent.
  bool Remove(const GeoBox& box, Handle handle);

  // Appends to `out` (after clearing it) the handles of every box that intersects `box`
  // (touching counts), sorted ascending and without repeats.
  void Query(const GeoBox& box, std::vector<Handle>* out) const;
  size_t size() const;

 private:
  struct Tree;
  std::unique_ptr<Tree> tree_;
};

}  // namespace stayaway::geo

#endif  // STAYAWAY_GEO_ZONE_INDEX_H_
