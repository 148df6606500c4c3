// Orders and zones: applying an order or a global zone to EngineState (validating it,
// its parties and devices, compiling and indexing its zones) and closing the alerts of
// rules an order no longer has. Part of the engine rules; see engine_state.h.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/compiled_zone.h"
#include "engine/engine.h"
#include "engine/engine_state.h"
#include "engine/order_validation.h"
#include "geo/zone_index.h"
#include "proto/stayaway.pb.h"

namespace stayaway::engine {
namespace {

using v1::Event;
// The state's structs (engine_state.h); the rules below use them unqualified.
using internal::kForever;
using internal::kNever;
using internal::kNoSlot;
using internal::Membership;
using internal::OrderState;
using internal::Role;
using internal::RuleSlot;
using internal::ZoneEntry;

}  // namespace

namespace internal {

void OrderState::SetTerms(const v1::Order& terms) {
  terms_bytes.clear();
  {
    google::protobuf::io::StringOutputStream raw(&terms_bytes);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    terms.SerializeToCodedStream(&coded);
  }
  terms_bytes.shrink_to_fit();
  id = terms.id();
  version = terms.version();
  violation_distance_m = terms.violation_distance_m();
  warning_distance_m = terms.warning_distance_m();
}

v1::Order OrderState::Terms() const {
  v1::Order terms;
  // Bytes this engine serialized: they parse.
  (void)terms.ParseFromString(terms_bytes);
  return terms;
}

}  // namespace internal

uint32_t EngineState::PersonIndex(const std::string& id) {
  const auto [index, inserted] =
      person_index_.Insert(id, static_cast<uint32_t>(persons_.size()), PersonIdAt());
  if (inserted) {
    persons_.emplace_back();
    persons_.back().id = id;
    person_group_.push_back(index);  // a group of its own until an order joins it
  }
  return index;
}

Status EngineState::ApplyOrder(const v1::Order& order, std::vector<Event>* events) {
  if (Status s = ValidateOrder(order); !s.ok()) return s;
  const std::optional<uint32_t> existing = order_index_.Find(order.id(), OrderIdAt());
  if (existing) {
    const uint32_t current = orders_[*existing].version;
    if (order.version() <= current) {
      return AlreadyExists("order " + order.id() + ": version " + std::to_string(order.version()) +
                           " is not above the current " + std::to_string(current));
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
  if (!existing) {
    index = static_cast<uint32_t>(orders_.size());
    order_index_.Insert(order.id(), index, OrderIdAt());
    orders_.emplace_back().id = order.id();
  } else {
    index = *existing;
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
  {
    v1::Order terms = order;
    terms.clear_zones();  // compiled below; the terms keep ids and versions
    state.SetTerms(terms);
  }
  state.active =
      order.state() == v1::Order::active || order.state() == v1::Order::state_unspecified;
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
        // Looked at by the next tick: never heard, its silence counts from then.
        unfiled_devices_.push_back(static_cast<uint32_t>(devices_.size() - 1));
      }
    }
    return person;
  };
  state.supervised = add_party(order.supervised(), Role::kSupervised);
  state.protected_persons.clear();
  for (const v1::Party& party : order.protected_()) {
    state.protected_persons.push_back(add_party(party, Role::kProtected));
    JoinGroups(state.supervised, state.protected_persons.back());
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
    entry.indexed_box =
        geo::ExpandBox(entry.zone.shape->Bounds(), entry.zone.buffer_m + settings_.close_margin_m);
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
      still_exists =
          std::find(order.pair_slots.begin(), order.pair_slots.end(), s) != order.pair_slots.end();
    } else if (still_exists && slot.key.rfind("zone:global:", 0) == 0) {
      still_exists = true;
    } else if (still_exists && slot.key.rfind("zone:", 0) == 0) {
      still_exists = std::any_of(order.zones.begin(), order.zones.end(),
                                 [&](uint32_t z) { return zones_[z].rule_key == slot.key; });
    } else if (still_exists) {
      const bool about_device = slot.kind != Event::protected_location_unknown &&
                                slot.kind != Event::supervised_location_unknown;
      auto person_in_order = [&](uint32_t person) {
        return person == order.supervised ||
               std::find(order.protected_persons.begin(), order.protected_persons.end(), person) !=
                   order.protected_persons.end();
      };
      still_exists = person_in_order(about_device ? devices_[slot.subject].person : slot.subject);
    }
    if (still_exists) continue;
    Lane& lane = SerialLane();
    lane.transitions.clear();
    slot.tracker.ForceClose(t, &lane.transitions);
    EmitTransitions(lane, order_index, s, lane.transitions, internal::kFillNothing, events);
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

}  // namespace stayaway::engine
