// MonitoringService: what the network front ends (TCP ingest, HTTP API, OsmAnd, Traccar,
// subscribers) ask of the monitoring centre's core, as role interfaces (FixSink,
// EventFeed, AccessGate, Catalogue, AlertDesk, Admin, EvidenceDesk, Health) and their
// union. The daemon's core implements it (daemon/core.h); the servers in ingest/ only ever
// talk to these interfaces.
//
// Thread-safety: every method may be called from any thread. Callbacks (FixesDone,
// event listeners) run on the core's engine thread: they must be quick and must not call
// back into the service synchronously; post the work to your own executor instead.
#ifndef STAYAWAY_INGEST_MONITORING_SERVICE_H_
#define STAYAWAY_INGEST_MONITORING_SERVICE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/principal.h"
#include "base/status.h"
#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

// The outcome of one submitted fix.
struct FixOutcome {
  bool accepted = false;   // taken in by the engine (a duplicate counts as accepted)
  bool duplicate = false;  // the engine already had this (device, seq)
  std::string code;        // when refused: a stable label (StatusCodeName), else empty
  std::string reason;      // when refused: a message for the sender
};

// Which alerts ListAlerts answers, always in the order of their first event's log seq
// (first_seq): an alert opened later comes later, so paging by first_seq is stable while
// alerts are added. Every filter set must match.
struct AlertQuery {
  std::string order_id;  // empty: every order
  enum class State { kOpen, kClosed, kAll } state = State::kOpen;
  // Time, on detection times (engine time): `since` keeps alerts whose newest event was
  // detected at or after it, `until` those opened (first detected) at or before it; both
  // together: the alerts active at some moment of [since, until].
  std::optional<TimeMs> since;
  std::optional<TimeMs> until;
  std::optional<v1::Event::Kind> kind;  // the alert's kind now (its newest event's)
  // Alerts any of whose events names this device (a device alert's device, either
  // person's device in a proximity or zone alert); empty: every device.
  std::string device;
  // The alert's certainty now (its newest reading's); alerts without one (SOS, device
  // alerts) never match a certainty.
  std::optional<v1::Event::Certainty> certainty;
  // Paging: only alerts with first_seq > after_first_seq, and at most `limit` of them
  // (0: no limit).
  uint64_t after_first_seq = 0;
  size_t limit = 0;
};

// A page of GET /v1/orders: orders by id, after the cursor (a next_cursor given out before).
struct OrderPageQuery {
  std::size_t limit = 100;
  std::string cursor;  // empty: from the first order
};

// A page of GET /v1/devices (daemon/device_board.h says the orders).
struct DevicePageQuery {
  enum class Sort { kId, kAttention } sort = Sort::kId;
  std::size_t limit = 100;
  std::string cursor;  // empty: from the start; else a next_cursor of the same sort
  // False for a reader the last contact time is withheld from (access::SeesEventsWhole):
  // sort=attention then orders each group by device id, and its cursors hold no time.
  bool sees_contact_times = true;
};

// GET /v1/reports/summary: the centre's statistics of a period (evidence/statistics.h).
struct StatisticsQuery {
  TimeMs from_ms = 0;  // the period, both ends included
  TimeMs to_ms = 0;
  enum class Format { kJson, kCsv, kHtml } format = Format::kJson;
};

// The core as the front ends see it, one role interface per concern, so that each front
// end depends only on what it uses (TcpIngestServer: FixSink, EventFeed, AccessGate;
// OsmAndEndpoint: FixSink, AccessGate; WebhookDispatcher: EventFeed; HttpApi: all of
// them, through MonitoringService).

// Where fixes go in, and where every front end counts what it refuses.
class FixSink {
 public:
  virtual ~FixSink() = default;

  using FixesDone = std::function<void(std::vector<FixOutcome>)>;
  // Queues the fixes for the engine. `source` labels metrics ("tcp", "http", "osmand",
  // "traccar", "owntracks", "mqtt"). The daemon stamps each fix's received time with its
  // own clock. `done` gets one outcome per fix, in order, once the engine has applied
  // them all (and, when the journal exists, once they are durable); `fixes` is then moved
  // from. Returns false without calling `done` when the engine's queue is full, and leaves
  // `fixes` exactly as given (no copy needed for the retry: the caller pushes back on its
  // connection and offers the same vector again); also false while the engine is stopping,
  // when `fixes` may have been stamped and is not worth offering again.
  virtual bool SubmitFixes(std::vector<v1::Fix>&& fixes, std::string_view source,
                           FixesDone done) = 0;
  // Counts a refused request or fix of `source` under `reason` (a stable label).
  virtual void CountRejected(std::string_view source, std::string_view reason) = 0;
  // Fixes the sink has finished with, whatever they hold, for a front end to decode its
  // next batch into: a fix cleared keeps its buffers (client_frame_decoder.h). Empty when
  // there are none; any thread.
  virtual std::vector<v1::Fix> TakeUsedFixes() { return {}; }
};

// The event log and its readers: every event the engine emitted, numbered from 1.
class EventFeed {
 public:
  virtual ~EventFeed() = default;

  // Appends to `out` at most `max` records with seq >= from_seq and returns the seq to
  // read next.
  virtual uint64_t ReadEvents(uint64_t from_seq, size_t max, std::vector<v1::EventRecord>* out) = 0;
  // The seq the next event will get (so last seq + 1).
  virtual uint64_t NextEventSeq() = 0;
  // `on_new` is called (on the engine thread) whenever events were appended. Returns a
  // handle for RemoveEventListener.
  virtual uint64_t AddEventListener(std::function<void()> on_new) = 0;
  virtual void RemoveEventListener(uint64_t handle) = 0;
  // A reader's lag behind the log's end, in events, for the metrics; ForgetSubscriber
  // drops the reader's metric when it goes.
  virtual void ReportSubscriberLag(std::string_view subscriber, uint64_t lag_events) = 0;
  virtual void ForgetSubscriber(std::string_view subscriber) = 0;
};

// Access (access/): every front end authenticates its callers through these.
class AccessGate {
 public:
  virtual ~AccessGate() = default;

  // The principal holding this bearer token; null when no credential has it.
  virtual std::shared_ptr<const access::Principal> Authenticate(std::string_view token) = 0;
  // A request refused for want of a credential ("unauthenticated") or a permission
  // ("permission_denied"): logged (never the token) and counted as rejected by `source`.
  // `detail` says who asked for what, e.g. "'gw-1' (cred-.., ingest) GET /v1/alerts".
  virtual void ReportAccessRefused(std::string_view source, std::string_view code,
                                   std::string_view detail) = 0;
  // The audit trail: what a principal did that a court or an inspector may ask about
  // (evidence exported, orders, zones and credentials changed, alerts acknowledged).
  virtual void Audit(std::string_view action, const access::Principal& who,
                     std::string_view subject) = 0;
};

// Orders and global zones. Blocking: they wait for the engine (they are rare).
class Catalogue {
 public:
  virtual ~Catalogue() = default;

  // PutOrder creates or replaces (the version must increase); RevokeOrder applies the
  // order again with state revoked and the next version, so history stays.
  virtual Status PutOrder(const v1::Order& order) = 0;
  virtual StatusOr<v1::Order> GetOrder(std::string_view order_id) = 0;
  virtual Status RevokeOrder(std::string_view order_id) = 0;
  virtual Status PutGlobalZone(const v1::Zone& zone) = 0;
  virtual std::vector<v1::Zone> ListGlobalZones() = 0;
  // Bulk loading: the orders go to the engine as one batch, journaled with one sync, and
  // are applied in order; one Status per order, as PutOrder would have answered it.
  virtual std::vector<Status> PutOrders(std::vector<v1::Order> orders) = 0;
  // A page of orders by id, each with its open alerts and its parties' last contact;
  // InvalidArgument for a cursor that is not one of this listing's next_cursor.
  virtual StatusOr<v1::OrderPage> ListOrders(const OrderPageQuery& query) = 0;
  // The orders that name `person` among their protected parties, by id, each with what
  // it tells her (Order.victim_notification, absent: band); those that tell her nothing
  // (none) are left out. Her view (GET /v1/me/...) shows only these orders' alerts.
  virtual std::map<std::string, v1::Order::VictimNotification> OrdersProtecting(
      std::string_view person) = 0;
  // What order `order_id` tells `person`, as OrdersProtecting would list it; nothing when
  // the order is unknown, does not name her or tells her nothing. One lookup: her event
  // stream asks it for each event.
  virtual std::optional<v1::Order::VictimNotification> ToldOf(std::string_view order_id,
                                                              std::string_view person) = 0;
};

// The devices board (daemon/device_board.h): every device an order names or that reported.
class DeviceDesk {
 public:
  virtual ~DeviceDesk() = default;

  // InvalidArgument for a cursor that is not one of this sort's next_cursor.
  virtual StatusOr<v1::DevicePage> ListDevices(const DevicePageQuery& query) = 0;
  // NotFound for a device no order names and that never reported.
  virtual StatusOr<v1::DeviceStatus> GetDevice(std::string_view device) = 0;
};

// Alerts, operators' acknowledgements and resolutions, protected persons' receipts.
class AlertDesk {
 public:
  virtual ~AlertDesk() = default;

  virtual std::vector<v1::AlertView> ListAlerts(const AlertQuery& query) = 0;
  // ack.time is stamped by the daemon.
  virtual Status AckAlert(v1::AlertAck ack) = 0;
  // An operator's resolution (engine.h, "Resolution"), journaled like an acknowledgement;
  // resolve.time is stamped by the daemon. NotFound for an unknown alert,
  // FailedPrecondition for one already resolved, InvalidArgument without a disposition.
  virtual Status ResolveAlert(v1::AlertResolve resolve) = 0;
  // One alert (whole, never redacted: the caller redacts) with every event of it in log
  // order; NotFound for an unknown alert.
  virtual StatusOr<v1::AlertDetail> GetAlert(std::string_view alert_id) = 0;
  // The alert as the alert book has it now, without its timeline; nullopt when unknown.
  virtual std::optional<v1::AlertView> FindAlert(std::string_view alert_id) = 0;
  // A protected person's receipt (engine.h, "Receipts"), journaled like an
  // acknowledgement; receipt.time is stamped by the daemon. Answers the receipt as
  // recorded. The caller checks that event_seq is an event of the alert she was told of.
  virtual StatusOr<v1::AlertReceipt> RecordReceipt(v1::AlertReceipt receipt) = 0;
};

// Administration of access: credentials and device keys.
class Admin {
 public:
  virtual ~Admin() = default;

  // Credentials: IssueCredential answers the token, once; Revoke refuses the last admin.
  virtual StatusOr<v1::IssuedCredential> IssueCredential(const v1::Credential& request) = 0;
  virtual std::vector<v1::Credential> ListCredentials() = 0;
  virtual StatusOr<v1::Credential> RevokeCredential(std::string_view credential_id) = 0;
  // Device keys (access/fix_mac.h): a device with a key must sign every fix it sends.
  // PutDeviceKey adds or replaces the key of `device`, given as 64 hex digits (32 bytes;
  // InvalidArgument otherwise, never repeating the text), and returns once it is stored
  // durably. RemoveDeviceKey: NotFound when the device has no key; its fixes are then
  // taken unsigned again. KeyedDevices: the ids of the devices that have a key, sorted;
  // keys are never read back. Changes are logged with the device id, never the key.
  virtual Status PutDeviceKey(std::string_view device, std::string key) = 0;
  virtual Status RemoveDeviceKey(std::string_view device) = 0;
  virtual std::vector<std::string> KeyedDevices() = 0;
};

// What a court verifies with.
class EvidenceDesk {
 public:
  virtual ~EvidenceDesk() = default;

  // The keys the centre signs its checkpoints with (GET /v1/keys): its key history,
  // oldest first, the current key last (evidence/key_history.h); empty without signing.
  virtual std::vector<v1::PublicKey> PublicKeys() = 0;
  // Replaces the signing key (evidence/key_rotation.h) after a last checkpoint by the old
  // one, and answers the new history. FailedPrecondition without signing.
  virtual StatusOr<std::vector<v1::PublicKey>> RotateSigningKey() = 0;
  // The evidence bundle of one alert (evidence/bundle.h) as file name -> content, cut
  // after signing a fresh checkpoint. Slow (it replays the journal): for occasional use.
  virtual StatusOr<std::map<std::string, std::string>> EvidenceBundle(
      std::string_view alert_id) = 0;
  // The statistics report of a period (evidence/statistics_json.h, _csv.h, _html.h),
  // computed from the journal under a checkpoint signed for it first, which the report
  // states. Slow (it replays the journal): for occasional use.
  virtual StatusOr<std::string> StatisticsReport(const StatisticsQuery& query) = 0;
};

// The daemon's health and metrics.
class Health {
 public:
  virtual ~Health() = default;

  // False while starting or stopping.
  virtual bool Healthy() = 0;
  // The Prometheus text exposition of every metric.
  virtual std::string MetricsText() = 0;
};

// Everything the front ends may ask of the core: what daemon/core implements and HttpApi
// uses.
class MonitoringService : public FixSink,
                          public EventFeed,
                          public AccessGate,
                          public Catalogue,
                          public DeviceDesk,
                          public AlertDesk,
                          public Admin,
                          public EvidenceDesk,
                          public Health {
 public:
  ~MonitoringService() override = default;
};

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_MONITORING_SERVICE_H_
