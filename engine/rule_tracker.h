// RuleTracker: the alert lifecycle of one rule of one order (a proximity pair, a zone, a
// device signal). It turns a stream of evaluations into transitions:
//
//   (nothing) --corroborated--> opened --> escalated (level rises, corroborated)
//     --> updated (closer) --> downgraded (level falls, corroborated) --> closed (clear)
//   ... and later a new alert with the next alert number.
//
// ## Corroboration (engine.h states the rule for users)
// Every level an alert reaches rests on independent evidence. For each level L the tracker
// keeps a run: the consecutive live evaluations at L or above. The run's mover is the side
// that moved into the level: the side whose fix the run's first evaluation applied, unless
// that side is at rest (then the other side; zones and device rules have one side). A run
// counts the distinct fixes of its mover only: an evaluation applying the other side's fix
// against the mover's same stored fix (or an extrapolation of it) adds nothing, and neither
// does one placed by a stored mover fix older than the newest the run counted (an
// interpolation between two counted fixes may name the earlier one). L is
// corroborated when its run holds debounce.confirm_fixes distinct mover fixes, or two
// distinct mover fixes at least debounce.dwell_ms apart in event time, or, when the mover
// is the protected person, once she has sent nothing new for kMoverSilenceMs while his
// fixes kept the level (the evaluation of such a fix corroborates it). A closed rule opens at the
// highest corroborated level; an open alert escalates to the highest corroborated level above its
// own. A live evaluation below L ends L's run.
//
// Levels also step down, on the same evidence: while an alert is open at L, the
// consecutive live evaluations below L form a run (mover and counting as above) and
// remember the highest level among them; once that run is corroborated by L's debounce
// AND spans at least its dwell_ms (so a boundary does not flap), the alert is downgraded
// to that highest level (never to none: an alert ends only by closing). The reason says
// whether the level was ever borne out: kNotBorneOut when no distinct mover fix after the
// raise supported it (it rested on the fixes that raised it: taken as bad fixes), kEased
// when it held and the situation eased. History is not rewritten: the raise stays on
// record, the downgrade is a transition of its own.
//
// ## Resolution by an operator
// Resolve ends the alert (a `closed` transition). When the rule is not clear at that moment
// (its condition still holds), the tracker stays quiet: no new alert at or below the
// resolved level until an evaluation finds the rule clear, while a corroborated level above
// it opens a new alert at once. Rules whose every qualifying evaluation is news
// (update_on_repeat: SOS presses) are never quiet: the next press opens a new alert.
//
// An open alert is `updated` when an evaluation at or below its level improves on its
// closest approach by update_step_m; a reading above its level waits for corroboration.
//
// ## Order of evaluations
// Live evaluations drive corroboration, opening and closing. An evaluation older than the
// rule's newest (may_close false) counts in runs like a live one but never closes. An
// out-of-order evaluation (the caller marks it: a late upload)
// can open, escalate or update but never close or downgrade, and takes no part in runs.
// It opens or escalates an alert only at a confirmed level (no
// run can corroborate a reordered upload, so only a certain reading counts); when it opens
// one while the rule is clear at present, the alert closes at once at the present time, so
// the operator sees a past episode without an alert left dangling.
// An older evaluation (may_close false) never opens an alert at an event time at or before
// the rule's newest close by an evaluation: that moment was judged already, by a newer
// reading, and an episode seen again through one side's delayed fixes (a partition of
// stayaway.fixes held back by a failover, docs/kafka.md) stays one alert.
//
// Pure state machine: no clocks, deterministic. Thread-compatible.
#ifndef STAYAWAY_ENGINE_RULE_TRACKER_H_
#define STAYAWAY_ENGINE_RULE_TRACKER_H_

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "base/time.h"
#include "engine/engine_config.h"
#include "engine/rule_level.h"

namespace stayaway::engine {

// When the mover of a run is the protected person and her phone has sent nothing new for
// this long (event time) while his fixes kept the level, those fixes corroborate it: a
// phone that went silent (dead, taken) must not leave an approach unalerted. Longer than a
// phone's minute between fixes, so her next fix settles a bad one first. A silent tag is
// not covered: comms_lost and the location rules report it, and what it buffered arrives
// as a late upload.
inline constexpr TimeMs kMoverSilenceMs = 90'000;
inline constexpr uint8_t kProtectedSide = 1;  // RuleEvaluation::trigger_side of her fixes

// A stored fix as evidence: the device (engine index), its sequence number and its event
// time (ms since the epoch).
struct FixKey {
  uint32_t device = std::numeric_limits<uint32_t>::max();  // max: no fix
  uint64_t seq = 0;
  TimeMs time = 0;
  friend bool operator==(const FixKey&, const FixKey&) = default;
};

struct RuleEvaluation {
  TimeMs event_time = 0;
  Level level = Level::kNone;
  bool clear = true;
  // Distance to compare closest approaches with; NaN when the rule has none.
  double distance_m = std::numeric_limits<double>::quiet_NaN();
  // Every qualifying evaluation of an open alert is an update (SOS presses).
  bool update_on_repeat = false;
  // Set by the caller when the evaluation is older than the rule's newest one by more than
  // the late threshold (a late upload). present_clear then says whether the rule was clear
  // at its newest evaluation, present_time.
  bool out_of_order = false;
  // False when the evaluation is older than the rule's newest one, even within the late
  // threshold: an older reading must not close an alert a newer one holds open.
  bool may_close = true;
  bool present_clear = true;
  TimeMs present_time = 0;
  // The evidence: the fix being applied (`trigger`, of side trigger_side: 0 the supervised
  // person or the device, 1 the protected person) and the other side's stored fix the
  // evaluation placed it by (`counterpart`; none for zones and device rules).
  FixKey trigger;
  uint8_t trigger_side = 0;
  FixKey counterpart;
  // The trigger's side is at rest (placed at the median of its rest run): it did not move,
  // so a run this evaluation starts has the other side as its mover.
  bool trigger_at_rest = false;
};

enum class TransitionKind : uint8_t { kOpened, kEscalated, kUpdated, kDowngraded, kClosed };

// Why a level stepped down (kDowngraded only).
enum class DowngradeReason : uint8_t { kNone, kNotBorneOut, kEased };

struct RuleTransition {
  TransitionKind kind;
  Level level;          // the alert's level after the transition (closed: its last level)
  TimeMs event_time;    // when the situation happened
  bool out_of_order;    // caused by an evaluation older than the newest one
  bool at_newest_clear; // a close placed at the newest clear evaluation, not this one
  uint32_t alert_number;
  DowngradeReason reason = DowngradeReason::kNone;
};

// A run of consecutive evaluations and the distinct fixes of its mover (see above).
struct EvidenceRun {
  uint32_t fixes = 0;     // distinct mover fixes; 0: no run
  uint8_t mover = 0;      // the side whose fix started the run
  FixKey last;            // the mover's newest counted fix (by event time)
  TimeMs first_time = 0;  // event time of the run's first evaluation
  TimeMs last_time = 0;   // event time of the newest evaluation that counted a fix

  // Extends the run by an evaluation; true when it counted a new mover fix.
  bool Add(const RuleEvaluation& eval);
  void Reset() { *this = EvidenceRun(); }
  // Corroborated as of `eval` (the evaluation just applied).
  bool Corroborated(const Debounce& debounce, const RuleEvaluation& eval) const;
  friend bool operator==(const EvidenceRun&, const EvidenceRun&) = default;
};

class RuleTracker {
 public:
  static constexpr int kLevels = 4;  // runs_[i] is the run of Level(i + 1)

  // Everything a tracker remembers, for engine snapshots: Save and Restore round-trip it
  // exactly, so a restored tracker continues as if it had never stopped.
  struct State {
    bool open = false;
    Level level = Level::kNone;
    double closest_m = std::numeric_limits<double>::infinity();
    uint32_t alerts_opened = 0;
    std::array<EvidenceRun, kLevels> runs{};
    EvidenceRun below;                // the open alert's run below its level
    Level below_peak = Level::kNone;  // the highest level among `below`'s evaluations
    bool borne_out = false;  // a distinct mover fix after the level was reached supported it
    Level quiet_level = Level::kNone;  // resolved while its condition held (see above)
    TimeMs last_closed_ms = 0;         // event time of the newest close by an evaluation; 0: none
  };
  State Save() const;
  static RuleTracker Restore(const State& state);

  // Applies one evaluation; appends zero, one or two transitions to `out`. Levels of
  // warning kind corroborate by `warning`, violation levels by `violation`.
  void Apply(const RuleEvaluation& eval, const Debounce& warning, const Debounce& violation,
             double update_step_m, std::vector<RuleTransition>* out);
  // Closes an open alert regardless of distance (order revoked, zone removed).
  void ForceClose(TimeMs event_time, std::vector<RuleTransition>* out);
  // An operator resolved the open alert at event_time: closes it and stays quiet at its
  // level until the rule is clear (see "Resolution by an operator").
  void Resolve(TimeMs event_time, std::vector<RuleTransition>* out);

  bool is_open() const { return s_.open; }
  bool is_pending() const;
  // Nothing to remember beyond the alert count: a tracker in this state can skip a
  // harmless evaluation without applying it.
  bool is_idle() const { return !s_.open && !is_pending() && s_.quiet_level == Level::kNone; }
  Level level() const { return s_.level; }
  uint32_t alert_number() const { return s_.alerts_opened; }

 private:
  void Open(const RuleEvaluation& eval, Level level, bool out_of_order,
            std::vector<RuleTransition>* out);
  void Raise(Level level, const RuleEvaluation& eval, TransitionKind kind,
             std::vector<RuleTransition>* out);
  // The highest level above `above` whose run is corroborated; kNone when none is.
  Level Corroborated(Level above, const Debounce& warning, const Debounce& violation,
                     const RuleEvaluation& eval) const;
  void ResetRuns();

  State s_;
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_RULE_TRACKER_H_
