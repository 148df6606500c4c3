#include "ingest/protected_view.h"

#include <algorithm>
#include <cmath>

namespace stayaway::ingest {
namespace {

// The ring a proximity alert of this kind is in; other kinds are in none.
v1::ProtectedAlert::Proximity RingOf(v1::Event::Kind kind) {
  switch (kind) {
    case v1::Event::proximity_violation:
      return v1::ProtectedAlert::within_violation;
    case v1::Event::proximity_warning:
      return v1::ProtectedAlert::within_warning;
    default:
      return v1::ProtectedAlert::proximity_unspecified;
  }
}

// What every event tells: its alert's kind and level, the transition and its time, and
// under `distance` how near, rounded so that it says no more than a ring of 10 m.
void TellEvent(const v1::Event& event, VictimNotification told, v1::ProtectedAlert* out) {
  out->set_alert_id(event.alert_id());
  out->set_order_id(event.order_id());
  out->set_kind(event.kind());
  if (event.has_certainty()) out->set_certainty(event.certainty());
  out->set_transition(event.transition());
  if (event.has_detected_at()) *out->mutable_time() = event.detected_at();
  out->set_proximity(RingOf(event.kind()));
  if (told == v1::Order::distance &&
      out->proximity() != v1::ProtectedAlert::proximity_unspecified && event.has_distance_m() &&
      std::isfinite(event.distance_m())) {
    out->set_distance_m(std::max(0.0, std::round(event.distance_m() / 10.0) * 10.0));
  }
}

}  // namespace

v1::ProtectedAlert ProtectedAlertOf(const v1::AlertView& alert, VictimNotification told) {
  v1::ProtectedAlert out;
  TellEvent(alert.last_event(), told, &out);
  // The alert's own kind and id win over its last event's (the same, by construction).
  out.set_alert_id(alert.alert_id());
  out.set_order_id(alert.order_id());
  out.set_kind(alert.kind());
  out.set_proximity(RingOf(alert.kind()));
  if (out.proximity() == v1::ProtectedAlert::proximity_unspecified) out.clear_distance_m();
  out.set_open(alert.open());
  if (alert.has_opened_at()) *out.mutable_opened_at() = alert.opened_at();
  out.set_seq(alert.last_seq());
  return out;
}

bool SaysWhetherOpen(v1::Event::Transition transition) {
  return transition != v1::Event::acknowledged && transition != v1::Event::ack_overdue &&
         transition != v1::Event::received;
}

v1::ProtectedAlert ProtectedAlertOf(const v1::EventRecord& record, VictimNotification told,
                                    bool open_now) {
  v1::ProtectedAlert out;
  TellEvent(record.event(), told, &out);
  const v1::Event::Transition transition = record.event().transition();
  out.set_open(SaysWhetherOpen(transition)
                   ? transition != v1::Event::closed && transition != v1::Event::resolved
                   : open_now);
  if (transition == v1::Event::opened && record.event().has_detected_at()) {
    *out.mutable_opened_at() = record.event().detected_at();
  }
  out.set_seq(record.seq());
  return out;
}

}  // namespace stayaway::ingest
