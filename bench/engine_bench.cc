// Micro benchmarks of the engine core: the cost of the distance screen against the exact
// geodesic, and of one fix through Engine::ApplyFix (and batches through ApplyFixes) with
// 10 thousand to 1 million devices loaded (bench/fleet.h describes the workload: 10 devices per order, nobody near anybody,
// every device reporting every 30 s of event time).
//
//   build/bench/engine_bench --benchmark_filter=ApplyFix
//
// fixes_per_s is per core: Google Benchmark divides by the CPU time of the one thread.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "bench/fleet.h"
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

// An engine loaded with a fleet and warmed up (every person has a position). Building one
// with a million devices takes seconds, and Google Benchmark calls a benchmark function
// more than once, so the last one built is kept; the stream simply carries on.
struct LoadedEngine {
  std::unique_ptr<bench::Fleet> fleet;
  std::unique_ptr<engine::Engine> engine;
  // Fixes made ahead in blocks, outside the timing: only the engine is measured, as if
  // each fix had just been decoded from the wire. Kept here so no fix of the stream is
  // skipped between runs.
  std::vector<v1::Fix> block = std::vector<v1::Fix>(4096);
  size_t next = 4096;
};

LoadedEngine& Loaded(size_t devices, unsigned lanes = 1) {
  static LoadedEngine loaded;
  static unsigned loaded_lanes = 1;
  if (!loaded.fleet || loaded.fleet->devices() != devices || loaded_lanes != lanes) {
    loaded = LoadedEngine{};  // free the previous one first
    loaded.fleet = std::make_unique<bench::Fleet>(devices, /*seed=*/1);
    loaded.engine = std::make_unique<engine::Engine>(engine::EngineSettings(), lanes);
    loaded_lanes = lanes;
    loaded.fleet->ApplyOrders(*loaded.engine);
    loaded.fleet->WarmUp(*loaded.engine);
  }
  return loaded;
}

void BM_ApplyFix(benchmark::State& state) {
  LoadedEngine& loaded = Loaded(static_cast<size_t>(state.range(0)));
  std::vector<v1::Event> events;
  uint64_t event_count = 0;
  for (auto _ : state) {
    if (loaded.next == loaded.block.size()) {
      state.PauseTiming();
      for (v1::Fix& fix : loaded.block) loaded.fleet->NextFix(&fix);
      loaded.next = 0;
      state.ResumeTiming();
    }
    events.clear();
    benchmark::DoNotOptimize(loaded.engine->ApplyFix(loaded.block[loaded.next++], &events));
    event_count += events.size();
  }
  state.counters["devices"] = static_cast<double>(loaded.fleet->devices());
  state.counters["orders"] = static_cast<double>(loaded.fleet->orders());
  state.counters["fixes_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  // The workload keeps everybody apart: any event here means the workload is wrong.
  state.counters["events"] = static_cast<double>(event_count);
}
BENCHMARK(BM_ApplyFix)
    ->ArgName("devices")
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kNanosecond);

// The stream through Engine::ApplyFixes in batches of `batch`; one iteration is one batch.
void RunBatches(benchmark::State& state, LoadedEngine& loaded, size_t batch) {
  std::vector<v1::Event> events;
  uint64_t event_count = 0;
  auto count = [&](size_t, const Status&, std::vector<v1::Event>* e) { event_count += e->size(); };
  for (auto _ : state) {
    if (loaded.next + batch > loaded.block.size()) {
      state.PauseTiming();
      // What is left of the block first, so the stream skips no fix.
      const std::span<const v1::Fix> rest = std::span(loaded.block).subspan(loaded.next);
      loaded.engine->ApplyFixes(rest, &events, count);
      for (v1::Fix& fix : loaded.block) loaded.fleet->NextFix(&fix);
      loaded.next = 0;
      state.ResumeTiming();
    }
    loaded.engine->ApplyFixes(std::span(loaded.block).subspan(loaded.next, batch), &events, count);
    loaded.next += batch;
  }
  state.counters["devices"] = static_cast<double>(loaded.fleet->devices());
  state.counters["fixes_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * batch), benchmark::Counter::kIsRate);
  state.counters["events"] = static_cast<double>(event_count);
}

// In batches of 256 (the daemon drains its queue in batches), which starts loading the
// state of the fixes ahead of the one being evaluated.
void BM_ApplyFixes(benchmark::State& state) {
  RunBatches(state, Loaded(static_cast<size_t>(state.range(0))), 256);
}
BENCHMARK(BM_ApplyFixes)
    ->ArgName("devices")
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond);

// In batches of 1,024 through an engine with `lanes` lanes (engine.h): the batch's case
// groups are evaluated on that many threads. Wall time (the lanes work on threads of
// their own); compare the lanes in one run, on a machine with that many cores.
void BM_ApplyFixesInLanes(benchmark::State& state) {
  RunBatches(state,
             Loaded(static_cast<size_t>(state.range(0)), static_cast<unsigned>(state.range(1))),
             1024);
  state.counters["lanes"] = static_cast<double>(state.range(1));
}
BENCHMARK(BM_ApplyFixesInLanes)
    ->ArgNames({"devices", "lanes"})
    ->ArgsProduct({{100'000, 1'000'000}, {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// A clock tick (the daemon feeds one a second) with nothing due: it costs what is due,
// not a walk over every device and every alert awaiting an ack (as it did before: 6 ms
// at a million devices).
void BM_ApplyTick(benchmark::State& state) {
  LoadedEngine& loaded = Loaded(static_cast<size_t>(state.range(0)));
  std::vector<v1::Event> events;
  for (auto _ : state) {
    events.clear();
    loaded.engine->ApplyTick(loaded.engine->now_ms(), &events);
  }
  state.counters["devices"] = static_cast<double>(loaded.fleet->devices());
  state.counters["events"] = static_cast<double>(events.size());
}
BENCHMARK(BM_ApplyTick)
    ->ArgName("devices")
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond);

// A tick each second of the stream, with that second's fixes applied before it (outside
// the timing): what the daemon's engine thread does once a second. Ticks look at the
// devices whose silence may have reached comms_lost_ms (10 minutes), so this runs 20
// minutes of the stream. first_tick_us: the first tick, which looks at every device (as
// after a restart); p99_tick_us and max_tick_us: the ticks after it.
void BM_ApplyTickEachSecond(benchmark::State& state) {
  LoadedEngine& loaded = Loaded(static_cast<size_t>(state.range(0)));
  std::vector<v1::Fix> second(loaded.fleet->devices() * 1000 /
                              static_cast<size_t>(bench::Fleet::kReportIntervalMs));
  std::vector<v1::Event> events;
  std::vector<double> tick_us;
  for (auto _ : state) {
    state.PauseTiming();
    for (v1::Fix& fix : second) loaded.fleet->NextFix(&fix);
    loaded.engine->ApplyFixes(second, &events,
                              [](size_t, const Status&, std::vector<v1::Event>*) {});
    events.clear();
    const auto started = std::chrono::steady_clock::now();
    state.ResumeTiming();
    loaded.engine->ApplyTick(loaded.engine->now_ms(), &events);
    state.PauseTiming();
    tick_us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started)
            .count());
    state.ResumeTiming();
  }
  state.counters["devices"] = static_cast<double>(loaded.fleet->devices());
  if (tick_us.size() > 1) {
    state.counters["first_tick_us"] = tick_us.front();
    std::vector<double> after(tick_us.begin() + 1, tick_us.end());
    std::sort(after.begin(), after.end());
    state.counters["p99_tick_us"] = after[after.size() * 99 / 100];
    state.counters["max_tick_us"] = after.back();
  }
}
BENCHMARK(BM_ApplyTickEachSecond)
    ->ArgName("devices")
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Iterations(1200)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
