#include "engine/engine.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/number_text.h"
#include "engine/alert_id.h"
#include "engine/compiled_zone.h"
#include "engine/engine_state.h"
#include "engine/id_index.h"
#include "engine/order_validation.h"
#include "engine/person_track.h"
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
using internal::AlertRecord;
using internal::DeviceState;
using internal::kForever;
using internal::kNever;
using internal::kNoSlot;
using internal::Membership;
using internal::OrderState;
using internal::PersonState;
using internal::Role;
using internal::RuleSlot;
using internal::ZoneEntry;

// Device signals and location-unknown alerts are never debounced.
constexpr Debounce kImmediate{1, 0};
// Reported speeds beyond this are refused as absurd (no tracked person flies).
constexpr double kMaxReportedSpeedMps = 500;
// A fix older than this when it arrives is refused: devices buffer through coverage gaps
// for hours or days, never for months; older is a broken clock (1970, GPS week rollover).
constexpr TimeMs kMaxFixAgeMs = 30LL * 86'400'000;

// The horizon of the duplicate memory at `now`: a fix older than this is refused, so a
// range whose fixes are all older can be closed (seq_set.h). Saturates at kNever.
TimeMs SeqForgetBefore(TimeMs now) {
  return now < internal::kNever + kMaxFixAgeMs ? internal::kNever : now - kMaxFixAgeMs;
}

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

v1::PositionReport::Basis ToBasis(PlacementBasis basis) {
  switch (basis) {
    case PlacementBasis::kFix: return v1::PositionReport::fix;
    case PlacementBasis::kInterpolated: return v1::PositionReport::interpolated;
    case PlacementBasis::kExtrapolated: return v1::PositionReport::extrapolated;
  }
  return v1::PositionReport::basis_unspecified;
}

Event::Transition ToTransition(TransitionKind kind) {
  switch (kind) {
    case TransitionKind::kOpened: return Event::opened;
    case TransitionKind::kEscalated: return Event::escalated;
    case TransitionKind::kUpdated: return Event::updated;
    case TransitionKind::kClosed: return Event::closed;
  }
  return Event::transition_unspecified;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Orders and zones
// ---------------------------------------------------------------------------------------

uint32_t EngineState::PersonIndex(const std::string& id) {
  auto [it, inserted] = person_index_.try_emplace(id, static_cast<uint32_t>(persons_.size()));
  if (inserted) {
    persons_.emplace_back();
    persons_.back().id = id;
  }
  return it->second;
}

Status EngineState::ApplyOrder(const v1::Order& order, std::vector<Event>* events) {
  if (Status s = ValidateOrder(order); !s.ok()) return s;
  auto existing = order_index_.find(order.id());
  if (existing != order_index_.end()) {
    const uint32_t current = orders_[existing->second].terms.version();
    if (order.version() <= current) {
      return AlreadyExists("order " + order.id() + ": version " +
                           std::to_string(order.version()) + " is not above the current " +
                           std::to_string(current));
    }
  }
  std::vector<CompiledZone> compiled;
  for (int i = 0; i < order.zones_size(); ++i) {
    const v1::Zone& zone = order.zones(i);
    auto c = CompileZone(zone, "order " + order.id() + ": zones[" + std::to_string(i) + "]");
    if (!c.ok()) return c.status();
    for (const CompiledZone& other : compiled) {
      if (other.id == c->id) {
        return InvalidArgument("order " + order.id() + ": zone id " + c->id + " repeats");
      }
    }
    compiled.push_back(std::move(c).value());
  }
  // A device belongs to one person, whatever order names it.
  auto check_devices = [&](const v1::Party& party) -> Status {
    for (const std::string& device : party.devices()) {
      const std::optional<uint32_t> d = FindDevice(device);
      if (d && persons_[devices_[*d].person].id != party.id()) {
        return InvalidArgument("order " + order.id() + ": device " + device +
                               " already belongs to person " + persons_[devices_[*d].person].id);
      }
    }
    return Status::Ok();
  };
  if (Status s = check_devices(order.supervised()); !s.ok()) return s;
  for (const v1::Party& party : order.protected_()) {
    if (Status s = check_devices(party); !s.ok()) return s;
  }

  // Everything is valid: from here on nothing fails.
  uint32_t index;
  if (existing == order_index_.end()) {
    index = static_cast<uint32_t>(orders_.size());
    orders_.emplace_back();
    order_index_.emplace(order.id(), index);
  } else {
    index = existing->second;
    OrderState& old = orders_[index];
    auto drop_membership = [&](uint32_t person) {
      auto& list = persons_[person].orders;
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const Membership& m) { return m.order == index; }),
                 list.end());
    };
    drop_membership(old.supervised);
    for (uint32_t p : old.protected_persons) drop_membership(p);
    for (uint32_t z : old.zones) {
      ZoneEntry& entry = zones_[z];
      if (entry.indexed) zone_tree_.Remove(entry.indexed_box, z);
      entry.indexed = false;
      entry.live = false;
    }
  }
  OrderState& state = orders_[index];
  state.terms = order;
  state.terms.clear_zones();  // compiled below; the terms keep ids and versions
  state.active = order.state() == v1::Order::active || order.state() == v1::Order::state_unspecified;
  state.valid_from = order.has_valid_from() ? TimestampToMs(order.valid_from()) : kNever;
  state.valid_until = order.has_valid_until() ? TimestampToMs(order.valid_until()) : kForever;

  auto add_party = [&](const v1::Party& party, Role role) {
    const uint32_t person = PersonIndex(party.id());
    auto& list = persons_[person].orders;
    list.insert(std::upper_bound(list.begin(), list.end(), index,
                                 [](uint32_t o, const Membership& m) { return o < m.order; }),
                Membership{index, role});
    for (const std::string& device : party.devices()) {
      if (device_index_.Insert(device, static_cast<uint32_t>(devices_.size()), DeviceIdAt())
              .second) {
        devices_.emplace_back();
        devices_.back().id = device;
        devices_.back().person = person;
      }
    }
    return person;
  };
  state.supervised = add_party(order.supervised(), Role::kSupervised);
  state.protected_persons.clear();
  for (const v1::Party& party : order.protected_()) {
    state.protected_persons.push_back(add_party(party, Role::kProtected));
  }
  state.pair_slots.assign(state.protected_persons.size(), kNoSlot);
  for (size_t i = 0; i < state.protected_persons.size(); ++i) {
    const std::string key =
        "proximity:" + order.supervised().id() + ":" + order.protected_(static_cast<int>(i)).id();
    for (uint32_t s = 0; s < state.slots.size(); ++s) {
      if (state.slots[s].key == key) state.pair_slots[i] = s;
    }
  }
  state.zones.clear();
  for (size_t i = 0; i < compiled.size(); ++i) {
    state.zones.push_back(
        AddZoneEntry(std::move(compiled[i]), order.zones(static_cast<int>(i)), index));
  }
  CloseInactive(index, now_, events);
  return Status::Ok();
}

// Shared with LoadSnapshot, so a restored zone is keyed and indexed exactly like an applied
// one. Only exclusion zones go into the R-tree: inclusion zones of an order are evaluated
// on every fix of its supervised person anyway.
uint32_t EngineState::AddZoneEntry(CompiledZone zone, const v1::Zone& source, int64_t owner) {
  const uint32_t z = static_cast<uint32_t>(zones_.size());
  ZoneEntry entry;
  entry.rule_key = (owner < 0 ? "zone:global:" : "zone:") + zone.id;
  entry.owner = owner;
  entry.zone = std::move(zone);
  entry.source = source;
  if (entry.zone.exclusion) {
    entry.indexed_box = geo::ExpandBox(entry.zone.shape->Bounds(),
                                       entry.zone.buffer_m + settings_.close_margin_m);
    zone_tree_.Insert(entry.indexed_box, z);
    entry.indexed = true;
  }
  zones_.push_back(std::move(entry));
  return z;
}

// Closes the open alerts of rules the order no longer has, or all of them when the order
// is no longer active.
void EngineState::CloseInactive(uint32_t order_index, TimeMs t, std::vector<Event>* events) {
  OrderState& order = orders_[order_index];
  for (uint32_t s = 0; s < order.slots.size(); ++s) {
    RuleSlot& slot = order.slots[s];
    if (!slot.tracker.is_open() && !slot.tracker.is_pending()) continue;
    bool still_exists = order.active;
    if (still_exists && slot.key.rfind("proximity:", 0) == 0) {
      still_exists = std::find(order.pair_slots.begin(), order.pair_slots.end(), s) !=
                     order.pair_slots.end();
    } else if (still_exists && slot.key.rfind("zone:global:", 0) == 0) {
      still_exists = true;
    } else if (still_exists && slot.key.rfind("zone:", 0) == 0) {
      still_exists = std::any_of(order.zones.begin(), order.zones.end(), [&](uint32_t z) {
        return zones_[z].rule_key == slot.key;
      });
    } else if (still_exists) {
      const bool about_device = slot.kind != Event::protected_location_unknown &&
                                slot.kind != Event::supervised_location_unknown;
      auto person_in_order = [&](uint32_t person) {
        return person == order.supervised ||
               std::find(order.protected_persons.begin(), order.protected_persons.end(),
                         person) != order.protected_persons.end();
      };
      still_exists = person_in_order(about_device ? devices_[slot.subject].person : slot.subject);
    }
    if (still_exists) continue;
    transitions_.clear();
    slot.tracker.ForceClose(t, &transitions_);
    EmitTransitions(order_index, s, transitions_, nullptr, events);
  }
}

Status EngineState::ApplyGlobalZone(const v1::Zone& zone, std::vector<Event>*) {
  auto c = CompileZone(zone, "global zone " + zone.id());
  if (!c.ok()) return c.status();
  if (!c->exclusion) {
    return InvalidArgument("global zone " + zone.id() +
                           ": only exclusion zones apply to every supervised person");
  }
  auto existing = global_zone_index_.find(c->id);
  if (existing != global_zone_index_.end()) {
    ZoneEntry& old = zones_[existing->second];
    if (old.indexed) zone_tree_.Remove(old.indexed_box, existing->second);
    old.indexed = false;
    old.live = false;
  }
  const std::string id = c->id;
  global_zone_index_[id] = AddZoneEntry(std::move(c).value(), zone, /*owner=*/-1);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Fixes
// ---------------------------------------------------------------------------------------

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
                           std::to_string(settings_.max_future_ms / 1000) +
                           " s after received " + FormatRfc3339(received));
  }
  return Status::Ok();
}

// True when going from a to b needs a speed above the plausible limit, after both
// accuracy radii. The chord under-estimates distance, so this errs towards plausible.
bool EngineState::Implausible(const TrackFix& a, const geo::Ecef& a_ecef, const TrackFix& b,
                              const geo::Ecef& b_ecef) const {
  const double excess_m = geo::ChordMeters(a_ecef, b_ecef) - a.accuracy_m - b.accuracy_m;
  if (excess_m <= 0) return false;
  const TimeMs dt_ms = a.time > b.time ? a.time - b.time : b.time - a.time;
  // Fixes in the same second are judged as one second apart: device clocks tick in seconds.
  const double dt_s = std::max(1.0, static_cast<double>(dt_ms) / 1000.0);
  return excess_m / dt_s > settings_.max_plausible_speed_mps;
}

bool EngineState::CheckSuspect(PersonState& person, const TrackFix& fix,
                               const geo::Ecef& fix_ecef) {
  const TrackFix* neighbour = person.track.Neighbour(fix.time);
  if (neighbour == nullptr ||
      !Implausible(*neighbour, person.track.EcefOf(*neighbour), fix, fix_ecef)) {
    person.last_suspect.reset();
    return false;
  }
  if (person.last_suspect && person.last_suspect->time <= fix.time &&
      !Implausible(*person.last_suspect, geo::ToEcef(person.last_suspect->position), fix,
                   fix_ecef)) {
    // Two consistent fixes outvote the old track: the person really is over here.
    person.track.Insert(*person.last_suspect, settings_.history_fixes);
    person.last_suspect.reset();
    return false;
  }
  person.last_suspect = fix;
  return true;
}

TimeMs EngineState::NewestOf(uint32_t person) const {
  const TrackFix* newest = persons_[person].track.Newest();
  return newest == nullptr ? kNever : newest->time;
}

Status EngineState::ApplyFix(const Fix& fix, std::vector<Event>* events) {
  if (fix.device().empty()) return InvalidArgument("fix has no device");
  if (!fix.has_time()) return InvalidArgument("fix has no time");
  const TimeMs t = TimestampToMs(fix.time());
  const TimeMs received = fix.has_received() ? TimestampToMs(fix.received()) : t;
  if (Status s = ValidateFix(fix, t, received); !s.ok()) return s;
  const std::optional<uint32_t> found = FindDevice(fix.device());
  if (!found) return NotFound("device " + fix.device() + " is not in any order");
  DeviceState& device = devices_[*found];
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

  FixContext fx;
  fx.fix = &fix;
  fx.device = *found;
  fx.person = device.person;
  fx.received = received;
  fx.track_fix.time = t;
  fx.track_fix.position = {fix.lat(), fix.lon()};
  fx.track_fix.accuracy_m = fix.accuracy_m();
  fx.track_fix.speed_mps = fix.has_speed_mps() ? static_cast<float>(fix.speed_mps()) : -1.0f;
  fx.track_fix.seq = fix.seq();
  fx.track_fix.device = *found;
  fx.flags = 0;
  for (int flag : fix.flags()) {
    if (flag > 0 && flag < 32) fx.flags |= 1u << static_cast<unsigned>(flag);
  }
  fx.device_newest_before = device.newest_time;
  fx.person_newest_before = NewestOf(device.person);

  const bool comms_restored = device.comms_lost;
  device.comms_lost = false;
  device.last_received = std::max(device.last_received, received);

  PersonState& person = persons_[device.person];
  if (fix.no_position()) {
    // Only the device's own signals: an SOS must get through even without a position.
    fx.suspect = false;
    for (const Membership& m : person.orders) {
      DeviceRules(m.order, fx, comms_restored, std::nullopt, events);
    }
    if (t >= device.newest_time) {
      device.newest_time = t;
      device.newest_flags = fx.flags;
      device.newest_battery_pct = fix.has_battery_pct() ? fix.battery_pct() : -1;
    }
    return Status::Ok();
  }
  fx.ecef = geo::ToEcef(fx.track_fix.position);
  fx.suspect = CheckSuspect(person, fx.track_fix, fx.ecef);

  // location_lost follows the live sequence of the device's fixes only.
  std::optional<bool> location_lost;
  if (t >= device.newest_time) {
    const bool coarse =
        fix.accuracy_m() > settings_.coarse_accuracy_m || fix.source() == Fix::cell;
    if (!coarse) {
      device.coarse_since = kNever;
    } else if (device.coarse_since == kNever) {
      device.coarse_since = t;
    }
    location_lost = coarse && t - device.coarse_since >= settings_.location_lost_ms;
  }
  if (!fx.suspect) person.track.Insert(fx.track_fix, fx.ecef, settings_.history_fixes);

  for (const Membership& m : person.orders) {
    DeviceRules(m.order, fx, comms_restored, location_lost, events);
  }
  if (!fx.suspect) {
    zone_candidates_.clear();
    if (std::any_of(person.orders.begin(), person.orders.end(),
                    [](const Membership& m) { return m.role == Role::kSupervised; })) {
      zone_tree_.Query(geo::BoxAround(fx.track_fix.position, fix.accuracy_m()),
                       &zone_candidates_);
    }
    for (const Membership& m : person.orders) {
      OrderRules(m.order, m.role, fx, zone_candidates_, events);
    }
  }
  if (t >= device.newest_time) {
    device.newest_time = t;
    device.newest_flags = fx.flags;
    device.newest_battery_pct = fix.has_battery_pct() ? fix.battery_pct() : -1;
  }
  return Status::Ok();
}

// A fix's state is a chain of dependent loads: index slot, device, person, then the
// person's track and orders, then the order. With many devices each link is a cache miss, and one fix
// waits for them one after another. In a batch, the fixes a few places ahead get their
// chain started early, one link per step, so the misses of several fixes overlap. The
// prefetches read only what fixes cannot change (slots, a device's person) and hint at
// addresses; a wrong guess costs a wasted load, never a different result.
void EngineState::ApplyFixes(
    std::span<const Fix> fixes, std::vector<Event>* events,
    const std::function<void(size_t, const Status&, std::vector<Event>*)>& done) {
  constexpr size_t kSlotAhead = 12, kDeviceAhead = 8, kPersonAhead = 4, kTrackAhead = 2,
                   kOrderAhead = 1;
  constexpr size_t kRing = 16;  // > kSlotAhead: what the stages learnt, per fix
  std::array<uint32_t, kRing> hash{};
  std::array<uint32_t, kRing> device{};
  std::array<uint32_t, kRing> person{};
  const size_t n = fixes.size();
  auto stage = [&](size_t j, int step) {
    const size_t r = j % kRing;
    switch (step) {
      case 0:
        hash[r] = device_index_.HashOf(fixes[j].device());
        __builtin_prefetch(device_index_.SlotAddress(hash[r]));
        break;
      case 1: {
        const std::optional<uint32_t> d = device_index_.Guess(hash[r]);
        device[r] = d.value_or(internal::kNoSlot);
        if (d) __builtin_prefetch(&devices_[*d]);
        if (d) __builtin_prefetch(reinterpret_cast<const char*>(&devices_[*d]) + 64);
        break;
      }
      case 2:
        person[r] = device[r] == internal::kNoSlot ? internal::kNoSlot : devices_[device[r]].person;
        if (person[r] != internal::kNoSlot) __builtin_prefetch(&persons_[person[r]]);
        break;
      case 3:
        if (person[r] != internal::kNoSlot) {
          const PersonState& p = persons_[person[r]];
          if (const TrackFix* newest = p.track.Newest()) __builtin_prefetch(newest);
          if (!p.orders.empty()) __builtin_prefetch(p.orders.data());
        }
        break;
      case 4:
        if (person[r] != internal::kNoSlot && !persons_[person[r]].orders.empty()) {
          const auto* order =
              reinterpret_cast<const char*>(&orders_[persons_[person[r]].orders[0].order]);
          for (size_t line = 0; line < sizeof(OrderState); line += 64) {
            __builtin_prefetch(order + line);
          }
        }
        break;
    }
  };
  // The first fixes get their early steps at once, in order of need.
  for (size_t j = 0; j < std::min(n, kSlotAhead); ++j) stage(j, 0);
  for (size_t j = 0; j < std::min(n, kDeviceAhead); ++j) stage(j, 1);
  for (size_t j = 0; j < std::min(n, kPersonAhead); ++j) stage(j, 2);
  for (size_t j = 0; j < std::min(n, kTrackAhead); ++j) stage(j, 3);
  for (size_t j = 0; j < std::min(n, kOrderAhead); ++j) stage(j, 4);
  for (size_t i = 0; i < n; ++i) {
    if (i + kSlotAhead < n) stage(i + kSlotAhead, 0);
    if (i + kDeviceAhead < n) stage(i + kDeviceAhead, 1);
    if (i + kPersonAhead < n) stage(i + kPersonAhead, 2);
    if (i + kTrackAhead < n) stage(i + kTrackAhead, 3);
    if (i + kOrderAhead < n) stage(i + kOrderAhead, 4);
    events->clear();
    const Status status = ApplyFix(fixes[i], events);
    done(i, status, events);
  }
}

void EngineState::DeviceRules(uint32_t order_index, const FixContext& fx, bool comms_restored,
                              std::optional<bool> location_lost, std::vector<Event>* events) {
  OrderState& order = orders_[order_index];
  const DeviceState& device = devices_[fx.device];
  const TimeMs t = fx.track_fix.time;
  const bool in_force = order.InForce(t);
  const bool out_of_order = t + settings_.late_after_ms < fx.device_newest_before;
  const bool supervised = fx.person == order.supervised;

  auto fill = [&](Event* e) {
    e->set_device(device.id);
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
    ref->set_device(device.id);
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
                         ? order.Add(std::string(Event::Kind_Name(kind)) + ":" + device.id, kind,
                                     fx.device)
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
    Evaluate(order_index, index, eval, kImmediate, fill, events);
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

void EngineState::OrderRules(uint32_t order_index, Role role, const FixContext& fx,
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
      Evaluate(order_index, s, eval, kImmediate, nullptr, events);
    }
    return;
  }
  Placement own;
  own.position = fx.track_fix.position;
  own.radius_m = fx.track_fix.accuracy_m;
  own.basis = PlacementBasis::kFix;
  own.source_time = t;
  own.from = &fx.track_fix;

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
    const Event::Kind unknown_kind = role == Role::kSupervised
                                         ? Event::protected_location_unknown
                                         : Event::supervised_location_unknown;
    bool unknown = !placed.has_value();
    PersonState& sought = persons_[other];
    if (unknown && sought.track.empty()) {
      // Never heard from: the same patience as for a person who went silent.
      if (sought.first_sought == kNever || t < sought.first_sought) sought.first_sought = t;
      unknown = t - sought.first_sought >= settings_.counterpart_stale_ms;
    }
    unknowns[unknown_count++] = {unknown_kind, other, unknown};
    if (!placed) continue;
    if (role == Role::kSupervised) {
      ProximityRule(order_index, i, fx, own, *placed, events);
    } else {
      ProximityRule(order_index, i, fx, *placed, own, events);
    }
  }

  // Zones apply to the supervised person only.
  if (role == Role::kSupervised) {
    std::vector<uint32_t>& zones = order_zones_;
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
    for (uint32_t z : zones) ZoneRule(order_index, z, fx, events);
  }

  for (size_t i = 0; i < unknown_count; ++i) {
    LocationUnknownRule(order_index, unknowns[i].kind, unknowns[i].person, fx,
                        unknowns[i].unknown, events);
  }
  // The person this fix comes from is located again, whoever was looking for them.
  LocationUnknownRule(order_index,
                      role == Role::kSupervised ? Event::supervised_location_unknown
                                                : Event::protected_location_unknown,
                      fx.person, fx, false, events);
}

void EngineState::ProximityRule(uint32_t order_index, size_t pair, const FixContext& fx,
                                const Placement& supervised, const Placement& protected_person,
                                std::vector<Event>* events) {
  OrderState& order = orders_[order_index];
  const double violation_m = order.terms.violation_distance_m();
  const double warning_m = order.terms.warning_distance_m();
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
    const geo::Ecef other = placed.basis == PlacementBasis::kInterpolated
                                ? geo::ToEcef(placed.position)
                                : persons_[placed_person].track.EcefOf(*placed.from);
    if (geo::ChordSquaredMeters2(fx.ecef, other) >= clear_m * clear_m) return;
  }
  const double d = geo::GeodesicDistanceMeters(supervised.position, protected_person.position);
  const Classification c = ClassifyProximity(d, u, violation_m, warning_m,
                                             settings_.close_margin_m);
  if (idle && c.level == Level::kNone) return;
  if (slot == kNoSlot) {
    const uint32_t protected_index = order.protected_persons[pair];
    slot = order.Add("proximity:" + persons_[order.supervised].id + ":" +
                         persons_[protected_index].id,
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
  const Debounce& debounce =
      IsViolation(c.level) ? settings_.proximity_violation : settings_.proximity_warning;
  Evaluate(order_index, slot, eval, debounce, fill, events);
}

// The pair as it stands at its newest fix: clear of every ring (with margin)?
bool EngineState::PresentProximityClear(const OrderState& order,
                                        uint32_t protected_person) const {
  const TrackFix* s = persons_[order.supervised].track.Newest();
  const TrackFix* p = persons_[protected_person].track.Newest();
  if (s == nullptr || p == nullptr) return false;
  const bool supervised_newest = s->time >= p->time;
  const TrackFix* anchor = supervised_newest ? s : p;
  const uint32_t other = supervised_newest ? protected_person : order.supervised;
  std::optional<Placement> placed = persons_[other].track.PlaceAt(anchor->time, settings_);
  if (!placed) return false;
  const double d = geo::GeodesicDistanceMeters(anchor->position, placed->position);
  return ClassifyProximity(d, anchor->accuracy_m + placed->radius_m,
                           order.terms.violation_distance_m(), order.terms.warning_distance_m(),
                           settings_.close_margin_m)
      .clear;
}

void EngineState::ZoneRule(uint32_t order_index, uint32_t zone_entry, const FixContext& fx,
                           std::vector<Event>* events) {
  OrderState& order = orders_[order_index];
  const ZoneEntry& entry = zones_[zone_entry];
  const TimeMs t = fx.track_fix.time;
  const double r = fx.track_fix.accuracy_m;
  geo::ZoneDistance distance;
  const Classification c =
      entry.zone.Classify(fx.track_fix.position, r, t, settings_.close_margin_m, &distance);
  RuleSlot* found = order.FindKey(entry.rule_key);
  if ((found == nullptr || found->tracker.is_idle()) && c.level == Level::kNone) return;
  const uint32_t slot =
      found == nullptr ? order.Add(entry.rule_key, Event::kind_unspecified, zone_entry)
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
  Evaluate(order_index, slot, eval,
           entry.zone.exclusion ? settings_.exclusion_zone : settings_.inclusion_zone, fill,
           events);
}

void EngineState::LocationUnknownRule(uint32_t order_index, Event::Kind kind, uint32_t person,
                                      const FixContext& fx, bool unknown,
                                      std::vector<Event>* events) {
  OrderState& order = orders_[order_index];
  RuleSlot* found = order.Find(kind, person);
  if (found == nullptr && !unknown) return;
  const uint32_t slot =
      found == nullptr
          ? order.Add(std::string(Event::Kind_Name(kind)) + ":" + persons_[person].id, kind,
                      person)
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
    ref->set_device(devices_[fx.device].id);
    ref->set_seq(fx.track_fix.seq);
  };
  Evaluate(order_index, slot, eval, kImmediate, fill, events);
}

// ---------------------------------------------------------------------------------------
// Ticks
// ---------------------------------------------------------------------------------------

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
      const uint32_t slot =
          found == nullptr ? order.Add("comms_lost:" + device.id, Event::comms_lost, d)
                           : static_cast<uint32_t>(found - order.slots.data());
      RuleEvaluation eval;
      eval.event_time = since;
      eval.level = Level::kViolationConfirmed;
      eval.clear = false;
      const bool supervised = device.person == order.supervised;
      auto fill = [&](Event* e) {
        e->set_device(device.id);
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
      Evaluate(m.order, slot, eval, kImmediate, fill, events);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------

void EngineState::Evaluate(uint32_t order_index, uint32_t slot_index, const RuleEvaluation& eval,
                           const Debounce& debounce, const EventFiller& fill,
                           std::vector<Event>* events) {
  transitions_.clear();
  orders_[order_index].slots[slot_index].tracker.Apply(eval, debounce, settings_.update_step_m,
                                                       &transitions_);
  if (!transitions_.empty()) EmitTransitions(order_index, slot_index, transitions_, fill, events);
}

void EngineState::EmitTransitions(uint32_t order_index, uint32_t slot_index,
                                  const std::vector<RuleTransition>& transitions,
                                  const EventFiller& fill, std::vector<Event>* events) {
  const OrderState& order = orders_[order_index];
  const RuleSlot& slot = order.slots[slot_index];
  const bool proximity = slot.key.rfind("proximity:", 0) == 0;
  const bool zone = slot.kind == Event::kind_unspecified && !proximity;
  for (const RuleTransition& tr : transitions) {
    Event& e = events->emplace_back();
    e.set_alert_id(MakeAlertId(order.terms.id(), slot.key, tr.alert_number));
    e.set_order_id(order.terms.id());
    e.set_order_version(order.terms.version());
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
    if (proximity || zone) {
      e.set_certainty(IsConfirmed(tr.level) ? Event::confirmed : Event::possible);
    }
    MsToTimestamp(tr.event_time, e.mutable_time());
    MsToTimestamp(now_, e.mutable_detected_at());
    e.set_late(tr.out_of_order || now_ - tr.event_time > settings_.late_after_ms);
    e.set_rule(slot.key);
    // A close placed at the present describes the present, not the late fix.
    if (fill && !tr.at_newest_clear) fill(&e);
    TrackAlert(e, order_index);
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
void EngineState::TrackAlert(const Event& event, uint32_t order_index) {
  AlertRecord& alert = alerts_[event.alert_id()];
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
      if (deadline != 0 && (alert.deadline_ms == 0 || deadline < alert.deadline_ms)) {
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
    unacked_open_.insert(event.alert_id());
  }
}

Event& EngineState::AddAlertEvent(const std::string& alert_id, const AlertRecord& alert,
                                  Event::Transition transition, TimeMs time,
                                  std::vector<Event>* events) {
  const OrderState& order = orders_[alert.order];
  Event& e = events->emplace_back();
  e.set_alert_id(alert_id);
  e.set_order_id(order.terms.id());
  e.set_order_version(order.terms.version());
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
  unacked_open_.erase(found->first);
  Event& e = AddAlertEvent(found->first, alert, Event::acknowledged, t, events);
  e.set_ack_by(ack.by());
  e.set_ack_note(ack.note());
  if (!ack.credential().empty()) e.set_ack_credential(ack.credential());
  e.set_late(false);  // an operator action is never late: it happens when it is recorded
  return Status::Ok();
}

void EngineState::FillPlacement(uint32_t person, const Placement& placement,
                                v1::PositionReport* report) const {
  report->set_person(persons_[person].id);
  if (placement.from != nullptr) report->set_device(devices_[placement.from->device].id);
  report->set_lat(placement.position.lat_deg);
  report->set_lon(placement.position.lng_deg);
  report->set_accuracy_m(placement.radius_m);
  MsToTimestamp(placement.source_time, report->mutable_time());
  report->set_basis(ToBasis(placement.basis));
}

void EngineState::AddFixRefs(const Placement& placement, Event* event) const {
  for (const TrackFix* f : {placement.from, placement.to}) {
    if (f == nullptr) continue;
    auto* ref = event->add_fixes();
    ref->set_device(devices_[f->device].id);
    ref->set_seq(f->seq);
  }
}

// ---------------------------------------------------------------------------------------
// Engine: the public face.
// ---------------------------------------------------------------------------------------

Engine::Engine(const EngineSettings& settings) : state_(std::make_unique<EngineState>(settings)) {}
Engine::~Engine() = default;

Status Engine::ApplyOrder(const v1::Order& order, std::vector<Event>* events) {
  return state_->ApplyOrder(order, events);
}
Status Engine::ApplyGlobalZone(const v1::Zone& zone, std::vector<Event>* events) {
  return state_->ApplyGlobalZone(zone, events);
}
Status Engine::ApplyFix(const Fix& fix, std::vector<Event>* events) {
  return state_->ApplyFix(fix, events);
}
void Engine::ApplyFixes(std::span<const Fix> fixes, std::vector<Event>* events,
                        const FixDone& done) {
  state_->ApplyFixes(fixes, events, done);
}
void Engine::ApplyTick(TimeMs tick_ms, std::vector<Event>* events) {
  state_->ApplyTick(tick_ms, events);
}
Status Engine::ApplyAck(const v1::AlertAck& ack, std::vector<Event>* events) {
  return state_->ApplyAck(ack, events);
}
Status Engine::Apply(const v1::Input& input, std::vector<Event>* events) {
  switch (input.input_case()) {
    case v1::Input::kFix: return ApplyFix(input.fix(), events);
    case v1::Input::kTick:
      if (!input.tick().has_tick()) return InvalidArgument("tick has no time");
      ApplyTick(TimestampToMs(input.tick().tick()), events);
      return Status::Ok();
    case v1::Input::kOrder: return ApplyOrder(input.order(), events);
    case v1::Input::kGlobalZone: return ApplyGlobalZone(input.global_zone(), events);
    case v1::Input::kAck: return ApplyAck(input.ack(), events);
    case v1::Input::INPUT_NOT_SET: break;
  }
  return InvalidArgument("input holds nothing");
}
TimeMs Engine::now_ms() const { return state_->now_ms(); }
const SeqSet* Engine::AppliedSeqs(std::string_view device) const {
  return state_->AppliedSeqs(device);
}
TimeMs Engine::SeqForgetBeforeMs() const { return SeqForgetBefore(state_->now_ms()); }
const EngineSettings& Engine::settings() const { return state_->settings(); }

}  // namespace stayaway::engine
