// Core (core_state.h): the MonitoringService calls the API makes that are not fixes:
// orders and zones, the devices board, alerts and their actions, the event log, metrics,
// access and device keys.
#include <string>
#include <vector>

#include "access/token.h"
#include "base/time.h"
#include "daemon/core_state.h"

namespace stayaway::daemon {

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
  return ToldTo(*it->second, person);
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
  return *it->second;
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

std::vector<v1::Fix> Core::TakeUsedFixes() { return state_->used_fixes.Take(); }

void Core::ReportSubscriberLag(std::string_view subscriber, uint64_t lag_events) {
  state_->metrics.SetSubscriberLag(subscriber, lag_events);
}

void Core::ForgetSubscriber(std::string_view subscriber) {
  state_->metrics.ForgetSubscriber(subscriber);
}

std::string Core::MetricsText() { return state_->metrics.Render(state_->clock.Now()); }

void Core::CountWebhookDelivery(std::string_view result) {
  state_->metrics.CountWebhookDelivery(result);
}

Metrics& Core::metrics() { return state_->metrics; }

void Core::CountWebhookFailure(std::string_view to, std::string_view reason) {
  state_->metrics.CountWebhookFailure(to, reason);
}

void Core::CountVictimMessage(std::string_view result) {
  state_->metrics.CountVictimMessage(result);
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

void Core::Audit(std::string_view action, const access::Principal& who, std::string_view subject) {
  state_->access_log.Audit(action, who.Describe(), subject);
}

StatusOr<v1::IssuedCredential> Core::IssueCredential(const v1::Credential& request) {
  const bool shared = state_->options.credential_broadcast != nullptr;
  StatusOr<v1::IssuedCredential> issued =
      state_->options.credentials->Issue(request, state_->clock.Now(), shared);
  if (!issued.ok() || !shared) return issued;
  v1::Credential with_digest = issued->credential();
  with_digest.set_token_sha256(access::TokenDigest(issued->token()));
  if (Status told = state_->options.credential_broadcast->Announce(with_digest); !told.ok()) {
    // Not on the other instances: not here either, so it works everywhere or nowhere.
    // The announcement may still reach the cluster after it timed out: withdrawn too.
    (void)state_->options.credentials->Remove(with_digest.id());
    (void)state_->options.credential_broadcast->Withdraw(with_digest.id());
    return FailedPrecondition(
        "the credential could not be shared with the other instances, "
        "so it was not issued: " +
        told.message());
  }
  return issued;
}

std::vector<v1::Credential> Core::ListCredentials() { return state_->options.credentials->List(); }

StatusOr<v1::Credential> Core::RevokeCredential(std::string_view credential_id) {
  if (state_->options.credential_broadcast == nullptr) {
    return state_->options.credentials->Revoke(credential_id);
  }
  // Kafka mode: the other instances are told first; only then is it revoked here (the
  // broadcast may already have dropped it here too).
  StatusOr<v1::Credential> revocable = state_->options.credentials->CheckRevocable(credential_id);
  if (!revocable.ok()) return revocable.status();
  if (Status told = state_->options.credential_broadcast->Withdraw(credential_id); !told.ok()) {
    return FailedPrecondition(
        "the revocation could not be shared with the other instances, "
        "so nothing was revoked; try again: " +
        told.message());
  }
  StatusOr<v1::Credential> revoked = state_->options.credentials->Revoke(credential_id);
  if (!revoked.ok() && revoked.status().code() == StatusCode::kNotFound) return revocable;
  return revoked;
}

Status Core::PutDeviceKey(std::string_view device, std::string key) {
  StatusOr<access::DeviceKey> parsed = access::DeviceKeyFromHex(key);
  if (!parsed.ok()) return parsed.status();
  const std::shared_ptr<DeviceKeyBroadcast>& cluster = state_->options.device_key_broadcast;
  if (cluster != nullptr) {
    // Checked before it is announced (the store checks it on the local path).
    if (device.empty()) return InvalidArgument("a device key needs a device id");
    // The cluster's first, so that every instance checks the device alike; then here at
    // once (the cluster's record, read back, says the same or what an admin set later).
    if (Status told = cluster->Announce(device, *parsed); !told.ok()) {
      return FailedPrecondition(
          "the device key could not be shared with the other instances, so it is not set: " +
          told.message());
    }
    (void)state_->device_keys.PutShared(device, *parsed);
    Log(LogLevel::kInfo, "device key set on every instance: its fixes must be signed",
        {{"device", std::string(device)}});
    return Status::Ok();
  }
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
  const std::shared_ptr<DeviceKeyBroadcast>& cluster = state_->options.device_key_broadcast;
  if (cluster != nullptr) {
    if (state_->device_keys.Lookup(device) == std::nullopt) {
      return NotFound("device " + std::string(device) + " has no key");
    }
    if (Status told = cluster->Withdraw(device); !told.ok()) {
      return FailedPrecondition(
          "the removal could not be shared with the other instances, so the key stays: " +
          told.message());
    }
    (void)state_->device_keys.RemoveShared(device);
    // A key provisioned in this instance's own file goes too; other instances' files
    // are theirs (docs/kafka.md).
    if (state_->device_keys.HasOwn(device)) {
      if (Status removed = state_->device_keys.Remove(device); !removed.ok()) return removed;
    }
    Log(LogLevel::kInfo, "device key removed on every instance: its fixes are taken unsigned",
        {{"device", std::string(device)}});
    return Status::Ok();
  }
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

access::DeviceKeyStore& Core::device_key_store() { return state_->device_keys; }

std::vector<std::string> Core::KeyedDevices() { return state_->device_keys.List(); }

}  // namespace stayaway::daemon
