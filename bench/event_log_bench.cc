// What the daemon's event log (daemon/event_log.h) costs for each event it keeps: the heap
// it holds (every event since the journal began stays in memory, so this is the daemon's
// growth over months of alerts), the time to append one (on the engine thread, and at
// recovery from a snapshot's records), and the time to read one back for a subscriber or
// the snapshot writer. The events are the engine's own (bench/proximity_events.h).
//
//   build/bench/event_log_bench
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/heap_in_use.h"
#include "bench/proximity_events.h"
#include "daemon/event_log.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

constexpr size_t kEvents = 200'000;

const std::vector<v1::Event>& EngineEvents() {
  static const std::vector<v1::Event> events = bench::ProximityEvents(kEvents);
  return events;
}

using bench::HeapInUse;

// Appends every event (copies made before the count), as the engine thread does in
// batches; reports the heap the log holds per event and the time per event.
void BM_EventLogAppend(benchmark::State& state) {
  const std::vector<v1::Event>& events = EngineEvents();
  size_t serialized = 0;
  for (const v1::Event& event : events) serialized += event.ByteSizeLong();
  double held_per_event = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const size_t before = HeapInUse();  // the copies below count: the log keeps what they hold
    std::vector<std::vector<v1::Event>> batches;
    for (size_t at = 0; at < events.size(); at += 16) {
      batches.emplace_back(
          events.begin() + static_cast<std::ptrdiff_t>(at),
          events.begin() + static_cast<std::ptrdiff_t>(std::min(at + 16, events.size())));
    }
    auto log = std::make_unique<daemon::EventLog>();
    state.ResumeTiming();
    for (std::vector<v1::Event>& batch : batches) log->Append(&batch);
    state.PauseTiming();
    batches.clear();
    batches.shrink_to_fit();
    held_per_event = static_cast<double>(HeapInUse() - before) / static_cast<double>(events.size());
    log.reset();
    state.ResumeTiming();
  }
  state.counters["heap_bytes_per_event"] = held_per_event;
  state.counters["serialized_bytes_per_event"] =
      static_cast<double>(serialized) / static_cast<double>(events.size());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events.size()));
}
BENCHMARK(BM_EventLogAppend)->Unit(benchmark::kMillisecond)->Iterations(5);

// Recovery's way in: a snapshot's events, its records' bytes, appended in one call.
void BM_EventLogAppendEncoded(benchmark::State& state) {
  std::vector<std::string> records;
  uint64_t seq = 0;
  for (const v1::Event& event : EngineEvents()) {
    v1::EventRecord record;
    record.set_seq(++seq);
    *record.mutable_event() = event;
    records.push_back(record.SerializeAsString());
  }
  const std::vector<std::string_view> views(records.begin(), records.end());
  for (auto _ : state) {
    daemon::EventLog log;
    log.AppendEncoded(views);
    benchmark::DoNotOptimize(log.NextSeq());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * records.size()));
}
BENCHMARK(BM_EventLogAppendEncoded)->Unit(benchmark::kMillisecond);

// Reads the whole log back 256 records at a time, as a subscriber that catches up does.
void BM_EventLogRead(benchmark::State& state) {
  daemon::EventLog log;
  std::vector<v1::Event> copy = EngineEvents();
  log.Append(&copy);
  std::vector<v1::EventRecord> records;
  for (auto _ : state) {
    for (uint64_t next = 1; next <= kEvents;) {
      records.clear();
      next = log.Read(next, 256, &records);
      benchmark::DoNotOptimize(records.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEvents));
}
BENCHMARK(BM_EventLogRead)->Unit(benchmark::kMillisecond);

// Reads the whole log back as the records' bytes, 4,096 at a time, as the snapshot writer
// does (they go into the file as they are).
void BM_EventLogReadEncoded(benchmark::State& state) {
  daemon::EventLog log;
  std::vector<v1::Event> copy = EngineEvents();
  log.Append(&copy);
  std::vector<std::string> records;
  for (auto _ : state) {
    records.clear();
    for (uint64_t next = 1; next <= kEvents;) next = log.ReadEncoded(next, 4096, &records);
    benchmark::DoNotOptimize(records.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEvents));
}
BENCHMARK(BM_EventLogReadEncoded)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
