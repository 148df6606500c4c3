// Journal append with group commit: JournalWriter::Append for a batch of fixes, then one
// Sync, as the daemon's engine thread does for each batch it drains. Batches of 1, 64 and
// 1024 fixes, with fdatasync on (durable against power loss) and off (durable against a
// process crash only). The journal lives in a fresh temporary directory per run.
//
//   build/bench/journal_bench --benchmark_filter='fsync:1'
//
// fixes_per_s counts wall-clock time (fdatasync waits for the disk, not the CPU).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/time.h"
#include "journal/journal.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

// A typical journaled fix: a device id, position, accuracy, both times, battery.
v1::Input SampleFix(uint64_t seq) {
  v1::Input input;
  v1::Fix* fix = input.mutable_fix();
  fix->set_device("tag-" + std::to_string(seq % 100'000));
  fix->set_seq(seq);
  fix->set_lat(42.8746 + static_cast<double>(seq % 1000) * 1e-5);
  fix->set_lon(74.5698 - static_cast<double>(seq % 777) * 1e-5);
  fix->set_accuracy_m(8);
  fix->set_battery_pct(71);
  MsToTimestamp(1'767'225'600'000 + static_cast<TimeMs>(seq) * 37, fix->mutable_time());
  MsToTimestamp(1'767'225'600'800 + static_cast<TimeMs>(seq) * 37, fix->mutable_received());
  return input;
}

void BM_JournalAppendSync(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  const bool fsync = state.range(1) != 0;
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("stayaway-journal-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir, ec);
  std::vector<v1::Input> inputs;
  for (size_t i = 0; i < 1024; ++i) inputs.push_back(SampleFix(i + 1));
  uint64_t bytes = 0;
  for (const v1::Input& input : inputs) bytes += input.ByteSizeLong() + 8;
  {
    journal::JournalWriter writer;
    if (Status s = writer.Open(dir.string(), fsync); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    size_t next = 0;
    for (auto _ : state) {
      for (size_t i = 0; i < batch; ++i) writer.Append(inputs[next++ & 1023]);
      if (Status s = writer.Sync(); !s.ok()) {
        state.SkipWithError(s.message().c_str());
        break;
      }
    }
  }
  std::filesystem::remove_all(dir, ec);
  const double fixes = static_cast<double>(state.iterations()) * static_cast<double>(batch);
  state.counters["fixes_per_s"] = benchmark::Counter(fixes, benchmark::Counter::kIsRate);
  state.counters["bytes_per_fix"] = static_cast<double>(bytes) / 1024.0;
}
BENCHMARK(BM_JournalAppendSync)
    ->ArgNames({"batch", "fsync"})
    ->ArgsProduct({{1, 64, 1024}, {1, 0}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
