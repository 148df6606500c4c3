// Micro benchmarks of the engine core: the cost of the distance screen against the exact
// geodesic, and of one fix through Engine::ApplyFix with many orders loaded.
//
//   build/bench/engine_bench --benchmark_filter=ApplyFix
//
// The workload: N orders in a 30 km square, each one supervised tag and one protected
// phone placed far apart (the common case: nobody near anybody), fixes arriving in time
// order round-robin over all devices. Devices counts are 2 x orders.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "geo/geodesic.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

constexpr double kBaseLat = 42.80;
constexpr double kBaseLng = 74.45;
constexpr double kSpanDeg = 0.27;  // about 30 km

std::vector<geo::LatLng> RandomPoints(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, kSpanDeg);
  std::vector<geo::LatLng> points(n);
  for (auto& p : points) p = {kBaseLat + u(rng), kBaseLng + u(rng)};
  return points;
}

void BM_GeodesicDistance(benchmark::State& state) {
  const auto points = RandomPoints(1024, 1);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(geo::GeodesicDistanceMeters(points[i & 1023], points[(i + 1) & 1023]));
    ++i;
  }
}
BENCHMARK(BM_GeodesicDistance);

void BM_ChordScreenFromLatLng(benchmark::State& state) {
  const auto points = RandomPoints(1024, 1);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(geo::ChordSquaredMeters2(geo::ToEcef(points[i & 1023]),
                                                      geo::ToEcef(points[(i + 1) & 1023])));
    ++i;
  }
}
BENCHMARK(BM_ChordScreenFromLatLng);

void BM_ApplyFix(benchmark::State& state) {
  const int orders = static_cast<int>(state.range(0));
  engine::Engine engine;
  std::vector<v1::Event> events;
  for (int i = 0; i < orders; ++i) {
    v1::Order order;
    order.set_id("ORD-" + std::to_string(i));
    order.set_version(1);
    order.mutable_supervised()->set_id("s" + std::to_string(i));
    order.mutable_supervised()->add_devices("tag-" + std::to_string(i));
    auto* p = order.add_protected_();
    p->set_id("v" + std::to_string(i));
    p->add_devices("phone-" + std::to_string(i));
    order.set_violation_distance_m(500);
    order.set_warning_distance_m(1000);
    engine.ApplyOrder(order, &events);
  }
  // Supervised in the west half, protected in the east half: never within 1 km.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, kSpanDeg);
  std::uniform_real_distribution<double> half(0, kSpanDeg / 2 - 0.02);
  std::vector<v1::Fix> fixes(static_cast<size_t>(2 * orders));
  for (int i = 0; i < 2 * orders; ++i) {
    v1::Fix& f = fixes[static_cast<size_t>(i)];
    const bool tag = i % 2 == 0;
    f.set_device((tag ? "tag-" : "phone-") + std::to_string(i / 2));
    f.set_lat(kBaseLat + u(rng));
    f.set_lon(kBaseLng + (tag ? half(rng) : kSpanDeg / 2 + 0.02 + half(rng)));
    f.set_accuracy_m(10);
  }
  std::vector<uint64_t> seqs(fixes.size(), 0);
  int64_t ms = 1'767'225'600'000;  // 2026-01-01
  size_t i = 0;
  for (auto _ : state) {
    v1::Fix& f = fixes[i];
    f.set_seq(++seqs[i]);
    ms += 1;
    f.mutable_time()->set_seconds(ms / 1000);
    f.mutable_time()->set_nanos(static_cast<int32_t>(ms % 1000) * 1'000'000);
    events.clear();
    benchmark::DoNotOptimize(engine.ApplyFix(f, &events));
    if (++i == fixes.size()) i = 0;
  }
  state.counters["devices"] = 2.0 * orders;
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApplyFix)->Arg(5'000)->Arg(50'000)->Unit(benchmark::kNanosecond);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
