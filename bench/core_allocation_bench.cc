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

void BM_CoreSubmitFixes(benchmark::State& state) {
  const auto batch_size = static_cast<size_t>(state.range(0));
  const fs::path dir =
      fs::temp_directory_path() / ("stayaway-core-alloc-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  bench::Fleet fleet(100'000, /*seed=*/1);
  std::atomic<TimeMs> now{0};
  daemon::Core core(bench::BenchCoreOptions(dir, now));
  if (Status s = core.Start(); !s.ok()) return state.SkipWithError(s.message().c_str());
  for (Status s : core.PutOrders(fleet.order_list())) {
    if (!s.ok()) return state.SkipWithError(s.message().c_str());
  }
  if (!bench::FillTracks(core, fleet, now, batch_size)) {
    return state.SkipWithError("the core refused a batch");
  }
  std::vector<v1::Fix> batch(batch_size);
  const auto NextBatch = [&] {
    for (v1::Fix& fix : batch) fleet.NextFix(&fix);
    now = TimestampToMs(batch.back().received());
  };
  uint64_t counted = 0;
  for (auto _ : state) {
    state.PauseTiming();
    NextBatch();
    std::vector<v1::Fix> handed = batch;
    const uint64_t before = bench::AllocationsSoFar();
    state.ResumeTiming();
    if (!bench::SubmitAndWait(core, std::move(handed))) {
      return state.SkipWithError("the core refused a batch");
    }
    counted += bench::AllocationsSoFar() - before;
  }
  core.Stop();
  fs::remove_all(dir);
  const double fixes = static_cast<double>(state.iterations() * batch_size);
  state.counters["allocs_per_fix"] = static_cast<double>(counted) / fixes;
  state.SetItemsProcessed(static_cast<int64_t>(fixes));
}
BENCHMARK(BM_CoreSubmitFixes)->ArgName("batch")->Arg(1000)->Iterations(200);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
