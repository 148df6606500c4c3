// Core (core_state.h): writing snapshots. The engine thread takes what only it may read,
// and the writer thread (sa-snapshot) encodes and writes the file while the engine goes on.
#include <google/protobuf/arena.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <utility>

#include "base/file_io.h"
#include "base/handoff_worker.h"
#include "base/private_files.h"
#include "daemon/core_state.h"

namespace stayaway::daemon {

// What the engine thread took for a snapshot, for the writer thread to finish.
struct Core::State::PendingSnapshot {
  PendingSnapshot() : arena(ArenaOptions()) {}
  static google::protobuf::ArenaOptions ArenaOptions() {
    google::protobuf::ArenaOptions options;  // as Engine::SaveSnapshotBytes
    options.start_block_size = 1 << 20;
    options.max_block_size = 64 << 20;
    return options;
  }
  google::protobuf::Arena arena;
  v1::EngineSnapshot* engine = nullptr;  // on arena
  journal::SnapshotFile file;            // all but the engine bytes, events and orders
  std::vector<std::shared_ptr<const v1::Order>> orders;  // the catalogue's, shared
  uint64_t events = 0;                                   // the events it holds: seqs 1..events
  int64_t engine_ms = 0;         // of engine_thread_ms: the engine's state as a message
  int64_t engine_thread_ms = 0;  // everything the engine thread took
};

void Core::State::MaybeSnapshot(bool force) {
  if (force && snapshot_writer) snapshot_writer->Wait();  // the one under way, first
  if (options.snapshot_dir.empty() || journal_records == snapshot_records) return;
  if (!force && journal_records - snapshot_records < options.snapshot_every_records) return;
  if (!snapshot_writer) snapshot_writer = std::make_unique<HandoffWorker>("sa-snapshot");
  // A write still going when the next is due puts that one off: the engine does not wait.
  if (snapshot_writer->Busy()) return;
  const auto started = std::chrono::steady_clock::now();
  auto pending = std::make_shared<PendingSnapshot>();
  pending->file.records = journal_records;
  pending->engine = google::protobuf::Arena::CreateMessage<v1::EngineSnapshot>(&pending->arena);
  (void)engine->SaveSnapshot(pending->engine);  // cannot fail
  pending->engine_ms = MsSince(started);
  pending->file.frontier_bytes = tree.Serialize();
  // The log only grows: the writer reads these events while the engine appends more.
  pending->events = log.NextSeq() - 1;
  {
    std::lock_guard<std::mutex> lock(catalogue_mu);
    pending->orders.reserve(orders.size());
    for (const auto& [id, order] : orders) pending->orders.push_back(order);
    for (const auto& [id, zone] : zones) pending->file.zones.push_back(zone);
  }
  pending->file.devices = board.SaveFixState();
  pending->engine_thread_ms = MsSince(started);
  snapshot_records = journal_records;
  // (HandoffWorker's jobs are std::function, which must be copyable: a shared_ptr.)
  snapshot_writer->Hand([this, pending] { WriteSnapshot(*pending); });
  if (force) snapshot_writer->Wait();
}

void Core::State::WriteSnapshot(PendingSnapshot& pending) {
  const auto started = std::chrono::steady_clock::now();
  pending.file.engine_bytes = engine::Engine::SnapshotBytes(*pending.engine);
  pending.arena.Reset();  // the message is bytes now: its memory goes back at once
  pending.engine = nullptr;
  pending.file.orders.reserve(pending.orders.size());
  for (const auto& order : pending.orders) pending.file.orders.push_back(*order);
  pending.orders.clear();
  // The events as the log keeps them, their records' bytes, which go into the file as
  // they are; in pieces, so that the engine's appends never wait long for the log's lock.
  constexpr uint64_t kEventsAtOnce = 4096;
  pending.file.events.reserve(pending.events);
  for (uint64_t next = 1; next <= pending.events;) {
    const uint64_t after = log.ReadEncoded(next, std::min(kEventsAtOnce, pending.events - next + 1),
                                           &pending.file.events);
    if (after == next) break;  // (cannot happen: the log never shrinks)
    next = after;
  }
  if (Status s = MakePrivateDirectories(options.snapshot_dir); !s.ok()) {
    Log(LogLevel::kError, "cannot write a snapshot", {{"error", s.message()}});
    return;
  }
  const uint64_t records = pending.file.records;
  const std::string path = options.snapshot_dir + "/snapshot-" + std::to_string(records) + ".bin";
  const std::string bytes = pending.file.Encode();
  if (Status s = WriteFileAtomically(path, bytes); !s.ok()) {
    Log(LogLevel::kError, "cannot write a snapshot", {{"path", path}, {"error", s.message()}});
    return;
  }
  // What it cost the engine thread, which takes no input meanwhile, and the writer.
  Log(LogLevel::kInfo, "snapshot written",
      {{"records", std::to_string(records)},
       {"bytes", std::to_string(bytes.size())},
       {"engine_bytes", std::to_string(pending.file.engine_bytes.size())},
       {"events", std::to_string(pending.file.events.size())},
       {"engine_thread_ms", std::to_string(pending.engine_thread_ms)},
       {"engine_ms", std::to_string(pending.engine_ms)},
       {"write_ms", std::to_string(MsSince(started))}});
  // Keep the two newest: a damaged newest one still leaves a good one.
  std::error_code ec;
  std::vector<std::pair<uint64_t, std::filesystem::path>> all;
  for (const auto& entry : std::filesystem::directory_iterator(options.snapshot_dir, ec)) {
    unsigned long long n = 0;
    if (std::sscanf(entry.path().filename().c_str(), "snapshot-%llu.bin", &n) == 1 &&
        entry.path().extension() == ".bin") {
      all.emplace_back(n, entry.path());
    }
  }
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i + 2 < all.size(); ++i) std::filesystem::remove(all[i].second, ec);
}

}  // namespace stayaway::daemon
