// What the daemon's periodic snapshot costs its engine thread (daemon/core_snapshots.cc,
// MaybeSnapshot; every snapshot_every_records journal records): the engine's state written
// as framed bytes (Engine::SaveSnapshotBytes), for the fleet of bench/fleet.h with full
// tracks. The engine takes no input meanwhile, so this is a stall every fix queued behind
// it waits out.
//
//   build/bench/snapshot_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench/fleet.h"
#include "engine/engine.h"

namespace stayaway {
namespace {

void BM_EngineSnapshotBytes(benchmark::State& state) {
  bench::Fleet fleet(static_cast<size_t>(state.range(0)), /*seed=*/1);
  engine::Engine engine;
  fleet.ApplyOrders(engine);
  fleet.WarmUp(engine, static_cast<int>(engine.settings().history_fixes));
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string snapshot = engine.SaveSnapshotBytes();
    bytes = snapshot.size();
    benchmark::DoNotOptimize(snapshot.data());
  }
  state.counters["devices"] = static_cast<double>(fleet.devices());
  state.counters["snapshot_mib"] = static_cast<double>(bytes) / (1024.0 * 1024.0);
  state.counters["bytes_per_device"] =
      static_cast<double>(bytes) / static_cast<double>(fleet.devices());
}
BENCHMARK(BM_EngineSnapshotBytes)
    ->ArgName("devices")
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
