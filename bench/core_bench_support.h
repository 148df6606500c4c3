// What the benchmarks through the daemon's core share (core_allocation_bench,
// tcp_allocation_bench, http_allocation_bench): a core on a temporary journal without
// fsync whose clock the benchmark sets, a batch handed over and waited for, the fleet's
// tracks filled first, and a gateway's token for the ports. Thread-compatible.
#ifndef STAYAWAY_BENCH_CORE_BENCH_SUPPORT_H_
#define STAYAWAY_BENCH_CORE_BENCH_SUPPORT_H_

#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "access/credential_store.h"
#include "base/time.h"
#include "bench/counting_allocator.h"
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

// A started core over `fleet`'s orders whose tracks are full (FillTracks, in batches of
// `batch_size`), journaling to `dir`/journal, its clock `now`. With `gateway_token`, the
// core's credentials hold an ingest credential for every device, whose token is put
// there. Null, with `error` set, when anything failed.
inline std::unique_ptr<daemon::Core> StartCoreWithFullTracks(const std::filesystem::path& dir,
                                                             Fleet& fleet, std::atomic<TimeMs>& now,
                                                             size_t batch_size,
                                                             std::string* gateway_token,
                                                             std::string* error) {
  std::filesystem::remove_all(dir);
  daemon::CoreOptions options = BenchCoreOptions(dir, now);
  if (gateway_token != nullptr) {
    auto credentials = access::CredentialStore::Open("");
    if (!credentials.ok()) {
      *error = credentials.status().message();
      return nullptr;
    }
    options.credentials = std::move(credentials.value());
    v1::Credential gateway;
    gateway.set_name("gateway");
    gateway.add_roles(v1::Credential::ingest);
    gateway.add_devices("*");
    const auto issued = options.credentials->Issue(gateway, 0);
    if (!issued.ok()) {
      *error = issued.status().message();
      return nullptr;
    }
    *gateway_token = issued.value().token();
  }
  auto core = std::make_unique<daemon::Core>(options);
  if (Status s = core->Start(); !s.ok()) {
    *error = s.message();
    return nullptr;
  }
  for (const Status& s : core->PutOrders(fleet.order_list())) {
    if (!s.ok()) {
      *error = s.message();
      return nullptr;
    }
  }
  if (!FillTracks(*core, fleet, now, batch_size)) {
    *error = "the core refused a batch";
    return nullptr;
  }
  return core;
}

// Sends `messages[i]` through `round_trip(i)` (one message, then its answer) in turn,
// the clock at `clock_at[i]`: 20 uncounted first (they grow the buffers), then one for
// each iteration of `state`, each counting every allocation of the process. Sets the
// counters allocs_per_fix and allocs_per_request for `fixes_per_message` fixes a message,
// and the items processed. False when a round trip failed.
template <typename RoundTrip>
bool CountRoundTrips(benchmark::State& state, const std::vector<TimeMs>& clock_at,
                     std::atomic<TimeMs>& now, size_t fixes_per_message, RoundTrip round_trip) {
  constexpr size_t kWarmUp = 20;
  bool ok = true;
  size_t next = 0;
  for (; ok && next < kWarmUp && next < clock_at.size(); ++next) {
    now = clock_at[next];
    ok = round_trip(next);
  }
  uint64_t counted = 0;
  uint64_t messages = 0;
  for (auto _ : state) {
    if (!ok || next == clock_at.size()) break;
    now = clock_at[next];
    const uint64_t before = AllocationsSoFar();
    ok = round_trip(next);
    counted += AllocationsSoFar() - before;
    ++messages;
    ++next;
  }
  if (!ok || messages == 0) return false;
  const auto fixes = static_cast<double>(messages * fixes_per_message);
  state.counters["allocs_per_fix"] = static_cast<double>(counted) / fixes;
  state.counters["allocs_per_request"] =
      static_cast<double>(counted) / static_cast<double>(messages);
  state.SetItemsProcessed(static_cast<int64_t>(fixes));
  return true;
}

}  // namespace stayaway::bench

#endif  // STAYAWAY_BENCH_CORE_BENCH_SUPPORT_H_
