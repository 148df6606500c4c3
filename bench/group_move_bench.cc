// What moving one case group between engines costs (engine/group_transfer.h): the step a
// partitioned deployment takes when an order joins cases living on two partitions. A move
// rewrites both engines through their snapshots, so its cost follows the engines' whole
// state, not the group's. The fleet (bench/fleet.h) is in one engine with full tracks; each
// iteration moves order ORD-0's group (one case of 10 devices) to an empty engine and back,
// and the time is given per move.
//
//   build/bench/group_move_bench
//
// Also the three steps apart, for one move out of the large engine: saving its snapshot,
// cutting it, and loading the part that stays.
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bench/fleet.h"
#include "engine/engine.h"
#include "engine/group_transfer.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

// The ids of the fleet's first order, as a router would have recorded them.
engine::GroupMembers FirstCase(const bench::Fleet& fleet) {
  engine::GroupMembers members;
  members.AddNamedBy(fleet.order_list().front());
  return members;
}

std::unique_ptr<engine::Engine> WarmEngine(bench::Fleet& fleet) {
  auto engine = std::make_unique<engine::Engine>();
  fleet.ApplyOrders(*engine);
  fleet.WarmUp(*engine, static_cast<int>(engine->settings().history_fixes));
  return engine;
}

void BM_MoveOneGroup(benchmark::State& state) {
  bench::Fleet fleet(static_cast<size_t>(state.range(0)), /*seed=*/1);
  std::unique_ptr<engine::Engine> large = WarmEngine(fleet);
  auto empty = std::make_unique<engine::Engine>();
  const engine::GroupMembers members = FirstCase(fleet);
  for (auto _ : state) {
    if (!engine::MoveGroupState(members, &large, &empty).ok() ||
        !engine::MoveGroupState(members, &empty, &large).ok()) {
      state.SkipWithError("a move failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * 2);  // moves
  state.counters["devices"] = static_cast<double>(fleet.devices());
}
BENCHMARK(BM_MoveOneGroup)
    ->ArgName("devices")
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_MoveSteps(benchmark::State& state) {
  bench::Fleet fleet(static_cast<size_t>(state.range(0)), /*seed=*/1);
  std::unique_ptr<engine::Engine> large = WarmEngine(fleet);
  const engine::GroupMembers members = FirstCase(fleet);
  double save_s = 0, cut_s = 0, load_s = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    v1::EngineSnapshot whole;
    (void)large->SaveSnapshot(&whole);
    auto t1 = std::chrono::steady_clock::now();
    auto split = engine::SplitSnapshot(whole, members);
    auto t2 = std::chrono::steady_clock::now();
    auto kept = engine::Engine::FromSnapshot(split->kept, large->settings());
    auto t3 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(kept);
    save_s += std::chrono::duration<double>(t1 - t0).count();
    cut_s += std::chrono::duration<double>(t2 - t1).count();
    load_s += std::chrono::duration<double>(t3 - t2).count();
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["save_ms"] = save_s / n * 1e3;
  state.counters["cut_ms"] = cut_s / n * 1e3;
  state.counters["load_ms"] = load_s / n * 1e3;
}
BENCHMARK(BM_MoveSteps)->ArgName("devices")->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
