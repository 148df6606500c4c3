// What the daemon's alert book (daemon/alert_book.h) costs: the heap it holds for each
// alert (every alert since the journal began stays, for GET /v1/alerts: the daemon's
// growth over months beside the event log's), the time to record an event on the engine
// thread, and the time to list every alert (each view's newest reading read from the
// event log). The events are the engine's own (bench/proximity_events.h).
//
//   build/bench/alert_book_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bench/heap_in_use.h"
#include "bench/proximity_events.h"
#include "daemon/alert_book.h"
#include "daemon/event_log.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

constexpr size_t kEvents = 200'000;

const std::vector<v1::Event>& EngineEvents() {
  static const std::vector<v1::Event> events = bench::ProximityEvents(kEvents);
  return events;
}

size_t AlertCount() {
  std::set<std::string> ids;
  for (const v1::Event& event : EngineEvents()) ids.insert(event.alert_id());
  return ids.size();
}

// Records every event (the log holding them already, as in the daemon); reports the heap
// the book holds per alert and per event, and the time per event.
void BM_AlertBookRecord(benchmark::State& state) {
  const std::vector<v1::Event>& events = EngineEvents();
  daemon::EventLog log;
  std::vector<v1::Event> copy = events;
  log.Append(&copy);
  const size_t alerts = AlertCount();
  double held = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const size_t before = bench::HeapInUse();
    auto book = std::make_unique<daemon::AlertBook>(log);
    state.ResumeTiming();
    for (size_t i = 0; i < events.size(); ++i) book->Record(i + 1, events[i]);
    state.PauseTiming();
    held = static_cast<double>(bench::HeapInUse() - before);
    book.reset();
    state.ResumeTiming();
  }
  state.counters["alerts"] = static_cast<double>(alerts);
  state.counters["heap_bytes_per_alert"] = held / static_cast<double>(alerts);
  state.counters["heap_bytes_per_event"] = held / static_cast<double>(events.size());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events.size()));
}
BENCHMARK(BM_AlertBookRecord)->Unit(benchmark::kMillisecond)->Iterations(5);

// GET /v1/alerts?state=all with no limit: every alert's view.
void BM_AlertBookListAll(benchmark::State& state) {
  const std::vector<v1::Event>& events = EngineEvents();
  daemon::EventLog log;
  std::vector<v1::Event> copy = events;
  log.Append(&copy);
  daemon::AlertBook book(log);
  for (size_t i = 0; i < events.size(); ++i) book.Record(i + 1, events[i]);
  ingest::AlertQuery query;
  query.state = ingest::AlertQuery::State::kAll;
  size_t listed = 0;
  for (auto _ : state) {
    const std::vector<v1::AlertView> views = book.List(query);
    listed = views.size();
    benchmark::DoNotOptimize(views.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * listed));
}
BENCHMARK(BM_AlertBookListAll)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
