// Memory per tracked device: the heap an engine holds for a fleet (bench/fleet.h: orders
// of 10 devices, 4 persons), measured with glibc's mallinfo2() before and after. Target:
// at most 512 bytes per device at a million devices.
//
//   bytes_per_device             steady state: every person's track holds
//                                history_fixes fixes (the engine's default, 16)
//   bytes_per_device_registered  orders applied, no fix yet
//
// A tick follows each (as the daemon's clock gives one a second), so that the devices'
// places on the ticks' schedule are counted.
//
//   build/bench/memory_bench --benchmark_filter=/1000000
//
// Heap only (main arena and mmapped blocks): code, stacks and the allocator's free lists
// are not the engine's per-device cost.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <memory>
#include <vector>

#include "bench/fleet.h"
#include "engine/engine.h"

namespace stayaway {
namespace {

double HeapBytes() {
  const struct mallinfo2 info = mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd);
}

void BM_MemoryPerDevice(benchmark::State& state) {
  const auto devices = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    bench::Fleet fleet(devices, /*seed=*/1);
    const double before = HeapBytes();
    auto engine = std::make_unique<engine::Engine>();
    fleet.ApplyOrders(*engine);
    // Ticks, as the daemon's (one a second): each device filed for its comms_lost check.
    std::vector<v1::Event> events;
    engine->ApplyTick(bench::Fleet::kStartMs, &events);
    const double registered = HeapBytes();
    // Enough rounds for the supervised person's one tag to fill a whole track.
    fleet.WarmUp(*engine, static_cast<int>(engine->settings().history_fixes));
    engine->ApplyTick(engine->now_ms(), &events);
    const double steady = HeapBytes();
    const auto n = static_cast<double>(fleet.devices());
    state.counters["devices"] = n;
    state.counters["bytes_per_device"] = (steady - before) / n;
    state.counters["bytes_per_device_registered"] = (registered - before) / n;
    state.counters["engine_mib"] = (steady - before) / (1024.0 * 1024.0);
  }
}
BENCHMARK(BM_MemoryPerDevice)
    ->ArgName("devices")
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
