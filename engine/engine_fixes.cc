// Fixes: validating and applying a device's position fix (alone or in a batch), the
// implausible-jump check, and the rules a fix drives: device signals, proximity between
// the parties of an order, zones and location unknown. Part of the engine rules; see
// engine_state.h.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/number_text.h"
#include "engine/compiled_zone.h"
#include "engine/engine.h"
#include "engine/engine_rules_internal.h"
#include "engine/engine_state.h"
#include "engine/order_validation.h"
#include "engine/person_track.h"
#include "engine/replay_window.h"
#include "engine/rule_tracker.h"
#include "engine/seq_set.h"
#include "geo/geodesic.h"
#include "geo/zone_index.h"
#include "proto/stayaway.pb.h"

namespace stayaway::engine {
namespace {

using v1::Event;
using v1::Fix;
// The state's structs (engine_state.h); the rules below use them unqualified.
using internal::DeviceState;
using internal::kNever;
using internal::kNoSlot;
using internal::Membership;
using internal::OrderState;
using internal::PersonState;
using internal::Role;
using internal::RuleSlot;
using internal::ZoneEntry;
// Shared with the other rule files (engine_rules_internal.h).
using internal::kImmediate;
using internal::kMaxFixAgeMs;
using internal::SeqForgetBefore;

// Reported speeds beyond this are refused as absurd (no tracked person flies).
constexpr double kMaxReportedSpeedMps = 500;

// Flag rules that follow a fix flag: open on a flagged fix, close on an unflagged one.
struct FlagRule {
  Fix::Flag flag;
  Event::Kind kind;
};
constexpr FlagRule kFlagRules[] = {
    {Fix::strap_open, Event::strap_tamper},
    {Fix::case_open, Event::case_tamper},
    {Fix::body_contact_lost, Event::body_contact_lost},
    {Fix::jamming_suspected, Event::jamming},
};

uint32_t FlagBit(Fix::Flag flag) { return 1u << static_cast<unsigned>(flag); }

// The stored fix a placement rests on, as corroboration counts it: the fix itself, the fix
// it was extrapolated from, or (interpolated) the nearer of the two bracketing fixes.
FixKey EvidenceOf(const Placement& placement) {
  const TrackFix* fix = placement.from;
  if (placement.basis == PlacementBasis::kInterpolated && placement.to != nullptr &&
      fix != nullptr &&
      std::llabs(placement.to->time - placement.source_time) <
          std::llabs(fix->time - placement.source_time)) {
    fix = placement.to;
  }
  return fix == nullptr ? FixKey() : FixKey{fix->device, fix->seq, fix->time};
}

}  // namespace

Status EngineState::ValidateFix(const Fix& fix, TimeMs t, TimeMs received) const {
  const geo::LatLng p{fix.lat(), fix.lon()};
  if (fix.no_position()) {
    // Nothing to check of a position that is not there.
  } else if (!p.IsValid()) {
    return InvalidArgument("position lat " + NumberText(fix.lat()) + " lon " +
                           NumberText(fix.lon()) +
                           " is outside [-90, 90] x [-180, 180] or not a number");
  }
  if (!fix.no_position() && (!std::isfinite(fix.accuracy_m()) || fix.accuracy_m() < 0 ||
                             fix.accuracy_m() > settings_.max_accuracy_m)) {
    return InvalidArgument("accuracy_m " + NumberText(fix.accuracy_m()) + " is outside [0, " +
                           NumberText(settings_.max_accuracy_m) + "]");
  }
  if (fix.has_speed_mps() && (!std::isfinite(fix.speed_mps()) || fix.speed_mps() < 0 ||
                              fix.speed_mps() > kMaxReportedSpeedMps)) {
    return InvalidArgument("speed_mps " + NumberText(fix.speed_mps()) + " is outside [0, 500]");
  }
  if (fix.has_heading_deg() &&
      (!std::isfinite(fix.heading_deg()) || fix.heading_deg() < 0 || fix.heading_deg() >= 360)) {
    return InvalidArgument("heading_deg " + NumberText(fix.heading_deg()) + " is outside [0, 360)");
  }
  if (fix.has_battery_pct() &&
      (!std::isfinite(fix.battery_pct()) || fix.battery_pct() < 0 || fix.battery_pct() > 100)) {
    return InvalidArgument("battery_pct " + NumberText(fix.battery_pct()) + " is outside [0, 100]");
  }
  if (t < received && received - t > kMaxFixAgeMs) {
    return InvalidArgument("time " + FormatRfc3339(t) + " is more than 30 days before received " +
                           FormatRfc3339(received));
  }
  if (t > received && t - received > settings_.max_future_ms) {
    return InvalidArgument("time " + FormatRfc3339(t) + " is more than " +
                           std::to_string(settings_.max_future_ms / 1000) + " s after received " +
                           FormatRfc3339(received));
  }
  return Status::Ok();
}

// True when going from a to b needs a speed above the plausible limit, after both
// accuracy radii. The chord under-estimates distance, so this errs towards plausible.
bool EngineState::Implausible(const TrackFix& a, const geo::Ecef& a_ecef, const TrackFix& b,
                              const geo::Ecef& b_ecef) const {
  return MovesImplausiblyFast(a_ecef, a.accuracy_m, a.time, b_ecef, b.accuracy_m, b.time,
                              settings_.max_plausible_speed_mps);
}

bool EngineState::CheckSuspect(PersonState& person, const TrackFix& fix, const geo::Ecef& fix_ecef,
                               bool may_reanchor) {
  const TrackFix* neighbour = person.track.Neighbour(fix.time);
  std::optional<TrackFix>* last_suspect = person.rare ? &person.rare->last_suspect : nullptr;
  if (neighbour == nullptr ||
      !Implausible(*neighbour, person.track.EcefOf(*neighbour), fix, fix_ecef)) {
    if (last_suspect) last_suspect->reset();
    return false;
  }
  if (may_reanchor && last_suspect && last_suspect->has_value() &&
      (*last_suspect)->time <= fix.time &&
      !Implausible(**last_suspect, geo::ToEcef((*last_suspect)->position), fix, fix_ecef)) {
    // Two consistent fixes outvote the old track: the person really is over here.
    person.track.Insert(**last_suspect, settings_.history_fixes);
    last_suspect->reset();
    return false;
  }
  person.MutableRare().last_suspect = fix;
  return true;
}

TimeMs EngineState::NewestOf(uint32_t person) const {
  const TrackFix* newest = persons_[person].track.Newest();
  return newest == nullptr ? kNever : newest->time;
}

Status EngineState::CheckFixForm(const Fix& fix) const {
  if (fix.device().empty()) return InvalidArgument("fix has no device");
  if (!fix.has_time()) return InvalidArgument("fix has no time");
  const TimeMs t = TimestampToMs(fix.time());
  return ValidateFix(fix, t, fix.has_received() ? TimestampToMs(fix.received()) : t);
}

Status EngineState::ApplyFix(const Fix& fix, std::vector<Event>* events) {
  AdmittedFix admitted;
  if (Status s = AdmitFix(fix, &admitted); !s.ok()) return s;
  Lane& lane = lanes_[0];
  lane.now = admitted.now;
  EvaluateFix(lane, fix, admitted, events);
  return Status::Ok();
}

Status EngineState::AdmitFix(const Fix& fix, AdmittedFix* admitted) {
  if (Status s = CheckFixForm(fix); !s.ok()) return s;
  const TimeMs t = TimestampToMs(fix.time());
  const TimeMs received = fix.has_received() ? TimestampToMs(fix.received()) : t;
  const std::optional<uint32_t> found = FindDevice(fix.device());
  if (!found) return NotFound("device " + fix.device() + " is not in any order");
  DeviceState& device = devices_[*found];
  // A signed fix far behind the device's newest is a capture sent again (replay_window.h).
  if (!fix.mac().empty()) {
    if (Status fresh = CheckReplayWindow(device.seqs, fix.seq()); !fresh.ok()) {
      return FailedPrecondition("device " + fix.device() + ": " + fresh.message());
    }
  }
  switch (device.seqs.Insert(fix.seq(), t, SeqForgetBefore(std::max(now_, received)))) {
    case SeqSet::Seen::kNew:
      break;
    case SeqSet::Seen::kApplied:
      return AlreadyExists("device " + fix.device() + " seq " + std::to_string(fix.seq()) +
                           " was already applied");
    case SeqSet::Seen::kClosed:
      return FailedPrecondition(
          "device " + fix.device() + " seq " + std::to_string(fix.seq()) +
          " is stale: its duplicate memory is closed below seq " +
          std::to_string(device.seqs.closed_below()) +
          " (too many gaps in its sequence numbers, or too old), so it cannot tell whether "
          "this one was applied and refuses it");
  }
  now_ = std::max(now_, received);
  admitted->device = *found;
  admitted->received = received;
  admitted->now = now_;
  return Status::Ok();
}

void EngineState::EvaluateFix(Lane& lane, const Fix& fix, const AdmittedFix& admitted,
                              std::vector<Event>* events) {
  const TimeMs t = TimestampToMs(fix.time());
  const TimeMs received = admitted.received;
  DeviceState& device = devices_[admitted.device];
  FixContext fx;
  fx.fix = &fix;
  fx.device = admitted.device;
  fx.person = device.person;
  fx.received = received;
  fx.track_fix.time = t;
  fx.track_fix.position = {fix.lat(), fix.lon()};
  fx.track_fix.accuracy_m = fix.accuracy_m();
  fx.track_fix.speed_mps = fix.has_speed_mps() ? static_cast<float>(fix.speed_mps()) : -1.0f;
  fx.track_fix.seq = fix.seq();
  fx.track_fix.device = admitted.device;
  fx.flags = 0;
  for (int flag : fix.flags()) {
    if (flag > 0 && flag < 32) fx.flags |= 1u << static_cast<unsigned>(flag);
  }
  fx.device_newest_before = device.newest_time;
  fx.person_newest_before = NewestOf(device.person);

  const bool comms_restored = device.comms_lost;
  device.comms_lost = false;
  device.last_received = std::max(device.last_received, received);
  if (comms_restored) {
    // Back on the ticks' schedule (engine_state.h, comms_checks_): a shared table.
    if (lane.parallel) {
      lane.restored.push_back(admitted.device);
    } else {
      ScheduleCommsCheck(admitted.device, device.last_received + settings_.comms_lost_ms);
    }
  }

  PersonState& person = persons_[device.person];
  if (fix.no_position()) {
    // Only the device's own signals: an SOS must get through even without a position.
    fx.suspect = false;
    fx.outlier = false;
    for (const Membership& m : person.orders) {
      DeviceRules(lane, m.order, fx, comms_restored, std::nullopt, events);
    }
    if (t >= device.newest_time) {
      device.newest_time = t;
      device.newest_flags = fx.flags;
      device.newest_battery_pct = fix.has_battery_pct() ? fix.battery_pct() : -1;
    }
    return;
  }
  fx.ecef = geo::ToEcef(fx.track_fix.position);
  // The gate first: a fix it rejects must not re-anchor the track either (an outlier is
  // never placed).
  const bool outlier = person.gate.JudgeAndRemember(
      GateFix{t, fx.ecef, static_cast<float>(fix.accuracy_m()), fx.track_fix.speed_mps, false},
      settings_.max_plausible_speed_mps, settings_.max_plausible_speed_mps);
  fx.suspect = CheckSuspect(person, fx.track_fix, fx.ecef, /*may_reanchor=*/!outlier);
  fx.outlier = outlier && !fx.suspect;
  const bool usable = !fx.suspect && !fx.outlier;

  // location_lost follows the live sequence of the device's fixes only.
  std::optional<bool> location_lost;
  if (t >= device.newest_time) {
    const bool coarse = fix.accuracy_m() > settings_.coarse_accuracy_m || fix.source() == Fix::cell;
    if (!coarse) {
      device.coarse_since = kNever;
    } else if (device.coarse_since == kNever) {
      device.coarse_since = t;
    }
    location_lost = coarse && t - device.coarse_since >= settings_.location_lost_ms;
  }
  if (usable) person.track.Insert(fx.track_fix, fx.ecef, settings_.history_fixes);

  for (const Membership& m : person.orders) {
    DeviceRules(lane, m.order, fx, comms_restored, location_lost, events);
  }
  if (usable) {
    lane.zone_candidates.clear();
    if (std::any_of(person.orders.begin(), person.orders.end(),
                    [](const Membership& m) { return m.role == Role::kSupervised; })) {
      zone_tree_.Query(geo::BoxAround(fx.track_fix.position, fix.accuracy_m()),
                       &lane.zone_candidates);
    }
    for (const Membership& m : person.orders) {
      OrderRules(lane, m.order, m.role, fx, lane.zone_candidates, events);
    }
  }
  if (t >= device.newest_time) {
    device.newest_time = t;
    device.newest_flags = fx.flags;
    device.newest_battery_pct = fix.has_battery_pct() ? fix.battery_pct() : -1;
  }
}

void EngineState::DeviceRules(Lane& lane, uint32_t order_index, const FixContext& fx, bool comms_restored,
                              std::optional<bool> location_lost, std::vector<Event>* events) {
  OrderState& order = orders_[order_index];
  const DeviceState& device = devices_[fx.device];
  const TimeMs t = fx.track_fix.time;
  const bool in_force = order.InForce(t);
  const bool out_of_order = t + settings_.late_after_ms < fx.device_newest_before;
  const bool supervised = fx.person == order.supervised;

  auto fill = [&](Event* e) {
    e->set_device(device.id.str());
    e->set_person(persons_[fx.person].id);
    Placement own;
    own.position = fx.track_fix.position;
    own.radius_m = fx.track_fix.accuracy_m;
    own.source_time = t;
    own.from = &fx.track_fix;
    if (!fx.fix->no_position()) {
      FillPlacement(fx.person, own, supervised ? e->mutable_supervised() : e->mutable_protected_());
    }
    auto* ref = e->add_fixes();
    ref->set_device(device.id.str());
    ref->set_seq(fx.track_fix.seq);
  };
  // Evaluates one device rule; `present_clear` is the rule at the device's newest fix.
  auto rule = [&](Event::Kind kind, bool qualifies, bool clear, bool present_clear,
                  bool update_on_repeat, TimeMs event_time) {
    if (!in_force) {
      qualifies = false;
      clear = true;
    }
    RuleSlot* slot = order.Find(kind, fx.device);
    if (slot == nullptr && !qualifies) return;
    uint32_t index = slot == nullptr
                         ? order.Add(std::string(Event::Kind_Name(kind)) + ":" + device.id.str(),
                                     kind, fx.device)
                         : static_cast<uint32_t>(slot - order.slots.data());
    RuleEvaluation eval;
    eval.event_time = event_time;
    eval.level = qualifies ? Level::kViolationConfirmed : Level::kNone;
    eval.clear = clear;
    eval.update_on_repeat = update_on_repeat;
    eval.out_of_order = out_of_order && event_time == t;
    eval.may_close = event_time != t || t >= fx.device_newest_before;
    eval.present_clear = present_clear;
    eval.present_time = fx.device_newest_before;
    eval.trigger = {fx.device, fx.track_fix.seq, fx.track_fix.time};
    Evaluate(lane, order_index, index, eval, kImmediate, kImmediate, fill, events);
  };

  for (const FlagRule& flag_rule : kFlagRules) {
    const bool flagged = (fx.flags & FlagBit(flag_rule.flag)) != 0;
    rule(flag_rule.kind, flagged, !flagged, (device.newest_flags & FlagBit(flag_rule.flag)) == 0,
         false, t);
  }
  const bool sos = (fx.flags & FlagBit(Fix::sos)) != 0;
  rule(Event::sos, sos, false, false, true, t);
  if (fx.fix->has_battery_pct()) {
    const double pct = fx.fix->battery_pct();
    const double clear_pct = settings_.low_battery_pct + settings_.battery_clear_margin_pct;
    rule(Event::low_battery, pct < settings_.low_battery_pct, pct >= clear_pct,
         device.newest_battery_pct < 0 || device.newest_battery_pct >= clear_pct, false, t);
  }
  if (location_lost.has_value()) {
    rule(Event::location_lost, *location_lost, device.coarse_since == kNever, true, false, t);
  }
  rule(Event::implausible_movement, fx.suspect, !fx.suspect, true, false, t);
  if (comms_restored) rule(Event::comms_lost, false, true, true, false, fx.received);
}

void EngineState::OrderRules(Lane& lane, uint32_t order_index, Role role, const FixContext& fx,
                             const std::vector<uint32_t>& zone_candidates,
                             std::vector<Event>* events) {
  OrderState& order = orders_[order_index];
  const TimeMs t = fx.track_fix.time;
  if (!order.InForce(t)) {
    // The order does not apply at t: whatever was open or pending ends here.
    for (uint32_t s = 0; s < order.slots.size(); ++s) {
      const RuleSlot& slot = order.slots[s];
      const bool order_rule = slot.kind == Event::kind_unspecified ||
                              slot.kind == Event::protected_location_unknown ||
                              slot.kind == Event::supervised_location_unknown;
      if (!order_rule || slot.tracker.is_idle()) continue;
      RuleEvaluation eval;
      eval.event_time = t;
      Evaluate(lane, order_index, s, eval, kImmediate, kImmediate, internal::kFillNothing, events);
    }
    return;
  }
  // The person this fix comes from, placed at t: the fix itself, or (at rest) the median
  // of their rest run, which this fix has just joined.
  Placement own;
  own.position = fx.track_fix.position;
  own.radius_m = fx.track_fix.accuracy_m;
  own.basis = PlacementBasis::kFix;
  own.source_time = t;
  own.from = &fx.track_fix;
  // Only a fix reporting rest can belong to a rest run (person_track.h).
  const bool may_rest = fx.track_fix.speed_mps >= 0 && fx.track_fix.speed_mps <= kRestSpeedMps;
  if (std::optional<Placement> rest =
          may_rest ? persons_[fx.person].track.PlaceAtRest(t, settings_) : std::nullopt) {
    own = *rest;
  }

  // Proximity: every pair this fix belongs to, placed at t.
  struct Unknown {
    Event::Kind kind;
    uint32_t person;
    bool unknown;
  };
  // Orders name a handful of protected persons; more than this is refused at ApplyOrder.
  std::array<Unknown, kMaxProtectedPersons> unknowns;
  size_t unknown_count = 0;
  for (size_t i = 0; i < order.protected_persons.size(); ++i) {
    const uint32_t protected_person = order.protected_persons[i];
    if (role == Role::kProtected && protected_person != fx.person) continue;
    const uint32_t other = role == Role::kSupervised ? protected_person : order.supervised;
    std::optional<Placement> placed = persons_[other].track.PlaceAt(t, settings_);
    const Event::Kind unknown_kind = role == Role::kSupervised ? Event::protected_location_unknown
                                                               : Event::supervised_location_unknown;
    bool unknown = !placed.has_value();
    PersonState& sought = persons_[other];
    if (unknown && sought.track.empty()) {
      // Never heard from: the same patience as for a person who went silent.
      const TimeMs first = sought.first_sought();
      if (first == kNever || t < first) sought.MutableRare().first_sought = t;
      unknown = t - sought.first_sought() >= settings_.counterpart_stale_ms;
    }
    unknowns[unknown_count++] = {unknown_kind, other, unknown};
    if (!placed) continue;
    if (role == Role::kSupervised) {
      ProximityRule(lane, order_index, i, fx, own, *placed, events);
    } else {
      ProximityRule(lane, order_index, i, fx, *placed, own, events);
    }
  }

  // Zones apply to the supervised person only.
  if (role == Role::kSupervised) {
    std::vector<uint32_t>& zones = lane.order_zones;
    zones.clear();
    for (uint32_t z : zone_candidates) {
      const ZoneEntry& entry = zones_[z];
      if (entry.live && (entry.owner == order_index || entry.owner == -1)) zones.push_back(z);
    }
    for (uint32_t z : order.zones) {
      if (!zones_[z].zone.exclusion) zones.push_back(z);
    }
    // Zones with an open or pending alert are evaluated wherever the person is, so they
    // can close.
    for (const RuleSlot& slot : order.slots) {
      if (slot.kind != Event::kind_unspecified || slot.tracker.is_idle() ||
          slot.key.rfind("zone:", 0) != 0) {
        continue;
      }
      if (slot.key.rfind("zone:global:", 0) == 0) {
        auto g = global_zone_index_.find(slot.key.substr(12));
        if (g != global_zone_index_.end()) zones.push_back(g->second);
      } else {
        for (uint32_t z : order.zones) {
          if (zones_[z].rule_key == slot.key) zones.push_back(z);
        }
      }
    }
    std::sort(zones.begin(), zones.end());
    zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
    for (uint32_t z : zones) ZoneRule(lane, order_index, z, fx, events);
  }

  for (size_t i = 0; i < unknown_count; ++i) {
    LocationUnknownRule(lane, order_index, unknowns[i].kind, unknowns[i].person, fx,
                        unknowns[i].unknown, events);
  }
  // The person this fix comes from is located again, whoever was looking for them.
  LocationUnknownRule(lane, order_index,
                      role == Role::kSupervised ? Event::supervised_location_unknown
                                                : Event::protected_location_unknown,
                      fx.person, fx, false, events);
}

void EngineState::ProximityRule(Lane& lane, uint32_t order_index, size_t pair, const FixContext& fx,
                                const Placement& supervised, const Placement& protected_person,
                                std::vector<Event>* events) {
  OrderState& order = orders_[order_index];
  const double violation_m = order.violation_distance_m;
  const double warning_m = order.warning_distance_m;
  const double outer_m = std::max(violation_m, warning_m);
  const double u = supervised.radius_m + protected_person.radius_m;
  uint32_t slot = order.pair_slots[pair];
  const bool idle = slot == kNoSlot || order.slots[slot].tracker.is_idle();
  // The chord screen: never longer than the geodesic, so a pair it proves clear is clear.
  if (idle) {
    const double clear_m = outer_m + settings_.close_margin_m + u;
    const bool own_is_supervised = fx.person == order.supervised;
    const Placement& placed = own_is_supervised ? protected_person : supervised;
    const uint32_t placed_person =
        own_is_supervised ? order.protected_persons[pair] : order.supervised;
    // Placed at a fix of theirs (mostly their newest, whose ECEF the track keeps) or
    // between two.
    const geo::Ecef other =
        placed.basis == PlacementBasis::kInterpolated || placed.basis == PlacementBasis::kAtRest
            ? geo::ToEcef(placed.position)
            : persons_[placed_person].track.EcefOf(*placed.from);
    const Placement& own = own_is_supervised ? supervised : protected_person;
    const geo::Ecef own_ecef =
        own.basis == PlacementBasis::kFix ? fx.ecef : geo::ToEcef(own.position);
    if (geo::ChordSquaredMeters2(own_ecef, other) >= clear_m * clear_m) return;
  }
  const double d = geo::GeodesicDistanceMeters(supervised.position, protected_person.position);
  const Classification c =
      ClassifyProximity(d, u, violation_m, warning_m, settings_.close_margin_m);
  if (idle && c.level == Level::kNone) return;
  if (slot == kNoSlot) {
    const uint32_t protected_index = order.protected_persons[pair];
    slot =
        order.Add("proximity:" + persons_[order.supervised].id + ":" + persons_[protected_index].id,
                  Event::kind_unspecified, protected_index);
    order.pair_slots[pair] = slot;
  }
  const TimeMs t = fx.track_fix.time;
  const uint32_t other =
      fx.person == order.supervised ? order.protected_persons[pair] : order.supervised;
  RuleEvaluation eval;
  eval.event_time = t;
  eval.level = c.level;
  eval.clear = c.clear;
  eval.distance_m = d;
  const TimeMs newest = std::max(fx.person_newest_before, NewestOf(other));
  eval.out_of_order = t + settings_.late_after_ms < newest;
  eval.may_close = t >= newest;
  if (eval.out_of_order && !order.slots[slot].tracker.is_open() && c.level != Level::kNone) {
    eval.present_time = newest;
    eval.present_clear = PresentProximityClear(order, order.protected_persons[pair]);
  }
  const double lower = std::max(0.0, d - u);
  auto fill = [&](Event* e) {
    FillPlacement(order.supervised, supervised, e->mutable_supervised());
    FillPlacement(order.protected_persons[pair], protected_person, e->mutable_protected_());
    e->set_distance_m(d);
    e->set_distance_lower_m(lower);
    e->set_distance_upper_m(d + u);
    e->set_limit_m(e->kind() == Event::proximity_violation ? violation_m : warning_m);
    AddFixRefs(supervised, e);
    AddFixRefs(protected_person, e);
  };
  const bool own_is_supervised = fx.person == order.supervised;
  eval.trigger = {fx.device, fx.track_fix.seq, fx.track_fix.time};
  eval.trigger_side = own_is_supervised ? 0 : 1;
  eval.trigger_at_rest =
      (own_is_supervised ? supervised : protected_person).basis == PlacementBasis::kAtRest;
  eval.counterpart = EvidenceOf(own_is_supervised ? protected_person : supervised);
  Evaluate(lane, order_index, slot, eval, settings_.proximity_warning,
           settings_.proximity_violation, fill, events);
}

// The pair as it stands at its newest fix: clear of every ring (with margin)?
bool EngineState::PresentProximityClear(const OrderState& order, uint32_t protected_person) const {
  const TrackFix* s = persons_[order.supervised].track.Newest();
  const TrackFix* p = persons_[protected_person].track.Newest();
  if (s == nullptr || p == nullptr) return false;
  const bool supervised_newest = s->time >= p->time;
  const TrackFix* anchor = supervised_newest ? s : p;
  const uint32_t other = supervised_newest ? protected_person : order.supervised;
  std::optional<Placement> placed = persons_[other].track.PlaceAt(anchor->time, settings_);
  if (!placed) return false;
  const double d = geo::GeodesicDistanceMeters(anchor->position, placed->position);
  return ClassifyProximity(d, anchor->accuracy_m + placed->radius_m, order.violation_distance_m,
                           order.warning_distance_m, settings_.close_margin_m)
      .clear;
}

void EngineState::ZoneRule(Lane& lane, uint32_t order_index, uint32_t zone_entry,
                           const FixContext& fx, std::vector<Event>* events) {
  OrderState& order = orders_[order_index];
  const ZoneEntry& entry = zones_[zone_entry];
  // A shelter's shape is shared by every lane (engine_state.h): one at a time.
  std::unique_lock<std::mutex> shape_lock;
  if (lane.parallel && entry.owner < 0) shape_lock = std::unique_lock<std::mutex>(*entry.shape_mu);
  const TimeMs t = fx.track_fix.time;
  const double r = fx.track_fix.accuracy_m;
  geo::ZoneDistance distance;
  const Classification c =
      entry.zone.Classify(fx.track_fix.position, r, t, settings_.close_margin_m, &distance);
  RuleSlot* found = order.FindKey(entry.rule_key);
  if ((found == nullptr || found->tracker.is_idle()) && c.level == Level::kNone) return;
  const uint32_t slot = found == nullptr
                            ? order.Add(entry.rule_key, Event::kind_unspecified, zone_entry)
                            : static_cast<uint32_t>(found - order.slots.data());
  RuleEvaluation eval;
  eval.event_time = t;
  eval.level = c.level;
  eval.clear = c.clear;
  // "Closer" means deeper inside an exclusion zone, further out of an inclusion zone.
  eval.distance_m = entry.zone.exclusion ? distance.signed_m : -distance.signed_m;
  const TimeMs newest = fx.person_newest_before;
  eval.out_of_order = t + settings_.late_after_ms < newest;
  eval.may_close = t >= newest;
  if (eval.out_of_order && !order.slots[slot].tracker.is_open() && c.level != Level::kNone) {
    const TrackFix* present = persons_[fx.person].track.Newest();
    geo::ZoneDistance present_distance;
    eval.present_time = present->time;
    eval.present_clear = entry.zone
                             .Classify(present->position, present->accuracy_m, present->time,
                                       settings_.close_margin_m, &present_distance)
                             .clear;
  }
  const bool applies = entry.zone.AppliesAt(t);
  auto fill = [&](Event* e) {
    Placement own;
    own.position = fx.track_fix.position;
    own.radius_m = r;
    own.source_time = t;
    own.from = &fx.track_fix;
    FillPlacement(fx.person, own, e->mutable_supervised());
    e->set_zone_id(entry.zone.id);
    if (applies) {
      e->set_distance_m(distance.signed_m);
      e->set_distance_lower_m(distance.signed_m - r);
      e->set_distance_upper_m(distance.signed_m + r);
    }
    e->set_limit_m(entry.zone.buffer_m);
    AddFixRefs(own, e);
  };
  eval.trigger = {fx.device, fx.track_fix.seq, fx.track_fix.time};
  const Debounce& debounce =
      entry.zone.exclusion ? settings_.exclusion_zone : settings_.inclusion_zone;
  Evaluate(lane, order_index, slot, eval, debounce, debounce, fill, events);
}

void EngineState::LocationUnknownRule(Lane& lane, uint32_t order_index, Event::Kind kind,
                                      uint32_t person, const FixContext& fx, bool unknown,
                                      std::vector<Event>* events) {
  OrderState& order = orders_[order_index];
  RuleSlot* found = order.Find(kind, person);
  if (found == nullptr && !unknown) return;
  const uint32_t slot =
      found == nullptr
          ? order.Add(std::string(Event::Kind_Name(kind)) + ":" + persons_[person].id, kind, person)
          : static_cast<uint32_t>(found - order.slots.data());
  RuleEvaluation eval;
  eval.event_time = fx.track_fix.time;
  eval.level = unknown ? Level::kViolationConfirmed : Level::kNone;
  eval.clear = !unknown;
  const TimeMs newest = std::max(fx.person_newest_before, NewestOf(person));
  eval.out_of_order = eval.event_time + settings_.late_after_ms < newest;
  eval.may_close = eval.event_time >= newest;
  // A late fix that cannot see the counterpart says nothing about the present.
  eval.present_clear = true;
  eval.present_time = newest;
  eval.trigger = {fx.device, fx.track_fix.seq, fx.track_fix.time};
  auto fill = [&](Event* e) {
    e->set_person(persons_[person].id);
    const TrackFix* last = persons_[person].track.Newest();
    if (last != nullptr) {
      Placement placement;
      placement.position = last->position;
      placement.radius_m = last->accuracy_m;
      placement.basis = PlacementBasis::kFix;
      placement.source_time = last->time;
      placement.from = last;
      FillPlacement(person, placement,
                    kind == Event::protected_location_unknown ? e->mutable_protected_()
                                                              : e->mutable_supervised());
    }
    auto* ref = e->add_fixes();
    ref->set_device(devices_[fx.device].id.str());
    ref->set_seq(fx.track_fix.seq);
  };
  Evaluate(lane, order_index, slot, eval, kImmediate, kImmediate, fill, events);
}

}  // namespace stayaway::engine
