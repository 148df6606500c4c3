// Heap allocations per fix through the daemon's core (daemon/core.h): a batch of fixes
// handed to Core::SubmitFixes, as every front end hands over what it decoded, queued,
// admitted, journaled (group commit), applied by the engine, committed to the signed log
// and acknowledged. 100,000 devices (bench/fleet.h: nobody near anybody, so no event),
// the journal on a temporary directory without fsync. The fixes are made before the count
// starts: decoding them is the front ends' share (allocation_bench, frame_codec_bench).
// Every operator new of the process is counted, the engine thread's among them; reports
// allocs_per_fix (0 is the throughput issue's target).
//
//   build/bench/core_allocation_bench
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/core_bench_support.h"
#include "bench/counting_allocator.h"
#include "bench/fleet.h"
#include "daemon/core.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

namespace fs = std::filesystem;

// Hands the core a batch of the fleet's next fixes for each iteration of `state`, every
// fix's battery at `battery_pct` when given, and counts the allocations while the core
// takes it. Sets allocs_per_fix, and allocs_per_event when events came of it.
void CountThroughTheCore(benchmark::State& state, std::optional<double> battery_pct) {
  const auto batch_size = static_cast<size_t>(state.range(0));
  const fs::path dir =
      fs::temp_directory_path() / ("stayaway-core-alloc-" + std::to_string(::getpid()));
  bench::Fleet fleet(100'000, /*seed=*/1);
  std::atomic<TimeMs> now{0};
  std::string error;
  const std::unique_ptr<daemon::Core> core =
      bench::StartCoreWithFullTracks(dir, fleet, now, batch_size, nullptr, &error);
  if (core == nullptr) return state.SkipWithError(error.c_str());
  std::vector<v1::Fix> batch(batch_size);
  uint64_t counted = 0;
  const uint64_t first_event = core->NextEventSeq();
  for (auto _ : state) {
    state.PauseTiming();
    for (v1::Fix& fix : batch) {
      fleet.NextFix(&fix);
      if (battery_pct) fix.set_battery_pct(*battery_pct);
    }
    now = TimestampToMs(batch.back().received());
    std::vector<v1::Fix> handed = batch;
    const uint64_t before = bench::AllocationsSoFar();
    state.ResumeTiming();
    if (!bench::SubmitAndWait(*core, std::move(handed))) {
      return state.SkipWithError("the core refused a batch");
    }
    counted += bench::AllocationsSoFar() - before;
  }
  const uint64_t events = core->NextEventSeq() - first_event;
  core->Stop();
  fs::remove_all(dir);
  const double fixes = static_cast<double>(state.iterations() * batch_size);
  state.counters["allocs_per_fix"] = static_cast<double>(counted) / fixes;
  if (events > 0) {
    state.counters["events"] = static_cast<double>(events);
    state.counters["allocs_per_event"] = static_cast<double>(counted) / static_cast<double>(events);
  }
  state.SetItemsProcessed(static_cast<int64_t>(fixes));
}

void BM_CoreSubmitFixes(benchmark::State& state) { CountThroughTheCore(state, std::nullopt); }
BENCHMARK(BM_CoreSubmitFixes)->ArgName("batch")->Arg(1000)->Iterations(200);

// An alert storm: the same, but every fix reports a battery of 5 %, and each device's
// first such fix opens a low_battery alert (100 batches: every device once), so each
// event's way is counted too: made by the engine, booked, made a leaf of the signed log,
// kept in the event log. allocs_per_event counts the fixes' own share too (the benchmark
// above's, next to nothing).
void BM_CoreSubmitFixesEachOpeningAnAlert(benchmark::State& state) {
  CountThroughTheCore(state, 5.0);
}
BENCHMARK(BM_CoreSubmitFixesEachOpeningAnAlert)->ArgName("batch")->Arg(1000)->Iterations(100);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
