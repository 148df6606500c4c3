#include "daemon/alert_book.h"

#include <algorithm>

#include "base/time.h"

namespace stayaway::daemon {

void AlertBook::Record(uint64_t seq, const v1::Event& event) {
  std::lock_guard<std::mutex> lock(mu_);
  v1::AlertView& view = alerts_[event.alert_id()];
  if (view.open()) --open_by_kind_[v1::Event::Kind_Name(view.kind())];
  if (view.alert_id().empty()) {
    view.set_alert_id(event.alert_id());
    view.set_order_id(event.order_id());
    view.set_first_seq(seq);
  }
  view.set_last_seq(seq);
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
    default:
      break;
  }
  view.set_kind(event.kind());
  if (view.open()) ++open_by_kind_[v1::Event::Kind_Name(view.kind())];
  // Acknowledgements, deadlines and resolutions are about the alert, not a new reading.
  if (event.transition() != v1::Event::acknowledged &&
      event.transition() != v1::Event::ack_overdue && event.transition() != v1::Event::resolved) {
    *view.mutable_last_event() = event;
  }
}

std::vector<v1::AlertView> AlertBook::List(const ingest::AlertQuery& query) const {
  std::vector<v1::AlertView> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, view] : alerts_) {
    if (!query.order_id.empty() && view.order_id() != query.order_id) continue;
    if (query.state == ingest::AlertQuery::State::kOpen && !view.open()) continue;
    if (query.state == ingest::AlertQuery::State::kClosed && view.open()) continue;
    if (query.since && TimestampToMs(view.last_event().detected_at()) < *query.since) continue;
    out.push_back(view);
  }
  std::sort(out.begin(), out.end(), [](const v1::AlertView& a, const v1::AlertView& b) {
    return a.first_seq() < b.first_seq();
  });
  return out;
}

std::map<std::string, uint64_t> AlertBook::OpenByKind() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_by_kind_;
}

}  // namespace stayaway::daemon
