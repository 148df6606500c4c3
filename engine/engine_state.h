// EngineState: the engine's data and the rules that act on it. INTERNAL: only the engine's
// own files include this header: engine.cc (the public face), the rules (engine_orders.cc,
// engine_fixes.cc, engine_ticks.cc, engine_events.cc) and engine_snapshot.cc (saving and
// restoring the state); everyone else uses engine/engine.h.
//
// The state lives in a header, rather than in one file's anonymous namespace, so the
// snapshot code can read and rebuild every field without the rule code having to know
// about snapshots. The structs are plain data; their invariants are the ones the rules in
// engine_orders.cc, engine_fixes.cc, engine_ticks.cc and engine_events.cc keep (and
// LoadSnapshot checks):
//   - persons_, devices_, orders_ and zones_ only grow; indices into them are stable and
//     are what every cross-reference holds (memberships, slots, alerts, the R-tree).
//   - zones_ keeps dead entries (superseded order versions, replaced shelters) so the
//     numbering of the live ones never changes: zone rules run in entry-index order.
//
// Lanes (ApplyFixes on several threads): the fixes of a batch are admitted one after
// another on the calling thread (form, device, duplicate memory, "now": everything a fix
// reads or writes outside its case group), then evaluated by lanes, each lane taking the
// fixes of the case groups it owns, in input order. A case group (the persons connected
// by orders: person_group_) is everything one evaluation touches: its persons, their
// devices and their orders' rule slots. Shared tables are only read during the
// evaluation; what a lane would write to them (a newly opened alert, an armed deadline)
// waits in the lane and is merged after the batch. Every fix therefore sees exactly the
// state it would have seen applied alone, in order: the events are the same for any
// number of lanes, byte for byte.
// Thread-compatible, like Engine.
#ifndef STAYAWAY_ENGINE_ENGINE_STATE_H_
#define STAYAWAY_ENGINE_ENGINE_STATE_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "base/work_crew.h"
#include "engine/check_wheel.h"
#include "engine/chunked_table.h"
#include "engine/compact_id.h"
#include "engine/compiled_zone.h"
#include "engine/engine_config.h"
#include "engine/function_ref.h"
#include "engine/id_index.h"
#include "engine/outlier_gate.h"
#include "engine/person_track.h"
#include "engine/rule_tracker.h"
#include "engine/seq_set.h"
#include "engine/small_list.h"
#include "geo/geodesic.h"
#include "geo/lat_lng.h"
#include "geo/zone_index.h"
#include "proto/stayaway.pb.h"

namespace stayaway::engine {
namespace internal {

inline constexpr TimeMs kNever = std::numeric_limits<TimeMs>::min();
inline constexpr TimeMs kForever = std::numeric_limits<TimeMs>::max();
inline constexpr uint32_t kNoSlot = std::numeric_limits<uint32_t>::max();

enum class Role : uint8_t { kSupervised, kProtected };

struct Membership {
  uint32_t order;
  Role role;
};

// Every field is read or written by each fix of the device: 96 bytes aligned to 32, a
// device's state is two cache lines, never three (a million devices do not fit in any
// cache).
struct alignas(32) DeviceState {
  CompactId id;
  uint32_t person = 0;
  uint32_t newest_flags = 0;  // flags of the newest fix, bit per v1::Fix::Flag
  SeqSet seqs;
  TimeMs last_received = kNever;  // comms_lost counts from here
  TimeMs coarse_since = kNever;   // start of the current run of coarse fixes
  TimeMs newest_time = kNever;    // newest fix event time
  double newest_battery_pct = -1;
  bool comms_lost = false;
};
static_assert(sizeof(DeviceState) == 96, "a device's state is two cache lines at most");

// Aligned, with what every fix reads first: a counterpart's placement reads one line.
struct alignas(64) PersonState {
  // What few persons ever have, on the heap: inline it would take a cache line more.
  struct Rare {
    std::optional<TrackFix> last_suspect;
    TimeMs first_sought = kNever;  // first evaluation that looked for a never-heard person
  };

  PersonTrack track;
  OutlierGate gate;              // judges each positioned fix before the track takes it
  SmallList<Membership> orders;  // ascending order index: the order they were applied
  std::unique_ptr<Rare> rare;    // null: no suspect fix, never sought
  std::string id;

  TimeMs first_sought() const { return rare ? rare->first_sought : kNever; }
  Rare& MutableRare() {
    if (!rare) rare = std::make_unique<Rare>();
    return *rare;
  }
};
static_assert(sizeof(PersonState) == 512, "a person's state is eight cache lines");

// One rule's tracker inside an order. Proximity slots are found by protected person,
// device and location-unknown slots by (kind, subject), zone slots by key.
struct RuleSlot {
  std::string key;
  v1::Event::Kind kind;  // fixed kind; kind_unspecified for proximity and zone rules
  uint32_t subject;      // person or device index; unused for zones
  RuleTracker tracker;
};

struct OrderState {
  // The terms as applied, without their zones (those are zone entries), kept as their
  // deterministic Protobuf serialization: a parsed v1::Order is a tree of small heap
  // blocks (1.4 KB for an order of four persons and ten devices), its bytes 214. Parsed
  // again only where all of it is read: snapshots and receipts.
  // The rules read the copies below.
  std::string terms_bytes;
  std::string id;
  uint32_t version = 0;
  double violation_distance_m = 0;
  double warning_distance_m = 0;
  bool active = true;
  TimeMs valid_from = kNever;
  TimeMs valid_until = kForever;
  uint32_t supervised = 0;
  std::vector<uint32_t> protected_persons;
  std::vector<uint32_t> pair_slots;  // per protected person: index in slots, or kNoSlot
  std::vector<uint32_t> zones;       // entries in EngineState::zones_
  std::vector<RuleSlot> slots;

  // Keeps `terms` (zones cleared by the caller) and the copies the rules read.
  void SetTerms(const v1::Order& terms);
  // The terms as SetTerms was given them.
  v1::Order Terms() const;

  bool InForce(TimeMs t) const { return active && t >= valid_from && t < valid_until; }
  RuleSlot* Find(v1::Event::Kind kind, uint32_t subject) {
    for (RuleSlot& slot : slots) {
      if (slot.kind == kind && slot.subject == subject && kind != v1::Event::kind_unspecified) {
        return &slot;
      }
    }
    return nullptr;
  }
  RuleSlot* FindKey(std::string_view key) {
    for (RuleSlot& slot : slots) {
      if (slot.key == key) return &slot;
    }
    return nullptr;
  }
  uint32_t Add(std::string key, v1::Event::Kind kind, uint32_t subject) {
    // Slots are large (a tracker's evidence runs) and come one at a time as rules first
    // fire; growing from one by doubling moved them and allocated anew on each of an
    // order's first few. The first makes room for one per person (each may come to be
    // sought while unheard), which is where most orders stay.
    if (slots.empty()) slots.reserve(1 + protected_persons.size());
    slots.push_back(RuleSlot{std::move(key), kind, subject, RuleTracker()});
    return static_cast<uint32_t>(slots.size() - 1);
  }
};

// Every alert ever opened, for acknowledgements and their deadlines.
struct AlertRecord {
  uint32_t order = 0;
  v1::Event::Kind kind = v1::Event::kind_unspecified;
  bool has_certainty = false;
  v1::Event::Certainty certainty = v1::Event::confirmed;
  TimeMs deadline_ms = 0;  // 0: none
  bool acked = false;
  bool overdue_sent = false;
  bool resolved = false;
  // Awaiting acknowledgement: a tick reports it overdue once deadline_ms has passed. Set
  // when a transition arms its deadline, cleared by the ack, the resolution or the
  // overdue report; the snapshot lists these alerts (unacked_open).
  bool awaiting_ack = false;
  std::string rule;
  // Receipts taken: (protected person, event_seq), so that a repeat is refused.
  std::set<std::pair<std::string, uint64_t>> receipts;
};

struct ZoneEntry {
  CompiledZone zone;
  // The zone as it was applied, kept so a snapshot can carry it and a restore can compile
  // exactly the same shape again (a compiled GEOS shape cannot be written back out).
  v1::Zone source;
  int64_t owner = -1;  // order index; -1 for a global zone
  std::string rule_key;
  geo::GeoBox indexed_box;
  bool indexed = false;
  bool live = true;
  // A global zone (owner -1) is evaluated for supervised persons of every case group, so
  // lanes may reach its shape at once; a shape's GEOS context is not thread-safe. Lanes
  // take this lock around it (a shelter is near few fixes: it is not the hot path).
  std::unique_ptr<std::mutex> shape_mu = std::make_unique<std::mutex>();
};

// What admission (the serial part of applying a fix) found out about an admitted fix.
struct AdmittedFix {
  uint32_t device = 0;
  TimeMs received = kNever;
  TimeMs now = kNever;  // the engine's now once this fix was admitted
};

// One lane's scratch space and the writes it holds back during a parallel batch (see
// the file comment). Lane 0 is also the one every serial input uses.
struct Lane {
  TimeMs now = kNever;    // "now" for the input being evaluated (event detected_at)
  bool parallel = false;  // in a parallel batch: shared tables are read-only
  std::vector<RuleTransition> transitions;
  std::vector<uint32_t> zone_candidates;
  std::vector<uint32_t> order_zones;
  // During a parallel batch: alerts the lane opened, and alerts whose deadline it armed.
  std::unordered_map<std::string, AlertRecord> opened;
  std::vector<std::string> armed;
  std::vector<uint32_t> restored;  // devices whose lost communications a fix restored
  // The lane's share of a batch (indices into it, in input order), their events, where
  // each one's events end, and how far the results have been handed out.
  std::vector<uint32_t> fixes;
  std::vector<v1::Event> events;
  std::vector<uint32_t> event_ends;
  size_t cursor = 0;
};

// What a rule's events say besides the common fields. A reference, not a std::function:
// rules make their filler for every evaluation, most of which emit nothing, and a
// std::function of a lambda with a few captures allocates each time it is made.
using EventFiller = FunctionRef<void(v1::Event*)>;
// The filler of events that say nothing more (closes and resolutions from outside a fix).
inline constexpr auto kFillNothing = [](v1::Event*) {};

}  // namespace internal

// ---------------------------------------------------------------------------------------
// EngineState: all of the engine's data and the rules that act on it.
// ---------------------------------------------------------------------------------------
class EngineState {
  // The plain data structs live in namespace internal (engine_snapshot.cc uses them too);
  // these aliases keep the rule code short.
  using AlertRecord = internal::AlertRecord;
  using DeviceState = internal::DeviceState;
  using Membership = internal::Membership;
  using OrderState = internal::OrderState;
  using PersonState = internal::PersonState;
  using Role = internal::Role;
  using RuleSlot = internal::RuleSlot;
  using ZoneEntry = internal::ZoneEntry;
  using EventFiller = internal::EventFiller;
  using AdmittedFix = internal::AdmittedFix;
  using Lane = internal::Lane;

 public:
  // `lanes` >= 1: how many threads ApplyFixes may use (1: the caller's only).
  explicit EngineState(const EngineSettings& settings, unsigned lanes = 1);

  Status ApplyOrder(const v1::Order& order, std::vector<v1::Event>* events);
  Status ApplyGlobalZone(const v1::Zone& zone, std::vector<v1::Event>* events);
  Status ApplyFix(const v1::Fix& fix, std::vector<v1::Event>* events);
  void ApplyFixes(std::span<const v1::Fix> fixes, std::vector<v1::Event>* events,
                  const std::function<void(size_t, const Status&, std::vector<v1::Event>*)>& done);
  void ApplyTick(TimeMs tick_ms, std::vector<v1::Event>* events);
  Status ApplyAck(const v1::AlertAck& ack, std::vector<v1::Event>* events);
  Status ApplyResolve(const v1::AlertResolve& resolve, std::vector<v1::Event>* events);
  Status ApplyReceipt(const v1::AlertReceipt& receipt, std::vector<v1::Event>* events);

  // What ApplyFix checks of a fix on its own (fields and times), before its device and
  // sequence number: the same Status.
  Status CheckFixForm(const v1::Fix& fix) const;

  TimeMs now_ms() const { return now_; }
  const EngineSettings& settings() const { return settings_; }
  const SeqSet* AppliedSeqs(std::string_view device) const {
    const std::optional<uint32_t> found = FindDevice(device);
    return found ? &devices_[*found].seqs : nullptr;
  }

  // Snapshots (engine_snapshot.cc): SaveSnapshot writes every field that outlives an
  // input; LoadSnapshot rebuilds them (and every derived index) into a state that has
  // applied nothing yet. On error the state is unusable and must be discarded.
  Status SaveSnapshot(v1::EngineSnapshot* out) const;
  Status LoadSnapshot(const v1::EngineSnapshot& snapshot);

 private:
  // The serial part of applying a fix: its form, its device, its sequence number against
  // the duplicate memory, and now. Refused: nothing changed. Admitted: EvaluateFix must
  // follow, in admission order within the fix's case group, but other fixes may be
  // admitted first: evaluation reads neither the duplicate memory nor now_, only what
  // admission recorded.
  Status AdmitFix(const v1::Fix& fix, AdmittedFix* admitted);
  // The rest: tracks, gates and every rule the fix drives; appends its events.
  void EvaluateFix(Lane& lane, const v1::Fix& fix, const AdmittedFix& admitted,
                   std::vector<v1::Event>* events);
  // Prefetching (engine_prefetch.cc). A fix's chain of dependent loads, as far as the
  // steps have followed it: step 0 the index slot, 1 the device, 2 the person, 3 the
  // person's track and orders, 4 the first order.
  struct FixChain {
    uint32_t hash = 0;
    uint32_t device = internal::kNoSlot;
    uint32_t person = internal::kNoSlot;
  };
  void Prefetch(const v1::Fix& fix, FixChain& chain, int step) const;
  // Calls body(i) for i in [0, n) while steps first_step..last_step run ahead on the fixes
  // to come (fix_at(j)); known_device(j) is fix j's device index when found already
  // (then the chain starts at step 1 or later), else kNoSlot.
  void Pipelined(size_t n, int first_step, int last_step,
                 FunctionRef<const v1::Fix&(size_t)> fix_at,
                 FunctionRef<uint32_t(size_t)> known_device, FunctionRef<void(size_t)> body) const;
  // ApplyFixes one after another on the calling thread, with prefetching.
  void ApplyFixesSerially(
      std::span<const v1::Fix> fixes, std::vector<v1::Event>* events,
      const std::function<void(size_t, const Status&, std::vector<v1::Event>*)>& done);
  // ApplyFixes on every lane (see the file comment).
  void ApplyFixesInLanes(
      std::span<const v1::Fix> fixes, std::vector<v1::Event>* events,
      const std::function<void(size_t, const Status&, std::vector<v1::Event>*)>& done);
  // Case groups, as a union-find over person indices: JoinGroups links two persons,
  // LaneOf says which lane owns a person's group now.
  uint32_t GroupRoot(uint32_t person);
  void JoinGroups(uint32_t a, uint32_t b);
  uint32_t LaneOf(uint32_t person);
  // Lane 0, ready for a serial input: its now is the engine's.
  Lane& SerialLane() {
    lanes_[0].now = now_;
    return lanes_[0];
  }
  // The alert registry as a lane may write it: directly when serial, through the lane's
  // held-back entries during a parallel batch.
  AlertRecord& AlertFor(Lane& lane, const std::string& alert_id);
  void ArmDeadline(Lane& lane, const std::string& alert_id);

  // The fix being applied, with what every rule needs to know about it.
  struct FixContext {
    const v1::Fix* fix;
    TrackFix track_fix;
    uint32_t device;
    uint32_t person;
    TimeMs received;
    bool suspect;  // implausible movement: no rule but the device's own uses it
    bool outlier;  // inconsistent with the person's recent fixes: no distance or zone rule
    TimeMs device_newest_before;  // the device's newest fix time before this one
    TimeMs person_newest_before;  // the person's newest plausible fix time before this one
    uint32_t flags;
    geo::Ecef ecef;  // of the fix's position, computed once for every screen
  };

  Status ValidateFix(const v1::Fix& fix, TimeMs t, TimeMs received) const;
  bool Implausible(const TrackFix& a, const geo::Ecef& a_ecef, const TrackFix& b,
                   const geo::Ecef& b_ecef) const;
  // Implausible movement; a suspect fix re-anchors the track (with the one before it) only
  // when `may_reanchor` (the outlier gate accepted it).
  bool CheckSuspect(PersonState& person, const TrackFix& fix, const geo::Ecef& fix_ecef,
                    bool may_reanchor);
  uint32_t PersonIndex(const std::string& id);
  // Appends a live zone entry for an order (owner = its index) or a shelter (owner -1).
  uint32_t AddZoneEntry(CompiledZone zone, const v1::Zone& source, int64_t owner);
  TimeMs NewestOf(uint32_t person) const;
  // device_index_ keeps no ids of its own: it reads them from devices_.
  auto DeviceIdAt() const {
    return [this](uint32_t d) { return devices_[d].id.view(); };
  }
  std::optional<uint32_t> FindDevice(std::string_view id) const {
    return device_index_.Find(id, DeviceIdAt());
  }
  // The same for persons and orders.
  auto PersonIdAt() const {
    return [this](uint32_t p) -> const std::string& { return persons_[p].id; };
  }
  auto OrderIdAt() const {
    return [this](uint32_t o) -> const std::string& { return orders_[o].id; };
  }

  void DeviceRules(Lane& lane, uint32_t order_index, const FixContext& fx, bool comms_restored,
                   std::optional<bool> location_lost, std::vector<v1::Event>* events);
  void OrderRules(Lane& lane, uint32_t order_index, Role role, const FixContext& fx,
                  const std::vector<uint32_t>& zone_candidates, std::vector<v1::Event>* events);
  void ProximityRule(Lane& lane, uint32_t order_index, size_t pair, const FixContext& fx,
                     const Placement& supervised, const Placement& protected_person,
                     std::vector<v1::Event>* events);
  bool PresentProximityClear(const OrderState& order, uint32_t protected_person) const;
  void ZoneRule(Lane& lane, uint32_t order_index, uint32_t zone_entry, const FixContext& fx,
                std::vector<v1::Event>* events);
  void LocationUnknownRule(Lane& lane, uint32_t order_index, v1::Event::Kind kind, uint32_t person,
                           const FixContext& fx, bool unknown, std::vector<v1::Event>* events);
  void CloseInactive(uint32_t order_index, TimeMs t, std::vector<v1::Event>* events);

  // Applies an evaluation to a slot and turns its transitions into events.
  // Warning levels corroborate by `warning`, violation levels by `violation`.
  void Evaluate(Lane& lane, uint32_t order_index, uint32_t slot_index, const RuleEvaluation& eval,
                const Debounce& warning, const Debounce& violation, const EventFiller& fill,
                std::vector<v1::Event>* events);
  void EmitTransitions(Lane& lane, uint32_t order_index, uint32_t slot_index,
                       const std::vector<RuleTransition>& transitions, const EventFiller& fill,
                       std::vector<v1::Event>* events);
  void FillPlacement(uint32_t person, const Placement& placement, v1::PositionReport* report) const;
  void TrackAlert(Lane& lane, const v1::Event& event, uint32_t order_index);
  TimeMs AckDeadline(const v1::Event& event) const;
  v1::Event& AddAlertEvent(const std::string& alert_id, const AlertRecord& alert,
                           v1::Event::Transition transition, TimeMs time,
                           std::vector<v1::Event>* events);
  void AddFixRefs(const Placement& placement, v1::Event* event) const;

  EngineSettings settings_;
  TimeMs now_ = internal::kNever;
  // In chunks, not vectors: no slack of a doubling growth (chunked_table.h).
  ChunkedTable<OrderState> orders_;
  IdIndex order_index_;  // the ids live in orders_
  ChunkedTable<PersonState> persons_;
  IdIndex person_index_;  // the ids live in persons_
  ChunkedTable<DeviceState> devices_;
  IdIndex device_index_;  // the per-fix lookup; the ids live in devices_
  std::vector<ZoneEntry> zones_;
  std::unordered_map<std::string, uint32_t> global_zone_index_;
  geo::ZoneIndex zone_tree_;
  // Every alert by id: looked up by each alert event. Unordered (a lookup is a hash, not
  // a walk of string compares); whatever needs an order sorts (the snapshot, the overdue
  // reports of one tick). Its nodes never move and are never erased: deadlines_ points
  // at them.
  std::unordered_map<std::string, AlertRecord> alerts_;
  // The deadlines of the alerts awaiting acknowledgement, soonest first (a min-heap), so
  // that a tick looks only at those that are due, not at every alert awaiting an ack.
  // An entry is pushed each time an alert's deadline is armed; one whose alert no longer
  // awaits an ack, or whose deadline has moved since, is dropped when it comes up.
  struct Deadline {
    TimeMs deadline_ms;
    std::pair<const std::string, AlertRecord>* alert;
    bool operator>(const Deadline& other) const { return deadline_ms > other.deadline_ms; }
  };
  std::vector<Deadline> deadlines_;
  void PushDeadline(std::pair<const std::string, AlertRecord>& alert);
  // When each device is next to be looked at for lost communications (check_wheel.h), so
  // that a tick looks at the devices whose silence may have reached comms_lost_ms rather
  // than at every device (a million devices took 7 ms a tick). Every device not lost is
  // filed once, due no later than comms_lost_ms after its newest received time (a fix
  // only moves that later, so fixes never touch this); one looked at too early is filed
  // again at its deadline. A lost one leaves, and the fix that restores it files it again
  // (held back by its lane during a parallel batch). Seconds (rounded down) since 1970, 0
  // for earlier times. Derived: rebuilt, not saved.
  CheckWheel comms_checks_;
  // Devices not filed yet: new ones, and those never heard after a snapshot load. The next
  // tick looks at each (a device never heard counts its silence from it) and files it
  // for the first time (FileFirstCommsCheck).
  std::vector<uint32_t> unfiled_devices_;
  void ScheduleCommsCheck(uint32_t device, TimeMs due_ms);
  // Files a device not lost for the first time: at a point before its deadline that its
  // index sets, so that devices registered or loaded together are not all looked at by
  // the same ticks ever after (each is looked at about once in comms_lost_ms, and a fleet
  // reporting every 30 s has all its deadlines within 30 s); at its deadline if that has
  // passed (the next tick takes it).
  void FileFirstCommsCheck(uint32_t device);
  static uint32_t SecondsFor(TimeMs ms);  // the wheel's unit
  // Case groups: person_group_[p] is p's parent in the union-find (itself at a root).
  // Derived from the orders (rebuilt by LoadSnapshot), never saved.
  std::vector<uint32_t> person_group_;
  // Lane 0 serves every serial input; lanes 1.. exist with a crew (lanes > 1).
  std::vector<Lane> lanes_;
  std::unique_ptr<WorkCrew> crew_;
  // Per fix of the batch being applied in lanes: admission's verdict and the lane that
  // evaluates it. Written before the lanes start, read-only while they run. Reused by
  // every batch, so the hot path does not allocate.
  struct BatchFix {
    Status status;
    AdmittedFix admitted;
    uint32_t lane = 0;
  };
  std::vector<BatchFix> batch_;
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_ENGINE_STATE_H_
