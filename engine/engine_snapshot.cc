// Engine snapshots: EngineState <-> v1::EngineSnapshot (see "Snapshots" in engine.h).
//
// The snapshot is a faithful dump of the tables, not a re-derivation from the orders.
// Re-applying the current orders on load would be shorter, but would renumber things the
// rules depend on: persons and devices named only by an older order version would vanish,
// and zone entries of superseded versions (which keep their numbers, and zone rules run in
// entry order) would be skipped. So every table is written by index and read back into
// the same index; what is purely derived (the id lookups, the R-tree, rule keys of zone
// entries, indexed boxes) is rebuilt by the same code ApplyOrder uses.
//
// Loading trusts nothing: every index is range-checked and every container invariant
// (sorted tracks, disjoint sequence ranges, zone ownership) is checked before the state
// is used, so a damaged or hand-edited snapshot is refused with a message naming the
// field rather than crashing the engine later. What a check cannot see (a flipped bit in
// a coordinate) is the job of the byte framing's CRC-32C.
#include <google/protobuf/arena.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <cinttypes>
#include <climits>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/crc32c.h"
#include "engine/engine.h"
#include "engine/engine_state.h"
#include "engine/order_validation.h"
#include "proto/stayaway.pb.h"

namespace stayaway::engine {
namespace {

using internal::kNever;
using internal::kNoSlot;
using Snap = v1::EngineSnapshot;

// Bump when the meaning of a field changes; a loader refuses formats it does not know, so
// recovery falls back to a full replay instead of misreading an old snapshot. Format 2
// added each device's closed sequence numbers and each range's newest fix time (a
// format-1 loader would read the ranges without the closed numbers below them and could
// apply a duplicate, so it must refuse format 2); format 1 still loads (LoadSeqs).
// Format 3 added corroboration: each tracker's evidence runs and each person's outlier gate
// (a format-2 loader would drop them and diverge from a full replay). Formats 1 and 2 still
// load: a tracker's old pending debounce is dropped (the next evaluations start a new run;
// an open alert stays open at its level) and the gate starts from the person's track.
constexpr uint32_t kSnapshotFormat = 3;
constexpr uint32_t kFormatBeforeCorroboration = 2;
constexpr uint32_t kFormatBeforeClosedSeqs = 1;
// How many ranges a format-1 duplicate memory held before it forgot the oldest.
constexpr size_t kFormat1MaxRanges = 32;

// Byte framing of SaveSnapshotBytes: magic, payload, CRC-32C of the payload (little
// endian).
constexpr std::string_view kMagic = "SAE1";
constexpr size_t kCrcBytes = 4;

// A snapshot's message is made or parsed on an arena with these: at a million devices it
// is millions of small messages, which the arena allocates in large blocks and frees at
// once.
google::protobuf::ArenaOptions SnapshotArenaOptions() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = 1 << 20;
  options.max_block_size = 64 << 20;
  return options;
}

// Every setting as "name=value" lines, doubles with 17 significant digits (exact).
// A snapshot records this text and loads only under identical settings: the tail replay
// must run under the rules that built the state, or it would not match a full replay.
std::string SettingsText(const EngineSettings& s) {
  // A tripwire for whoever adds a setting: add it below too, then update the size.
  static_assert(sizeof(EngineSettings) == 440, "EngineSettings changed: update SettingsText");
  std::string out;
  auto add_int = [&](const char* name, int64_t v) {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%s=%" PRId64 "\n", name, v);
    out += buf;
  };
  auto add_double = [&](const char* name, double v) {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%s=%.17g\n", name, v);
    out += buf;
  };
  auto add_debounce = [&](const std::string& name, const Debounce& d) {
    add_int((name + ".confirm_fixes").c_str(), d.confirm_fixes);
    add_int((name + ".dwell_ms").c_str(), d.dwell_ms);
  };
  add_debounce("proximity_warning", s.proximity_warning);
  add_debounce("proximity_violation", s.proximity_violation);
  add_debounce("exclusion_zone", s.exclusion_zone);
  add_debounce("inclusion_zone", s.inclusion_zone);
  add_double("close_margin_m", s.close_margin_m);
  add_double("update_step_m", s.update_step_m);
  add_int("counterpart_stale_ms", s.counterpart_stale_ms);
  add_int("max_interpolation_gap_ms", s.max_interpolation_gap_ms);
  add_double("stale_growth_mps", s.stale_growth_mps);
  add_double("max_plausible_speed_mps", s.max_plausible_speed_mps);
  add_int("comms_lost_ms", s.comms_lost_ms);
  add_double("coarse_accuracy_m", s.coarse_accuracy_m);
  add_int("location_lost_ms", s.location_lost_ms);
  add_double("low_battery_pct", s.low_battery_pct);
  add_double("battery_clear_margin_pct", s.battery_clear_margin_pct);
  add_int("late_after_ms", s.late_after_ms);
  add_int("history_fixes", s.history_fixes);
  add_double("max_accuracy_m", s.max_accuracy_m);
  add_int("max_future_ms", s.max_future_ms);
  for (int k = 0; k < EngineSettings::kKinds; ++k) {
    const std::string kind = std::to_string(k);
    add_int(("ack_deadline_confirmed_ms[" + kind + "]").c_str(),
            s.ack_deadline_confirmed_ms[static_cast<size_t>(k)]);
    add_int(("ack_deadline_possible_ms[" + kind + "]").c_str(),
            s.ack_deadline_possible_ms[static_cast<size_t>(k)]);
  }
  return out;
}

// The first line where two settings texts differ, for the error message.
std::string FirstDifference(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    const std::string_view line_a = a.substr(0, a.find('\n'));
    const std::string_view line_b = b.substr(0, b.find('\n'));
    if (line_a != line_b) {
      return "snapshot has " + std::string(line_a.empty() ? "(nothing)" : line_a) +
             ", engine has " + std::string(line_b.empty() ? "(nothing)" : line_b);
    }
    a.remove_prefix(std::min(a.size(), line_a.size() + 1));
    b.remove_prefix(std::min(b.size(), line_b.size() + 1));
  }
  return "texts differ";
}

Status Bad(const std::string& where, const std::string& what) {
  return InvalidArgument("engine snapshot: " + where + ": " + what);
}

std::string At(const char* field, int i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

// An index read from the snapshot must point into a table of `count` entries.
bool InRange(uint64_t index, size_t count) { return index < count; }

void SaveFix(const TrackFix& f, Snap::TrackFix* out) {
  out->set_time_ms(f.time);
  out->set_lat(f.position.lat_deg);
  out->set_lon(f.position.lng_deg);
  out->set_accuracy_m(f.accuracy_m);
  out->set_seq(f.seq);
  out->set_speed_mps(f.speed_mps);
  out->set_device(f.device);
}

void SaveRun(const EvidenceRun& run, Snap::EvidenceRun* out) {
  if (run.fixes == 0) return;  // no run: every field at its default
  out->set_fixes(run.fixes);
  out->set_mover(run.mover);
  out->set_last_device(run.last.device);
  out->set_last_seq(run.last.seq);
  out->set_last_fix_ms(run.last.time);
  out->set_first_ms(run.first_time);
  out->set_last_ms(run.last_time);
}

bool LoadRun(const Snap::EvidenceRun& in, EvidenceRun* out) {
  if (in.mover() > 1) return false;
  *out = EvidenceRun();
  if (in.fixes() == 0) return true;
  out->fixes = in.fixes();
  out->mover = static_cast<uint8_t>(in.mover());
  out->last = FixKey{in.last_device(), in.last_seq(), in.last_fix_ms()};
  out->first_time = in.first_ms();
  out->last_time = in.last_ms();
  return true;
}

Status LoadFix(const Snap::TrackFix& in, size_t device_count, const std::string& where,
               TrackFix* out) {
  out->time = in.time_ms();
  out->position = {in.lat(), in.lon()};
  out->accuracy_m = in.accuracy_m();
  out->seq = in.seq();
  out->speed_mps = in.speed_mps();
  out->device = in.device();
  if (!out->position.IsValid()) return Bad(where, "position out of range");
  if (!std::isfinite(out->accuracy_m) || out->accuracy_m < 0) return Bad(where, "bad accuracy");
  if (std::isnan(out->speed_mps)) return Bad(where, "speed is NaN");
  if (!InRange(in.device(), device_count)) return Bad(where, "device index out of range");
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Saving
// ---------------------------------------------------------------------------------------

Status EngineState::SaveSnapshot(v1::EngineSnapshot* out) const {
  out->Clear();
  out->set_format(kSnapshotFormat);
  out->set_settings(SettingsText(settings_));
  out->set_now_ms(now_);

  for (const PersonState& person : persons_) {
    Snap::Person* p = out->add_persons();
    p->set_id(person.id);
    for (const TrackFix& f : person.track.fixes()) SaveFix(f, p->add_track());
    for (const Membership& m : person.orders) {
      Snap::Membership* sm = p->add_memberships();
      sm->set_order(m.order);
      sm->set_supervised(m.role == Role::kSupervised);
    }
    if (person.rare && person.rare->last_suspect) {
      SaveFix(*person.rare->last_suspect, p->mutable_last_suspect());
    }
    p->set_first_sought_ms(person.first_sought());
    for (const GateFix& g : person.gate.fixes()) {
      Snap::GateFix* sg = p->add_gate();
      sg->set_time_ms(g.time);
      sg->set_x(g.ecef.x_m);
      sg->set_y(g.ecef.y_m);
      sg->set_z(g.ecef.z_m);
      sg->set_accuracy_m(g.accuracy_m);
      sg->set_speed_mps(g.speed_mps);
      sg->set_outlier(g.outlier);
    }
  }

  for (const DeviceState& device : devices_) {
    Snap::Device* d = out->add_devices();
    d->set_id(device.id.str());
    d->set_person(device.person);
    for (const SeqSet::Range& r : device.seqs.ranges()) {
      Snap::SeqRange* sr = d->add_seqs();
      sr->set_first(r.first);
      sr->set_last(r.last);
      sr->set_newest_ms(r.newest_ms);
    }
    d->set_seqs_closed_below(device.seqs.closed_below());
    d->set_last_received_ms(device.last_received);
    d->set_comms_lost(device.comms_lost);
    d->set_coarse_since_ms(device.coarse_since);
    d->set_newest_time_ms(device.newest_time);
    d->set_newest_flags(device.newest_flags);
    d->set_newest_battery_pct(device.newest_battery_pct);
  }

  // Dead entries are written as placeholders: nothing reads them again, but their numbers
  // must stay taken so the live entries keep theirs.
  for (const ZoneEntry& entry : zones_) {
    Snap::ZoneEntry* z = out->add_zones();
    z->set_live(entry.live);
    if (!entry.live) continue;
    z->set_owner(entry.owner);
    *z->mutable_zone() = entry.source;
  }

  for (const OrderState& order : orders_) {
    Snap::OrderState* o = out->add_orders();
    (void)o->mutable_terms()->ParseFromString(order.terms_bytes);  // bytes this engine wrote
    o->set_active(order.active);
    o->set_valid_from_ms(order.valid_from);
    o->set_valid_until_ms(order.valid_until);
    o->set_supervised(order.supervised);
    for (uint32_t p : order.protected_persons) o->add_protected_persons(p);
    for (uint32_t s : order.pair_slots) o->add_pair_slots(s == kNoSlot ? -1 : int64_t{s});
    for (uint32_t z : order.zones) o->add_zones(z);
    for (const RuleSlot& slot : order.slots) {
      Snap::RuleSlot* s = o->add_slots();
      s->set_key(slot.key);
      s->set_kind(slot.kind);
      s->set_subject(slot.subject);
      const RuleTracker::State t = slot.tracker.Save();
      Snap::Tracker* st = s->mutable_tracker();
      st->set_open(t.open);
      st->set_level(static_cast<uint32_t>(t.level));
      st->set_closest_m(t.closest_m);
      st->set_alerts_opened(t.alerts_opened);
      for (const EvidenceRun& run : t.runs) SaveRun(run, st->add_runs());
      SaveRun(t.below, st->mutable_below());
      st->set_below_peak(static_cast<uint32_t>(t.below_peak));
      st->set_borne_out(t.borne_out);
      st->set_quiet_level(static_cast<uint32_t>(t.quiet_level));
      st->set_last_closed_ms(t.last_closed_ms);
    }
  }

  std::vector<const std::pair<const std::string, AlertRecord>*> by_id;  // ascending id
  by_id.reserve(alerts_.size());
  for (const auto& entry : alerts_) by_id.push_back(&entry);
  std::sort(by_id.begin(), by_id.end(),
            [](const auto* x, const auto* y) { return x->first < y->first; });
  for (const auto* entry : by_id) {
    const std::string& id = entry->first;
    const AlertRecord& alert = entry->second;
    Snap::Alert* a = out->add_alerts();
    a->set_alert_id(id);
    a->set_order(alert.order);
    a->set_kind(alert.kind);
    if (alert.has_certainty) a->set_certainty(alert.certainty);
    a->set_deadline_ms(alert.deadline_ms);
    a->set_acked(alert.acked);
    a->set_overdue_sent(alert.overdue_sent);
    a->set_rule(alert.rule);
    a->set_resolved(alert.resolved);
    for (const auto& [person, event_seq] : alert.receipts) {
      v1::AlertReceipt* r = a->add_receipts();
      r->set_person(person);
      r->set_event_seq(event_seq);
    }
  }
  std::vector<const std::string*> awaiting;
  for (const auto& [id, alert] : alerts_) {
    if (alert.awaiting_ack) awaiting.push_back(&id);
  }
  std::sort(awaiting.begin(), awaiting.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  for (const std::string* id : awaiting) out->add_unacked_open(*id);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------

namespace {

// A device's duplicate memory from its snapshot. A format-1 snapshot has no fix times in
// its ranges and no closed numbers: its ranges get the snapshot's now as their newest time
// (they close 30 days later), and a memory that was full (format 1 forgot its oldest range
// beyond 32) is closed below its oldest range, since a number below may have been applied
// and forgotten. So an upgrade never applies a duplicate either.
std::optional<SeqSet> LoadSeqs(const Snap::Device& in, uint32_t format, TimeMs now_ms) {
  const bool format1 = format == kFormatBeforeClosedSeqs;
  std::vector<SeqSet::Range> ranges;
  for (const Snap::SeqRange& r : in.seqs()) {
    ranges.push_back({r.first(), r.last(), format1 ? now_ms : r.newest_ms()});
  }
  uint64_t closed_below = in.seqs_closed_below();
  if (format1) {
    closed_below = ranges.size() >= kFormat1MaxRanges ? ranges.front().first : 0;
  }
  return SeqSet::FromParts(std::move(ranges), closed_below);
}

}  // namespace

Status EngineState::LoadSnapshot(const v1::EngineSnapshot& snap) {
  if (now_ != kNever || !orders_.empty() || !persons_.empty() || !zones_.empty()) {
    return FailedPrecondition("engine snapshot: loads only into an engine that applied nothing");
  }
  if (snap.format() < kFormatBeforeClosedSeqs || snap.format() > kSnapshotFormat) {
    return Bad("format", std::to_string(snap.format()) + " is not a known format (" +
                             std::to_string(kFormatBeforeClosedSeqs) + " to " +
                             std::to_string(kSnapshotFormat) + ")");
  }
  const std::string settings = SettingsText(settings_);
  if (snap.settings() != settings) {
    return FailedPrecondition("engine snapshot: taken under different engine settings (" +
                              FirstDifference(snap.settings(), settings) + ")");
  }
  now_ = snap.now_ms();
  const size_t person_count = static_cast<size_t>(snap.persons_size());
  const size_t device_count = static_cast<size_t>(snap.devices_size());
  const size_t zone_count = static_cast<size_t>(snap.zones_size());
  const size_t order_count = static_cast<size_t>(snap.orders_size());

  persons_.resize(person_count);
  for (int i = 0; i < snap.persons_size(); ++i) {
    const Snap::Person& in = snap.persons(i);
    const std::string where = At("persons", i);
    PersonState& person = persons_[static_cast<size_t>(i)];
    person.id = in.id();
    if (!person_index_.Insert(in.id(), static_cast<uint32_t>(i), PersonIdAt()).second) {
      return Bad(where, "person id " + in.id() + " repeats");
    }
    if (static_cast<size_t>(in.track_size()) > settings_.history_fixes) {
      return Bad(where, "track longer than history_fixes");
    }
    std::vector<TrackFix> fixes(static_cast<size_t>(in.track_size()));
    for (int f = 0; f < in.track_size(); ++f) {
      if (Status s = LoadFix(in.track(f), device_count, where + "." + At("track", f),
                             &fixes[static_cast<size_t>(f)]);
          !s.ok()) {
        return s;
      }
    }
    std::optional<PersonTrack> track = PersonTrack::FromFixes(std::move(fixes));
    if (!track) return Bad(where, "track is not in time order");
    person.track = std::move(*track);
    for (int m = 0; m < in.memberships_size(); ++m) {
      const Snap::Membership& sm = in.memberships(m);
      if (!InRange(sm.order(), order_count)) return Bad(where, "membership order out of range");
      if (!person.orders.empty() && sm.order() < person.orders.back().order) {
        return Bad(where, "memberships not in order index order");
      }
      person.orders.push_back(
          Membership{sm.order(), sm.supervised() ? Role::kSupervised : Role::kProtected});
    }
    if (in.has_last_suspect()) {
      TrackFix suspect;
      if (Status s = LoadFix(in.last_suspect(), device_count, where + ".last_suspect", &suspect);
          !s.ok()) {
        return s;
      }
      person.MutableRare().last_suspect = suspect;
    }
    if (in.first_sought_ms() != kNever) person.MutableRare().first_sought = in.first_sought_ms();
    std::vector<GateFix> gate;
    if (snap.format() > kFormatBeforeCorroboration) {
      for (const Snap::GateFix& g : in.gate()) {
        gate.push_back(GateFix{g.time_ms(), geo::Ecef{g.x(), g.y(), g.z()}, g.accuracy_m(),
                               g.speed_mps(), g.outlier()});
      }
    } else {
      // Before the gate: it starts from the newest fixes the track kept.
      const std::vector<TrackFix> kept = person.track.fixes();
      const size_t from =
          kept.size() > OutlierGate::kCapacity ? kept.size() - OutlierGate::kCapacity : 0;
      for (size_t f = from; f < kept.size(); ++f) {
        gate.push_back(GateFix{kept[f].time, geo::ToEcef(kept[f].position),
                               static_cast<float>(kept[f].accuracy_m), kept[f].speed_mps, false});
      }
    }
    std::optional<OutlierGate> rebuilt = OutlierGate::FromFixes(gate);
    if (!rebuilt) return Bad(where, "gate fixes out of time order or too many");
    person.gate = std::move(*rebuilt);
  }

  devices_.resize(device_count);
  for (int i = 0; i < snap.devices_size(); ++i) {
    const Snap::Device& in = snap.devices(i);
    const std::string where = At("devices", i);
    DeviceState& device = devices_[static_cast<size_t>(i)];
    device.id = in.id();
    if (in.id().empty() ||
        !device_index_.Insert(in.id(), static_cast<uint32_t>(i), DeviceIdAt()).second) {
      return Bad(where, "device id '" + in.id() + "' is empty or repeats");
    }
    if (!InRange(in.person(), person_count)) return Bad(where, "person index out of range");
    device.person = in.person();
    std::optional<SeqSet> seqs = LoadSeqs(in, snap.format(), snap.now_ms());
    if (!seqs) {
      return Bad(where,
                 "sequence ranges are not sorted and disjoint, too many, or below the "
                 "closed numbers");
    }
    device.seqs = std::move(*seqs);
    device.last_received = in.last_received_ms();
    device.comms_lost = in.comms_lost();
    device.coarse_since = in.coarse_since_ms();
    device.newest_time = in.newest_time_ms();
    device.newest_flags = in.newest_flags();
    device.newest_battery_pct = in.newest_battery_pct();
  }
  // The ticks' schedule is derived: every device not lost is filed here (the start-up
  // pays for it, not the first tick of a daemon already serving), except those never
  // heard, whose silence counts from the next tick.
  for (uint32_t d = 0; d < devices_.size(); ++d) {
    const DeviceState& device = devices_[d];
    if (device.comms_lost) continue;
    if (device.last_received == internal::kNever || now_ == internal::kNever) {
      unfiled_devices_.push_back(d);
    } else {
      FileFirstCommsCheck(d);
    }
  }

  // Zones are compiled again from the zones as applied: the same code, the same shapes.
  for (int i = 0; i < snap.zones_size(); ++i) {
    const Snap::ZoneEntry& in = snap.zones(i);
    const std::string where = At("zones", i);
    if (!in.live()) {
      zones_.emplace_back().live = false;
      continue;
    }
    if (in.owner() < -1 || in.owner() >= static_cast<int64_t>(order_count)) {
      return Bad(where, "owner out of range");
    }
    auto compiled = CompileZone(in.zone(), "engine snapshot: " + where);
    if (!compiled.ok()) return compiled.status();
    if (in.owner() == -1) {
      if (!compiled->exclusion) return Bad(where, "a global zone must be an exclusion zone");
      const std::string id = compiled->id;
      const uint32_t z = AddZoneEntry(std::move(compiled).value(), in.zone(), -1);
      if (!global_zone_index_.emplace(id, z).second) {
        return Bad(where, "live global zone " + id + " repeats");
      }
    } else {
      AddZoneEntry(std::move(compiled).value(), in.zone(), in.owner());
    }
  }

  // Every live order zone must belong to exactly one order's current zone list, or it
  // would be evaluated (or closed) for an order that no longer has it.
  std::vector<bool> claimed(zone_count, false);
  orders_.resize(order_count);
  for (int i = 0; i < snap.orders_size(); ++i) {
    const Snap::OrderState& in = snap.orders(i);
    const std::string where = At("orders", i);
    OrderState& order = orders_[static_cast<size_t>(i)];
    order.SetTerms(in.terms());
    if (in.terms().id().empty() ||
        !order_index_.Insert(in.terms().id(), static_cast<uint32_t>(i), OrderIdAt()).second) {
      return Bad(where, "order id '" + in.terms().id() + "' is empty or repeats");
    }
    order.active = in.active();
    order.valid_from = in.valid_from_ms();
    order.valid_until = in.valid_until_ms();
    if (!InRange(in.supervised(), person_count)) return Bad(where, "supervised out of range");
    order.supervised = in.supervised();
    for (uint32_t p : in.protected_persons()) {
      if (!InRange(p, person_count)) return Bad(where, "protected person out of range");
      order.protected_persons.push_back(p);
    }
    if (order.protected_persons.size() > static_cast<size_t>(kMaxProtectedPersons)) {
      return Bad(where, "too many protected persons");
    }
    if (in.pair_slots_size() != in.protected_persons_size()) {
      return Bad(where, "pair_slots and protected_persons differ in length");
    }
    for (int64_t s : in.pair_slots()) {
      if (s != -1 && !(s >= 0 && s < in.slots_size())) return Bad(where, "pair slot out of range");
      order.pair_slots.push_back(s == -1 ? kNoSlot : static_cast<uint32_t>(s));
    }
    for (uint32_t z : in.zones()) {
      if (!InRange(z, zone_count) || !zones_[z].live || zones_[z].owner != i || claimed[z]) {
        return Bad(where, "zone entry " + std::to_string(z) + " is not a live zone of this order");
      }
      claimed[z] = true;
      order.zones.push_back(z);
    }
    for (int s = 0; s < in.slots_size(); ++s) {
      const Snap::RuleSlot& slot = in.slots(s);
      const std::string slot_where = where + "." + At("slots", s);
      const v1::Event::Kind kind = slot.kind();
      if (!v1::Event::Kind_IsValid(kind)) return Bad(slot_where, "unknown kind");
      // The rule code dispatches on the key's prefix and indexes persons or devices by
      // subject, so both must agree with what the code expects.
      const bool proximity = slot.key().rfind("proximity:", 0) == 0;
      const bool zone = slot.key().rfind("zone:", 0) == 0;
      if (kind == v1::Event::kind_unspecified) {
        if (!proximity && !zone) return Bad(slot_where, "rule key " + slot.key() + " unknown");
        if (proximity && !InRange(slot.subject(), person_count)) {
          return Bad(slot_where, "subject out of range");
        }
      } else {
        if (proximity || zone) return Bad(slot_where, "rule key does not match its kind");
        const bool about_person = kind == v1::Event::protected_location_unknown ||
                                  kind == v1::Event::supervised_location_unknown;
        if (!InRange(slot.subject(), about_person ? person_count : device_count)) {
          return Bad(slot_where, "subject out of range");
        }
      }
      const Snap::Tracker& t = slot.tracker();
      if (t.level() > static_cast<uint32_t>(Level::kViolationConfirmed)) {
        return Bad(slot_where, "tracker level out of range");
      }
      RuleTracker::State state;
      state.open = t.open();
      state.level = static_cast<Level>(t.level());
      state.closest_m = t.closest_m();
      state.alerts_opened = t.alerts_opened();
      if (snap.format() > kFormatBeforeCorroboration) {
        if (t.runs_size() != RuleTracker::kLevels) {
          return Bad(slot_where, "tracker needs one evidence run per level");
        }
        if (t.below_peak() > static_cast<uint32_t>(Level::kViolationConfirmed)) {
          return Bad(slot_where, "tracker below_peak out of range");
        }
        for (int r = 0; r < t.runs_size(); ++r) {
          if (!LoadRun(t.runs(r), &state.runs[static_cast<size_t>(r)])) {
            return Bad(slot_where, "evidence run mover out of range");
          }
        }
        if (!LoadRun(t.below(), &state.below)) {
          return Bad(slot_where, "evidence run mover out of range");
        }
        state.below_peak = static_cast<Level>(t.below_peak());
        state.borne_out = t.borne_out();
      }
      if (t.quiet_level() > static_cast<uint32_t>(Level::kViolationConfirmed)) {
        return Bad(slot_where, "tracker quiet_level out of range");
      }
      state.quiet_level = static_cast<Level>(t.quiet_level());
      state.last_closed_ms = t.last_closed_ms();
      order.slots.push_back(
          RuleSlot{slot.key(), kind, slot.subject(), RuleTracker::Restore(state)});
    }
  }
  for (size_t z = 0; z < zone_count; ++z) {
    if (zones_[z].live && zones_[z].owner >= 0 && !claimed[z]) {
      return Bad(At("zones", static_cast<int>(z)), "live order zone no order lists");
    }
  }

  for (int i = 0; i < snap.alerts_size(); ++i) {
    const Snap::Alert& in = snap.alerts(i);
    const std::string where = At("alerts", i);
    if (!InRange(in.order(), order_count)) return Bad(where, "order out of range");
    if (!v1::Event::Kind_IsValid(in.kind())) return Bad(where, "unknown kind");
    if (in.has_certainty() && !v1::Event::Certainty_IsValid(in.certainty())) {
      return Bad(where, "unknown certainty");
    }
    AlertRecord alert;
    alert.order = in.order();
    alert.kind = in.kind();
    alert.has_certainty = in.has_certainty();
    if (in.has_certainty()) alert.certainty = in.certainty();
    alert.deadline_ms = in.deadline_ms();
    alert.acked = in.acked();
    alert.overdue_sent = in.overdue_sent();
    alert.rule = in.rule();
    alert.resolved = in.resolved();
    for (const v1::AlertReceipt& r : in.receipts()) {
      if (r.person().empty() || r.event_seq() == 0)
        return Bad(where, "receipt without a person or seq");
      alert.receipts.emplace(r.person(), r.event_seq());
    }
    if (!alerts_.emplace(in.alert_id(), std::move(alert)).second) {
      return Bad(where, "alert id " + in.alert_id() + " repeats");
    }
  }
  for (const std::string& id : snap.unacked_open()) {
    // A tick looks these up and would otherwise invent an empty record.
    auto alert = alerts_.find(id);
    if (alert == alerts_.end()) return Bad("unacked_open", "alert " + id + " is unknown");
    if (!alert->second.awaiting_ack) PushDeadline(*alert);
  }
  // Case groups are derived: every person with the orders they belong to.
  person_group_.resize(persons_.size());
  for (uint32_t p = 0; p < persons_.size(); ++p) person_group_[p] = p;
  for (uint32_t p = 0; p < persons_.size(); ++p) {
    for (const Membership& m : persons_[p].orders) JoinGroups(p, orders_[m.order].supervised);
  }
  for (const OrderState& order : orders_) {
    for (uint32_t p : order.protected_persons) JoinGroups(order.supervised, p);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Engine: the public face.
// ---------------------------------------------------------------------------------------

Status Engine::SaveSnapshot(v1::EngineSnapshot* out) const { return state_->SaveSnapshot(out); }

StatusOr<std::unique_ptr<Engine>> Engine::FromSnapshot(const v1::EngineSnapshot& snapshot,
                                                       const EngineSettings& settings,
                                                       unsigned lanes) {
  // A fresh engine, handed out only once fully loaded: a failed load leaves nothing behind.
  auto engine = std::make_unique<Engine>(settings, lanes);
  if (Status s = engine->state_->LoadSnapshot(snapshot); !s.ok()) return s;
  return engine;
}

std::string Engine::SaveSnapshotBytes() const {
  google::protobuf::Arena arena(SnapshotArenaOptions());
  auto* snapshot = google::protobuf::Arena::CreateMessage<v1::EngineSnapshot>(&arena);
  (void)SaveSnapshot(snapshot);  // cannot fail
  return SnapshotBytes(*snapshot);
}

std::string Engine::SnapshotBytes(const v1::EngineSnapshot& snapshot) {
  // Serialized straight into the one buffer of its final size: a string grown by doubling
  // and copied into the framing cost a third more, in copies and page faults
  // (bench/snapshot_bench.cc).
  const size_t size = snapshot.ByteSizeLong();
  std::string out;
  if (size > static_cast<size_t>(INT_MAX)) {
    // Larger than a message may be (FromSnapshotBytes will refuse it): written all the
    // same, the slow way, for whoever inspects it.
    out.append(kMagic);
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    snapshot.SerializeToCodedStream(&coded);
  } else {
    out.reserve(kMagic.size() + size + kCrcBytes);  // the CRC must not move it again
    out.resize(kMagic.size() + size);
    std::copy(kMagic.begin(), kMagic.end(), out.begin());
    google::protobuf::io::ArrayOutputStream raw(out.data() + kMagic.size(), static_cast<int>(size));
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    snapshot.SerializeWithCachedSizes(&coded);
  }
  const uint32_t crc = Crc32c(std::string_view(out).substr(kMagic.size()));
  for (size_t i = 0; i < kCrcBytes; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  return out;
}

StatusOr<std::unique_ptr<Engine>> Engine::FromSnapshotBytes(std::string_view bytes,
                                                            const EngineSettings& settings,
                                                            unsigned lanes) {
  if (bytes.size() < kMagic.size() + kCrcBytes || bytes.substr(0, kMagic.size()) != kMagic) {
    return InvalidArgument("engine snapshot: not a snapshot (no \"SAE1\" header)");
  }
  const std::string_view payload =
      bytes.substr(kMagic.size(), bytes.size() - kMagic.size() - kCrcBytes);
  uint32_t stored = 0;
  for (size_t i = 0; i < kCrcBytes; ++i) {
    stored |= uint32_t{static_cast<unsigned char>(bytes[bytes.size() - kCrcBytes + i])} << (8 * i);
  }
  if (Crc32c(payload) != stored) {
    return InvalidArgument("engine snapshot: checksum mismatch (" + std::to_string(bytes.size()) +
                           " bytes are damaged or truncated)");
  }
  google::protobuf::Arena arena(SnapshotArenaOptions());
  auto* snapshot = google::protobuf::Arena::CreateMessage<v1::EngineSnapshot>(&arena);
  if (payload.size() > static_cast<size_t>(INT_MAX) ||
      !snapshot->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return InvalidArgument("engine snapshot: the payload does not parse");
  }
  return FromSnapshot(*snapshot, settings, lanes);
}

}  // namespace stayaway::engine
