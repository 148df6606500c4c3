#include "daemon/alert_book.h"

#include <algorithm>

#include "base/time.h"

namespace stayaway::daemon {

AlertBook::Change AlertBook::Record(uint64_t seq, const v1::Event& event) {
  std::lock_guard<std::mutex> lock(mu_);
  Alert& alert = alerts_[event.alert_id()];
  v1::AlertView& view = alert.view;
  Change change;
  const bool raised =
      event.transition() == v1::Event::opened || event.transition() == v1::Event::escalated;
  change.entered_violation =
      event.kind() == v1::Event::proximity_violation &&
      (event.transition() == v1::Event::opened || (event.transition() == v1::Event::escalated &&
                                                   view.kind() != v1::Event::proximity_violation));
  if (raised) {
    alert.raised_ms = TimestampToMs(event.detected_at());
    alert.answered = false;
  } else if (event.transition() == v1::Event::acknowledged && !alert.answered &&
             alert.raised_ms != 0) {
    change.answered_after_ms = std::max<TimeMs>(0, TimestampToMs(event.time()) - alert.raised_ms);
    alert.answered = true;
  }
  if (view.open()) --open_by_kind_[v1::Event::Kind_Name(view.kind())];
  if (view.alert_id().empty()) {
    view.set_alert_id(event.alert_id());
    view.set_order_id(event.order_id());
    view.set_first_seq(seq);
    by_first_seq_.emplace(seq, event.alert_id());
  }
  view.set_last_seq(seq);
  alert.seqs.push_back(seq);
  for (const std::string* device :
       {&event.device(), &event.supervised().device(), &event.protected_().device()}) {
    if (!device->empty()) alert.devices.insert(*device);
  }
  switch (event.transition()) {
    case v1::Event::opened:
      view.set_open(true);
      *view.mutable_opened_at() = event.detected_at();
      break;
    case v1::Event::closed:
      view.set_open(false);
      *view.mutable_closed_at() = event.detected_at();
      break;
    case v1::Event::acknowledged: {
      v1::AlertAck* ack = view.add_acks();
      ack->set_alert_id(event.alert_id());
      ack->set_by(event.ack_by());
      ack->set_note(event.ack_note());
      ack->set_credential(event.ack_credential());
      *ack->mutable_time() = event.time();
      break;
    }
    case v1::Event::ack_overdue:
      view.set_ack_overdue(true);
      break;
    case v1::Event::resolved: {
      v1::AlertResolve* resolution = view.mutable_resolution();
      resolution->set_alert_id(event.alert_id());
      resolution->set_by(event.ack_by());
      resolution->set_note(event.ack_note());
      resolution->set_credential(event.ack_credential());
      resolution->set_disposition(event.disposition());
      *resolution->mutable_time() = event.time();
      break;
    }
    case v1::Event::received: {
      v1::AlertReceipt* receipt = view.add_receipts();
      receipt->set_alert_id(event.alert_id());
      receipt->set_person(event.received_by());
      receipt->set_event_seq(event.received_seq());
      receipt->set_credential(event.ack_credential());
      *receipt->mutable_time() = event.time();
      if (event.has_shown_at()) *receipt->mutable_shown_at() = event.shown_at();
      break;
    }
    default:
      break;
  }
  view.set_kind(event.kind());
  if (view.open()) ++open_by_kind_[v1::Event::Kind_Name(view.kind())];
  // Acknowledgements, deadlines, resolutions and receipts are about the alert, not a new
  // reading of it.
  if (event.transition() != v1::Event::acknowledged &&
      event.transition() != v1::Event::ack_overdue && event.transition() != v1::Event::resolved &&
      event.transition() != v1::Event::received) {
    alert.reading_seq = seq;
    alert.reading_detected_ms = TimestampToMs(event.detected_at());
    alert.reading_certainty =
        event.has_certainty() ? std::optional(event.certainty()) : std::nullopt;
  }
  return change;
}

v1::AlertView AlertBook::ViewOf(const Alert& alert) const {
  v1::AlertView view = alert.view;
  if (alert.reading_seq != 0) {
    std::vector<v1::EventRecord> records;
    log_.Read(alert.reading_seq, 1, &records);
    // Booked only once the log holds it (core_signed_log.cc), so it is there.
    if (!records.empty()) *view.mutable_last_event() = std::move(*records.front().mutable_event());
  }
  return view;
}

bool AlertBook::Matches(const Alert& alert, const ingest::AlertQuery& query) {
  const v1::AlertView& view = alert.view;
  if (!query.order_id.empty() && view.order_id() != query.order_id) return false;
  if (query.state == ingest::AlertQuery::State::kOpen && !view.open()) return false;
  if (query.state == ingest::AlertQuery::State::kClosed && view.open()) return false;
  if (query.since && alert.reading_detected_ms < *query.since) return false;
  if (query.until) {
    // An alert opens with its first event; one booked from a log that starts later (none
    // today) counts from the first event it has.
    const TimeMs opened =
        view.has_opened_at() ? TimestampToMs(view.opened_at()) : alert.reading_detected_ms;
    if (opened > *query.until) return false;
  }
  if (query.kind && view.kind() != *query.kind) return false;
  if (!query.device.empty() && !alert.devices.contains(query.device)) return false;
  if (query.certainty && alert.reading_certainty != *query.certainty) return false;
  return true;
}

std::vector<v1::AlertView> AlertBook::List(const ingest::AlertQuery& query) const {
  std::vector<v1::AlertView> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = by_first_seq_.upper_bound(query.after_first_seq); it != by_first_seq_.end();
       ++it) {
    const Alert& alert = alerts_.find(it->second)->second;
    if (!Matches(alert, query)) continue;
    out.push_back(ViewOf(alert));
    if (query.limit != 0 && out.size() == query.limit) break;
  }
  return out;
}

std::optional<AlertBook::Entry> AlertBook::Find(std::string_view alert_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = alerts_.find(alert_id);
  if (it == alerts_.end()) return std::nullopt;
  return Entry{ViewOf(it->second), it->second.seqs};
}

std::map<std::string, uint64_t> AlertBook::OpenByKind() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_by_kind_;
}

}  // namespace stayaway::daemon
