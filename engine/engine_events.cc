// Events: turning rule transitions into v1::Event records, the alert registry with its
// acknowledgement deadlines, acknowledgements, and the placements and fix references an
// event carries. Part of the engine rules; see engine_state.h.
#include <algorithm>
#include <string>
#include <vector>

#include "engine/alert_id.h"
#include "engine/engine.h"
#include "engine/engine_state.h"
#include "engine/person_track.h"
#include "engine/rule_tracker.h"
#include "proto/stayaway.pb.h"

namespace stayaway::engine {
namespace {

using v1::Event;
// The state's structs (engine_state.h); the rules below use them unqualified.
using internal::AlertRecord;
using internal::OrderState;
using internal::RuleSlot;

v1::PositionReport::Basis ToBasis(PlacementBasis basis) {
  switch (basis) {
    case PlacementBasis::kFix:
      return v1::PositionReport::fix;
    case PlacementBasis::kInterpolated:
      return v1::PositionReport::interpolated;
    case PlacementBasis::kExtrapolated:
      return v1::PositionReport::extrapolated;
    case PlacementBasis::kAtRest:
      return v1::PositionReport::at_rest;
  }
  return v1::PositionReport::basis_unspecified;
}

Event::Transition ToTransition(TransitionKind kind) {
  switch (kind) {
    case TransitionKind::kOpened:
      return Event::opened;
    case TransitionKind::kEscalated:
      return Event::escalated;
    case TransitionKind::kUpdated:
      return Event::updated;
    case TransitionKind::kDowngraded:
      return Event::downgraded;
    case TransitionKind::kClosed:
      return Event::closed;
  }
  return Event::transition_unspecified;
}

Event::DowngradeReason ToDowngradeReason(DowngradeReason reason) {
  switch (reason) {
    case DowngradeReason::kNotBorneOut:
      return Event::not_borne_out;
    case DowngradeReason::kEased:
      return Event::eased;
    case DowngradeReason::kNone:
      break;
  }
  return Event::downgrade_reason_unspecified;
}

}  // namespace

void EngineState::Evaluate(Lane& lane, uint32_t order_index, uint32_t slot_index,
                           const RuleEvaluation& eval, const Debounce& warning,
                           const Debounce& violation, const EventFiller& fill,
                           std::vector<Event>* events) {
  lane.transitions.clear();
  orders_[order_index].slots[slot_index].tracker.Apply(eval, warning, violation,
                                                       settings_.update_step_m, &lane.transitions);
  if (!lane.transitions.empty()) {
    EmitTransitions(lane, order_index, slot_index, lane.transitions, fill, events);
  }
}

void EngineState::EmitTransitions(Lane& lane, uint32_t order_index, uint32_t slot_index,
                                  const std::vector<RuleTransition>& transitions,
                                  const EventFiller& fill, std::vector<Event>* events) {
  const OrderState& order = orders_[order_index];
  const RuleSlot& slot = order.slots[slot_index];
  const bool proximity = slot.key.rfind("proximity:", 0) == 0;
  const bool zone = slot.kind == Event::kind_unspecified && !proximity;
  for (const RuleTransition& tr : transitions) {
    Event& e = events->emplace_back();
    e.set_alert_id(MakeAlertId(order.id, slot.key, tr.alert_number));
    e.set_order_id(order.id);
    e.set_order_version(order.version);
    if (proximity) {
      e.set_kind(IsViolation(tr.level) ? Event::proximity_violation : Event::proximity_warning);
    } else if (zone) {
      const bool exclusion = slot.key.rfind("zone:global:", 0) == 0 ||
                             std::any_of(order.zones.begin(), order.zones.end(), [&](uint32_t z) {
                               return zones_[z].rule_key == slot.key && zones_[z].zone.exclusion;
                             });
      e.set_kind(exclusion ? Event::exclusion_zone : Event::inclusion_zone);
    } else {
      e.set_kind(slot.kind);
    }
    e.set_transition(ToTransition(tr.kind));
    if (tr.kind == TransitionKind::kDowngraded)
      e.set_downgrade_reason(ToDowngradeReason(tr.reason));
    if (proximity || zone) {
      e.set_certainty(IsConfirmed(tr.level) ? Event::confirmed : Event::possible);
    }
    MsToTimestamp(tr.event_time, e.mutable_time());
    MsToTimestamp(lane.now, e.mutable_detected_at());
    e.set_late(tr.out_of_order || lane.now - tr.event_time > settings_.late_after_ms);
    e.set_rule(slot.key);
    // A close placed at the present describes the present, not the late fix.
    if (!tr.at_newest_clear) fill(&e);
    TrackAlert(lane, e, order_index);
  }
}

TimeMs EngineState::AckDeadline(const Event& event) const {
  const auto kind = static_cast<size_t>(event.kind());
  if (kind >= EngineSettings::kKinds) return 0;
  const bool possible = event.has_certainty() && event.certainty() == Event::possible;
  return possible ? settings_.ack_deadline_possible_ms[kind]
                  : settings_.ack_deadline_confirmed_ms[kind];
}

// Keeps the alert registry in step with an emitted transition.
void EngineState::TrackAlert(Lane& lane, const Event& event, uint32_t order_index) {
  AlertRecord& alert = AlertFor(lane, event.alert_id());
  const TimeMs detected = TimestampToMs(event.detected_at());
  const TimeMs window = AckDeadline(event);
  const TimeMs deadline = window == 0 ? 0 : detected + window;
  switch (event.transition()) {
    case Event::opened:
      alert.order = order_index;
      alert.rule = event.rule();
      alert.deadline_ms = deadline;
      break;
    case Event::escalated:
      if (deadline == 0) break;
      if (alert.acked || alert.overdue_sent) {
        // The operator answered (or was reported late for) a lower level: the new one is
        // news nobody has answered yet.
        alert.acked = false;
        alert.overdue_sent = false;
        alert.deadline_ms = deadline;
      } else if (alert.deadline_ms == 0 || deadline < alert.deadline_ms) {
        alert.deadline_ms = deadline;
      }
      break;
    default:
      break;
  }
  alert.kind = event.kind();
  alert.has_certainty = event.has_certainty();
  if (event.has_certainty()) alert.certainty = event.certainty();
  if (!alert.acked && !alert.overdue_sent && alert.deadline_ms != 0) {
    ArmDeadline(lane, event.alert_id());
  }
}

Event& EngineState::AddAlertEvent(const std::string& alert_id, const AlertRecord& alert,
                                  Event::Transition transition, TimeMs time,
                                  std::vector<Event>* events) {
  const OrderState& order = orders_[alert.order];
  Event& e = events->emplace_back();
  e.set_alert_id(alert_id);
  e.set_order_id(order.id);
  e.set_order_version(order.version);
  e.set_kind(alert.kind);
  e.set_transition(transition);
  if (alert.has_certainty) e.set_certainty(alert.certainty);
  MsToTimestamp(time, e.mutable_time());
  MsToTimestamp(now_, e.mutable_detected_at());
  e.set_late(now_ - time > settings_.late_after_ms);
  e.set_rule(alert.rule);
  return e;
}

Status EngineState::ApplyAck(const v1::AlertAck& ack, std::vector<Event>* events) {
  if (ack.by().empty()) return InvalidArgument("ack has no `by` (who acknowledged)");
  if (!ack.has_time()) return InvalidArgument("ack has no time");
  auto found = alerts_.find(ack.alert_id());
  if (found == alerts_.end()) return NotFound("alert " + ack.alert_id() + " is unknown");
  const TimeMs t = TimestampToMs(ack.time());
  now_ = std::max(now_, t);
  AlertRecord& alert = found->second;
  alert.acked = true;
  alert.awaiting_ack = false;
  Event& e = AddAlertEvent(found->first, alert, Event::acknowledged, t, events);
  e.set_ack_by(ack.by());
  e.set_ack_note(ack.note());
  if (!ack.credential().empty()) e.set_ack_credential(ack.credential());
  e.set_late(false);  // an operator action is never late: it happens when it is recorded
  return Status::Ok();
}

Status EngineState::ApplyResolve(const v1::AlertResolve& resolve, std::vector<Event>* events) {
  if (resolve.by().empty()) return InvalidArgument("resolve has no `by` (who resolved)");
  if (!resolve.has_time()) return InvalidArgument("resolve has no time");
  if (resolve.disposition() == v1::AlertResolve::disposition_unspecified ||
      !v1::AlertResolve::Disposition_IsValid(resolve.disposition())) {
    return InvalidArgument(
        "resolve needs a disposition (false_alarm, patrol_dispatched, "
        "victim_contacted, police_notified, device_fault or other)");
  }
  auto found = alerts_.find(resolve.alert_id());
  if (found == alerts_.end()) return NotFound("alert " + resolve.alert_id() + " is unknown");
  AlertRecord& alert = found->second;
  if (alert.resolved) {
    return FailedPrecondition("alert " + resolve.alert_id() + " is already resolved");
  }
  const TimeMs t = TimestampToMs(resolve.time());
  now_ = std::max(now_, t);
  alert.resolved = true;
  alert.acked = true;  // a resolution answers the alert: no deadline runs on
  alert.awaiting_ack = false;
  Event& e = AddAlertEvent(found->first, alert, Event::resolved, t, events);
  e.set_ack_by(resolve.by());
  e.set_ack_note(resolve.note());
  if (!resolve.credential().empty()) e.set_ack_credential(resolve.credential());
  e.set_disposition(resolve.disposition());
  e.set_late(false);  // an operator action happens when it is recorded
  // The alert ends: if it is its rule's open alert, the rule closes it (and stays quiet
  // while the condition holds: rule_tracker.h).
  OrderState& order = orders_[alert.order];
  RuleSlot* slot = order.FindKey(alert.rule);
  if (slot != nullptr && slot->tracker.is_open() &&
      MakeAlertId(order.id, slot->key, slot->tracker.alert_number()) == found->first) {
    Lane& lane = SerialLane();
    lane.transitions.clear();
    slot->tracker.Resolve(t, &lane.transitions);
    EmitTransitions(lane, alert.order, static_cast<uint32_t>(slot - order.slots.data()),
                    lane.transitions, internal::kFillNothing, events);
  }
  return Status::Ok();
}

Status EngineState::ApplyReceipt(const v1::AlertReceipt& receipt, std::vector<Event>* events) {
  if (receipt.person().empty()) return InvalidArgument("receipt has no person");
  if (!receipt.has_time()) return InvalidArgument("receipt has no time");
  if (receipt.event_seq() == 0) return InvalidArgument("receipt has no event_seq");
  auto found = alerts_.find(receipt.alert_id());
  if (found == alerts_.end()) return NotFound("alert " + receipt.alert_id() + " is unknown");
  AlertRecord& alert = found->second;
  const v1::Order terms = orders_[alert.order].Terms();
  const bool protected_by_order =
      std::any_of(terms.protected_().begin(), terms.protected_().end(),
                  [&](const v1::Party& party) { return party.id() == receipt.person(); });
  if (!protected_by_order) {
    return InvalidArgument("person " + receipt.person() + " is not protected by order " +
                           terms.id());
  }
  if (!alert.receipts.emplace(receipt.person(), receipt.event_seq()).second) {
    return FailedPrecondition("alert " + receipt.alert_id() + ": event " +
                              std::to_string(receipt.event_seq()) + " already has " +
                              receipt.person() + "'s receipt");
  }
  const TimeMs t = TimestampToMs(receipt.time());
  now_ = std::max(now_, t);
  Event& e = AddAlertEvent(found->first, alert, Event::received, t, events);
  e.set_received_by(receipt.person());
  e.set_received_seq(receipt.event_seq());
  if (receipt.has_shown_at()) *e.mutable_shown_at() = receipt.shown_at();
  if (!receipt.credential().empty()) e.set_ack_credential(receipt.credential());
  e.set_late(false);  // like an operator's action: it happens when it is recorded
  return Status::Ok();
}

void EngineState::FillPlacement(uint32_t person, const Placement& placement,
                                v1::PositionReport* report) const {
  report->set_person(persons_[person].id);
  if (placement.from != nullptr) report->set_device(devices_[placement.from->device].id.str());
  report->set_lat(placement.position.lat_deg);
  report->set_lon(placement.position.lng_deg);
  report->set_accuracy_m(placement.radius_m);
  MsToTimestamp(placement.source_time, report->mutable_time());
  report->set_basis(ToBasis(placement.basis));
  if (placement.basis == PlacementBasis::kAtRest) report->set_rest_fixes(placement.rest_fixes);
}

void EngineState::AddFixRefs(const Placement& placement, Event* event) const {
  for (const TrackFix* f : {placement.from, placement.to}) {
    if (f == nullptr) continue;
    auto* ref = event->add_fixes();
    ref->set_device(devices_[f->device].id.str());
    ref->set_seq(f->seq);
  }
}

}  // namespace stayaway::engine
