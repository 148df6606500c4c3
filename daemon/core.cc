#include "daemon/core.h"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

#include "access/device_key_store.h"
#include "access/fix_mac.h"
#include "base/file_io.h"
#include "base/private_files.h"
#include "daemon/access_log.h"
#include "daemon/alert_book.h"
#include "daemon/centre_clock.h"
#include "daemon/device_board.h"
#include "daemon/event_log.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/order_overview.h"
#include "daemon/replay_window.h"
#include "engine/engine.h"
#include "engine/seq_set.h"
#include "evidence/bundle.h"
#include "evidence/checkpoint.h"
#include "evidence/leaves.h"
#include "evidence/merkle_frontier.h"
#include "evidence/merkle_tree.h"
#include "evidence/retention.h"
#include "evidence/retention_base.h"
#include "ingest/recordable_input.h"
#include "journal/journal.h"
#include "journal/snapshot_file.h"

namespace stayaway::daemon {
namespace {

TimeMs SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The labels of fixes refused for device authenticity (core.h).
constexpr std::string_view kUnauthenticated = "unauthenticated";
constexpr std::string_view kStaleSequence = "stale_sequence";

// What the core knows of one submitted fix before the engine sees it.
enum class Admission : uint8_t {
  kOpen,     // its device has no key
  kKeyed,    // its device has a key and the MAC is valid: its seq is checked next
  kRefused,  // refused; its outcome is already written
};

// Work for the engine thread. Admin work carries a promise the caller waits on.
struct FixesWork {
  std::vector<v1::Fix> fixes;
  std::string source;
  ingest::MonitoringService::FixesDone done;
  // Each fix's Merkle leaf data (evidence::FixLeafData), made once: the leaf hashes it and
  // the journal writes it without its first byte (the serialized Input).
  std::vector<std::string> leaf_data;
  // Device authenticity, by place in the submitted batch; both empty when no fix of the
  // batch came from a keyed device. AdmitFixes then drops the refused fixes from `fixes`
  // and sets `places`: places[i] is the submitted place of fixes[i] (empty: nothing was
  // dropped).
  std::vector<Admission> admission;
  std::vector<ingest::FixOutcome> outcomes;
  std::vector<size_t> places;
};
struct AdminWork {
  v1::Input input;
  std::promise<Status> result;
};
// Asks the engine thread to sign a checkpoint now (an evidence bundle needs one that
// covers everything so far). Not an input: nothing is journaled or applied.
struct CheckpointWork {
  std::promise<void> done;
};
using Work = std::variant<FixesWork, AdminWork, CheckpointWork>;

// Refuses the fixes that could not be journaled as they are (ingest/recordable_input.h:
// unknown fields, times outside the Timestamp range), before anything else looks at them.
void RefuseUnrecordable(FixesWork& work) {
  for (size_t i = 0; i < work.fixes.size(); ++i) {
    std::optional<ingest::InputRefusal> refusal = ingest::CheckRecordable(work.fixes[i], "fix");
    if (!refusal) continue;
    if (work.admission.empty()) work.admission.resize(work.fixes.size(), Admission::kOpen);
    if (work.outcomes.empty()) work.outcomes.resize(work.fixes.size());
    work.admission[i] = Admission::kRefused;
    work.outcomes[i].code = std::string(refusal->code);
    work.outcomes[i].reason = std::move(refusal->reason);
  }
}

}  // namespace

struct Core::State {
  explicit State(CoreOptions o)
      : options(WithClocks(std::move(o))),
        engine(std::make_unique<engine::Engine>(options.engine)),
        clock(options.clock, options.steady_clock, [this](TimeMs step) {
          metrics.CountClockJump(step < 0 ? "backward" : "forward");
          Log(LogLevel::kWarning, step < 0 ? "the wall clock stepped back; centre time holds"
                                           : "the wall clock stepped forward",
              {{"step_ms", std::to_string(step)}});
        }) {}
  static CoreOptions WithClocks(CoreOptions o) {
    if (!o.clock) o.clock = SystemNowMs;
    if (!o.steady_clock) o.steady_clock = SteadyNowMs;
    if (!o.credentials) o.credentials = std::move(access::CredentialStore::Open("").value());
    return o;
  }

  CoreOptions options;
  std::unique_ptr<engine::Engine> engine;  // touched by the engine thread only
  EventLog log;
  AlertBook alerts;
  DeviceBoard board;  // GET /v1/devices: fed where fixes are applied and events committed
  bool board_in_snapshot = false;  // the snapshot recovery loaded held the board (Recover)
  Metrics metrics;
  CentreClock clock;  // the time of ticks and receive stamps: never goes back
  AccessLog access_log{options.steady_clock};
  access::DeviceKeyStore device_keys{options.device_keys_path};

  std::unique_ptr<journal::JournalWriter> journal;  // engine thread only, after Start
  // The Merkle log over inputs and events (evidence/leaves.h) and its signed checkpoints.
  evidence::MerkleFrontier tree;                      // engine thread only
  uint64_t journal_records = 0;       // inputs committed (journal records applied)
  uint64_t snapshot_records = 0;      // journal_records at the newest snapshot
  std::optional<evidence::CheckpointSigner> signer;   // set by Recover when keys are on
  int checkpoints_fd = -1;
  uint64_t checkpointed_size = 0;
  TimeMs next_checkpoint = 0;

  std::mutex mu;
  std::condition_variable work_ready;
  std::deque<Work> queue;      // guarded by mu
  size_t queued_fixes = 0;     // guarded by mu
  bool stopping = false;       // guarded by mu
  bool running = false;        // guarded by mu
  std::thread thread;

  // Journal retention (evidence/retention.h) runs on its own thread, never in the engine's
  // way. retention_mu keeps it from deleting segments while an evidence bundle reads them.
  std::thread retention_thread;
  std::condition_variable retention_wake;  // with mu
  std::mutex retention_mu;
  void RunRetention();

  // What the API reads without asking the engine: orders as applied, global zones.
  std::mutex catalogue_mu;
  OrderCatalogue orders;                                 // guarded by catalogue_mu
  std::map<std::string, v1::Zone> zones;                 // guarded by catalogue_mu

  void Run();
  Status Recover();
  // Refuses keyed devices' fixes whose MAC is missing or wrong (caller's thread).
  void CheckMacs(const access::DeviceKeys& keys, FixesWork& work);
  // Refuses keyed devices' stale seqs (replay_window.h), then drops every refused fix from
  // its batch, so that what is refused is neither journaled nor applied (engine thread).
  void AdmitFixes(std::deque<Work>& batch);
  // Journals the inputs of `batch` with one sync; false when that failed.
  bool Journal(std::deque<Work>& batch);
  void Refuse(Work& work, const Status& why);
  void ApplyTick(TimeMs now, std::vector<v1::Event>* events);
  void Apply(Work& work, std::vector<v1::Event>* events);
  void RecordCatalogue(const v1::Input& input);
  // After `input` was applied: its Merkle leaf, then its events (numbered, logged, booked,
  // counted, each with its own leaf), then listeners are told.
  void Commit(const v1::Input& input, std::vector<v1::Event>* events);
  // The same, given the input's leaf data (evidence/leaves.h) instead of the input.
  void CommitLeaf(std::string_view input_leaf_data, std::vector<v1::Event>* events);
  void Publish(std::vector<v1::Event>* events);
  void MaybeCheckpoint(TimeMs now, bool force);
  // Snapshots (<journal_dir>/../snapshots/snapshot-<records>.bin): the engine, the Merkle
  // frontier, the event log and the catalogue after `records` journal records.
  void MaybeSnapshot(bool force);
  // The newest valid snapshot taken at or after journal position `not_before`.
  bool LoadNewestSnapshot(uint64_t not_before);
  // Replaces the fresh state with a snapshot's; false (and why) when it does not parse.
  bool LoadSnapshot(const journal::SnapshotFile& snapshot, std::string* why);
  Status SubmitAdmin(v1::Input input);
  // Many admin inputs as one batch (one journal sync): one Status each, in order.
  std::vector<Status> SubmitAdminBatch(std::vector<v1::Input> inputs);
};

Core::Core(CoreOptions options) : state_(std::make_unique<State>(std::move(options))) {}

Core::~Core() {
  Stop();
  if (state_->checkpoints_fd >= 0) ::close(state_->checkpoints_fd);
}

Status Core::Start() {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->running) return Status::Ok();
  if (Status s = state_->device_keys.Load(); !s.ok()) return s;
  if (!state_->options.device_keys_path.empty()) {
    Log(LogLevel::kInfo, "device keys loaded",
        {{"path", state_->options.device_keys_path},
         {"devices", std::to_string(state_->device_keys.Snapshot()->size())}});
  }
  if (!state_->options.journal_dir.empty()) {
    if (Status s = state_->Recover(); !s.ok()) return s;
  }
  state_->running = true;
  state_->stopping = false;
  state_->thread = std::thread([s = state_.get()] {
    ::pthread_setname_np(::pthread_self(), "sa-engine");  // for top -H and perf
    s->Run();
  });
  if (state_->options.retention_keep_ms > 0 && !state_->options.data_dir.empty()) {
    state_->retention_thread = std::thread([s = state_.get()] {
      ::pthread_setname_np(::pthread_self(), "sa-retention");
      s->RunRetention();
    });
  }
  return Status::Ok();
}

// Replays the journal into the fresh engine: the state, the event log and the alert book
// come back exactly as they were (the engine is deterministic).
Status Core::State::Recover() {
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
      Log(LogLevel::kWarning, "cannot delete retained-over segments", {{"error", freed.status().message()}});
    }
  }
  bool from_snapshot = LoadNewestSnapshot(base_records);
  if (!from_snapshot && *base) {
    std::string why;
    if (!LoadSnapshot((*base)->state, &why)) {
      return FailedPrecondition("the journal's retention base cannot be loaded: " + why);
    }
    board_in_snapshot = false;
    from_snapshot = true;
  }
  const uint64_t skip = journal_records - base_records;
  // A snapshot written before the devices board (SSD1) or a retention base holds no board:
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
  uint64_t seen = 0;
  // Runs of fixes go through the engine as batches, as they did live (same results, the
  // state of the fixes ahead fetched early); a fix's journal bytes are its leaf's bytes.
  std::vector<v1::Fix> run;
  std::vector<std::string> run_leaves;
  auto flush = [&] {
    if (run.empty()) return;
    engine->ApplyFixes(run, &events, [&](size_t i, const Status& status, std::vector<v1::Event>* fix_events) {
      if (status.ok()) board.RecordFix(run[i]);
      CommitLeaf(run_leaves[i], fix_events);
    });
    run.clear();
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
          if (run.size() == 1024) flush();
          return;
        }
        flush();
        events.clear();
        if (engine->Apply(input, &events).ok()) RecordCatalogue(input);
        Commit(input, &events);
      });
  flush();
  if (!report.ok()) return report.status();
  if (!report->warnings.empty()) {
    Log(LogLevel::kWarning, "journal repaired", {{"detail", report->warnings}});
  }
  if (report->records < skip) {
    return FailedPrecondition("the journal holds " + std::to_string(base_records + report->records) +
                              " records but the newest snapshot was taken after " +
                              std::to_string(base_records + skip) +
                              "; remove the snapshot to replay in full");
  }
  Log(LogLevel::kInfo, "recovered from the journal",
      {{"records", std::to_string(report->records)},
       {"from_snapshot", from_snapshot ? std::to_string(base_records + skip) : "none"},
       {"events", std::to_string(log.NextSeq() - 1)}});
  journal = std::make_unique<journal::JournalWriter>();
  if (Status s = journal->Open(options.journal_dir, options.journal_fsync, options.journal_segment_bytes);
      !s.ok()) {
    return s;
  }
  if (!options.key_dir.empty()) {
    auto loaded = evidence::CheckpointSigner::LoadOrCreate(options.key_dir);
    if (!loaded.ok()) return loaded.status();
    signer.emplace(std::move(loaded).value());
    StatusOr<int> fd = OpenPrivateFile(options.checkpoints_path, O_APPEND);
    if (!fd.ok()) return fd.status();
    checkpoints_fd = *fd;
  }
  return Status::Ok();
}

void Core::State::RecordCatalogue(const v1::Input& input) {
  if (input.has_order()) board.RecordOrder(input.order());
  std::lock_guard<std::mutex> lock(catalogue_mu);
  if (input.has_order()) orders[input.order().id()] = input.order();
  if (input.has_global_zone()) zones[input.global_zone().id()] = input.global_zone();
}

bool Core::State::Journal(std::deque<Work>& batch) {
  if (!journal) return true;
  for (Work& work : batch) {
    if (auto* fixes = std::get_if<FixesWork>(&work)) {
      fixes->leaf_data.reserve(fixes->fixes.size());
      for (const v1::Fix& fix : fixes->fixes) {
        fixes->leaf_data.push_back(evidence::FixLeafData(fix));
        journal->AppendSerialized(std::string_view(fixes->leaf_data.back()).substr(1));
      }
    } else if (const auto* admin = std::get_if<AdminWork>(&work)) {
      journal->Append(admin->input);
    }
  }
  const Status synced = journal->Sync();
  if (!synced.ok()) {
    metrics.CountRejected("journal", "unavailable");
    Log(LogLevel::kError, "journal write failed; refusing input until it recovers",
        {{"error", synced.message()}});
  }
  return synced.ok();
}

void Core::State::Refuse(Work& work, const Status& why) {
  if (auto* fixes = std::get_if<FixesWork>(&work)) {
    std::vector<ingest::FixOutcome> outcomes = std::move(fixes->outcomes);
    if (outcomes.empty()) outcomes.resize(fixes->fixes.size());
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (!fixes->admission.empty() && fixes->admission[i] == Admission::kRefused) continue;
      outcomes[i].code = "unavailable";
      outcomes[i].reason = why.message();
    }
    metrics.CountRejected(fixes->source, "unavailable");
    if (fixes->done) fixes->done(std::move(outcomes));
    return;
  }
  if (auto* admin = std::get_if<AdminWork>(&work)) admin->result.set_value(why);
  if (auto* checkpoint = std::get_if<CheckpointWork>(&work)) checkpoint->done.set_value();
}

void Core::State::CheckMacs(const access::DeviceKeys& keys, FixesWork& work) {
  for (size_t i = 0; i < work.fixes.size(); ++i) {
    if (!work.admission.empty() && work.admission[i] == Admission::kRefused) continue;
    const v1::Fix& fix = work.fixes[i];
    auto key = keys.find(fix.device());
    if (key == keys.end()) continue;
    if (work.admission.empty()) work.admission.resize(work.fixes.size(), Admission::kOpen);
    const Status mac = access::VerifyFixMac(fix, key->second);
    if (mac.ok()) {
      work.admission[i] = Admission::kKeyed;
      continue;
    }
    work.admission[i] = Admission::kRefused;
    if (work.outcomes.empty()) work.outcomes.resize(work.fixes.size());
    work.outcomes[i].code = kUnauthenticated;
    work.outcomes[i].reason = "device " + fix.device() + " signs its fixes: " + mac.message();
  }
}

void Core::State::AdmitFixes(std::deque<Work>& batch) {
  // Each keyed device's duplicate memory as it will be once the fixes admitted ahead of
  // this one in the batch are applied, so a batch is judged as one fix at a time would be.
  // (A signed fix the engine then refuses as malformed still counts here: the device did
  // reach that number.)
  std::map<std::string, engine::SeqSet, std::less<>> ahead;
  for (Work& work : batch) {
    auto* fixes = std::get_if<FixesWork>(&work);
    if (fixes == nullptr || fixes->admission.empty()) continue;
    bool any_refused = false;
    for (size_t i = 0; i < fixes->fixes.size(); ++i) {
      any_refused |= fixes->admission[i] == Admission::kRefused;
      if (fixes->admission[i] != Admission::kKeyed) continue;
      const v1::Fix& fix = fixes->fixes[i];
      auto seqs = ahead.find(fix.device());
      if (seqs == ahead.end()) {
        const engine::SeqSet* applied = engine->AppliedSeqs(fix.device());
        seqs = ahead.emplace(fix.device(), applied ? *applied : engine::SeqSet()).first;
      }
      if (const Status fresh = CheckReplayWindow(seqs->second, fix.seq()); !fresh.ok()) {
        fixes->admission[i] = Admission::kRefused;
        if (fixes->outcomes.empty()) fixes->outcomes.resize(fixes->fixes.size());
        fixes->outcomes[i].code = kStaleSequence;
        fixes->outcomes[i].reason = "device " + fix.device() + ": " + fresh.message();
        any_refused = true;
        continue;
      }
      // Times are not validated yet (the engine does that): never forgotten in this copy.
      seqs->second.Insert(fix.seq(), std::numeric_limits<TimeMs>::max(),
                          engine->SeqForgetBeforeMs());
    }
    if (!any_refused) continue;
    std::vector<v1::Fix> admitted;
    for (size_t i = 0; i < fixes->fixes.size(); ++i) {
      if (fixes->admission[i] == Admission::kRefused) continue;
      admitted.push_back(std::move(fixes->fixes[i]));
      fixes->places.push_back(i);
    }
    fixes->fixes = std::move(admitted);
  }
}

void Core::State::ApplyTick(TimeMs now, std::vector<v1::Event>* events) {
  v1::Input tick;
  MsToTimestamp(now, tick.mutable_tick()->mutable_tick());
  if (journal) {
    journal->Append(tick);
    if (!journal->Sync().ok()) return;  // an unjournaled tick would break replay
  }
  engine->ApplyTick(now, events);
  Commit(tick, events);
}

void Core::Stop() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->running) return;
    state_->stopping = true;
  }
  state_->work_ready.notify_all();
  state_->retention_wake.notify_all();
  state_->thread.join();
  if (state_->retention_thread.joinable()) state_->retention_thread.join();
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->running = false;
}

void Core::State::RunRetention() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu);
      retention_wake.wait_for(lock, std::chrono::milliseconds(options.retention_check_interval_ms),
                              [&] { return stopping; });
      if (stopping) return;
    }
    evidence::RetentionPolicy policy;
    policy.keep_ms = options.retention_keep_ms;
    policy.now_ms = clock.Now();
    policy.evidence_margin_ms = options.retention_evidence_margin_ms;
    std::lock_guard<std::mutex> hold(retention_mu);
    StatusOr<evidence::RetentionResult> result = evidence::ApplyRetention(options.data_dir, policy);
    if (!result.ok()) {
      metrics.CountRetention("failed", 0, 0);
      Log(LogLevel::kError, "journal retention failed", {{"error", result.status().message()}});
    } else if (result->cut) {
      metrics.CountRetention("cut", result->segments_deleted, result->bytes_freed);
      Log(LogLevel::kInfo, "journal retention cut the journal",
          {{"first_segment", std::to_string(result->first_segment)},
           {"position", std::to_string(result->position)},
           {"segments_deleted", std::to_string(result->segments_deleted)},
           {"bytes_freed", std::to_string(result->bytes_freed)},
           {"retained_records", std::to_string(result->retained_records)}});
    } else {
      metrics.CountRetention("kept", 0, 0);
      Log(LogLevel::kInfo, "journal retention kept everything", {{"reason", result->reason}});
    }
  }
}

void Core::State::Run() {
  TimeMs next_tick = clock.Now();
  std::vector<v1::Event> events;
  for (;;) {
    std::deque<Work> batch;
    {
      std::unique_lock<std::mutex> lock(mu);
      const auto wait = std::chrono::milliseconds(std::max<TimeMs>(0, next_tick - clock.Now()));
      work_ready.wait_for(lock, wait, [&] { return stopping || !queue.empty(); });
      if (queue.empty() && stopping) {
        MaybeCheckpoint(clock.Now(), /*force=*/true);
        MaybeSnapshot(/*force=*/true);
        return;
      }
      // A commit window trades latency for fewer syncs: let more input gather.
      if (options.journal_commit_window_ms > 0 && !queue.empty() && !stopping) {
        work_ready.wait_for(lock, std::chrono::milliseconds(options.journal_commit_window_ms),
                            [&] { return stopping; });
      }
      batch.swap(queue);
      queued_fixes = 0;
    }
    metrics.SetQueueDepth(0);
    AdmitFixes(batch);
    // Group commit: one sync for everything that queued up while the last batch ran.
    const bool durable = Journal(batch);
    for (Work& work : batch) {
      if (!durable) {
        Refuse(work, Status(StatusCode::kFailedPrecondition,
                            "the journal cannot store input now; retry later"));
        continue;
      }
      events.clear();
      Apply(work, &events);
    }
    const TimeMs now = clock.Now();
    if (now >= next_tick) {
      events.clear();
      ApplyTick(now, &events);
      next_tick = now + options.tick_interval_ms;
    }
    MaybeCheckpoint(now, /*force=*/false);
    MaybeSnapshot(/*force=*/false);
  }
}

void Core::State::Apply(Work& work, std::vector<v1::Event>* events) {
  if (auto* fixes = std::get_if<FixesWork>(&work)) {
    // Refusals made before the journal are in place already; the engine's go around them.
    std::vector<ingest::FixOutcome> outcomes = std::move(fixes->outcomes);
    if (outcomes.empty()) outcomes.resize(fixes->fixes.size());
    Metrics::FixBatch stats;
    for (size_t place = 0; place < fixes->admission.size(); ++place) {
      if (fixes->admission[place] == Admission::kRefused) ++stats.rejected[outcomes[place].code];
    }
    if (fixes->leaf_data.size() != fixes->fixes.size()) {  // no journal: not made yet
      fixes->leaf_data.clear();
      for (const v1::Fix& fix : fixes->fixes) fixes->leaf_data.push_back(evidence::FixLeafData(fix));
    }
    // The batch goes through the engine in one call, which fetches the state of the fixes
    // ahead while it evaluates one; counters are gathered here and handed over once.
    auto started = std::chrono::steady_clock::now();
    engine->ApplyFixes(fixes->fixes, events, [&](size_t i, const Status& status,
                                                 std::vector<v1::Event>* fix_events) {
      const auto now = std::chrono::steady_clock::now();
      stats.ObserveEvaluation(now - started);
      // Events go to the log before the sender hears back: what is acknowledged is applied.
      CommitLeaf(fixes->leaf_data[i], fix_events);
      ingest::FixOutcome& out = outcomes[fixes->places.empty() ? i : fixes->places[i]];
      if (status.ok()) board.RecordFix(fixes->fixes[i]);
      if (status.ok() || status.code() == StatusCode::kAlreadyExists) {
        out.accepted = true;
        out.duplicate = !status.ok();
        ++(out.duplicate ? stats.duplicates : stats.applied);
      } else {
        // The engine's only FailedPrecondition for a fix: a seq its duplicate memory closed.
        out.code = status.code() == StatusCode::kFailedPrecondition
                       ? std::string(kStaleSequence)
                       : std::string(StatusCodeName(status.code()));
        out.reason = status.message();
        ++stats.rejected[out.code];
      }
      started = std::chrono::steady_clock::now();
    });
    metrics.AddFixBatch(fixes->source, stats);
    if (fixes->done) fixes->done(std::move(outcomes));
    return;
  }
  if (auto* checkpoint = std::get_if<CheckpointWork>(&work)) {
    MaybeCheckpoint(clock.Now(), /*force=*/true);
    checkpoint->done.set_value();
    return;
  }
  auto& admin = std::get<AdminWork>(work);
  const Status status = engine->Apply(admin.input, events);
  if (status.ok()) RecordCatalogue(admin.input);
  Commit(admin.input, events);
  admin.result.set_value(status);
}


void Core::State::MaybeSnapshot(bool force) {
  if (options.snapshot_dir.empty() || journal_records == snapshot_records) return;
  if (!force && journal_records - snapshot_records < options.snapshot_every_records) return;
  journal::SnapshotFile snapshot;
  snapshot.records = journal_records;
  snapshot.engine_bytes = engine->SaveSnapshotBytes();
  snapshot.frontier_bytes = tree.Serialize();
  log.Read(1, SIZE_MAX, &snapshot.events);
  {
    std::lock_guard<std::mutex> lock(catalogue_mu);
    for (const auto& [id, order] : orders) snapshot.orders.push_back(order);
    for (const auto& [id, zone] : zones) snapshot.zones.push_back(zone);
  }
  snapshot.devices = board.SaveFixState();
  if (Status s = MakePrivateDirectories(options.snapshot_dir); !s.ok()) {
    Log(LogLevel::kError, "cannot write a snapshot", {{"error", s.message()}});
    return;
  }
  const std::string path =
      options.snapshot_dir + "/snapshot-" + std::to_string(journal_records) + ".bin";
  if (Status s = WriteFileAtomically(path, snapshot.Encode()); !s.ok()) {
    Log(LogLevel::kError, "cannot write a snapshot", {{"path", path}, {"error", s.message()}});
    return;
  }
  snapshot_records = journal_records;
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

bool Core::State::LoadSnapshot(const journal::SnapshotFile& snapshot, std::string* why) {
  auto loaded = engine::Engine::FromSnapshotBytes(snapshot.engine_bytes, options.engine);
  if (!loaded.ok()) {
    *why = loaded.status().message();
    return false;
  }
  auto frontier = evidence::MerkleFrontier::Deserialize(snapshot.frontier_bytes);
  if (!frontier.ok()) {
    *why = frontier.status().message();
    return false;
  }
  engine = std::move(loaded).value();
  tree = std::move(frontier).value();
  journal_records = snapshot_records = snapshot.records;
  std::vector<v1::Event> events;
  for (const v1::EventRecord& record : snapshot.events) events.push_back(record.event());
  Publish(&events);
  board.LoadFixState(snapshot.devices);
  board_in_snapshot = snapshot.with_board;
  for (const v1::Order& order : snapshot.orders) board.RecordOrder(order);
  std::lock_guard<std::mutex> lock(catalogue_mu);
  for (const v1::Order& order : snapshot.orders) orders[order.id()] = order;
  for (const v1::Zone& zone : snapshot.zones) zones[zone.id()] = zone;
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

// Events into the log, the alert book and the metrics (no leaves: snapshot loading).
void Core::State::Publish(std::vector<v1::Event>* events) {
  if (events->empty()) return;
  const uint64_t first = log.Append(*events);
  for (size_t i = 0; i < events->size(); ++i) {
    alerts.Record(first + i, (*events)[i]);
    board.RecordEvent((*events)[i]);
    metrics.CountEvent((*events)[i]);
  }
  metrics.SetOpenAlerts(alerts.OpenByKind());
  events->clear();
}

void Core::State::Commit(const v1::Input& input, std::vector<v1::Event>* events) {
  CommitLeaf(evidence::InputLeafData(input), events);
}

void Core::State::CommitLeaf(std::string_view input_leaf_data, std::vector<v1::Event>* events) {
  ++journal_records;
  tree.Append(input_leaf_data);
  if (events->empty()) return;
  const uint64_t first = log.Append(*events);
  v1::EventRecord record;
  for (size_t i = 0; i < events->size(); ++i) {
    alerts.Record(first + i, (*events)[i]);
    board.RecordEvent((*events)[i]);
    metrics.CountEvent((*events)[i]);
    record.set_seq(first + i);
    *record.mutable_event() = std::move((*events)[i]);
    tree.Append(evidence::EventLeafData(record));
  }
  metrics.SetOpenAlerts(alerts.OpenByKind());
  events->clear();
  log.NotifyListeners();
}

// Signs "the first N leaves have this root" every checkpoint interval (and when forced, at
// shutdown) when the log grew, and appends it to the checkpoints file, durably.
void Core::State::MaybeCheckpoint(TimeMs now, bool force) {
  if (!signer || tree.size() == checkpointed_size) return;
  if (!force && now < next_checkpoint) return;
  const v1::SignedCheckpoint signed_checkpoint = signer->Sign(tree.size(), tree.Root(), now);
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  std::string line;
  (void)google::protobuf::util::MessageToJsonString(signed_checkpoint, &line, json);
  line += '\n';
  if (checkpoints_fd >= 0 && ::write(checkpoints_fd, line.data(), line.size()) ==
                                 static_cast<ssize_t>(line.size()) &&
      ::fdatasync(checkpoints_fd) == 0) {
    checkpointed_size = tree.size();
  } else {
    Log(LogLevel::kError, "cannot write a checkpoint", {{"path", options.checkpoints_path}});
  }
  next_checkpoint = now + options.checkpoint_interval_ms;
}

Status Core::State::SubmitAdmin(v1::Input input) {
  // Orders, zones and acknowledgements are journaled too: the same rule as for fixes.
  if (std::optional<ingest::InputRefusal> refusal = ingest::CheckRecordableInput(input)) {
    return InvalidArgument(std::move(refusal->reason));
  }
  ingest::CanonicalizeNaNs(&input);
  AdminWork work;
  work.input = std::move(input);
  std::future<Status> result = work.result.get_future();
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!running || stopping) return FailedPrecondition("the daemon is not running");
    queue.emplace_back(std::move(work));
  }
  work_ready.notify_one();
  return result.get();
}

std::vector<Status> Core::State::SubmitAdminBatch(std::vector<v1::Input> inputs) {
  std::vector<Status> results(inputs.size());
  std::vector<std::optional<std::future<Status>>> pending(inputs.size());
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!running || stopping) {
      for (Status& result : results) result = FailedPrecondition("the daemon is not running");
      return results;
    }
    // Queued together under one lock hold: the engine thread takes them as one batch, so
    // they are journaled with one sync (group commit), then applied in order.
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (std::optional<ingest::InputRefusal> refusal = ingest::CheckRecordableInput(inputs[i])) {
        results[i] = InvalidArgument(std::move(refusal->reason));
        continue;
      }
      ingest::CanonicalizeNaNs(&inputs[i]);
      AdminWork work;
      work.input = std::move(inputs[i]);
      pending[i] = work.result.get_future();
      queue.emplace_back(std::move(work));
    }
  }
  work_ready.notify_one();
  for (size_t i = 0; i < pending.size(); ++i) {
    if (pending[i]) results[i] = pending[i]->get();
  }
  return results;
}

bool Core::SubmitFixes(std::vector<v1::Fix> fixes, std::string_view source, FixesDone done) {
  const TimeMs received = state_->clock.Now();
  for (v1::Fix& fix : fixes) MsToTimestamp(received, fix.mutable_received());
  FixesWork work{std::move(fixes), std::string(source), std::move(done), {}, {}, {}, {}};
  // What is journaled is exactly what the evidence shows and replays: checked first, as
  // the fix will be journaled (received stamped), before any arithmetic on its times.
  RefuseUnrecordable(work);
  // MACs are checked here, on the caller's thread: they are the costly part.
  if (const auto keys = state_->device_keys.Snapshot(); !keys->empty()) {
    state_->CheckMacs(*keys, work);
  }
  // After the MAC (made over the bits the device sent): NaN as JSON gives it back.
  for (v1::Fix& fix : work.fixes) ingest::CanonicalizeNaNs(&fix);
  size_t depth;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->running || state_->stopping) return false;
    // An empty queue always takes a batch, so one oversized batch cannot wedge a client.
    if (state_->queued_fixes > 0 &&
        state_->queued_fixes + work.fixes.size() > state_->options.queue_capacity) {
      state_->metrics.CountBackpressure(source);
      return false;
    }
    state_->queued_fixes += work.fixes.size();
    depth = state_->queued_fixes;
    state_->queue.emplace_back(std::move(work));
  }
  state_->metrics.SetQueueDepth(depth);
  state_->work_ready.notify_one();
  return true;
}

Status Core::PutOrder(const v1::Order& order) {
  v1::Input input;
  *input.mutable_order() = order;
  return state_->SubmitAdmin(std::move(input));
}

std::vector<Status> Core::PutOrders(std::vector<v1::Order> orders) {
  std::vector<v1::Input> inputs(orders.size());
  for (size_t i = 0; i < orders.size(); ++i) *inputs[i].mutable_order() = std::move(orders[i]);
  return state_->SubmitAdminBatch(std::move(inputs));
}

StatusOr<v1::OrderPage> Core::ListOrders(const ingest::OrderPageQuery& query) {
  StatusOr<v1::OrderPage> page = [&] {
    std::lock_guard<std::mutex> lock(state_->catalogue_mu);
    return PageOfOrders(state_->orders, query);
  }();
  if (!page.ok()) return page;
  ingest::AlertQuery open_alerts;
  open_alerts.state = ingest::AlertQuery::State::kOpen;
  AddAlertsAndContacts(state_->alerts.List(open_alerts), state_->board, &*page);
  return page;
}

std::map<std::string, v1::Order::VictimNotification> Core::OrdersProtecting(
    std::string_view person) {
  std::lock_guard<std::mutex> lock(state_->catalogue_mu);
  return OrdersNaming(state_->orders, person);
}

std::optional<v1::Order::VictimNotification> Core::ToldOf(std::string_view order_id,
                                                          std::string_view person) {
  std::lock_guard<std::mutex> lock(state_->catalogue_mu);
  const auto it = state_->orders.find(order_id);
  if (it == state_->orders.end()) return std::nullopt;
  return ToldTo(it->second, person);
}

StatusOr<v1::DevicePage> Core::ListDevices(const ingest::DevicePageQuery& query) {
  return state_->board.List(query);
}

StatusOr<v1::DeviceStatus> Core::GetDevice(std::string_view device) {
  return state_->board.Get(device);
}

StatusOr<v1::Order> Core::GetOrder(std::string_view order_id) {
  std::lock_guard<std::mutex> lock(state_->catalogue_mu);
  auto it = state_->orders.find(order_id);
  if (it == state_->orders.end()) return NotFound("order " + std::string(order_id) + " is unknown");
  return it->second;
}

Status Core::RevokeOrder(std::string_view order_id) {
  StatusOr<v1::Order> current = GetOrder(order_id);
  if (!current.ok()) return current.status();
  v1::Order revoked = *current;
  revoked.set_state(v1::Order::revoked);
  revoked.set_version(revoked.version() + 1);
  return PutOrder(revoked);
}

Status Core::PutGlobalZone(const v1::Zone& zone) {
  v1::Input input;
  *input.mutable_global_zone() = zone;
  return state_->SubmitAdmin(std::move(input));
}

std::vector<v1::Zone> Core::ListGlobalZones() {
  std::lock_guard<std::mutex> lock(state_->catalogue_mu);
  std::vector<v1::Zone> out;
  for (const auto& [id, zone] : state_->zones) out.push_back(zone);
  return out;
}

std::vector<v1::AlertView> Core::ListAlerts(const ingest::AlertQuery& query) {
  return state_->alerts.List(query);
}

Status Core::AckAlert(v1::AlertAck ack) {
  MsToTimestamp(state_->clock.Now(), ack.mutable_time());
  v1::Input input;
  *input.mutable_ack() = std::move(ack);
  return state_->SubmitAdmin(std::move(input));
}

Status Core::ResolveAlert(v1::AlertResolve resolve) {
  MsToTimestamp(state_->clock.Now(), resolve.mutable_time());
  v1::Input input;
  *input.mutable_resolve() = std::move(resolve);
  return state_->SubmitAdmin(std::move(input));
}

StatusOr<v1::AlertReceipt> Core::RecordReceipt(v1::AlertReceipt receipt) {
  MsToTimestamp(state_->clock.Now(), receipt.mutable_time());
  v1::Input input;
  *input.mutable_receipt() = receipt;
  if (Status s = state_->SubmitAdmin(std::move(input)); !s.ok()) return s;
  return receipt;
}

std::optional<v1::AlertView> Core::FindAlert(std::string_view alert_id) {
  std::optional<AlertBook::Entry> entry = state_->alerts.Find(alert_id);
  if (!entry) return std::nullopt;
  return std::move(entry->view);
}

// The timeline is read from the event log by the seqs the alert book kept. The log holds
// every event since the journal began (retention cuts the journal, and its base carries
// the events), so nothing is missing today; were a seq ever gone, it is counted in
// missing_events rather than leaving a silent gap.
StatusOr<v1::AlertDetail> Core::GetAlert(std::string_view alert_id) {
  std::optional<AlertBook::Entry> entry = state_->alerts.Find(alert_id);
  if (!entry) return NotFound("alert " + std::string(alert_id) + " is unknown");
  v1::AlertDetail detail;
  *detail.mutable_alert() = std::move(entry->view);
  std::vector<v1::EventRecord> records;
  for (uint64_t seq : entry->seqs) {
    records.clear();
    state_->log.Read(seq, 1, &records);
    if (records.empty() || records.front().seq() != seq ||
        records.front().event().alert_id() != alert_id) {
      detail.set_missing_events(detail.missing_events() + 1);
      continue;
    }
    *detail.add_timeline() = std::move(records.front());
  }
  return detail;
}

uint64_t Core::ReadEvents(uint64_t from_seq, size_t max, std::vector<v1::EventRecord>* out) {
  return state_->log.Read(from_seq, max, out);
}

uint64_t Core::NextEventSeq() { return state_->log.NextSeq(); }

uint64_t Core::AddEventListener(std::function<void()> on_new) {
  return state_->log.AddListener(std::move(on_new));
}

void Core::RemoveEventListener(uint64_t handle) { state_->log.RemoveListener(handle); }

void Core::CountRejected(std::string_view source, std::string_view reason) {
  state_->metrics.CountRejected(source, reason);
}

void Core::ReportSubscriberLag(std::string_view subscriber, uint64_t lag_events) {
  state_->metrics.SetSubscriberLag(subscriber, lag_events);
}

void Core::ForgetSubscriber(std::string_view subscriber) {
  state_->metrics.ForgetSubscriber(subscriber);
}

std::string Core::MetricsText() { return state_->metrics.Render(); }

void Core::CountVictimMessage(std::string_view result) {
  state_->metrics.CountVictimMessage(result);
}

StatusOr<std::map<std::string, std::string>> Core::EvidenceBundle(std::string_view alert_id) {
  if (state_->options.data_dir.empty() || !state_->signer) {
    return FailedPrecondition("evidence needs the journal and signing keys");
  }
  // A checkpoint that covers the alert's newest event, signed before the bundle is cut.
  CheckpointWork work;
  std::future<void> signed_now = work.done.get_future();
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->running || state_->stopping) return FailedPrecondition("the daemon is stopping");
    state_->queue.emplace_back(std::move(work));
  }
  state_->work_ready.notify_one();
  signed_now.wait();

  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path out = std::filesystem::path(state_->options.data_dir) / "tmp" /
                                    ("bundle-" + std::to_string(++counter));
  std::error_code ec;
  std::filesystem::remove_all(out, ec);
  std::lock_guard<std::mutex> hold(state_->retention_mu);  // no segment vanishes meanwhile
  evidence::BundleRequest request;
  request.data_dir = state_->options.data_dir;
  request.alert_id = std::string(alert_id);
  request.out_dir = out.string();
  Status written = evidence::WriteBundle(request);
  std::map<std::string, std::string> files;
  if (written.ok()) {
    for (const auto& entry : std::filesystem::directory_iterator(out, ec)) {
      std::ifstream in(entry.path(), std::ios::binary);
      files[entry.path().filename().string()].assign(std::istreambuf_iterator<char>(in), {});
    }
  }
  std::filesystem::remove_all(out, ec);
  if (!written.ok()) return written;
  return files;
}

std::vector<v1::PublicKey> Core::PublicKeys() {
  std::lock_guard<std::mutex> lock(state_->mu);  // signer is set once, under mu, at Start
  if (!state_->signer) return {};
  return {state_->signer->PublicKeyMessage()};
}

bool Core::Healthy() {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->running && !state_->stopping;
}


std::shared_ptr<const access::Principal> Core::Authenticate(std::string_view token) {
  return state_->options.credentials->Authenticate(token);
}

void Core::ReportAccessRefused(std::string_view source, std::string_view code,
                               std::string_view detail) {
  state_->metrics.CountRejected(source, code);
  state_->access_log.Refused(source, code, detail);
}

void Core::Audit(std::string_view action, const access::Principal& who,
                 std::string_view subject) {
  state_->access_log.Audit(action, who.Describe(), subject);
}

StatusOr<v1::IssuedCredential> Core::IssueCredential(const v1::Credential& request) {
  return state_->options.credentials->Issue(request, state_->clock.Now());
}

std::vector<v1::Credential> Core::ListCredentials() {
  return state_->options.credentials->List();
}

StatusOr<v1::Credential> Core::RevokeCredential(std::string_view credential_id) {
  return state_->options.credentials->Revoke(credential_id);
}
Status Core::PutDeviceKey(std::string_view device, std::string key) {
  StatusOr<access::DeviceKey> parsed = access::DeviceKeyFromHex(key);
  if (!parsed.ok()) return parsed.status();
  const Status stored = state_->device_keys.Put(device, *parsed);
  if (!stored.ok()) {
    Log(LogLevel::kError, "cannot store a device key",
        {{"device", std::string(device)}, {"error", stored.message()}});
    return stored;
  }
  Log(LogLevel::kInfo, "device key set: its fixes must be signed",
      {{"device", std::string(device)}});
  return stored;
}

Status Core::RemoveDeviceKey(std::string_view device) {
  const Status removed = state_->device_keys.Remove(device);
  if (removed.ok()) {
    Log(LogLevel::kInfo, "device key removed: its fixes are taken unsigned",
        {{"device", std::string(device)}});
  } else if (removed.code() != StatusCode::kNotFound) {
    Log(LogLevel::kError, "cannot remove a device key",
        {{"device", std::string(device)}, {"error", removed.message()}});
  }
  return removed;
}

std::vector<std::string> Core::KeyedDevices() { return state_->device_keys.List(); }

}  // namespace stayaway::daemon
