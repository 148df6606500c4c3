// What the benchmarks through the daemon's core share (core_allocation_bench,
// tcp_allocation_bench): a core on a temporary journal without fsync whose clock the
// benchmark sets, a batch handed over and waited for, and the fleet's tracks filled first.
// Thread-compatible.
#ifndef STAYAWAY_BENCH_CORE_BENCH_SUPPORT_H_
#define STAYAWAY_BENCH_CORE_BENCH_SUPPORT_H_

#include <atomic>
#include <filesystem>
#include <future>
#include <utility>
#include <vector>

#include "base/time.h"
#include "bench/fleet.h"
#include "daemon/core.h"
#include "proto/stayaway.pb.h"

namespace stayaway::bench {

// A core journaling to `dir`/journal without fsync, in one lane, its clock `now`.
inline daemon::CoreOptions BenchCoreOptions(const std::filesystem::path& dir,
                                            const std::atomic<TimeMs>& now) {
  daemon::CoreOptions options;
  options.journal_dir = (dir / "journal").string();
  options.journal_fsync = false;
  options.engine_lanes = 1;
  options.clock = [&now] { return now.load(); };
  return options;
}

// Hands `batch` to the core and waits until it is applied; false when the core refused
// it (a full queue: it cannot be, one batch at a time).
inline bool SubmitAndWait(daemon::Core& core, std::vector<v1::Fix> batch) {
  std::promise<void> done;
  auto future = done.get_future();
  if (!core.SubmitFixes(std::move(batch), "bench",
                        [&](std::vector<ingest::FixOutcome>) { done.set_value(); })) {
    return false;
  }
  future.get();
  return true;
}

// Every device of `fleet` reports as many times as a track keeps fixes, in batches of
// `batch_size`, the clock following: tracks, duplicate memories and tables are grown, as
// in a centre that has run for a while. False when the core refused a batch.
inline bool FillTracks(daemon::Core& core, Fleet& fleet, std::atomic<TimeMs>& now,
                       size_t batch_size) {
  const size_t fixes = engine::EngineSettings().history_fixes * fleet.devices();
  std::vector<v1::Fix> batch(batch_size);
  for (size_t sent = 0; sent < fixes; sent += batch_size) {
    for (v1::Fix& fix : batch) fleet.NextFix(&fix);
    now = TimestampToMs(batch.back().received());
    if (!SubmitAndWait(core, batch)) return false;
  }
  return true;
}

}  // namespace stayaway::bench

#endif  // STAYAWAY_BENCH_CORE_BENCH_SUPPORT_H_
