// Ticks: advancing the engine clock without a fix: acknowledgement deadlines that pass
// (ack_overdue) and devices that stop reporting (comms_lost). Part of the engine rules;
// see engine_state.h.
#include <algorithm>
#include <functional>
#include <string>
#include <utility>
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

uint32_t EngineState::SecondsFor(TimeMs ms) {
  return static_cast<uint32_t>(std::clamp<TimeMs>(ms, 0, TimeMs{UINT32_MAX} * 1000) / 1000);
}

void EngineState::ScheduleCommsCheck(uint32_t device, TimeMs due_ms) {
  comms_checks_.Add(device, SecondsFor(due_ms));
}

void EngineState::FileFirstCommsCheck(uint32_t device) {
  const TimeMs deadline = devices_[device].last_received + settings_.comms_lost_ms;
  ScheduleCommsCheck(
      device, deadline <= now_ ? deadline : now_ + (deadline - now_) * (device % 1024 + 1) / 1024);
}

void EngineState::PushDeadline(std::pair<const std::string, AlertRecord>& alert) {
  alert.second.awaiting_ack = true;
  deadlines_.push_back(Deadline{alert.second.deadline_ms, &alert});
  std::push_heap(deadlines_.begin(), deadlines_.end(), std::greater<Deadline>());
}

void EngineState::ApplyTick(TimeMs tick_ms, std::vector<Event>* events) {
  now_ = std::max(now_, tick_ms);
  // The alerts whose deadline has passed, reported in alert id order.
  std::vector<std::pair<const std::string, internal::AlertRecord>*> due;
  while (!deadlines_.empty() && deadlines_.front().deadline_ms <= now_) {
    std::pop_heap(deadlines_.begin(), deadlines_.end(), std::greater<Deadline>());
    auto* entry = deadlines_.back().alert;
    deadlines_.pop_back();
    AlertRecord& alert = entry->second;
    // An entry of an earlier wait (answered since, then escalated: its new deadline has an
    // entry of its own), or a second entry of an alert already found due.
    if (!alert.awaiting_ack || alert.deadline_ms > now_) continue;
    alert.awaiting_ack = false;
    // Never so while awaiting (an ack or an overdue report ends the wait): a guard.
    if (alert.acked || alert.overdue_sent || alert.deadline_ms == 0) continue;
    due.push_back(entry);
  }
  std::sort(due.begin(), due.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (auto* entry : due) {
    entry->second.overdue_sent = true;
    AddAlertEvent(entry->first, entry->second, Event::ack_overdue, entry->second.deadline_ms,
                  events);
  }
  // The devices whose check is due; those that lost communications go in index order.
  std::vector<uint32_t> lost;
  std::vector<uint32_t> looked_at;
  comms_checks_.TakeDue(SecondsFor(now_), &looked_at);
  const size_t filed = looked_at.size();
  looked_at.insert(looked_at.end(), unfiled_devices_.begin(), unfiled_devices_.end());
  std::vector<uint32_t>().swap(unfiled_devices_);  // a million registered at once: not kept
  for (size_t i = 0; i < looked_at.size(); ++i) {
    const uint32_t d = looked_at[i];
    DeviceState& device = devices_[d];
    if (device.comms_lost) continue;  // the fix that restores it files it again
    if (device.last_received == kNever) {
      device.last_received = now_;  // never heard: count from the first tick
    } else if (now_ - device.last_received >= settings_.comms_lost_ms) {
      lost.push_back(d);
      continue;
    }
    if (i < filed) {
      ScheduleCommsCheck(d, device.last_received + settings_.comms_lost_ms);
    } else {
      FileFirstCommsCheck(d);
    }
  }
  std::sort(lost.begin(), lost.end());
  for (const uint32_t d : lost) {
    DeviceState& device = devices_[d];
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
