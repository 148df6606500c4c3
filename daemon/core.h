// Core: the monitoring centre's core inside stayawayd. One engine thread owns the Engine
// (ARCHITECTURE.md: single writer, no locks on the hot path) and drains a bounded queue of
// inputs; the event log numbers every event; the alert book answers alert queries; the
// metrics registry counts everything; the devices board (device_board.h) answers device
// queries. Front ends reach it through ingest::MonitoringService.
//
//   daemon::Core core(options);
//   core.Start();                 // starts the engine thread and its clock
//   ... servers call core.SubmitFixes(...) etc. ...
//   core.Stop();                  // drains queued inputs, then stops
//
// Durability: with a journal, the engine thread drains its queue in batches, appends
// every input of the batch to the journal with one fdatasync (group commit), then applies
// them and only then acknowledges: an acknowledged fix survives a crash. A failed journal
// write refuses the batch ("unavailable") instead of acknowledging what was not stored.
//
// Device authenticity: a device with a key (access/fix_mac.h, kept in device_keys_path)
// must sign every fix. The MAC is checked on the calling thread as the fixes arrive; the
// seq is checked on the engine thread against what the engine applied for the device
// (engine/replay_window.h). A fix refused either way is answered "unauthenticated" or
// "stale_sequence", counted, and neither journaled nor applied; the other fixes of its
// batch go on as usual. Devices without a key are not affected.
//
// Recordable input: a fix, order, zone or acknowledgement the evidence could not show as
// it was sent (ingest/recordable_input.h: a field the schema does not know, a time outside
// the Timestamp range) is refused before anything else looks at it, fixes one by one as
// "unknown_field" or "time_out_of_range", and is neither journaled nor applied.
//
// Time: the core stamps fixes' received time and emits a Tick input every tick_interval
// from its clock, so comms_lost and ack deadlines fire in live operation exactly as they
// would in a replay of the same inputs.
//
// Thread-safety: all public methods are thread-safe.
#ifndef STAYAWAY_DAEMON_CORE_H_
#define STAYAWAY_DAEMON_CORE_H_

#include <functional>
#include <memory>
#include <string>

#include "access/credential_store.h"
#include "daemon/credential_broadcast.h"
#include "daemon/device_key_broadcast.h"
#include "daemon/metrics.h"
#include "daemon/shared_input_log.h"
#include "engine/engine_config.h"
#include "ingest/monitoring_service.h"

namespace stayaway::access {
class DeviceKeyStore;
}  // namespace stayaway::access

namespace stayaway::daemon {

struct CoreOptions {
  engine::EngineSettings engine;
  // Threads the engine evaluates a batch of fixes on (engine.h, lanes), the engine
  // thread included; 0: one per core. Speed only: the events are the same for any count.
  unsigned engine_lanes = 1;
  // Inputs waiting for the engine thread; a full queue pushes back on connections.
  // Default: 65536.
  size_t queue_capacity = 65536;
  // How often the core feeds a Tick to the engine. Default: 1 s.
  TimeMs tick_interval_ms = 1000;
  // The wall clock in ms since the epoch; tests may inject their own. The core never lets
  // its time go back when this one does (centre_clock.h).
  std::function<TimeMs()> clock;  // default: system_clock
  // A monotonic clock in ms (any origin), for the same; default: steady_clock.
  std::function<TimeMs()> steady_clock;
  // Where the journal lives; empty keeps everything in memory (tests). With a journal,
  // Start() replays it (recovery) and every input is made durable before it is applied
  // and acknowledged.
  std::string journal_dir;
  // Skip damaged journal records in the middle instead of refusing to start.
  bool salvage = false;
  // Durability policy (documented in config.h): how long the engine thread lets input
  // gather before one journal sync (0: sync whatever queued while the last batch ran),
  // and whether that sync reaches the disk (fdatasync) or only the operating system.
  TimeMs journal_commit_window_ms = 0;
  bool journal_fsync = true;
  // A journal segment rolls over past this size; retention deletes whole segments.
  uint64_t journal_segment_bytes = 64ull << 20;
  // Journal retention (evidence/retention.h): keep at least this much history; 0 keeps
  // everything. Checked every retention_check_interval_ms on a thread of its own; needs
  // data_dir with the journal in data_dir/journal.
  TimeMs retention_keep_ms = 0;
  TimeMs retention_check_interval_ms = 3'600'000;
  TimeMs retention_evidence_margin_ms = 30 * 60'000;
  // The data directory the journal, keys and checkpoints live in (evidence bundles).
  std::string data_dir;
  // Where snapshots go (empty: none). One is written every snapshot_every_records journal
  // records and at Stop; recovery loads the newest valid one and replays only the journal
  // after it (a damaged snapshot is skipped for an older one, then for a full replay).
  std::string snapshot_dir;
  uint64_t snapshot_every_records = 1'000'000;
  // With a journal: the Ed25519 key directory (created with a new key when empty) and the
  // file signed checkpoints of the Merkle log are appended to; empty key_dir: no signing.
  std::string key_dir;
  std::string checkpoints_path;
  // How often a checkpoint is signed while the log grows (and always at Stop). Default 60 s.
  TimeMs checkpoint_interval_ms = 60'000;
  // Who may do what (access/credential_store.h). Null: an empty store, so every request
  // that needs a credential is refused (deny by default).
  std::shared_ptr<access::CredentialStore> credentials;
  // The build's version text (base/version.h) for stayaway_build_info; empty: none.
  std::string build_version;
  // The device keys file (access/device_key_store.h), loaded by Start (a damaged file
  // stops it) and rewritten on every key change; empty: keys are kept in memory only.
  std::string device_keys_path;
  // Kafka mode (shared_input_log.h): set, the core applies nothing its callers submit.
  // Fixes (after the checks made on the caller's thread: recordability, device MACs) and
  // orders, zones and alert actions are appended to this log, fixes acknowledged once
  // the log holds them; everything is applied as the log gives it back through
  // ApplyLogged, in the log's order, which every instance shares. The core makes no ticks
  // of its own: ticks come through the log too (the leader writes them,
  // daemon/kafka_leader.h). The journal then holds exactly the log, one record for each
  // of its inputs, so the journal's record count is the next log offset to apply.
  // Keyed devices: their MACs are checked by the instance that takes the fix. The
  // stale-sequence window (engine/replay_window.h) is checked before the log against the
  // newest seq this instance applied (newest_signed_seqs.h), and by the engine as each
  // instance applies the log, so a capture that got in is refused alike everywhere.
  std::shared_ptr<SharedInputLog> shared_log;
  // Kafka mode: credentials issued and revoked here are told to the other instances
  // through this (credential_broadcast.h); null: they stay here.
  std::shared_ptr<CredentialBroadcast> credential_broadcast;
  // Kafka mode: device keys set and removed through the API are the cluster's, told to
  // every instance through this (device_key_broadcast.h) and held in memory
  // (DeviceKeyStore::PutShared); the device keys file stays this instance's own. Set, the
  // core takes no fix until the cluster's keys are read (device_key_store()'s
  // SetSharedReady); null: keys stay here, in the file.
  std::shared_ptr<DeviceKeyBroadcast> device_key_broadcast;
};

class Core final : public ingest::MonitoringService {
 public:
  explicit Core(CoreOptions options);
  ~Core() override;  // stops if still running
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Recovers from the journal (when configured) and starts the engine thread. Fails, and
  // does not start, when the journal is damaged (see journal/journal.h).
  Status Start();
  // Applies everything already queued, then stops the engine thread. Idempotent.
  void Stop();

  bool SubmitFixes(std::vector<v1::Fix>&& fixes, std::string_view source, FixesDone done) override;

  // Kafka mode (CoreOptions::shared_log): the shared log's inputs from `first_offset` on,
  // in its order, for the engine thread to journal and apply. Waits while the queue is
  // full (so the log is read no faster than it is applied). FailedPrecondition when the
  // core is not running, or when `first_offset` is not LoggedPosition(): the caller then
  // reads the log again from LoggedPosition(). A record the log holds that is not a
  // recordable input is applied as an empty input (refused by the engine, counted) so that
  // journal records and log offsets stay one to one.
  Status ApplyLogged(int64_t first_offset, std::vector<v1::Input>&& inputs);
  // The log offset the next ApplyLogged starts at: every input before it is applied or
  // queued. After Start, the position the recovered journal reached.
  int64_t LoggedPosition();
  // The log offset up to which every input is applied (its events are in the event log).
  int64_t AppliedLogPosition();
  // The centre's time (ms since the epoch; never goes back, centre_clock.h): what the
  // leader stamps on the ticks it writes to the shared log.
  TimeMs CentreNow();
  Status PutOrder(const v1::Order& order) override;
  StatusOr<v1::Order> GetOrder(std::string_view order_id) override;
  Status RevokeOrder(std::string_view order_id) override;
  Status PutGlobalZone(const v1::Zone& zone) override;
  std::vector<v1::Zone> ListGlobalZones() override;
  std::vector<Status> PutOrders(std::vector<v1::Order> orders) override;
  StatusOr<v1::OrderPage> ListOrders(const ingest::OrderPageQuery& query) override;
  std::map<std::string, v1::Order::VictimNotification> OrdersProtecting(
      std::string_view person) override;
  std::optional<v1::Order::VictimNotification> ToldOf(std::string_view order_id,
                                                      std::string_view person) override;
  StatusOr<v1::DevicePage> ListDevices(const ingest::DevicePageQuery& query) override;
  StatusOr<v1::DeviceStatus> GetDevice(std::string_view device) override;
  std::vector<v1::AlertView> ListAlerts(const ingest::AlertQuery& query) override;
  Status AckAlert(v1::AlertAck ack) override;
  Status ResolveAlert(v1::AlertResolve resolve) override;
  StatusOr<v1::AlertDetail> GetAlert(std::string_view alert_id) override;
  std::optional<v1::AlertView> FindAlert(std::string_view alert_id) override;
  StatusOr<v1::AlertReceipt> RecordReceipt(v1::AlertReceipt receipt) override;
  uint64_t ReadEvents(uint64_t from_seq, size_t max,
                      std::vector<v1::EventRecord>* out) override;
  uint64_t NextEventSeq() override;
  uint64_t AddEventListener(std::function<void()> on_new) override;
  void RemoveEventListener(uint64_t handle) override;
  void CountRejected(std::string_view source, std::string_view reason) override;
  std::vector<v1::Fix> TakeUsedFixes() override;
  void ReportSubscriberLag(std::string_view subscriber, uint64_t lag_events) override;
  void ForgetSubscriber(std::string_view subscriber) override;
  std::string MetricsText() override;
  // A message to a victim gateway and how it went (victim_gateway.h), for the metrics.
  void CountVictimMessage(std::string_view result);
  // An event webhook POST and how it went (webhook_dispatcher.h): "delivered" or "failed".
  void CountWebhookDelivery(std::string_view result);
  // The metrics registry, for the daemon's own bridges (mqtt_bridge.h). Thread-safe.
  Metrics& metrics();
  // The device keys (Kafka mode: kafka_device_keys.h holds the cluster's in it).
  // Thread-safe.
  access::DeviceKeyStore& device_key_store();
  // A failed webhook or victim gateway POST and why (Metrics::CountWebhookFailure).
  void CountWebhookFailure(std::string_view to, std::string_view reason);
  std::vector<v1::PublicKey> PublicKeys() override;
  StatusOr<std::vector<v1::PublicKey>> RotateSigningKey() override;
  StatusOr<std::map<std::string, std::string>> EvidenceBundle(std::string_view alert_id) override;
  StatusOr<std::string> StatisticsReport(const ingest::StatisticsQuery& query) override;
  bool Healthy() override;
  std::shared_ptr<const access::Principal> Authenticate(std::string_view token) override;
  void ReportAccessRefused(std::string_view source, std::string_view code,
                           std::string_view detail) override;
  void Audit(std::string_view action, const access::Principal& who,
             std::string_view subject) override;
  StatusOr<v1::IssuedCredential> IssueCredential(const v1::Credential& request) override;
  std::vector<v1::Credential> ListCredentials() override;
  StatusOr<v1::Credential> RevokeCredential(std::string_view credential_id) override;
  Status PutDeviceKey(std::string_view device, std::string key) override;
  Status RemoveDeviceKey(std::string_view device) override;
  std::vector<std::string> KeyedDevices() override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_CORE_H_
