// Core (core_state.h): recovery at start-up (the retention base, the newest snapshot, the
// journal after it). Writing snapshots: core_snapshots.cc.
#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <limits>
#include <map>

#include "base/file_io.h"
#include "base/handoff_worker.h"
#include "base/private_files.h"
#include "daemon/core_state.h"
#include "engine/seq_set.h"
#include "evidence/key_history.h"
#include "evidence/leaves.h"
#include "evidence/retention_base.h"

namespace stayaway::daemon {

// Replays the journal into the fresh engine: the state, the event log and the alert book
// come back exactly as they were (the engine is deterministic).
Status Core::State::Recover() {
  // How long each step took goes to the log: an operator waiting on a restart wants to
  // know what it spent its time on.
  const auto started = std::chrono::steady_clock::now();
  std::vector<v1::Event> events;
  // Salvage replays what survives of the journal in full: snapshots taken from the journal
  // as it was no longer describe it, so they go.
  if (options.salvage && !options.snapshot_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(options.snapshot_dir, ec);
  }
  // A journal cut by retention starts from its base: the state at the cut.
  StatusOr<std::optional<evidence::RetentionBase>> base =
      evidence::LoadRetentionBase(options.journal_dir);
  if (!base.ok()) return base.status();
  journal::ReadOptions read;
  read.salvage = options.salvage;
  uint64_t base_records = 0;
  if (*base) {
    base_records = (*base)->state.records;
    read.first_segment = (*base)->first_segment;
    // Segments a retention run replaced but did not get to delete before a crash.
    if (auto freed = journal::DeleteSegmentsBefore(options.journal_dir, read.first_segment);
        !freed.ok()) {
      Log(LogLevel::kWarning, "cannot delete retained-over segments",
          {{"error", freed.status().message()}});
    }
  }
  bool from_snapshot = LoadNewestSnapshot(base_records);
  if (!from_snapshot && *base) {
    std::string why;
    if (!LoadSnapshot((*base)->state, &why)) {
      return FailedPrecondition("the journal's retention base cannot be loaded: " + why);
    }
    from_snapshot = true;
  }
  const std::string snapshot_ms = std::to_string(MsSince(started));
  const auto journal_started = std::chrono::steady_clock::now();
  const uint64_t skip = journal_records - base_records;
  // A snapshot written before the devices board (SSD1), or a retention base made without
  // one (before bases carried it, or on from such a base), holds no board:
  // the fixes it covers that the journal still has feed it (the newest per device wins, as
  // live), so the board is not empty until every device reports again.
  const bool board_from_journal = from_snapshot && !board_in_snapshot;
  // Whether the engine took a journaled fix the snapshot already covers, so the board
  // gets only what it got live: a well-formed fix of a device it knows whose sequence
  // number the snapshot's engine holds as applied, the first such fix with that number
  // (a repeat was refused as a duplicate). A number the engine has since forgotten
  // (closed) is left out: the board then misses an old fix, never shows a refused one.
  std::map<std::string, engine::SeqSet, std::less<>> taken;
  const auto TookFix = [&](const v1::Fix& fix) {
    if (!board.Known(fix.device()) || !engine->CheckFixForm(fix).ok()) return false;
    const engine::SeqSet* applied = engine->AppliedSeqs(fix.device());
    if (applied == nullptr || applied->Find(fix.seq()) != engine::SeqSet::Seen::kApplied) {
      return false;
    }
    return taken[fix.device()].Insert(fix.seq(), TimestampToMs(fix.time()),
                                      std::numeric_limits<TimeMs>::min()) ==
           engine::SeqSet::Seen::kNew;
  };
  // Records the snapshot covers are only checked, unless the board is rebuilt from them.
  if (!board_from_journal) read.check_only_records = skip;
  uint64_t seen = read.check_only_records;
  // Runs of fixes go through the engine as batches, as they did live (same results, the
  // state of the fixes ahead fetched early); a fix's journal bytes are its leaf's bytes.
  constexpr size_t kRunFixes = 1024;
  std::vector<v1::Fix> run;
  std::vector<std::string> run_leaves;
  // The devices board takes each run's accepted fixes on a second thread while this one
  // goes on with the next run: nothing reads the board before recovery ends, and at a
  // million devices its lookups cost about as much as the engine's. One run at a time, in
  // order, and all of them before the next other input. So events (this run's and the
  // next's) may reach the board before the fixes of a run: the board ends the same,
  // because its fixes and its events commute (device_board.h).
  HandoffWorker board_feeder("sa-board-feed");
  auto flush = [&] {
    if (run.empty()) return;
    std::vector<uint32_t> accepted;
    accepted.reserve(run.size());
    engine->ApplyFixes(run, &events,
                       [&](size_t i, const Status& status, std::vector<v1::Event>* fix_events) {
                         if (status.ok()) accepted.push_back(static_cast<uint32_t>(i));
                         CommitLeaf(run_leaves[i], fix_events);
                       });
    board_feeder.Hand([this, fixes = std::move(run), accepted = std::move(accepted)] {
      for (const uint32_t i : accepted) board.RecordFix(fixes[i]);
    });
    run = {};
    run.reserve(kRunFixes);
    run_leaves.clear();
  };
  auto report = journal::ReadAllRecords(
      options.journal_dir, read, [&](const v1::Input& input, std::string_view payload) {
        if (seen++ < skip) {  // already in the snapshot (still checksummed on the way)
          if (board_from_journal && input.has_fix() && TookFix(input.fix())) {
            board.RecordFix(input.fix());
          }
          return;
        }
        if (input.has_fix()) {
          run.push_back(input.fix());
          // Written from FixLeafData (or by Append of an Input holding only the fix): the
          // same bytes its leaf was made of.
          run_leaves.push_back(evidence::InputLeafDataFromBytes(payload));
          if (run.size() == kRunFixes) flush();
          return;
        }
        flush();
        board_feeder.Wait();
        events.clear();
        if (engine->Apply(input, &events).ok()) RecordCatalogue(input);
        Commit(input, &events);
      });
  flush();
  board_feeder.Wait();
  if (!report.ok()) return report.status();
  if (!report->warnings.empty()) {
    Log(LogLevel::kWarning, "journal repaired", {{"detail", report->warnings}});
  }
  if (report->records < skip) {
    return FailedPrecondition(
        "the journal holds " + std::to_string(base_records + report->records) +
        " records but the newest snapshot was taken after " + std::to_string(base_records + skip) +
        "; remove the snapshot to replay in full");
  }
  Log(LogLevel::kInfo, "recovered from the journal",
      {{"records", std::to_string(report->records)},
       {"from_snapshot", from_snapshot ? std::to_string(base_records + skip) : "none"},
       {"events", std::to_string(log.NextSeq() - 1)},
       {"snapshot_ms", snapshot_ms},
       {"journal_ms", std::to_string(MsSince(journal_started))}});
  journal = std::make_unique<journal::JournalWriter>();
  if (Status s =
          journal->Open(options.journal_dir, options.journal_fsync, options.journal_segment_bytes);
      !s.ok()) {
    return s;
  }
  if (!options.key_dir.empty()) {
    auto loaded = evidence::CheckpointSigner::LoadOrCreate(options.key_dir);
    if (!loaded.ok()) return loaded.status();
    signer.emplace(std::move(loaded).value());
    auto history = evidence::LoadKeyHistory(options.key_dir, signer->public_key());
    if (!history.ok()) return history.status();
    key_history = std::move(*history);  // Start holds mu, which GET /v1/keys reads it under
    bool cut = false;
    if (Status s = evidence::RepairCheckpointLogTail(options.checkpoints_path, &cut); !s.ok()) {
      return s;
    }
    if (cut) {
      Log(LogLevel::kWarning, "cut a checkpoint line a crash left half written",
          {{"path", options.checkpoints_path}});
    }
    StatusOr<int> fd = OpenPrivateFile(options.checkpoints_path, O_APPEND);
    if (!fd.ok()) return fd.status();
    checkpoints_fd = *fd;
  }
  return Status::Ok();
}

bool Core::State::LoadSnapshot(const journal::SnapshotFile& snapshot, std::string* why) {
  // The devices board and the catalogue do not depend on the engine: a second thread
  // builds them aside while this one loads the engine (at a million devices the two
  // largest parts of a start-up), and they are adopted only once the engine and the
  // frontier have loaded, so a rejected snapshot leaves nothing behind. The state is
  // fresh here: recovery has loaded nothing before (a rejected snapshot adopted nothing).
  DeviceBoard board_aside;
  OrderCatalogue orders_aside;
  std::map<std::string, v1::Zone> zones_aside;
  std::string events_problem;  // why the events do not load, when they do not
  // Through std::async: an exception in either thread reaches this one, after both ended.
  auto aside = std::async(std::launch::async, [&] {
    // The events are their records' bytes (journal/snapshot_file.h): each must parse and
    // carry its place in the log as its seq, or the snapshot is not used.
    v1::EventRecord record;
    for (size_t i = 0; i < snapshot.events.size() && events_problem.empty(); ++i) {
      if (!record.ParseFromString(snapshot.events[i]) || record.seq() != i + 1) {
        events_problem = "event " + std::to_string(i + 1) + " of the snapshot is damaged";
      }
    }
    board_aside.LoadFixState(snapshot.devices);
    // Saved from ordered maps: each goes in at the end.
    for (const v1::Order& order : snapshot.orders) {
      board_aside.RecordOrder(order);
      orders_aside.insert_or_assign(orders_aside.end(), order.id(),
                                    std::make_shared<const v1::Order>(order));
    }
    for (const v1::Zone& zone : snapshot.zones) {
      zones_aside.insert_or_assign(zones_aside.end(), zone.id(), zone);
    }
  });
  auto loaded = engine::Engine::FromSnapshotBytes(snapshot.engine_bytes, options.engine,
                                                  options.engine_lanes);
  auto frontier = evidence::MerkleFrontier::Deserialize(snapshot.frontier_bytes);
  aside.get();
  if (!loaded.ok()) {
    *why = loaded.status().message();
    return false;
  }
  if (!events_problem.empty()) {
    *why = events_problem;
    return false;
  }
  if (!frontier.ok()) {
    *why = frontier.status().message();
    return false;
  }
  engine = std::move(loaded).value();
  tree = std::move(frontier).value();
  journal_records = snapshot_records = snapshot.records;
  board.Adopt(std::move(board_aside));
  board_in_snapshot = snapshot.with_board;
  {
    std::lock_guard<std::mutex> lock(catalogue_mu);
    orders.swap(orders_aside);
    zones.swap(zones_aside);
  }
  // The log takes the records' bytes as they are (checked above: seqs 1..n, and the log
  // is empty), then each is booked: after the board, where booking an event opens or
  // closes its device's alerts. No leaves: the frontier above holds them.
  const std::vector<std::string_view> records(snapshot.events.begin(), snapshot.events.end());
  log.AppendEncoded(records);
  v1::EventRecord record;
  for (const std::string& bytes : snapshot.events) {
    (void)record.ParseFromString(bytes);  // parsed once already
    BookEvent(record.seq(), record.event());
  }
  metrics.SetOpenAlerts(alerts.OpenByKind());
  return true;
}

bool Core::State::LoadNewestSnapshot(uint64_t not_before) {
  if (options.snapshot_dir.empty()) return false;
  std::error_code ec;
  std::vector<std::pair<uint64_t, std::filesystem::path>> all;
  for (const auto& entry : std::filesystem::directory_iterator(options.snapshot_dir, ec)) {
    unsigned long long n = 0;
    if (entry.path().extension() == ".tmp") {
      std::filesystem::remove(entry.path(), ec);  // a snapshot cut short by a crash
    } else if (std::sscanf(entry.path().filename().c_str(), "snapshot-%llu.bin", &n) == 1 &&
               entry.path().extension() == ".bin") {
      all.emplace_back(n, entry.path());
    }
  }
  std::sort(all.rbegin(), all.rend());
  for (const auto& [records_at, path] : all) {
    auto reject = [&, p = path](const std::string& why) {
      Log(LogLevel::kWarning, "skipping a snapshot", {{"path", p.string()}, {"reason", why}});
    };
    if (records_at < not_before) {
      reject("older than the retention base: the journal it needs was deleted");
      continue;
    }
    StatusOr<std::string> bytes = ReadWholeFile(path.string());
    if (!bytes.ok()) {
      reject(bytes.status().message());
      continue;
    }
    StatusOr<journal::SnapshotFile> snapshot = journal::SnapshotFile::Decode(*bytes);
    if (!snapshot.ok()) {
      reject(snapshot.status().message());
      continue;
    }
    std::string why;
    if (!LoadSnapshot(*snapshot, &why)) {
      reject(why);
      continue;
    }
    return true;
  }
  return false;
}

}  // namespace stayaway::daemon
