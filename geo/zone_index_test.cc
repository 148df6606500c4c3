#include "geo/zone_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

namespace stayaway::geo {
namespace {

using Entry = std::pair<GeoBox, ZoneIndex::Handle>;

// Longitude intervals as one or two plain pieces; the oracle's own reading of GeoBox.
std::vector<std::pair<double, double>> LngPieces(const GeoBox& b) {
  if (!b.CrossesAntimeridian()) return {{b.min_lng_deg, b.max_lng_deg}};
  return {{b.min_lng_deg, 180.0}, {-180.0, b.max_lng_deg}};
}

// Brute-force intersection of two boxes, touching included.
bool Intersects(const GeoBox& a, const GeoBox& b) {
  if (a.max_lat_deg < b.min_lat_deg || b.max_lat_deg < a.min_lat_deg) return false;
  for (const auto& [a0, a1] : LngPieces(a)) {
    for (const auto& [b0, b1] : LngPieces(b)) {
      if (a0 <= b1 && b0 <= a1) return true;
    }
  }
  return false;
}

std::vector<ZoneIndex::Handle> BruteForce(const std::vector<Entry>& entries, const GeoBox& q) {
  std::vector<ZoneIndex::Handle> out;
  for (const auto& [box, handle] : entries) {
    if (Intersects(box, q)) out.push_back(handle);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Random boxes up to `max_size` degrees; about one in five crosses the antimeridian
// because some are pushed next to it.
GeoBox RandomBox(std::mt19937_64& rng, double max_size) {
  std::uniform_real_distribution<double> unit(0, 1);
  const double lat0 = -90 + 180 * unit(rng);
  const double lat1 = std::min(90.0, lat0 + max_size * unit(rng));
  double lng0 = unit(rng) < 0.2 ? 180 - max_size * unit(rng) : -180 + 360 * unit(rng);
  double lng1 = lng0 + max_size * unit(rng);
  if (lng1 > 180) lng1 -= 360;
  return GeoBox{lat0, lng0, lat1, lng1};
}

class ZoneIndexRandomTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(ZoneIndexRandomTest, QueryMatchesBruteForceForBulkLoadInsertAndRemove) {
  const uint64_t seed = GetParam();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<Entry> entries;
  for (ZoneIndex::Handle h = 0; h < 2000; ++h) entries.emplace_back(RandomBox(rng, 10), h * 7);
  // A few handles own two boxes, as a MultiPolygon zone might.
  for (ZoneIndex::Handle h = 0; h < 50; ++h) entries.emplace_back(RandomBox(rng, 10), h * 7);
  int crossing = 0;
  for (const auto& e : entries) crossing += e.first.CrossesAntimeridian();
  ASSERT_GT(crossing, 100);

  ZoneIndex bulk;
  bulk.BulkLoad(entries);
  ZoneIndex inserted;
  for (const auto& [box, handle] : entries) inserted.Insert(box, handle);
  EXPECT_EQ(bulk.size(), entries.size());
  EXPECT_EQ(inserted.size(), entries.size());

  std::vector<ZoneIndex::Handle> got;
  auto check_all = [&](const ZoneIndex& index, const std::vector<Entry>& truth, const char* what) {
    std::mt19937_64 query_rng(seed + 1);
    int non_empty = 0;
    for (int i = 0; i < 500; ++i) {
      const GeoBox q = RandomBox(query_rng, 20);
      index.Query(q, &got);
      const auto expected = BruteForce(truth, q);
      non_empty += !expected.empty();
      ASSERT_EQ(got, expected) << what << " query " << i;
    }
    ASSERT_GT(non_empty, 100) << "queries too sparse to test anything";
  };
  check_all(bulk, entries, "bulk");
  check_all(inserted, entries, "insert");

  // Remove a third of the entries (crossing ones included) from both trees.
  std::vector<Entry> kept;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i % 3 == 0) {
      ASSERT_TRUE(bulk.Remove(entries[i].first, entries[i].second));
      ASSERT_TRUE(inserted.Remove(entries[i].first, entries[i].second));
    } else {
      kept.push_back(entries[i]);
    }
  }
  EXPECT_EQ(bulk.size(), kept.size());
  EXPECT_EQ(inserted.size(), kept.size());
  check_all(bulk, kept, "bulk after remove");
  check_all(inserted, kept, "insert after remove");
}

INSTANTIATE_TEST_SUITE_P(Seeds, ZoneIndexRandomTest, ::testing::Values(1, 2, 20250301));

TEST(ZoneIndexTest, RemoveNeedsTheExactBoxAndHandle) {
  ZoneIndex index;
  const GeoBox box{10, 20, 11, 21};
  index.Insert(box, 5);
  EXPECT_FALSE(index.Remove(box, 6));
  EXPECT_FALSE(index.Remove(GeoBox{10, 20, 11, 21.5}, 5));
  EXPECT_EQ(index.size(), 1u);
  EXPECT_TRUE(index.Remove(box, 5));
  EXPECT_FALSE(index.Remove(box, 5));
  EXPECT_EQ(index.size(), 0u);
  std::vector<ZoneIndex::Handle> got = {99};
  index.Query(box, &got);
  EXPECT_TRUE(got.empty());  // cleared
}

TEST(ZoneIndexTest, CrossingBoxIsReportedOnceAndTouchingCounts) {
  ZoneIndex index;
  const GeoBox fiji{-18, 179, -16, -179};
  index.Insert(fiji, 3);
  index.Insert(GeoBox{0, 0, 1, 1}, 1);
  std::vector<ZoneIndex::Handle> got;
  index.Query(GeoBox{-90, -180, 90, 180}, &got);  // overlaps both halves of fiji
  EXPECT_EQ(got, (std::vector<ZoneIndex::Handle>{1, 3}));
  index.Query(GeoBox{-17, -179.5, -17, -179.5}, &got);  // a point, west half
  EXPECT_EQ(got, (std::vector<ZoneIndex::Handle>{3}));
  index.Query(GeoBox{-17, 170, -17, 179}, &got);  // touches the east edge
  EXPECT_EQ(got, (std::vector<ZoneIndex::Handle>{3}));
  index.Query(GeoBox{-17, 170, -17, 178.9}, &got);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(index.size(), 2u);

  ZoneIndex moved = std::move(index);
  moved.Query(GeoBox{0.5, 0.5, 0.5, 0.5}, &got);
  EXPECT_EQ(got, (std::vector<ZoneIndex::Handle>{1}));
}

TEST(ZoneIndexTest, BulkLoadReplacesTheContent) {
  ZoneIndex index;
  index.Insert(GeoBox{0, 0, 1, 1}, 1);
  index.BulkLoad({{GeoBox{5, 5, 6, 6}, 2}});
  std::vector<ZoneIndex::Handle> got;
  index.Query(GeoBox{-90, -180, 90, 180}, &got);
  EXPECT_EQ(got, (std::vector<ZoneIndex::Handle>{2}));
  EXPECT_EQ(index.size(), 1u);
}

}  // namespace
}  // namespace stayaway::geo
