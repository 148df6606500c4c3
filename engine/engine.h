// Engine: the deterministic core of stayaway. Start reading here.
//
// An Engine holds protection orders, global zones and every person's recent positions, and
// turns inputs (orders, zones, fixes, clock ticks) into alert events. It has no clocks,
// threads, sockets or files: time enters only as data (a fix's event and received times, a
// tick's time), so the same input sequence always yields byte-identical events. Replay,
// crash recovery and court reproduction are all "feed the same inputs again".
//
//   engine::Engine engine(settings);
//   std::vector<v1::Event> events;
//   engine.ApplyOrder(order, &events);
//   Status s = engine.ApplyFix(fix, &events);  // events now holds what the fix caused
//
// Thread-safety: thread-compatible. One Engine is driven by one thread at a time; distinct
// Engines are independent. An Engine made with lanes > 1 runs the fixes of a batch
// (ApplyFixes) on that many threads of its own, each owning a share of the case groups
// (the persons connected by orders), and returns when all are done: the events are
// byte for byte those of one lane (engine_state.h says how).
//
// ## Time
// "Now" is the largest received time or tick time seen so far; it never goes back.
// Every event carries `time` (the event time of the situation it describes) and
// `detected_at` (now, when the input that revealed it was applied). An event is `late` when
// detected_at - time > late_after_ms, or when it comes from a fix older than the newest one
// the rule had already evaluated by more than late_after_ms (an out-of-order upload).
// Smaller reorderings (a phone reporting a few seconds behind the tag) are evaluated like
// live fixes: they count towards debounce exactly as they would have in order, but an
// evaluation older than the rule's newest never closes an alert.
//
// ## Positions and uncertainty
// Every position has an accuracy radius r (metres). Distances are WGS84 geodesic. For a
// distance d between two positions with radii ra and rb, u = ra + rb, lower = max(0, d - u),
// upper = d + u. Against a limit R (strict comparisons, boundary behaviour exact):
//   confirmed  when upper < R          (even the most favourable reading is inside)
//   possible   when lower < R <= upper (the error circles straddle the limit)
// A person at rest is placed more sharply than any one fix: at or after their newest fix,
// when the trailing run of their fixes that report a speed of at most 0.5 m/s, within the
// 15 min before t, holds at least 3 fixes, the person is placed at the coordinate-wise
// median of that run (basis at_rest; this applies to the person whose fix is being
// applied as well as to the counterpart), with radius max(3 m, 1.25 median(r) / sqrt(n))
// grown for the age of the run's newest fix at 0.5 m/s for 90 s and at stale_growth_mps
// beyond (person_track.h). A fix without a speed, or one reporting more, ends the run,
// so does a gap of more than 3 min between its fixes, and a run whose fixes do not agree
// (more than half of them beyond 3 of their radii + 3 m of the median) is no rest: a
// moving person is placed by their fixes.
// The counterpart of a fix at event time t is otherwise placed at t: interpolated along the
// geodesic between its bracketing fixes (radius interpolated) when they are at most
// max_interpolation_gap_ms apart; otherwise its nearest fix in time (for a live fix its
// last one; the earlier one on a tie) with the radius grown by max(stale_growth_mps, its reported
// speed) times the age. A counterpart with no position within counterpart_stale_ms of t is unknown
// (a person who never reported, once counterpart_stale_ms has passed since the first evaluation
// that looked for them): the order raises protected_location_unknown (or
// supervised_location_unknown)
// instead of passing silently; that alert closes when a position is known again (the next
// evaluation that can place the person, or the person's own next fix).
//
// ## Rules (each a per-order rule key, one alert at a time per rule)
// - proximity:S:P for each supervised S and protected P: levels, lowest to highest,
//   warning possible < warning confirmed < violation possible < violation confirmed
//   (warning_distance_m 0 means no warning ring). One alert per pair: it opens at the
//   highest corroborated level (below), escalates to a higher corroborated one (kind
//   warning -> violation, certainty possible -> confirmed), is `downgraded` when
//   corroborated later fixes place it lower (below), emits `updated` when an evaluation
//   at or below its level improves on its closest approach by update_step_m, and closes
//   when lower >= the outer limit (warning distance, else violation distance) +
//   close_margin_m.
// - zone:ID (order zones) and zone:global:ID (shelters): signed distance sd to the zone
//   (< 0 inside) with the fix's radius r. Exclusion with buffer b: confirmed when
//   sd + r < b, possible when sd - r < b <= sd + r, closes when sd - r >= b + margin.
//   Inclusion with tolerance b: confirmed when sd - r > b, possible when
//   sd - r <= b < sd + r, closes when sd + r <= b. Outside the zone's schedule the rule does
//   not apply and an open alert closes. Exclusion zones are found through the R-tree;
//   inclusion zones of the person's orders are evaluated on every fix of the supervised.
// - Corroboration (rule_tracker.h): every level a proximity or zone alert reaches, at
//   opening or escalation, rests on independent evidence. For each level L, a run is the
//   consecutive live evaluations at L or above; its mover is the side whose fix the run's
//   first evaluation applied (the side that moved into L: the supervised or the protected
//   person; a zone has only the supervised). The run counts distinct fixes of the mover
//   only: the other side's fixes, evaluated against the mover's same stored fix or an
//   extrapolation or interpolation of it (the nearer bracketing fix counts), add nothing,
//   and so does a stored mover fix older than the newest one the run counted (an
//   interpolation may name the earlier of two counted fixes). A mover fix being applied
//   counts even when it is older than the run's newest: it is a measurement of its own.
//   L is corroborated when its run holds `confirm_fixes` distinct mover fixes, or two
//   distinct mover fixes at least `dwell_ms` apart in event time (the kind's Debounce;
//   a proximity level uses the warning or violation one by its kind), or, when the mover
//   is the protected person, once her phone has sent nothing new for 90 s while his fixes
//   kept the level (a phone that went silent must not leave an approach unalerted; 90 s is
//   longer than a phone's minute, so her next fix settles a bad one first; a silent tag
//   is reported by comms_lost and the location rules instead). Boundary cases: with confirm_fixes
//   1 every evaluation corroborates its level; a single fix, re-evaluated by the other
//   side within 90 s, never corroborates; a live evaluation below L (including a clear
//   one) ends L's run, including one slightly older than the rule's newest (within the
//   late threshold: it counts as it would have in order, but never closes); an
//   out-of-order one (a late upload) neither extends nor ends it.
//   Example: the protected person's phone reports once a minute, the tag every 15 s; one
//   bad phone fix inside the violation distance, re-evaluated with each of the tag's four
//   fixes, is one piece of evidence: no violation until her next fix agrees.
// - Downgrade: while an alert is open at L, the consecutive live evaluations below L
//   form a run (counted as above) that remembers its highest level H. When the run is
//   corroborated by L's Debounce and spans at least its dwell_ms, the alert is
//   `downgraded` to H (kind and certainty follow H; never to none: an alert ends by
//   closing), with downgrade_reason not_borne_out when no distinct mover fix after L was
//   reached supported it (L rested on the fixes that raised it, which later ones
//   contradict), else eased. History is not rewritten: the raise stays on record.
//   Acknowledgement deadlines do not loosen on a downgrade; a later escalation arms a new
//   one when the alert was acknowledged (see "Acknowledgement deadlines").
// - Outliers (outlier_gate.h): each positioned fix is judged against the medoid of its
//   person's recent accepted fixes, with a gate from both stated accuracies, the reported
//   speeds and the time between. An outlier is used by no distance or zone rule (it can
//   neither raise, nor hold, nor close a level) and is not placed for anyone's
//   counterpart; it is not an alert. Four consecutive outliers plausible from one another
//   are a real move and are followed. A device that reports no speed is not gated (without
//   Doppler a canyon jump and a car look alike); corroboration still applies to it. Device signals
//   (strap, case, body contact, jamming, SOS, battery) are never filtered or delayed: they come
//   from every fix, outlier or not.
// - A late evaluation that reveals a past confirmed level (warning or violation) opens at
//   once (marked late) and, when the rule's newest evaluation is already clear, closes at
//   once at that evaluation's time: a reordered upload cannot be corroborated in order, so
//   only a certain reading opens a past episode (a "possible" one, from a counterpart
//   interpolated towards a coarse fix, would be noise), and a past approach must not go
//   unseen.
// - Device rules, never debounced, raised in every active order of the device's person:
//   strap_tamper, case_tamper, body_contact_lost and jamming follow their fix flags (open
//   on a flagged fix, close on a later unflagged fix); sos opens on the flag, `updated` on
//   each further press, and stays open (operators resolve it); low_battery below
//   low_battery_pct, closing at low_battery_pct + battery_clear_margin_pct; location_lost
//   after only coarse fixes (accuracy > coarse_accuracy_m or cell source) for
//   location_lost_ms, closing on a fine fix; comms_lost when a tick finds no fix received
//   for comms_lost_ms (a device never heard counts from the first tick after it was
//   registered), closing on the next fix; implausible_movement when a fix implies a speed
//   above max_plausible_speed_mps from the person's neighbouring fix (after both radii):
//   the fix is suspect, is not used by any distance or zone rule (so it can neither open nor
//   close those alerts), and the alert closes on the next plausible fix. A suspect fix that
//   is itself plausible from the previous suspect fix re-anchors the track.
//
// ## Alerts and events
// Each transition (opened, escalated, updated, downgraded, closed) is one v1::Event with a
// deterministic alert_id (a hash of order id, rule key and the rule's alert count), the
// order id and version, kind, certainty, times, both positions with their radii, the
// distance with its bounds, and the (device, seq) of the fixes used. Within one input,
// events come in a fixed order: device rules, then each order of the person in the order
// they were first applied, within an order proximity pairs, zones, location-unknown.
//
// ## Acknowledgement deadlines
// Every alert has a deadline by kind and certainty (EngineSettings::ack_deadline_*), counted
// from the detection of its opening. An acknowledgement answers the alert at the level it
// has then. An escalation of an alert still awaiting its acknowledgement tightens the
// deadline when the new level's is tighter; an escalation of an alert already acknowledged
// or already reported overdue (a warning that became a violation, or a violation that
// eased, was downgraded and came back) is news nobody has answered: it arms a new deadline
// for the new level, counted from the escalation's detection. An escalation to a level
// without a deadline arms nothing. A tick that finds the armed deadline passed without an
// ApplyAck since emits one `ack_overdue` event (its time is the deadline) for that alert,
// open or closed.
//
// ## Resolution
// An operator resolves an alert with a disposition (v1::AlertResolve: false_alarm,
// patrol_dispatched, victim_contacted, police_notified, device_fault, other) and a note:
// a `resolved` event (who in ack_by, the note in ack_note, the credential, the
// disposition), at the resolution's time. It ends the alert: an open one is `closed` by
// the next event, at the same time; its acknowledgement deadline stops. Any alert may be
// resolved once, open or closed, SOS and device alerts included; a second resolution is
// refused (FailedPrecondition), as is an unknown alert (NotFound) or one without `by`,
// time or a disposition (InvalidArgument).
// When the condition still holds after a resolution (he is still inside the distance, the
// strap is still open, the device still silent), the rule stays quiet: no new alert at or
// below the resolved level until the rule is clear (as it would close: outside the rings
// plus close_margin_m, the flag off, a fix received), so one standing condition is one
// alert an operator has dealt with, not an alarm every fix. A higher level opens a new
// alert at once (a warning resolved, then he comes within the violation distance), and
// SOS is never quiet: every press after a resolution opens a new alert.
//
// ## Receipts
// A protected person's app tells the centre it showed her a notification of an alert
// (v1::AlertReceipt: the alert, her person id, the event log seq of the event it showed,
// the time the daemon received it and the time her device says it showed it): a
// `received` event at the receipt's time, with received_by, received_seq, shown_at and
// the credential. It is the court's record that, and when, she was warned, and changes
// nothing else: no deadline, no level, open or closed alike. Refused: an unknown alert
// (NotFound), a second receipt of the same event by the same person
// (FailedPrecondition), one from a person the alert's order does not protect or without a
// person, time or event_seq (InvalidArgument). The engine does not know event log seqs;
// the daemon checks that event_seq is an event of this alert before it submits.
//
// ## Refusals
// ApplyFix refuses, with no effect on state: a missing device or time, NaN or out-of-range
// coordinates, accuracy < 0 or > max_accuracy_m, a negative or absurd speed, heading outside
// [0, 360), battery outside [0, 100], an event time more than max_future_ms after the
// received time or more than 30 days before it (InvalidArgument); a device no order names
// (NotFound); a (device, seq) already applied (AlreadyExists: the caller treats it as an ignored
// duplicate); a seq the device's duplicate memory has closed (FailedPrecondition: stale; seq_set.h
// says when). A (device, seq) is applied at most once, ever: duplicate detection is exact, and its
// memory is bounded by closing old numbers, never by forgetting them.
//
// ## Snapshots (engine_snapshot.cc)
// Crash recovery loads the newest snapshot and replays only the inputs after it. A
// snapshot (v1::EngineSnapshot) is the engine's complete state, taken between inputs:
// every table with its internal numbering, because rules run and events come out in that
// order. The promise, tested against full replay: for any input sequence and any k,
//   FromSnapshot(snapshot after inputs[0..k)) fed inputs[k..n)
// emits byte for byte the events a single engine fed inputs[0..n) emits after input k.
// A snapshot loads only under the settings it was taken with (FailedPrecondition
// otherwise: the caller falls back to a full replay). The *Bytes variants add a framing
// ("SAE1", the deterministic serialization, its CRC-32C) so a damaged snapshot is refused
// with InvalidArgument instead of being loaded.
#ifndef STAYAWAY_ENGINE_ENGINE_H_
#define STAYAWAY_ENGINE_ENGINE_H_

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "engine/engine_config.h"

namespace stayaway::v1 {
class AlertAck;
class AlertReceipt;
class AlertResolve;
class EngineSnapshot;
class Event;
class Fix;
class Input;
class Order;
class Zone;
}  // namespace stayaway::v1

namespace stayaway::engine {

class EngineState;
class SeqSet;

class Engine {
 public:
  // `lanes`: how many threads ApplyFixes may use, the caller's included (>= 1; 1 keeps
  // everything on the caller). It changes speed, never a result.
  explicit Engine(const EngineSettings& settings = EngineSettings(), unsigned lanes = 1);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Adds an order or replaces it with a higher version (AlreadyExists for a version not
  // above the current one; InvalidArgument for a malformed order or zone, with a message
  // naming the field). Revoking or suspending closes the order's open alerts.
  Status ApplyOrder(const v1::Order& order, std::vector<v1::Event>* events);

  // Adds or replaces a global exclusion zone (a shelter) that every supervised person
  // must stay out of. Inclusion zones are refused here.
  Status ApplyGlobalZone(const v1::Zone& zone, std::vector<v1::Event>* events);

  // Evaluates one fix at its event time; see the file comment for every rule.
  Status ApplyFix(const v1::Fix& fix, std::vector<v1::Event>* events);

  // Applies a batch of fixes in order, exactly as ApplyFix one by one would: after each,
  // done(i, status, events) gets fix i's status and events (`events` is cleared before
  // each fix; done may move them out). Faster than a loop of ApplyFix when the devices
  // outnumber what the CPU caches hold: while one fix is evaluated, the memory the next
  // ones need is already on its way (prefetching never changes a result).
  using FixDone =
      std::function<void(size_t index, const Status& status, std::vector<v1::Event>* events)>;
  void ApplyFixes(std::span<const v1::Fix> fixes, std::vector<v1::Event>* events,
                  const FixDone& done);

  // Advances now to tick_ms (never backwards) and fires timeouts (comms_lost, ack_overdue).
  void ApplyTick(TimeMs tick_ms, std::vector<v1::Event>* events);

  // Records an operator's acknowledgement: an `acknowledged` event carrying who and the
  // note, at the ack's time. Open or closed alerts may be acknowledged, more than once
  // (each ack is its own event); NotFound for an alert id never emitted, InvalidArgument
  // without `by` or time. An acknowledged alert becomes ack_overdue only after an
  // escalation arms a new deadline (see "Acknowledgement deadlines").
  Status ApplyAck(const v1::AlertAck& ack, std::vector<v1::Event>* events);

  // Records an operator's resolution ("Resolution" above): a `resolved` event, and the
  // alert's `closed` when it was open.
  Status ApplyResolve(const v1::AlertResolve& resolve, std::vector<v1::Event>* events);

  // Records a protected person's receipt ("Receipts" above): a `received` event.
  Status ApplyReceipt(const v1::AlertReceipt& receipt, std::vector<v1::Event>* events);

  // Dispatches on the input's kind.
  Status Apply(const v1::Input& input, std::vector<v1::Event>* events);

  // Writes the whole state into `out` (cleared first). Between inputs only.
  Status SaveSnapshot(v1::EngineSnapshot* out) const;
  // A new engine in exactly the state a snapshot recorded. InvalidArgument for a snapshot
  // that is malformed or inconsistent (the message names the field), FailedPrecondition
  // for one taken under different settings.
  static StatusOr<std::unique_ptr<Engine>> FromSnapshot(const v1::EngineSnapshot& snapshot,
                                                        const EngineSettings& settings,
                                                        unsigned lanes = 1);
  // The same through bytes, for files: SaveSnapshotBytes is deterministic (the same state
  // gives the same bytes); FromSnapshotBytes refuses damaged bytes before parsing them.
  std::string SaveSnapshotBytes() const;
  // The framed bytes of a snapshot SaveSnapshot wrote (SaveSnapshotBytes is the two), for a
  // caller that takes the snapshot on the engine's thread and frames it on another.
  static std::string SnapshotBytes(const v1::EngineSnapshot& snapshot);
  static StatusOr<std::unique_ptr<Engine>> FromSnapshotBytes(std::string_view bytes,
                                                             const EngineSettings& settings,
                                                             unsigned lanes = 1);

  // The largest received or tick time seen; INT64_MIN before any.
  TimeMs now_ms() const;
  // The sequence numbers applied for `device` (its duplicate memory, seq_set.h); nullptr
  // for a device no order names. For a caller that checks a fix before it becomes an
  // input (the daemon refuses old sequence numbers of devices that sign their fixes).
  // Between inputs only: the pointer is good until the next input is applied.
  const SeqSet* AppliedSeqs(std::string_view device) const;
  // What ApplyFix checks of a fix on its own, before its device and sequence number (its
  // fields, its times against its received time): the Status ApplyFix would refuse it with.
  Status CheckFixForm(const v1::Fix& fix) const;
  // The forget_before_ms the next fix's SeqSet::Insert gets at least (its received time
  // may move it later): now minus the 30-day acceptance window.
  TimeMs SeqForgetBeforeMs() const;
  const EngineSettings& settings() const;

 private:
  std::unique_ptr<EngineState> state_;
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_ENGINE_H_
