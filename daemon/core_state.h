// The inside of daemon::Core (core.h), shared by the files that implement it and by
// nobody else: the work the engine thread drains and Core::State, which owns the engine,
// the journal, the signed log, the event log, the alert book, the devices board and the
// catalogue. Which file does what:
//   core.cc             start and stop, the engine thread's loop, applying each input,
//                       submitting fixes and admin inputs
//   core_admission.cc   what is refused before the journal (unrecordable fixes, MACs,
//                       stale sequence numbers) and the group-commit journal write
//   core_signed_log.cc  the Merkle log over inputs and events, signed checkpoints,
//                       evidence bundles
//   core_recovery.cc    recovery from the journal and snapshots
//   core_snapshots.cc   writing snapshots beside the engine thread
//   core_retention.cc   the journal retention thread
//   core_desks.cc       the MonitoringService reads and admin calls the API makes
// Thread-safety: as each member says (engine thread only, or guarded by a mutex).
#ifndef STAYAWAY_DAEMON_CORE_STATE_H_
#define STAYAWAY_DAEMON_CORE_STATE_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "access/device_key_store.h"
#include "base/handoff_worker.h"
#include "daemon/access_log.h"
#include "daemon/alert_book.h"
#include "daemon/centre_clock.h"
#include "daemon/core.h"
#include "daemon/device_board.h"
#include "daemon/event_log.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/newest_signed_seqs.h"
#include "daemon/order_overview.h"
#include "engine/engine.h"
#include "evidence/checkpoint.h"
#include "evidence/checkpoint_signer.h"
#include "evidence/leaves.h"
#include "evidence/merkle_frontier.h"
#include "ingest/fix_recycler.h"
#include "ingest/monitoring_service.h"
#include "journal/journal.h"
#include "journal/snapshot_file.h"

namespace stayaway::daemon {

inline TimeMs SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Milliseconds of the steady clock since `from`: how long a step took, for the log.
inline int64_t MsSince(std::chrono::steady_clock::time_point from) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               from)
      .count();
}

// The labels of fixes refused for device authenticity (core.h).
inline constexpr std::string_view kUnauthenticated = "unauthenticated";
inline constexpr std::string_view kStaleSequence = "stale_sequence";

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
  evidence::FixLeafBatch leaf_data;
  // Device authenticity, by place in the submitted batch; both empty when no fix of the
  // batch came from a keyed device. AdmitFixes then drops the refused fixes from `fixes`
  // and sets `places`: places[i] is the submitted place of fixes[i] (empty: nothing was
  // dropped).
  std::vector<Admission> admission;
  std::vector<ingest::FixOutcome> outcomes;
  std::vector<size_t> places;
  // From the shared log (Kafka mode): the log offset of fixes[0]; the others follow it
  // one by one. -1: submitted to this core directly.
  int64_t log_offset = -1;
};
struct AdminWork {
  v1::Input input;
  std::promise<Status> result;
  int64_t log_offset = -1;  // from the shared log: its offset there
};
// Asks the engine thread to sign a checkpoint now (an evidence bundle needs one that
// covers everything so far). Not an input: nothing is journaled or applied.
struct CheckpointWork {
  std::promise<void> done;
};
// Asks the engine thread to rotate the signing key (evidence/key_rotation.h) between two
// checkpoints: the old key's last and the new key's first, of the same tree.
struct KeyRotationWork {
  std::promise<StatusOr<std::vector<v1::PublicKey>>> done;
};
using Work = std::variant<FixesWork, AdminWork, CheckpointWork, KeyRotationWork>;

// Refuses the fixes that could not be journaled as they are (ingest/recordable_input.h:
// unknown fields, times outside the Timestamp range), before anything else looks at them.
void RefuseUnrecordable(FixesWork& work);
// Refuses every fix of `work` not refused yet, with `code` and `reason`.
void RefuseOpenFixes(FixesWork& work, std::string_view code, std::string_view reason);

struct Core::State {
  explicit State(CoreOptions o)
      : options(WithClocks(std::move(o))),
        engine(std::make_unique<engine::Engine>(options.engine, options.engine_lanes)),
        clock(options.clock, options.steady_clock, [this](TimeMs step) {
          metrics.CountClockJump(step < 0 ? "backward" : "forward");
          Log(LogLevel::kWarning,
              step < 0 ? "the wall clock stepped back; centre time holds"
                       : "the wall clock stepped forward",
              {{"step_ms", std::to_string(step)}});
        }) {}
  static CoreOptions WithClocks(CoreOptions o) {
    if (!o.clock) o.clock = SystemNowMs;
    if (!o.steady_clock) o.steady_clock = SteadyNowMs;
    if (!o.credentials) o.credentials = std::move(access::CredentialStore::Open("").value());
    if (o.engine_lanes == 0) o.engine_lanes = std::max(1u, std::thread::hardware_concurrency());
    return o;
  }

  CoreOptions options;
  std::unique_ptr<engine::Engine> engine;  // touched by the engine thread only
  EventLog log;
  AlertBook alerts{log};
  DeviceBoard board;  // GET /v1/devices: fed where fixes are applied and events committed
  // Batches the engine has applied, for the ports to decode their next ones into.
  ingest::FixRecycler used_fixes;
  bool board_in_snapshot = false;  // the snapshot recovery loaded held the board (Recover)
  Metrics metrics{options.build_version};
  CentreClock clock;  // the time of ticks and receive stamps: never goes back
  AccessLog access_log{options.steady_clock};
  access::DeviceKeyStore device_keys{options.device_keys_path};
  // Kafka mode: signed devices' newest applied seqs, for the check before the log.
  NewestSignedSeqs newest_signed;

  std::unique_ptr<journal::JournalWriter> journal;  // engine thread only, after Start
  // The Merkle log over inputs and events (evidence/leaves.h) and its signed checkpoints.
  evidence::MerkleFrontier tree;                     // engine thread only
  uint64_t journal_records = 0;                      // inputs committed (journal records applied)
  uint64_t snapshot_records = 0;                     // journal_records at the newest snapshot
  // Writes snapshots off the engine thread (MaybeSnapshot), one at a time; made on first
  // use. Declared after everything its job reads, so it is destroyed (its job finished)
  // before them.
  std::unique_ptr<HandoffWorker> snapshot_writer;
  // Set by Recover when keys are on; replaced (move-assigned, never reset) by a rotation
  // on the engine thread, which alone signs with it.
  std::optional<evidence::CheckpointSigner> signer;
  v1::PublicKeyList key_history;  // GET /v1/keys; under mu once the daemon runs
  int checkpoints_fd = -1;
  uint64_t checkpointed_size = 0;
  TimeMs uncheckpointed_since = 0;  // when leaves past checkpointed_size were first seen; 0: none
  TimeMs next_checkpoint = 0;

  std::mutex mu;
  std::condition_variable work_ready;
  std::condition_variable queue_taken;  // with mu: the engine thread took the queue
  std::deque<Work> queue;   // guarded by mu
  size_t queued_fixes = 0;  // guarded by mu
  bool stopping = false;    // guarded by mu
  bool running = false;     // guarded by mu
  std::thread thread;

  // Journal retention (evidence/retention.h) runs on its own thread, never in the engine's
  // way. retention_mu keeps it from deleting segments while an evidence bundle reads them.
  std::thread retention_thread;
  std::condition_variable retention_wake;  // with mu
  std::mutex retention_mu;
  void RunRetention();

  // Kafka mode (options.shared_log; core_shared_log.cc).
  int64_t log_queued_next = 0;  // guarded by mu: the offset the next ApplyLogged starts at
  std::atomic<int64_t> log_applied_next{0};  // every input before it applied
  // Callers waiting for the engine's answer to an input they appended, by its offset, and
  // the answers to recent inputs nobody was waiting for yet (a caller may learn its offset
  // after the engine applied it). Guarded by mu.
  std::map<int64_t, std::promise<Status>> log_waiters;
  std::map<int64_t, Status> log_answers;
  // Fixes submitted for the log whose append the log has not answered yet: the queue's
  // capacity bounds them, so a slow log pushes back on connections as a full queue does,
  // and Stop waits for them (their answers run through this state).
  std::atomic<size_t> log_unanswered_fixes{0};

  // What the API reads without asking the engine: orders as applied, global zones.
  std::mutex catalogue_mu;
  OrderCatalogue orders;                  // guarded by catalogue_mu
  std::map<std::string, v1::Zone> zones;  // guarded by catalogue_mu

  void Run();
  Status Recover();
  // Refuses keyed devices' fixes whose MAC is missing or wrong (caller's thread).
  void CheckMacs(const access::DeviceKeys& keys, FixesWork& work);
  // Kafka mode: refuses signed fixes more than the replay window behind their device's
  // newest applied seq (newest_signed), on the caller's thread, before the log.
  void RefuseOldSignedFixes(FixesWork& work);
  // Refuses keyed devices' stale seqs (engine/replay_window.h), then drops every refused
  // fix from its batch, so that what is refused is neither journaled nor applied (engine
  // thread).
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
  // One event of the log into the alert book, the devices board and the metrics.
  void BookEvent(uint64_t seq, const v1::Event& event);
  void MaybeCheckpoint(TimeMs now, bool force);
  // Signs the tree as it is now and appends the checkpoint to the log, durably.
  void SignCheckpoint(TimeMs now);
  // From any thread but the engine's: has the engine thread sign a checkpoint of
  // everything applied so far, and waits for it (evidence bundles, statistics).
  Status AwaitFreshCheckpoint();
  // A signing key rotation on the engine thread (KeyRotationWork); the new key history.
  StatusOr<std::vector<v1::PublicKey>> RotateKey(TimeMs now);
  // Snapshots (<journal_dir>/../snapshots/snapshot-<records>.bin): the engine, the Merkle
  // frontier, the event log and the catalogue after `records` journal records
  // (core_snapshots.cc). The engine thread takes what only it may read (the engine's state
  // as a message, the frontier, the board, the catalogue, the event count) and the writer
  // thread serializes, reads the events and writes the file, so that the engine takes
  // input again sooner; one at a time: one due while another is being written is put off.
  // `force` (at stop) waits until the file is written.
  void MaybeSnapshot(bool force);
  struct PendingSnapshot;
  void WriteSnapshot(PendingSnapshot& pending);
  // The newest valid snapshot taken at or after journal position `not_before`.
  bool LoadNewestSnapshot(uint64_t not_before);
  // Replaces the fresh state with a snapshot's; false (and why) when it does not parse.
  bool LoadSnapshot(const journal::SnapshotFile& snapshot, std::string* why);
  // The checks a submitted batch of fixes gets on the caller's thread (receive stamp,
  // recordability, MACs, NaNs), in both modes.
  FixesWork AdmitOnCallersThread(std::vector<v1::Fix>&& fixes, std::string_view source,
                                 ingest::MonitoringService::FixesDone done);
  // Kafka mode: appends the admitted fixes to the shared log and answers `work.done` once
  // the log has answered for every one (Core::SubmitFixes checked the room first).
  void AppendFixes(FixesWork work);
  // Kafka mode: appends `inputs` to the shared log, then waits for this core to apply each
  // one: the engine's answer, as SubmitAdminBatch gives it without a log.
  std::vector<Status> AppendAdmin(std::vector<v1::Input> inputs);
  // Kafka mode, engine thread: drops queued log input that does not continue the journal
  // (after a failed journal write the follower reads the log again from there).
  void DropOutOfOrderLogWork(std::deque<Work>& batch);
  // Kafka mode, engine thread: the engine's answer to the logged input at `offset`.
  void AnswerLogged(int64_t offset, const Status& status);
  Status SubmitAdmin(v1::Input input);
  // Many admin inputs as one batch (one journal sync): one Status each, in order.
  std::vector<Status> SubmitAdminBatch(std::vector<v1::Input> inputs);
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_CORE_STATE_H_
