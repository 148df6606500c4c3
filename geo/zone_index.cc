#include "geo/zone_index.h"

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/iterator/function_output_iterator.hpp>
#include <iterator>

namespace stayaway::geo {
namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

// Longitude is x and latitude y, both in degrees, treated as a plane: boxes never wrap
// once the antimeridian-crossing ones are split in two.
using Point = bg::model::point<double, 2, bg::cs::cartesian>;
using Box = bg::model::box<Point>;

// One or two planar boxes covering `box`.
int SplitBox(const GeoBox& box, Box out[2]) {
  if (!box.CrossesAntimeridian()) {
    out[0] = Box(Point(box.min_lng_deg, box.min_lat_deg), Point(box.max_lng_deg, box.max_lat_deg));
    return 1;
  }
  out[0] = Box(Point(box.min_lng_deg, box.min_lat_deg), Point(180.0, box.max_lat_deg));
  out[1] = Box(Point(-180.0, box.min_lat_deg), Point(box.max_lng_deg, box.max_lat_deg));
  return 2;
}

}  // namespace

struct ZoneIndex::Tree {
  using Value = std::pair<Box, Handle>;
  bgi::rtree<Value, bgi::rstar<16>> rtree;
  size_t entries = 0;  // logical entries; a split box is one entry in two tree values
};

ZoneIndex::ZoneIndex() : tree_(std::make_unique<Tree>()) {}
ZoneIndex::~ZoneIndex() = default;
ZoneIndex::ZoneIndex(ZoneIndex&&) noexcept = default;
ZoneIndex& ZoneIndex::operator=(ZoneIndex&&) noexcept = default;

void ZoneIndex::BulkLoad(const std::vector<std::pair<GeoBox, Handle>>& entries) {
  std::vector<Tree::Value> values;
  values.reserve(entries.size());
  for (const auto& [geo_box, handle] : entries) {
    Box parts[2];
    const int n = SplitBox(geo_box, parts);
    for (int i = 0; i < n; ++i) values.emplace_back(parts[i], handle);
  }
  // The range constructor packs the tree (STR-style), unlike repeated inserts.
  auto fresh = std::make_unique<Tree>();
  fresh->rtree = decltype(fresh->rtree)(values.begin(), values.end());
  fresh->entries = entries.size();
  tree_ = std::move(fresh);
}

void ZoneIndex::Insert(const GeoBox& box, Handle handle) {
  if (!tree_) tree_ = std::make_unique<Tree>();  // after a move
  Box parts[2];
  const int n = SplitBox(box, parts);
  for (int i = 0; i < n; ++i) tree_->rtree.insert(Tree::Value(parts[i], handle));
  ++tree_->entries;
}

bool ZoneIndex::Remove(const GeoBox& box, Handle handle) {
  if (!tree_) return false;
  Box parts[2];
  const int n = SplitBox(box, parts);
  // Both halves of a split entry exist or neither does, since they are only ever
  // inserted and removed together.
  size_t removed = 0;
  for (int i = 0; i < n; ++i) removed += tree_->rtree.remove(Tree::Value(parts[i], handle));
  if (removed == 0) return false;
  --tree_->entries;
  return true;
}

void ZoneIndex::Query(const GeoBox& box, std::vector<Handle>* out) const {
  out->clear();
  if (!tree_) return;
  Box parts[2];
  const int n = SplitBox(box, parts);
  for (int i = 0; i < n; ++i) {
    // bg::intersects counts touching boxes, as the header promises.
    tree_->rtree.query(bgi::intersects(parts[i]),
                       boost::make_function_output_iterator(
                           [out](const Tree::Value& v) { out->push_back(v.second); }));
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

size_t ZoneIndex::size() const { return tree_ ? tree_->entries : 0; }

}  // namespace stayaway::geo
