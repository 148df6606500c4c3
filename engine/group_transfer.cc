// Cutting and joining engine snapshots by case group (group_transfer.h). Every table that
// refers to another by index (engine_snapshot.cc, the v1::EngineSnapshot comments) is
// copied through one set of index maps, so a cut and a join rewrite the same fields.
#include "engine/group_transfer.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace stayaway::engine {
namespace {

using Snap = v1::EngineSnapshot;

constexpr int64_t kAbsent = -1;                                       // not on this side
constexpr uint32_t kNoDevice = std::numeric_limits<uint32_t>::max();  // an evidence run's none

// Old index -> new index, kAbsent for what is not on the side being written.
struct IndexMaps {
  std::vector<int64_t> person;
  std::vector<int64_t> device;
  std::vector<int64_t> order;
  std::vector<int64_t> zone;
};

// Maps `index` through `map`; false when it is out of range or not on this side.
bool Remap(const std::vector<int64_t>& map, uint64_t index, uint32_t* out) {
  if (index >= map.size() || map[index] == kAbsent) return false;
  *out = static_cast<uint32_t>(map[index]);
  return true;
}

Status Crossing(const std::string& what) {
  return FailedPrecondition("engine state cannot be cut or joined by case group: " + what);
}

Status CopyFix(const Snap::TrackFix& in, const IndexMaps& maps, const std::string& where,
               Snap::TrackFix* out) {
  *out = in;
  uint32_t device = 0;
  if (!Remap(maps.device, in.device(), &device)) {
    return Crossing(where + " holds a fix of a device of another group");
  }
  out->set_device(device);
  return Status::Ok();
}

Status CopyPerson(const Snap::Person& in, const IndexMaps& maps, Snap::Person* out) {
  out->set_id(in.id());
  for (const Snap::TrackFix& f : in.track()) {
    if (Status s = CopyFix(f, maps, "person " + in.id(), out->add_track()); !s.ok()) return s;
  }
  for (const Snap::Membership& m : in.memberships()) {
    uint32_t order = 0;
    if (!Remap(maps.order, m.order(), &order)) {
      return Crossing("person " + in.id() + " is in an order of another group");
    }
    Snap::Membership* copy = out->add_memberships();
    copy->set_order(order);
    copy->set_supervised(m.supervised());
  }
  if (in.has_last_suspect()) {
    Status s = CopyFix(in.last_suspect(), maps, "person " + in.id(), out->mutable_last_suspect());
    if (!s.ok()) return s;
  }
  out->set_first_sought_ms(in.first_sought_ms());
  *out->mutable_gate() = in.gate();
  return Status::Ok();
}

Status CopyDevice(const Snap::Device& in, const IndexMaps& maps, Snap::Device* out) {
  *out = in;
  uint32_t person = 0;
  if (!Remap(maps.person, in.person(), &person)) {
    return Crossing("device " + in.id() + " belongs to a person of another group");
  }
  out->set_person(person);
  return Status::Ok();
}

Status CopyRun(const Snap::EvidenceRun& in, const IndexMaps& maps, const std::string& where,
               Snap::EvidenceRun* out) {
  *out = in;
  if (in.fixes() == 0 || in.last_device() == kNoDevice) return Status::Ok();
  uint32_t device = 0;
  if (!Remap(maps.device, in.last_device(), &device)) {
    return Crossing(where + " counted a fix of a device of another group");
  }
  out->set_last_device(device);
  return Status::Ok();
}

Status CopyOrder(const Snap::OrderState& in, const IndexMaps& maps, Snap::OrderState* out) {
  const std::string& id = in.terms().id();
  *out->mutable_terms() = in.terms();
  out->set_active(in.active());
  out->set_valid_from_ms(in.valid_from_ms());
  out->set_valid_until_ms(in.valid_until_ms());
  uint32_t person = 0;
  if (!Remap(maps.person, in.supervised(), &person)) {
    return Crossing("order " + id + " names a person of another group");
  }
  out->set_supervised(person);
  for (uint32_t p : in.protected_persons()) {
    if (!Remap(maps.person, p, &person)) {
      return Crossing("order " + id + " names a person of another group");
    }
    out->add_protected_persons(person);
  }
  *out->mutable_pair_slots() = in.pair_slots();  // indices into the order's own slots
  for (uint32_t z : in.zones()) {
    uint32_t zone = 0;
    if (!Remap(maps.zone, z, &zone)) return Crossing("order " + id + " lists a zone it lost");
    out->add_zones(zone);
  }
  for (const Snap::RuleSlot& slot : in.slots()) {
    Snap::RuleSlot* copy = out->add_slots();
    copy->set_key(slot.key());
    copy->set_kind(slot.kind());
    const std::string where = "order " + id + " rule " + slot.key();
    // The subject's table follows the rule (engine_state.h, RuleSlot): a zone rule's is
    // the entry that created it and is never read again, so one whose entry was
    // superseded (and dropped) keeps 0.
    const bool proximity = slot.key().rfind("proximity:", 0) == 0;
    const bool zone = slot.key().rfind("zone:", 0) == 0;
    const bool about_person = proximity || slot.kind() == v1::Event::protected_location_unknown ||
                              slot.kind() == v1::Event::supervised_location_unknown;
    uint32_t subject = 0;
    if (zone) {
      if (!Remap(maps.zone, slot.subject(), &subject)) subject = 0;
    } else if (!Remap(about_person ? maps.person : maps.device, slot.subject(), &subject)) {
      return Crossing(where + " is about someone of another group");
    }
    copy->set_subject(subject);
    Snap::Tracker* tracker = copy->mutable_tracker();
    *tracker = slot.tracker();
    for (int r = 0; r < slot.tracker().runs_size(); ++r) {
      Status s = CopyRun(slot.tracker().runs(r), maps, where, tracker->mutable_runs(r));
      if (!s.ok()) return s;
    }
    if (slot.tracker().has_below()) {
      Status s = CopyRun(slot.tracker().below(), maps, where, tracker->mutable_below());
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status CopyAlert(const Snap::Alert& in, const IndexMaps& maps, Snap::Alert* out) {
  *out = in;
  uint32_t order = 0;
  if (!Remap(maps.order, in.order(), &order)) {
    return Crossing("alert " + in.alert_id() + " is of an order of another group");
  }
  out->set_order(order);
  return Status::Ok();
}

// Writes every row of `from` whose new index in `maps` is not absent, in old order, into
// `out` after what it already holds (the maps give positions counted from there).
Status CopyRows(const Snap& from, const IndexMaps& maps, Snap* out) {
  for (int i = 0; i < from.persons_size(); ++i) {
    if (maps.person[static_cast<size_t>(i)] == kAbsent) continue;
    if (Status s = CopyPerson(from.persons(i), maps, out->add_persons()); !s.ok()) return s;
  }
  for (int i = 0; i < from.devices_size(); ++i) {
    if (maps.device[static_cast<size_t>(i)] == kAbsent) continue;
    if (Status s = CopyDevice(from.devices(i), maps, out->add_devices()); !s.ok()) return s;
  }
  for (int i = 0; i < from.orders_size(); ++i) {
    if (maps.order[static_cast<size_t>(i)] == kAbsent) continue;
    if (Status s = CopyOrder(from.orders(i), maps, out->add_orders()); !s.ok()) return s;
  }
  return Status::Ok();
}

// A zone entry as the side being written holds it: `owner` already mapped.
void AddZone(const Snap::ZoneEntry& in, int64_t owner, Snap* out) {
  Snap::ZoneEntry* z = out->add_zones();
  z->set_live(true);
  z->set_owner(owner);
  *z->mutable_zone() = in.zone();
}

// The alerts of `alerts` whose order is on the side `maps` writes, remapped.
Status CopyAlerts(const Snap& from, const IndexMaps& maps, std::vector<Snap::Alert>* out) {
  for (const Snap::Alert& alert : from.alerts()) {
    if (alert.order() < maps.order.size() && maps.order[alert.order()] == kAbsent) continue;
    Snap::Alert copy;
    if (Status s = CopyAlert(alert, maps, &copy); !s.ok()) return s;
    out->push_back(std::move(copy));
  }
  return Status::Ok();
}

void SetAlerts(std::vector<Snap::Alert> alerts, Snap* out) {
  std::sort(alerts.begin(), alerts.end(),
            [](const Snap::Alert& a, const Snap::Alert& b) { return a.alert_id() < b.alert_id(); });
  for (Snap::Alert& a : alerts) *out->add_alerts() = std::move(a);
}

}  // namespace

void GroupMembers::Add(const GroupMembers& other) {
  orders.insert(other.orders.begin(), other.orders.end());
  persons.insert(other.persons.begin(), other.persons.end());
  devices.insert(other.devices.begin(), other.devices.end());
}

void GroupMembers::AddNamedBy(const v1::Order& order) {
  orders.insert(order.id());
  auto party = [&](const v1::Party& p) {
    persons.insert(p.id());
    for (const std::string& device : p.devices()) devices.insert(device);
  };
  party(order.supervised());
  for (const v1::Party& p : order.protected_()) party(p);
}

StatusOr<SplitSnapshots> SplitSnapshot(const v1::EngineSnapshot& whole,
                                       const GroupMembers& moving) {
  // One set of maps per side: [0] kept, [1] moved.
  IndexMaps maps[2];
  uint32_t counts[2] = {0, 0};
  auto assign = [&](std::vector<int64_t> IndexMaps::*table, int rows, auto moves) {
    counts[0] = counts[1] = 0;
    for (auto& m : maps) (m.*table).assign(static_cast<size_t>(rows), kAbsent);
    for (int i = 0; i < rows; ++i) {
      const int side = moves(i) ? 1 : 0;
      (maps[side].*table)[static_cast<size_t>(i)] = counts[side]++;
    }
  };
  assign(&IndexMaps::person, whole.persons_size(),
         [&](int i) { return moving.persons.contains(whole.persons(i).id()); });
  assign(&IndexMaps::device, whole.devices_size(),
         [&](int i) { return moving.devices.contains(whole.devices(i).id()); });
  assign(&IndexMaps::order, whole.orders_size(),
         [&](int i) { return moving.orders.contains(whole.orders(i).terms().id()); });

  SplitSnapshots out;
  Snap* sides[2] = {&out.kept, &out.moved};
  for (Snap* side : sides) {
    side->set_format(whole.format());
    side->set_settings(whole.settings());
    side->set_now_ms(whole.now_ms());
  }
  // Zone entries: an order's go with it, a global one to both sides, a dead one nowhere.
  for (auto& m : maps) m.zone.assign(static_cast<size_t>(whole.zones_size()), kAbsent);
  for (int z = 0; z < whole.zones_size(); ++z) {
    const Snap::ZoneEntry& entry = whole.zones(z);
    if (!entry.live()) continue;
    for (int side = 0; side < 2; ++side) {
      int64_t owner = -1;
      if (entry.owner() >= 0) {
        uint32_t mapped = 0;
        if (!Remap(maps[side].order, static_cast<uint64_t>(entry.owner()), &mapped)) continue;
        owner = mapped;
      }
      maps[side].zone[static_cast<size_t>(z)] = sides[side]->zones_size();
      AddZone(entry, owner, sides[side]);
    }
  }
  for (int side = 0; side < 2; ++side) {
    if (Status s = CopyRows(whole, maps[side], sides[side]); !s.ok()) return s;
    std::vector<Snap::Alert> alerts;
    if (Status s = CopyAlerts(whole, maps[side], &alerts); !s.ok()) return s;
    std::unordered_set<std::string> ids;
    for (const Snap::Alert& a : alerts) ids.insert(a.alert_id());
    SetAlerts(std::move(alerts), sides[side]);
    for (const std::string& id : whole.unacked_open()) {
      if (ids.contains(id)) sides[side]->add_unacked_open(id);
    }
  }
  return out;
}

StatusOr<v1::EngineSnapshot> MergeSnapshots(const v1::EngineSnapshot& target,
                                            const v1::EngineSnapshot& incoming) {
  if (target.format() != incoming.format() || target.settings() != incoming.settings()) {
    return Crossing("the two states were built under different settings or formats");
  }
  Snap out = target;
  out.set_now_ms(std::max(target.now_ms(), incoming.now_ms()));

  std::unordered_set<std::string> ids;
  for (const Snap::Person& p : target.persons()) ids.insert("p" + p.id());
  for (const Snap::Device& d : target.devices()) ids.insert("d" + d.id());
  for (const Snap::OrderState& o : target.orders()) ids.insert("o" + o.terms().id());
  auto fresh = [&](const std::string& key, const std::string& what) {
    return ids.insert(key).second ? Status::Ok() : Crossing(what + " is on both sides");
  };

  IndexMaps maps;
  maps.person.resize(static_cast<size_t>(incoming.persons_size()));
  for (int i = 0; i < incoming.persons_size(); ++i) {
    const std::string& id = incoming.persons(i).id();
    if (Status s = fresh("p" + id, "person " + id); !s.ok()) return s;
    maps.person[static_cast<size_t>(i)] = target.persons_size() + i;
  }
  maps.device.resize(static_cast<size_t>(incoming.devices_size()));
  for (int i = 0; i < incoming.devices_size(); ++i) {
    const std::string& id = incoming.devices(i).id();
    if (Status s = fresh("d" + id, "device " + id); !s.ok()) return s;
    maps.device[static_cast<size_t>(i)] = target.devices_size() + i;
  }
  maps.order.resize(static_cast<size_t>(incoming.orders_size()));
  for (int i = 0; i < incoming.orders_size(); ++i) {
    const std::string& id = incoming.orders(i).terms().id();
    if (Status s = fresh("o" + id, "order " + id); !s.ok()) return s;
    maps.order[static_cast<size_t>(i)] = target.orders_size() + i;
  }

  // The global zones are every partition's, applied alike: the incoming ones are target's
  // own, matched in order.
  std::vector<int> target_globals;
  for (int z = 0; z < target.zones_size(); ++z) {
    if (target.zones(z).live() && target.zones(z).owner() < 0) target_globals.push_back(z);
  }
  maps.zone.assign(static_cast<size_t>(incoming.zones_size()), kAbsent);
  size_t next_global = 0;
  for (int z = 0; z < incoming.zones_size(); ++z) {
    const Snap::ZoneEntry& entry = incoming.zones(z);
    if (!entry.live()) continue;
    if (entry.owner() < 0) {
      if (next_global == target_globals.size() ||
          target.zones(target_globals[next_global]).zone().id() != entry.zone().id()) {
        return Crossing("the two states hold different global zones");
      }
      maps.zone[static_cast<size_t>(z)] = target_globals[next_global++];
      continue;
    }
    uint32_t owner = 0;
    if (!Remap(maps.order, static_cast<uint64_t>(entry.owner()), &owner)) {
      return Crossing("a zone entry's order is out of range");
    }
    maps.zone[static_cast<size_t>(z)] = out.zones_size();
    AddZone(entry, owner, &out);
  }
  if (next_global != target_globals.size()) {
    return Crossing("the two states hold different global zones");
  }

  if (Status s = CopyRows(incoming, maps, &out); !s.ok()) return s;
  std::vector<Snap::Alert> alerts(target.alerts().begin(), target.alerts().end());
  if (Status s = CopyAlerts(incoming, maps, &alerts); !s.ok()) return s;
  std::unordered_set<std::string> alert_ids;
  for (const Snap::Alert& a : alerts) {
    if (!alert_ids.insert(a.alert_id()).second) {
      return Crossing("alert " + a.alert_id() + " is on both sides");
    }
  }
  out.clear_alerts();
  SetAlerts(std::move(alerts), &out);
  std::vector<std::string> awaiting(target.unacked_open().begin(), target.unacked_open().end());
  awaiting.insert(awaiting.end(), incoming.unacked_open().begin(), incoming.unacked_open().end());
  std::sort(awaiting.begin(), awaiting.end());
  out.clear_unacked_open();
  for (std::string& id : awaiting) out.add_unacked_open(std::move(id));
  return out;
}

Status MoveGroupState(const GroupMembers& moving, std::unique_ptr<Engine>* from,
                      std::unique_ptr<Engine>* to, unsigned lanes) {
  v1::EngineSnapshot source;
  v1::EngineSnapshot target;
  if (Status s = (*from)->SaveSnapshot(&source); !s.ok()) return s;
  if (Status s = (*to)->SaveSnapshot(&target); !s.ok()) return s;
  StatusOr<SplitSnapshots> split = SplitSnapshot(source, moving);
  if (!split.ok()) return split.status();
  StatusOr<v1::EngineSnapshot> joined = MergeSnapshots(target, split->moved);
  if (!joined.ok()) return joined.status();
  auto kept = Engine::FromSnapshot(split->kept, (*from)->settings(), lanes);
  if (!kept.ok()) return kept.status();
  auto grown = Engine::FromSnapshot(*joined, (*to)->settings(), lanes);
  if (!grown.ok()) return grown.status();
  *from = std::move(kept).value();
  *to = std::move(grown).value();
  return Status::Ok();
}

}  // namespace stayaway::engine
