// stayaway_peer_bench: the load of `stayaway loadgen`, same workload and open-loop
// schedule, against a peer store instead of stayawayd, reported in the same JSON shape
// (tools/loadgen/run_report.h) so the numbers sit side by side.
//
//   stayaway_peer_bench --store redis --redis 127.0.0.1:6390 --rate R --duration S
//   stayaway_peer_bench --store postgis --postgres "host=127.0.0.1 port=5544 dbname=postgres"
//                       --sweep R1,R2,... --duration S [--input DIR] [--devices N]
//                       [--batch N] [--violation-fraction F]
//
// Each call is synchronous (one round trip for both stores) on the schedule; a store
// that falls behind gets every batch already due merged into its next call (up to 2,000
// fixes: one pipeline, one transaction), as stayawayd's group commit merges the batches
// queued behind a sync. A batch's latency runs from its intended send time to the
// store's reply, so a store that cannot keep up shows it (coordinated omission
// corrected, as in loadgen).
// ack_latency_us and fix_to_alert_latency_us are both that batch latency (a peer knows
// of an alert when its query returns); alerts_observed counts (fix, counterpart) pairs
// found within the violation distance. scripts/peers.sh starts the servers and runs this.
#include <charconv>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/time.h"
#include "bench/peers/postgis_store.h"
#include "bench/peers/redis_store.h"
#include "tools/command_line.h"
#include "tools/loadgen/open_loop_schedule.h"
#include "tools/loadgen/process_cpu.h"
#include "tools/loadgen/run_report.h"
#include "tools/loadgen/workload.h"

namespace stayaway::peers {
namespace {

using loadgen::Nanos;
using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// The most fixes one coalesced call carries.
constexpr size_t kMaxFixesPerCall = 2000;

loadgen::RunReport RunOnce(PeerStore& store, const loadgen::Workload& workload, double rate,
                           double duration_s, size_t batch_size, uint64_t first_fix) {
  const loadgen::OpenLoopSchedule schedule(rate, batch_size, duration_s);
  loadgen::RunReport report;
  report.target = store.name();
  report.rate_asked = rate;
  report.duration_s = duration_s;
  report.devices = workload.device_ids().size();
  report.batch = schedule.batch_size();
  report.fixes_scheduled = schedule.fix_count();

  const loadgen::ProcessCpuSample server_before =
      store.server_pid() > 0 ? loadgen::SampleProcessCpu(store.server_pid())
                             : loadgen::ProcessCpuSample{};
  const loadgen::ProcessCpuSample generator_before = loadgen::SampleProcessCpu(0);
  loadgen::SteadySchedulerClock clock;
  const Nanos start = clock.Now() + milliseconds(50);
  const TimeMs wall_start_ms =
      duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() + 50;
  std::vector<v1::Fix> fixes;
  Nanos last_reply{0};
  const Nanos give_up_at =
      start + Nanos(static_cast<int64_t>(duration_s * 1e9)) + std::chrono::seconds(5);
  // A synchronous client that falls behind merges the batches already due into one call
  // (one pipeline, one transaction): the peers' equivalent of stayawayd's group commit.
  const loadgen::OpenLoopResult sent = loadgen::RunOpenLoopCoalescing(
      schedule, clock, start, give_up_at, std::max<size_t>(1, kMaxFixesPerCall / batch_size),
      [&](size_t first, size_t end) {
        fixes.clear();
        for (size_t b = first; b < end; ++b) {
          const Nanos due = start + schedule.BatchOffset(b);
          const TimeMs event_time =
              wall_start_ms + duration_cast<milliseconds>(due - start).count();
          for (size_t j = 0; j < schedule.FixesIn(b); ++j) {
            workload.MakeFix(first_fix + schedule.FirstFix(b) + j, event_time,
                             &fixes.emplace_back());
          }
        }
        std::vector<uint32_t> within;
        const Status applied = store.ApplyBatch(fixes, &within);
        last_reply = clock.Now();
        size_t fix = 0;
        for (size_t b = first; b < end; ++b) {
          const int64_t latency =
              duration_cast<microseconds>(last_reply - start - schedule.BatchOffset(b)).count();
          report.ack_latency.RecordMicros(latency);
          for (size_t j = 0; j < schedule.FixesIn(b); ++j, ++fix) {
            for (uint32_t i = 0; applied.ok() && i < within[fix]; ++i) {
              report.fix_to_alert_latency.RecordMicros(latency);
              ++report.alerts_observed;
            }
          }
        }
        if (!applied.ok()) {
          report.fixes_rejected += fixes.size();
          if (report.notes.size() < 8) report.notes.push_back(applied.message());
          return true;
        }
        report.fixes_acked += fixes.size();
        return true;
      });
  if (store.server_pid() > 0) {
    report.server_cpu =
        loadgen::CpuUseBetween(server_before, loadgen::SampleProcessCpu(store.server_pid()));
  }
  report.generator_cpu = loadgen::CpuUseBetween(generator_before, loadgen::SampleProcessCpu(0));
  report.fixes_sent = sent.fixes_sent;
  report.max_send_lag_us = duration_cast<microseconds>(sent.max_send_lag).count();
  if (sent.stopped_early) {
    report.notes.push_back("fell more than 5 s behind the schedule; the rest was not sent");
  }
  const double elapsed_s =
      std::max(duration_s, static_cast<double>((last_reply - start).count()) / 1e9);
  report.rate_achieved = static_cast<double>(report.fixes_acked) / elapsed_s;
  return report;
}

int Main(int argc, char** argv) {
  tools::CommandLine line(
      "stayaway_peer_bench",
      "--store redis|postgis (--rate R | --sweep R1,R2,...) --duration S [options]",
      "The load generator's workload against Redis GEO or PostGIS, open loop, for the\n"
      "side-by-side numbers of scripts/bench_e2e; prints the same JSON as stayaway loadgen.");
  std::string store_name, redis = "127.0.0.1:6379", postgres = "dbname=postgres", input;
  std::vector<double> sweep;
  double single_rate = 0, duration_s = 0, violation_fraction = 0.1;
  uint64_t devices = 2000, batch = 0;
  line.Option("--store", &store_name, "redis|postgis", "the peer to drive (required)");
  line.Option("--redis", &redis, "HOST:PORT", "the Redis server (127.0.0.1:6379)");
  line.Option("--postgres", &postgres, "CONNINFO", "the PostgreSQL server (dbname=postgres)");
  line.Option("--rate", &single_rate, "R", "fixes per second");
  line.Option("--sweep", &sweep, "R1,R2,...", "several rates back to back; stops at saturation");
  line.Option("--duration", &duration_s, "S", "seconds each rate runs (required)");
  line.Option("--input", &input, "DIR",
              "DIR/orders.json and DIR/fixes.ndjson instead of the built-in workload");
  line.Option("--devices", &devices, "N", "built-in workload: N devices in N/2 orders (2000)");
  line.Option("--batch", &batch, "N", "fixes per call (default: rate / 1000, at least 1)");
  line.Option("--violation-fraction", &violation_fraction, "F",
              "built-in: share of time each tag is in violation (0.1)");
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (auto exit = line.Parse(args, std::cout, std::cerr)) return *exit;
  const bool swept = line.Given("--sweep");
  const std::vector<double> rates = swept ? sweep : std::vector<double>{single_rate};
  bool rates_fine = !rates.empty();
  for (const double r : rates) rates_fine = rates_fine && r > 0 && std::isfinite(r);
  if (!rates_fine || !(duration_s > 0) || devices < 2 || (line.Given("--batch") && batch == 0)) {
    return line.UsageError(std::cerr,
                           "--rate/--sweep take positive numbers, --duration seconds > 0, "
                           "--devices >= 2, --batch >= 1");
  }
  std::unique_ptr<PeerStore> store;
  if (store_name == "redis") {
    store = std::make_unique<RedisStore>(redis);
  } else if (store_name == "postgis") {
    store = std::make_unique<PostgisStore>(postgres);
  } else {
    return line.UsageError(std::cerr, "--store is redis or postgis");
  }
  const std::string prefix = "peer-";
  std::optional<loadgen::Workload> workload;
  if (!input.empty()) {
    StatusOr<loadgen::Workload> loaded = loadgen::Workload::FromReplayDir(input, prefix);
    if (!loaded.ok()) {
      std::cerr << "stayaway_peer_bench: " << loaded.status().message() << '\n';
      return 2;
    }
    workload = std::move(*loaded);
  } else {
    workload = loadgen::Workload::BuiltIn({.devices = static_cast<size_t>(devices),
                                           .violation_fraction = violation_fraction,
                                           .id_prefix = prefix});
  }
  if (Status s = store->Setup(*workload); !s.ok()) {
    std::cerr << "stayaway_peer_bench: " << s.message() << '\n';
    return 2;
  }
  std::vector<loadgen::RunReport> reports;
  uint64_t next_fix = 0;
  for (const double rate : rates) {
    const size_t batch_size =
        batch > 0 ? static_cast<size_t>(batch)
                  : std::max<size_t>(1, static_cast<size_t>(std::llround(rate / 1000)));
    std::cerr << "stayaway_peer_bench: " << store->name() << " at " << rate << " fixes/s for "
              << duration_s << " s, batches of " << batch_size << '\n';
    reports.push_back(RunOnce(*store, *workload, rate, duration_s, batch_size, next_fix));
    next_fix += reports.back().fixes_scheduled;
    std::cerr << "stayaway_peer_bench:   achieved " << reports.back().rate_achieved
              << " fixes/s, p99 " << reports.back().ack_latency.PercentileMicros(99) << " us\n";
    if (reports.back().saturated() && swept) break;
  }
  std::cout << (swept ? loadgen::ReportsToJson(reports) : reports.front().ToJson()) << '\n';
  return 0;
}

}  // namespace
}  // namespace stayaway::peers

int main(int argc, char** argv) { return stayaway::peers::Main(argc, argv); }
