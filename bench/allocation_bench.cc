// Heap allocations per fix on the path a fix takes through the daemon: its line decoded
// (ingest/json_codec.h), its Merkle leaf data made and journaled (evidence/leaves.h),
// the engine applying it (100,000 devices, bench/fleet.h: nobody near anybody, so no
// event; one by one and in batches), and, for a fix that changes an alert, its event
// printed. This binary counts
// every operator new; each benchmark reports allocs_per_fix (the count over the timed
// loop divided by the fixes), the measure of the throughput issue's "no allocation per
// fix" (0 is the target).
//
//   build/bench/allocation_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench/counting_allocator.h"
#include "bench/fleet.h"
#include "engine/engine.h"
#include "evidence/leaves.h"
#include "ingest/client_frame_decoder.h"
#include "ingest/event_json_writer.h"
#include "ingest/json_codec.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

// Reports the allocations counted since `before` per item processed.
void ReportAllocations(benchmark::State& state, uint64_t before) {
  const double items = static_cast<double>(state.iterations());
  state.counters["allocs_per_fix"] =
      static_cast<double>(bench::AllocationsSoFar() - before) / items;
  state.SetItemsProcessed(state.iterations());
}

void BM_DecodeFixLine(benchmark::State& state) {
  const std::string line =
      R"({"device": "tag-10042", "seq": 1873, "time": "2026-03-01T10:00:15.250Z", "lat": 42.874613, "lon": 74.569832, "accuracy_m": 8.5, "battery_pct": 71})";
  const uint64_t before = bench::AllocationsSoFar();
  if (state.range(0) == 0) {
    for (auto _ : state) {
      StatusOr<v1::Input> input = ingest::ParseReplayLine(line);
      benchmark::DoNotOptimize(input);
    }
  } else {
    // How replay decodes: into each chunk line's own Input, kept from chunk to chunk.
    v1::Input input;
    for (auto _ : state) {
      Status parsed = ingest::ParseReplayLineInto(line, &input);
      benchmark::DoNotOptimize(parsed);
      benchmark::DoNotOptimize(input);
    }
  }
  ReportAllocations(state, before);
}
BENCHMARK(BM_DecodeFixLine)->ArgName("into_kept_input")->Arg(0)->Arg(1);

// A TCP frame of 1,000 fixes (what a gateway sends), parsed as the ingest port parses it
// and its fixes moved into the vector handed to the core.
void BM_DecodeFrame(benchmark::State& state) {
  bench::Fleet fleet(1000, /*seed=*/1);
  v1::ClientFrame sent;
  for (int i = 0; i < 1000; ++i) fleet.NextFix(sent.mutable_batch()->add_fixes());
  const std::string bytes = sent.SerializeAsString();
  const uint64_t before = bench::AllocationsSoFar();
  for (auto _ : state) {
    v1::ClientFrame frame;
    frame.ParseFromString(bytes);
    std::vector<v1::Fix> fixes;
    fixes.reserve(static_cast<size_t>(frame.batch().fixes_size()));
    for (v1::Fix& fix : *frame.mutable_batch()->mutable_fixes()) fixes.push_back(std::move(fix));
    benchmark::DoNotOptimize(fixes);
  }
  const double fixes = static_cast<double>(state.iterations()) * 1000;
  state.counters["allocs_per_fix"] =
      static_cast<double>(bench::AllocationsSoFar() - before) / fixes;
  state.SetItemsProcessed(static_cast<int64_t>(fixes));
}
BENCHMARK(BM_DecodeFrame);

// The TCP port's way (ingest/client_frame_decoder.h): the frame decoded into the batch the
// decoder keeps, and the fixes swapped out for used ones, as the core hands them back.
void BM_DecodeFrameIntoUsedFixes(benchmark::State& state) {
  bench::Fleet fleet(1000, /*seed=*/1);
  v1::ClientFrame sent;
  for (int i = 0; i < 1000; ++i) fleet.NextFix(sent.mutable_batch()->add_fixes());
  const std::string bytes = sent.SerializeAsString();
  ingest::ClientFrameDecoder decoder;
  std::vector<v1::Fix> used(1000);
  const auto decode_and_take = [&] {
    if (decoder.Decode(bytes) != ingest::ClientFrameDecoder::Result::kBatch) std::abort();
    for (int i = 0; i < decoder.batch().fixes_size(); ++i) {
      decoder.batch().mutable_fixes(i)->Swap(&used[static_cast<size_t>(i)]);
    }
  };
  decode_and_take();  // the batch and the used fixes grow once
  decode_and_take();
  const uint64_t before = bench::AllocationsSoFar();
  for (auto _ : state) {
    decode_and_take();
    benchmark::DoNotOptimize(used);
  }
  const double fixes = static_cast<double>(state.iterations()) * 1000;
  state.counters["allocs_per_fix"] =
      static_cast<double>(bench::AllocationsSoFar() - before) / fixes;
  state.SetItemsProcessed(static_cast<int64_t>(fixes));
}
BENCHMARK(BM_DecodeFrameIntoUsedFixes);

void BM_FixLeafData(benchmark::State& state) {
  bench::Fleet fleet(1000, /*seed=*/1);
  v1::Fix fix;
  fleet.NextFix(&fix);
  const uint64_t before = bench::AllocationsSoFar();
  for (auto _ : state) {
    std::string leaf = evidence::FixLeafData(fix);
    benchmark::DoNotOptimize(leaf);
  }
  ReportAllocations(state, before);
}
BENCHMARK(BM_FixLeafData);

// The daemon's way: a batch's leaves in one buffer (evidence::FixLeafBatch), batches of
// 1,000 fixes, the buffer made anew for each batch as FixesWork makes it.
void BM_FixLeafBatch(benchmark::State& state) {
  bench::Fleet fleet(1000, /*seed=*/1);
  v1::Fix fix;
  fleet.NextFix(&fix);
  constexpr int kBatch = 1000;
  const uint64_t before = bench::AllocationsSoFar();
  for (auto _ : state) {
    evidence::FixLeafBatch batch;
    batch.Reserve(kBatch);
    for (int i = 0; i < kBatch; ++i) batch.Add(fix);
    benchmark::DoNotOptimize(batch);
  }
  state.counters["allocs_per_fix"] = static_cast<double>(bench::AllocationsSoFar() - before) /
                                     (static_cast<double>(state.iterations()) * kBatch);
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_FixLeafBatch);

void BM_EngineApplyFix(benchmark::State& state) {
  static bench::Fleet* fleet = nullptr;
  static engine::Engine* engine = nullptr;
  if (engine == nullptr) {
    fleet = new bench::Fleet(100'000, /*seed=*/1);
    engine = new engine::Engine();
    fleet->ApplyOrders(*engine);
    fleet->WarmUp(*engine);
  }
  // Kept from run to run: every fix made is applied, in order (a fix made and dropped
  // would leave a gap in its device's sequence numbers, which costs a range, seq_set.h).
  static std::vector<v1::Fix> fixes(4096);
  static size_t next = fixes.size();
  std::vector<v1::Event> events;
  events.reserve(64);
  uint64_t before = bench::AllocationsSoFar();
  for (auto _ : state) {
    if (next == fixes.size()) {
      state.PauseTiming();
      const uint64_t paused = bench::AllocationsSoFar();
      for (v1::Fix& fix : fixes) fleet->NextFix(&fix);
      before += bench::AllocationsSoFar() - paused;  // the fixes' making is not counted
      next = 0;
      state.ResumeTiming();
    }
    events.clear();
    (void)engine->ApplyFix(fixes[next++], &events);
  }
  ReportAllocations(state, before);
}
BENCHMARK(BM_EngineApplyFix);

// The batch path (Engine::ApplyFixes): batches of 256 on one lane (prefetching ahead, as
// the daemon drains its queue), and of 1,024 in two lanes (engine_state.h), 100,000
// devices, no event. allocs_per_fix counts whatever a batch allocates, spread over its
// fixes.
void BM_EngineApplyFixes(benchmark::State& state) {
  const auto lanes = static_cast<unsigned>(state.range(0));
  const size_t batch = lanes == 1 ? 256 : 1024;
  struct Loaded {
    std::unique_ptr<bench::Fleet> fleet;
    std::unique_ptr<engine::Engine> engine;
  };
  static Loaded loaded[3];
  Loaded& l = loaded[lanes];
  if (l.engine == nullptr) {
    l.fleet = std::make_unique<bench::Fleet>(100'000, /*seed=*/1);
    l.engine = std::make_unique<engine::Engine>(engine::EngineSettings(), lanes);
    l.fleet->ApplyOrders(*l.engine);
    l.fleet->WarmUp(*l.engine);
  }
  std::vector<v1::Fix> fixes(batch);
  std::vector<v1::Event> events;
  events.reserve(64);
  const engine::Engine::FixDone done = [](size_t, const Status&, std::vector<v1::Event>*) {};
  uint64_t counted = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (v1::Fix& fix : fixes) l.fleet->NextFix(&fix);
    state.ResumeTiming();
    const uint64_t before = bench::AllocationsSoFar();
    l.engine->ApplyFixes(fixes, &events, done);
    counted += bench::AllocationsSoFar() - before;
  }
  const double items = static_cast<double>(state.iterations() * batch);
  state.counters["allocs_per_fix"] = static_cast<double>(counted) / items;
  state.counters["lanes"] = lanes;
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_EngineApplyFixes)->ArgName("lanes")->Arg(1)->Arg(2);

void BM_PrintEvent(benchmark::State& state) {
  v1::Event event;
  event.set_alert_id("945d1ae535da1823");
  event.set_order_id("KG-2025-0001");
  event.set_order_version(1);
  event.set_kind(v1::Event::proximity_violation);
  event.set_transition(v1::Event::escalated);
  event.set_certainty(v1::Event::confirmed);
  event.set_distance_m(473.2);
  event.set_distance_lower_m(454.1);
  event.set_distance_upper_m(492.3);
  event.set_limit_m(500);
  event.mutable_supervised()->set_person("p1");
  event.mutable_supervised()->set_device("tag-1");
  event.mutable_supervised()->set_lat(42.8746);
  event.mutable_supervised()->set_lon(74.5698);
  event.mutable_protected_()->set_person("p2");
  event.mutable_protected_()->set_device("phone-2");
  event.mutable_protected_()->set_lat(42.8711);
  event.mutable_protected_()->set_lon(74.5702);
  event.set_rule("proximity:p1:p2");
  MsToTimestamp(1'767'225'600'000, event.mutable_time());
  MsToTimestamp(1'767'225'600'120, event.mutable_detected_at());
  const uint64_t before = bench::AllocationsSoFar();
  if (state.range(0) == 0) {
    for (auto _ : state) {
      std::string line = ingest::EventToJson(event);
      benchmark::DoNotOptimize(line);
    }
  } else {
    // How replay and the stream writers print: appended to a buffer they keep.
    std::string buffer;
    for (auto _ : state) {
      buffer.clear();
      ingest::AppendEventJson(event, &buffer);
      benchmark::DoNotOptimize(buffer);
    }
  }
  ReportAllocations(state, before);
}
BENCHMARK(BM_PrintEvent)->ArgName("into_kept_buffer")->Arg(0)->Arg(1);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
