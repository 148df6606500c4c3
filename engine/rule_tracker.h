// RuleTracker: the alert lifecycle of one rule of one order (a proximity pair, a zone, a
// device signal). It turns a stream of evaluations into transitions:
//
//   (nothing) --debounce--> opened --> escalated (level rises) --> updated (closer) -->
//   closed (clear)   ... and later a new alert with the next alert number.
//
// Live evaluations drive debounce, opening and closing. An out-of-order evaluation (the
// caller marks it: a late upload) can open, escalate or update but never close; when it
// opens an alert while the rule is clear at present, the alert closes at once at the
// present time, so the operator sees a past episode without an alert left dangling.
//
// Pure state machine: no clocks, deterministic. Thread-compatible.
#ifndef STAYAWAY_ENGINE_RULE_TRACKER_H_
#define STAYAWAY_ENGINE_RULE_TRACKER_H_

#include <cstdint>
#include <limits>
#include <vector>

#include "base/time.h"
#include "engine/engine_config.h"
#include "engine/rule_level.h"

namespace stayaway::engine {

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
};

enum class TransitionKind : uint8_t { kOpened, kEscalated, kUpdated, kClosed };

struct RuleTransition {
  TransitionKind kind;
  Level level;          // the alert's level after the transition (closed: its last level)
  TimeMs event_time;    // when the situation happened
  bool out_of_order;    // caused by an evaluation older than the newest one
  bool at_newest_clear; // a close placed at the newest clear evaluation, not this one
  uint32_t alert_number;
};

class RuleTracker {
 public:
  // Everything a tracker remembers, for engine snapshots: Save and Restore round-trip it
  // exactly, so a restored tracker continues as if it had never stopped.
  struct State {
    bool open = false;
    Level level = Level::kNone;
    double closest_m = std::numeric_limits<double>::infinity();
    uint32_t alerts_opened = 0;
    uint32_t pending_count = 0;
    TimeMs pending_since = 0;
  };
  State Save() const;
  static RuleTracker Restore(const State& state);

  // Applies one evaluation; appends zero, one or two transitions to `out`.
  void Apply(const RuleEvaluation& eval, const Debounce& debounce, double update_step_m,
             std::vector<RuleTransition>* out);
  // Closes an open alert regardless of distance (order revoked, zone removed).
  void ForceClose(TimeMs event_time, std::vector<RuleTransition>* out);

  bool is_open() const { return open_; }
  bool is_pending() const { return pending_count_ > 0; }
  // Nothing to remember beyond the alert count: a tracker in this state can skip a
  // harmless evaluation without applying it.
  bool is_idle() const { return !open_ && pending_count_ == 0; }
  Level level() const { return level_; }
  uint32_t alert_number() const { return alerts_opened_; }

 private:
  void Open(const RuleEvaluation& eval, bool out_of_order, std::vector<RuleTransition>* out);

  bool open_ = false;
  Level level_ = Level::kNone;
  double closest_m_ = std::numeric_limits<double>::infinity();
  uint32_t alerts_opened_ = 0;
  uint32_t pending_count_ = 0;
  TimeMs pending_since_ = 0;
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_RULE_TRACKER_H_
