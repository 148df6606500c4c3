// Recovery speed: how long stayawayd takes to come back from its journal. The target is
// under 10 s for 10 million journaled fixes.
//
// Writes a journal of N fixes (bench/fleet.h's fleet: orders first, then fixes in time
// order, with the tick the daemon journals every second of its clock) into a temporary
// directory once, then times three readings of it:
//   RecoverReadOnly  journal::ReadAll alone: reading, CRC-32C and parsing each record
//   RecoverEngine    ReadAll + Engine::Apply of every input
//   RecoverDaemon    daemon::Core::Start(): the daemon's real recovery path (ReadAll,
//                    Engine::Apply, Merkle leaves, event log, alert book, metrics)
//   RecoverDaemonFromSnapshot  the same start-up as a daemon with snapshots meets it:
//                    its newest snapshot, then the journal after it (--tail_fixes, a tenth
//                    of --fixes unless set)
// Each reports fixes_per_s and seconds_for_10M, the time 10 million fixes would take at
// that rate.
//
//   build/bench/recovery_bench                  # N = 1,000,000 fixes, 100,000 devices
//   build/bench/recovery_bench --fixes=10000000 --devices=1000000
//
// The flags --fixes, --devices and --tail_fixes are ours; every other flag goes to Google
// Benchmark.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/time.h"
#include "bench/fleet.h"
#include "daemon/core.h"
#include "engine/engine.h"
#include "journal/journal.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

size_t g_fixes = 1'000'000;
size_t g_devices = 100'000;
size_t g_tail_fixes = 0;  // 0: a tenth of g_fixes

struct JournalOnDisk {
  std::filesystem::path dir;
  uint64_t records = 0;
  TimeMs end_ms = 0;  // received time of the last fix
  std::string error;

  ~JournalOnDisk() {
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

// Appends fixes [from, to) of `fleet`'s sequence to `writer`, each second of their received
// time preceded by the tick the daemon journals every second of its clock.
struct FixWriter {
  bench::Fleet fleet{g_devices, /*seed=*/1};
  TimeMs next_tick = 0;
  TimeMs end_ms = 0;  // received time of the last fix written

  void WriteOrders(journal::JournalWriter& writer) {
    v1::Input input;
    for (const v1::Order& order : fleet.order_list()) {
      *input.mutable_order() = order;
      writer.Append(input);
    }
  }
  void WriteFixes(journal::JournalWriter& writer, size_t count) {
    v1::Input input;
    v1::Fix fix;
    for (size_t i = 0; i < count; ++i) {
      fleet.NextFix(&fix);
      const TimeMs received = TimestampToMs(fix.received());
      if (received >= next_tick) {
        v1::Input tick;
        MsToTimestamp(received, tick.mutable_tick()->mutable_tick());
        writer.Append(tick);
        next_tick = received + 1000;
      }
      *input.mutable_fix() = fix;
      writer.Append(input);
      if (i % 4096 == 4095) (void)writer.Sync();
      end_ms = received;
    }
  }
};

std::filesystem::path TempDir(const char* what) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      (std::string("stayaway-recovery-bench-") + what + "-" + std::to_string(::getpid()));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return dir;
}

// Written on first use, removed at exit.
const JournalOnDisk& Journal() {
  static JournalOnDisk journal = [] {
    JournalOnDisk j;
    j.dir = TempDir("full");
    journal::JournalWriter writer;
    if (Status s = writer.Open((j.dir / "journal").string(), /*fsync=*/false); !s.ok()) {
      j.error = s.message();
      return j;
    }
    FixWriter fixes;
    fixes.WriteOrders(writer);
    fixes.WriteFixes(writer, g_fixes);
    if (Status s = writer.Sync(); !s.ok()) j.error = s.message();
    j.records = writer.records_written();
    j.end_ms = fixes.end_ms;
    return j;
  }();
  return journal;
}

// The same fixes as a daemon with snapshots leaves them: the daemon ran through all but
// the last g_tail_fixes and stopped, which writes a snapshot, then the tail was journaled
// after it. With the default policy (a snapshot every 1M records) a restart replays at most
// 1M records, so --tail_fixes=1000000 is the worst case; the default is a tenth of --fixes.
// Written on first use (the daemon's own replay of the head makes this slow), removed at
// exit.
const JournalOnDisk& JournalWithSnapshot() {
  static JournalOnDisk journal = [] {
    JournalOnDisk j;
    j.dir = TempDir("snapshot");
    const std::string journal_dir = (j.dir / "journal").string();
    FixWriter fixes;
    const size_t tail = g_tail_fixes != 0 ? g_tail_fixes : g_fixes / 10;
    if (tail >= g_fixes) {
      j.error = "--tail_fixes must be below --fixes";
      return j;
    }
    {
      journal::JournalWriter writer;
      if (Status s = writer.Open(journal_dir, /*fsync=*/false); !s.ok()) {
        j.error = s.message();
        return j;
      }
      fixes.WriteOrders(writer);
      fixes.WriteFixes(writer, g_fixes - tail);
      if (Status s = writer.Sync(); !s.ok()) j.error = s.message();
    }
    {
      daemon::CoreOptions options;
      options.journal_dir = journal_dir;
      options.journal_fsync = false;
      options.snapshot_dir = (j.dir / "snapshots").string();
      const TimeMs end = fixes.end_ms;
      options.clock = [end] { return end; };
      daemon::Core core(options);
      if (Status s = core.Start(); !s.ok()) {
        j.error = s.message();
        return j;
      }
      core.Stop();  // writes the snapshot
    }
    journal::JournalWriter writer;
    if (Status s = writer.Open(journal_dir, /*fsync=*/false); !s.ok()) {
      j.error = s.message();
      return j;
    }
    fixes.next_tick = fixes.end_ms + 1000;  // the daemon journaled a tick at its start
    fixes.WriteFixes(writer, tail);
    if (Status s = writer.Sync(); !s.ok()) j.error = s.message();
    j.end_ms = fixes.end_ms;
    return j;
  }();
  return journal;
}

void Report(benchmark::State& state) {
  const auto fixes = static_cast<double>(g_fixes);
  state.counters["fixes"] = fixes;
  state.counters["devices"] = static_cast<double>(g_devices);
  state.counters["fixes_per_s"] =
      benchmark::Counter(fixes * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  // time * 1e7 / fixes: an inverted rate of (fixes / 1e7) per run.
  state.counters["seconds_for_10M"] = benchmark::Counter(
      fixes * static_cast<double>(state.iterations()) / 1e7,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_RecoverReadOnly(benchmark::State& state) {
  const JournalOnDisk& j = Journal();
  if (!j.error.empty()) return state.SkipWithError(j.error.c_str());
  for (auto _ : state) {
    uint64_t n = 0;
    auto report = journal::ReadAll((j.dir / "journal").string(), false,
                                   [&](const v1::Input&) { ++n; }, journal::ReadMode::kReadOnly);
    if (!report.ok() || n != j.records) return state.SkipWithError("the journal did not read back");
  }
  Report(state);
}

void BM_RecoverEngine(benchmark::State& state) {
  const JournalOnDisk& j = Journal();
  if (!j.error.empty()) return state.SkipWithError(j.error.c_str());
  for (auto _ : state) {
    auto engine = std::make_unique<engine::Engine>();
    std::vector<v1::Event> events;
    uint64_t failed = 0;
    auto report = journal::ReadAll(
        (j.dir / "journal").string(), false,
        [&](const v1::Input& input) {
          events.clear();
          if (!engine->Apply(input, &events).ok()) ++failed;
        },
        journal::ReadMode::kReadOnly);
    if (!report.ok() || failed != 0) return state.SkipWithError("replay refused inputs");
    state.PauseTiming();  // freeing a large engine is not recovery
    engine.reset();
    state.ResumeTiming();
  }
  Report(state);
}

void BM_RecoverDaemon(benchmark::State& state) {
  const JournalOnDisk& j = Journal();
  if (!j.error.empty()) return state.SkipWithError(j.error.c_str());
  for (auto _ : state) {
    daemon::CoreOptions options;
    options.engine_lanes = static_cast<unsigned>(state.range(0));
    options.journal_dir = (j.dir / "journal").string();
    options.journal_fsync = false;
    // The clock stands at the journal's end, so the tick the engine thread adds on start
    // follows the journal (and stays in it for the next run: one record).
    const TimeMs end = j.end_ms;
    options.clock = [end] { return end; };
    auto core = std::make_unique<daemon::Core>(options);
    if (Status s = core->Start(); !s.ok()) return state.SkipWithError(s.message().c_str());
    state.PauseTiming();
    core->Stop();
    core.reset();
    state.ResumeTiming();
  }
  Report(state);
  state.counters["lanes"] = static_cast<double>(state.range(0));
}

// The daemon's start-up from its newest snapshot and the journal after it, on a copy of
// the directory each time (a start journals a tick and a stop writes a new snapshot).
void BM_RecoverDaemonFromSnapshot(benchmark::State& state) {
  const JournalOnDisk& j = JournalWithSnapshot();
  if (!j.error.empty()) return state.SkipWithError(j.error.c_str());
  const std::filesystem::path copy = TempDir("copy");
  for (auto _ : state) {
    state.PauseTiming();
    std::error_code ec;
    std::filesystem::remove_all(copy, ec);
    std::filesystem::copy(j.dir, copy, std::filesystem::copy_options::recursive, ec);
    if (ec) return state.SkipWithError(ec.message().c_str());
    daemon::CoreOptions options;
    options.engine_lanes = static_cast<unsigned>(state.range(0));
    options.journal_dir = (copy / "journal").string();
    options.snapshot_dir = (copy / "snapshots").string();
    options.journal_fsync = false;
    const TimeMs end = j.end_ms;
    options.clock = [end] { return end; };
    auto core = std::make_unique<daemon::Core>(options);
    state.ResumeTiming();
    if (Status s = core->Start(); !s.ok()) return state.SkipWithError(s.message().c_str());
    state.PauseTiming();
    core->Stop();
    core.reset();
    std::filesystem::remove_all(copy, ec);
    state.ResumeTiming();
  }
  // Not Report: the time depends on the tail replayed, not on --fixes, so a rate over
  // all of them would mislead.
  state.counters["fixes"] = static_cast<double>(g_fixes);
  state.counters["devices"] = static_cast<double>(g_devices);
  state.counters["lanes"] = static_cast<double>(state.range(0));
  state.counters["tail_fixes"] =
      static_cast<double>(g_tail_fixes != 0 ? g_tail_fixes : g_fixes / 10);
}

BENCHMARK(BM_RecoverReadOnly)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RecoverEngine)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
// The daemon's whole start-up with its engine in 1 and in 2 lanes (engine.h).
BENCHMARK(BM_RecoverDaemon)
    ->ArgName("lanes")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RecoverDaemonFromSnapshot)
    ->ArgName("lanes")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Takes --fixes=N, --devices=N and --tail_fixes=N out of argv; false on a malformed value.
bool TakeOwnFlags(int* argc, char** argv) {
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    size_t* target = nullptr;
    const char* value = nullptr;
    if (std::strncmp(argv[i], "--fixes=", 8) == 0) {
      target = &g_fixes;
      value = argv[i] + 8;
    } else if (std::strncmp(argv[i], "--devices=", 10) == 0) {
      target = &g_devices;
      value = argv[i] + 10;
    } else if (std::strncmp(argv[i], "--tail_fixes=", 13) == 0) {
      target = &g_tail_fixes;
      value = argv[i] + 13;
    }
    if (target == nullptr) {
      argv[out++] = argv[i];
      continue;
    }
    char* end = nullptr;
    const unsigned long long n = std::strtoull(value, &end, 10);
    if (end == value || *end != '\0' || n == 0) return false;
    *target = static_cast<size_t>(n);
  }
  *argc = out;
  return true;
}

}  // namespace
}  // namespace stayaway

int main(int argc, char** argv) {
  if (!stayaway::TakeOwnFlags(&argc, argv)) {
    std::fprintf(
        stderr,
        "usage: recovery_bench [--fixes=N] [--devices=N] [--tail_fixes=N] [benchmark flags]\n");
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
