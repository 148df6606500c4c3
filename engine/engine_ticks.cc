// Ticks: advancing the engine clock without a fix: acknowledgement deadlines that pass
// (ack_overdue) and devices that stop reporting (comms_lost). Part of the engine rules;
// see engine_state.h.
#include <algorithm>
#include <vector>

#include "engine/engine.h"
#include "engine/engine_rules_internal.h"
#include "engine/engine_state.h"
#include "engine/person_track.h"
#include "engine/rule_tracker.h"
#include "proto/stayaway.pb.h"

namespace stayaway::engine {
namespace {

using v1::Event;
// The state's structs (engine_state.h); the rules below use them unqualified.
using internal::AlertRecord;
using internal::DeviceState;
using internal::kNever;
using internal::Membership;
using internal::OrderState;
using internal::RuleSlot;
// Shared with the other rule files (engine_rules_internal.h).
using internal::kImmediate;

}  // namespace

void EngineState::ApplyTick(TimeMs tick_ms, std::vector<Event>* events) {
  now_ = std::max(now_, tick_ms);
  for (auto it = unacked_open_.begin(); it != unacked_open_.end();) {
    AlertRecord& alert = alerts_[*it];
    if (alert.acked || alert.overdue_sent || alert.deadline_ms == 0) {
      it = unacked_open_.erase(it);
      continue;
    }
    if (alert.deadline_ms > now_) {
      ++it;
      continue;
    }
    alert.overdue_sent = true;
    AddAlertEvent(*it, alert, Event::ack_overdue, alert.deadline_ms, events);
    it = unacked_open_.erase(it);
  }
  for (uint32_t d = 0; d < devices_.size(); ++d) {
    DeviceState& device = devices_[d];
    if (device.last_received == kNever) {
      device.last_received = now_;  // never heard: count from the first tick
      continue;
    }
    if (device.comms_lost || now_ - device.last_received < settings_.comms_lost_ms) continue;
    device.comms_lost = true;
    const TimeMs since = device.last_received + settings_.comms_lost_ms;
    for (const Membership& m : persons_[device.person].orders) {
      OrderState& order = orders_[m.order];
      if (!order.InForce(since)) continue;
      RuleSlot* found = order.Find(Event::comms_lost, d);
      const uint32_t slot = found == nullptr
                                ? order.Add("comms_lost:" + device.id.str(), Event::comms_lost, d)
                                : static_cast<uint32_t>(found - order.slots.data());
      RuleEvaluation eval;
      eval.event_time = since;
      eval.level = Level::kViolationConfirmed;
      eval.clear = false;
      const bool supervised = device.person == order.supervised;
      auto fill = [&](Event* e) {
        e->set_device(device.id.str());
        e->set_person(persons_[device.person].id);
        const TrackFix* last = persons_[device.person].track.Newest();
        if (last != nullptr) {
          Placement placement;
          placement.position = last->position;
          placement.radius_m = last->accuracy_m;
          placement.source_time = last->time;
          placement.from = last;
          FillPlacement(device.person, placement,
                        supervised ? e->mutable_supervised() : e->mutable_protected_());
        }
      };
      Evaluate(SerialLane(), m.order, slot, eval, kImmediate, kImmediate, fill, events);
    }
  }
}

}  // namespace stayaway::engine
