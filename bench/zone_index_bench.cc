// Zone lookups: Boost.Geometry R-trees built two ways, at 1k, 10k and 100k zones, against
// the project's geo::ZoneIndex (an R*-tree, max 16 entries per node).
//
//   - RtreePacked: built by the range constructor, which packs the tree (STR-style).
//   - RtreeDynamic: built by inserting the zones one by one (R* splits).
//   - ZoneIndexInserted: geo::ZoneIndex filled with Insert, as the engine fills it (orders
//     and shelters arrive one at a time).
//   - ZoneIndexBulk: geo::ZoneIndex::BulkLoad (packed).
//
// Zones are boxes of 50 m to 1 km in a ~300 km square; a query is a point (the raw trees)
// or the fix's 10 m accuracy box (ZoneIndex, as the engine queries it), at random places.
// build_ms is the time to build the index once.
//
//   build/bench/zone_index_bench --benchmark_filter=Packed
#include <benchmark/benchmark.h>

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/iterator/function_output_iterator.hpp>
#include <chrono>
#include <random>
#include <utility>
#include <vector>

#include "geo/lat_lng.h"
#include "geo/zone_index.h"

namespace stayaway {
namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using Point = bg::model::point<double, 2, bg::cs::cartesian>;
using Box = bg::model::box<Point>;
using Value = std::pair<Box, uint32_t>;
using Rtree = bgi::rtree<Value, bgi::rstar<16>>;

constexpr double kBaseLat = 41.0;
constexpr double kBaseLng = 72.0;
constexpr double kSpanDeg = 2.7;  // ~300 km
constexpr int kQueries = 4096;

std::vector<geo::GeoBox> RandomZones(size_t n) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> place(0, kSpanDeg);
  std::uniform_real_distribution<double> size(0.0005, 0.01);  // ~50 m to ~1 km
  std::vector<geo::GeoBox> zones(n);
  for (auto& z : zones) {
    const double lat = kBaseLat + place(rng), lng = kBaseLng + place(rng);
    z = {lat, lng, lat + size(rng), lng + size(rng)};
  }
  return zones;
}

std::vector<geo::LatLng> RandomPoints() {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> place(0, kSpanDeg);
  std::vector<geo::LatLng> points(kQueries);
  for (auto& p : points) p = {kBaseLat + place(rng), kBaseLng + place(rng)};
  return points;
}

std::vector<Value> Values(const std::vector<geo::GeoBox>& zones) {
  std::vector<Value> values;
  values.reserve(zones.size());
  for (uint32_t i = 0; i < zones.size(); ++i) {
    const geo::GeoBox& z = zones[i];
    values.emplace_back(Box(Point(z.min_lng_deg, z.min_lat_deg), Point(z.max_lng_deg, z.max_lat_deg)), i);
  }
  return values;
}

template <typename Build>
double TimeMs(Build build) {
  const auto start = std::chrono::steady_clock::now();
  build();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void QueryRtree(benchmark::State& state, const Rtree& tree, double build_ms) {
  const auto points = RandomPoints();
  std::vector<uint32_t> out;
  size_t i = 0, found = 0;
  for (auto _ : state) {
    out.clear();
    const geo::LatLng& p = points[i++ & (kQueries - 1)];
    tree.query(bgi::intersects(Point(p.lng_deg, p.lat_deg)),
               boost::make_function_output_iterator([&out](const Value& v) { out.push_back(v.second); }));
    found += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["build_ms"] = build_ms;
  state.counters["hits_per_query"] = static_cast<double>(found) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
}

void BM_RtreePacked(benchmark::State& state) {
  const auto values = Values(RandomZones(static_cast<size_t>(state.range(0))));
  Rtree tree;
  const double ms = TimeMs([&] { tree = Rtree(values.begin(), values.end()); });
  QueryRtree(state, tree, ms);
}

void BM_RtreeDynamic(benchmark::State& state) {
  const auto values = Values(RandomZones(static_cast<size_t>(state.range(0))));
  Rtree tree;
  const double ms = TimeMs([&] {
    for (const Value& v : values) tree.insert(v);
  });
  QueryRtree(state, tree, ms);
}

void QueryZoneIndex(benchmark::State& state, const geo::ZoneIndex& index, double build_ms) {
  const auto points = RandomPoints();
  std::vector<geo::ZoneIndex::Handle> out;
  size_t i = 0, found = 0;
  for (auto _ : state) {
    index.Query(geo::BoxAround(points[i++ & (kQueries - 1)], 10), &out);
    found += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["build_ms"] = build_ms;
  state.counters["hits_per_query"] = static_cast<double>(found) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
}

void BM_ZoneIndexInserted(benchmark::State& state) {
  const auto zones = RandomZones(static_cast<size_t>(state.range(0)));
  geo::ZoneIndex index;
  const double ms = TimeMs([&] {
    for (uint32_t i = 0; i < zones.size(); ++i) index.Insert(zones[i], i);
  });
  QueryZoneIndex(state, index, ms);
}

void BM_ZoneIndexBulk(benchmark::State& state) {
  const auto zones = RandomZones(static_cast<size_t>(state.range(0)));
  std::vector<std::pair<geo::GeoBox, geo::ZoneIndex::Handle>> entries;
  for (uint32_t i = 0; i < zones.size(); ++i) entries.emplace_back(zones[i], i);
  geo::ZoneIndex index;
  const double ms = TimeMs([&] { index.BulkLoad(entries); });
  QueryZoneIndex(state, index, ms);
}

BENCHMARK(BM_RtreePacked)->ArgName("zones")->Arg(1'000)->Arg(10'000)->Arg(100'000);
BENCHMARK(BM_RtreeDynamic)->ArgName("zones")->Arg(1'000)->Arg(10'000)->Arg(100'000);
BENCHMARK(BM_ZoneIndexInserted)->ArgName("zones")->Arg(1'000)->Arg(10'000)->Arg(100'000);
BENCHMARK(BM_ZoneIndexBulk)->ArgName("zones")->Arg(1'000)->Arg(10'000)->Arg(100'000);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
