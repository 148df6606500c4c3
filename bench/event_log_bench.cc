// What the daemon's event log (daemon/event_log.h) costs for each event it keeps: the heap
// it holds (every event since the journal began stays in memory, so this is the daemon's
// growth over months of alerts), the time to append one (on the engine thread, and at
// recovery from a snapshot's records), and the time to read one back for a subscriber or
// the snapshot writer. The events are the engine's own: 1,000 orders
// (a tag and a phone each) whose tags walk in and out of the violation distance, so that
// proximity warnings and violations open, escalate and close.
//
//   build/bench/event_log_bench
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cmath>
#include <string>
#include <vector>

#include "base/time.h"
#include "daemon/event_log.h"
#include "engine/engine.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

constexpr int kOrders = 1000;
constexpr size_t kEvents = 200'000;

// kEvents events as the engine made them (the run repeats until there are enough).
const std::vector<v1::Event>& EngineEvents() {
  static const std::vector<v1::Event> events = [] {
    engine::Engine engine;
    std::vector<v1::Event> out;
    for (int i = 0; i < kOrders; ++i) {
      v1::Order order;
      order.set_id("KG-2026-" + std::to_string(100000 + i));
      order.set_version(1);
      order.mutable_supervised()->set_id("aggressor-" + std::to_string(i));
      order.mutable_supervised()->add_devices("tag-" + std::to_string(i));
      auto* victim = order.add_protected_();
      victim->set_id("victim-" + std::to_string(i));
      victim->add_devices("phone-" + std::to_string(i));
      order.set_violation_distance_m(500);
      order.set_warning_distance_m(1000);
      (void)engine.ApplyOrder(order, &out);
    }
    const TimeMs start = 1'780'000'000'000;
    std::vector<uint64_t> seqs(2 * kOrders, 0);
    for (int step = 0; out.size() < kEvents; ++step) {
      const TimeMs t = start + step * 30'000;
      // The tag's distance from the phone cycles over 3 km .. 0.3 km .. 3 km.
      const double metres = 300 + 2700 * std::fabs(std::sin(step * 0.25));
      for (int i = 0; i < kOrders; ++i) {
        for (const bool tag : {false, true}) {
          v1::Fix fix;
          fix.set_device((tag ? "tag-" : "phone-") + std::to_string(i));
          fix.set_seq(++seqs[static_cast<size_t>(2 * i + tag)]);
          MsToTimestamp(t, fix.mutable_time());
          MsToTimestamp(t + 400, fix.mutable_received());
          fix.set_lat(42.80 + i * 0.001 + (tag ? metres / 111'320.0 : 0));
          fix.set_lon(74.60);
          fix.set_accuracy_m(8);
          fix.set_speed_mps(1.2);
          fix.set_battery_pct(80);
          (void)engine.ApplyFix(fix, &out);
        }
      }
    }
    out.resize(kEvents);
    return out;
  }();
  return events;
}

size_t HeapInUse() {
  const struct mallinfo2 info = ::mallinfo2();
  return info.uordblks + info.hblkhd;
}

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
