#include "engine/rule_tracker.h"

#include <algorithm>
#include <cmath>

namespace stayaway::engine {
namespace {

size_t RunIndex(Level level) { return static_cast<size_t>(level) - 1; }

const Debounce& DebounceOf(Level level, const Debounce& warning, const Debounce& violation) {
  return IsViolation(level) ? violation : warning;
}

}  // namespace

bool EvidenceRun::Add(const RuleEvaluation& eval) {
  if (fixes == 0) {
    const bool other_moved = eval.trigger_at_rest && !(eval.counterpart == FixKey());
    mover = other_moved ? static_cast<uint8_t>(1 - eval.trigger_side) : eval.trigger_side;
    last = other_moved ? eval.counterpart : eval.trigger;
    fixes = 1;
    first_time = last_time = eval.event_time;
    return true;
  }
  const bool mover_triggered = eval.trigger_side == mover;
  const FixKey& mover_fix = mover_triggered ? eval.trigger : eval.counterpart;
  if (mover_fix == FixKey() || mover_fix == last) return false;
  // A fix being applied is new evidence whatever its time (each fix is applied once). A
  // stored fix named as the counterpart is new only if no newer one was counted: an
  // interpolated placement may name a fix the run counted before `last`.
  if (!mover_triggered && mover_fix.time < last.time) return false;
  ++fixes;
  if (mover_fix.time >= last.time) last = mover_fix;
  last_time = std::max(last_time, eval.event_time);
  return true;
}

bool EvidenceRun::Corroborated(const Debounce& debounce, const RuleEvaluation& eval) const {
  if (fixes == 0) return false;
  if (fixes >= std::max<uint32_t>(1, debounce.confirm_fixes)) return true;
  if (debounce.dwell_ms > 0 && fixes >= 2 && last_time - first_time >= debounce.dwell_ms) {
    return true;
  }
  // The protected person's phone fell silent while his fixes kept the level: they
  // corroborate it. (A silent tag is not: comms_lost and location rules report it, and
  // what it buffered arrives as a late upload.)
  return mover == kProtectedSide && eval.trigger_side != mover &&
         eval.event_time - last_time >= kMoverSilenceMs;
}

bool RuleTracker::is_pending() const {
  return std::any_of(s_.runs.begin(), s_.runs.end(),
                     [](const EvidenceRun& run) { return run.fixes > 0; });
}

Level RuleTracker::Corroborated(Level above, const Debounce& warning, const Debounce& violation,
                                const RuleEvaluation& eval) const {
  for (int l = kLevels; l > static_cast<int>(above); --l) {
    const auto level = static_cast<Level>(l);
    if (s_.runs[RunIndex(level)].Corroborated(DebounceOf(level, warning, violation), eval)) {
      return level;
    }
  }
  return Level::kNone;
}

void RuleTracker::ResetRuns() {
  for (EvidenceRun& run : s_.runs) run.Reset();
  s_.below.Reset();
  s_.below_peak = Level::kNone;
}

void RuleTracker::Open(const RuleEvaluation& eval, Level level, bool out_of_order,
                       std::vector<RuleTransition>* out) {
  s_.open = true;
  s_.level = level;
  s_.closest_m =
      std::isnan(eval.distance_m) ? std::numeric_limits<double>::infinity() : eval.distance_m;
  s_.below.Reset();
  s_.below_peak = Level::kNone;
  s_.borne_out = false;
  s_.quiet_level = Level::kNone;
  ++s_.alerts_opened;
  out->push_back(
      {TransitionKind::kOpened, level, eval.event_time, out_of_order, false, s_.alerts_opened});
}

void RuleTracker::Raise(Level level, const RuleEvaluation& eval, TransitionKind kind,
                        std::vector<RuleTransition>* out) {
  s_.level = level;
  if (!std::isnan(eval.distance_m)) s_.closest_m = std::min(s_.closest_m, eval.distance_m);
  s_.below.Reset();
  s_.below_peak = Level::kNone;
  s_.borne_out = false;
  out->push_back({kind, level, eval.event_time, eval.out_of_order, false, s_.alerts_opened});
}

void RuleTracker::Apply(const RuleEvaluation& eval, const Debounce& warning,
                        const Debounce& violation, double update_step_m,
                        std::vector<RuleTransition>* out) {
  const bool out_of_order = eval.out_of_order;
  bool supports_level = false;  // a new mover fix at or above the open alert's level
  if (!out_of_order) {
    for (int i = 0; i < kLevels; ++i) {
      const auto level = static_cast<Level>(i + 1);
      if (eval.level >= level) {
        const bool added = s_.runs[i].Add(eval);
        supports_level = supports_level || (added && level == s_.level);
      } else {
        s_.runs[i].Reset();
      }
    }
  }

  if (s_.open) {
    const bool qualifies = eval.level != Level::kNone;
    // A late upload is evidence of the past: no run can be judged from it, so only a certain
    // reading (confirmed) escalates, as only a certain one opens.
    const Level target = out_of_order ? (IsConfirmed(eval.level) ? eval.level : Level::kNone)
                                      : Corroborated(s_.level, warning, violation, eval);
    if (target > s_.level) {
      Raise(target, eval, TransitionKind::kEscalated, out);
      return;
    }
    if (eval.clear && !out_of_order && eval.may_close) {
      s_.open = false;
      s_.last_closed_ms = std::max(s_.last_closed_ms, eval.event_time);
      ResetRuns();
      out->push_back(
          {TransitionKind::kClosed, s_.level, eval.event_time, false, false, s_.alerts_opened});
      return;
    }
    if (!out_of_order) {
      if (eval.level >= s_.level) {
        s_.below.Reset();
        s_.below_peak = Level::kNone;
        s_.borne_out = s_.borne_out || supports_level;
      } else {
        s_.below.Add(eval);
        s_.below_peak = std::max(s_.below_peak, eval.level);
        const Debounce& d = DebounceOf(s_.level, warning, violation);
        if (s_.below_peak != Level::kNone && s_.below.Corroborated(d, eval) &&
            s_.below.last_time - s_.below.first_time >= d.dwell_ms) {
          const DowngradeReason reason =
              s_.borne_out ? DowngradeReason::kEased : DowngradeReason::kNotBorneOut;
          s_.level = s_.below_peak;
          s_.below.Reset();
          s_.below_peak = Level::kNone;
          // The new level rests on the run that just corroborated it.
          s_.borne_out = true;
          out->push_back({TransitionKind::kDowngraded, s_.level, eval.event_time, false, false,
                          s_.alerts_opened, reason});
          return;
        }
      }
    }
    // A reading above the alert's level is not news until corroborated (it escalates then).
    if (qualifies && eval.level <= s_.level && !std::isnan(eval.distance_m) &&
        eval.distance_m <= s_.closest_m - update_step_m) {
      s_.closest_m = eval.distance_m;
      out->push_back({TransitionKind::kUpdated, s_.level, eval.event_time, out_of_order, false,
                      s_.alerts_opened});
    } else if (qualifies && eval.update_on_repeat) {
      out->push_back({TransitionKind::kUpdated, s_.level, eval.event_time, out_of_order, false,
                      s_.alerts_opened});
    }
    return;
  }

  if (s_.quiet_level != Level::kNone) {
    // Resolved while its condition held: quiet until the rule is clear, or a repeat
    // signal (an SOS press), which is always news.
    if (eval.clear && !out_of_order && eval.may_close) s_.quiet_level = Level::kNone;
    if (eval.update_on_repeat) s_.quiet_level = Level::kNone;
  }
  if (eval.level == Level::kNone) return;
  const Level quiet = s_.quiet_level;

  if (out_of_order) {
    // A past episode revealed late: no corroboration can be judged from a reordered upload,
    // so only a certain reading (confirmed) opens one.
    if (!IsConfirmed(eval.level) || eval.level <= quiet) return;
    Open(eval, eval.level, true, out);
    if (eval.present_clear) {
      s_.open = false;
      s_.last_closed_ms = std::max(s_.last_closed_ms, eval.present_time);
      out->push_back(
          {TransitionKind::kClosed, s_.level, eval.present_time, true, true, s_.alerts_opened});
    }
    return;
  }

  const Level target = Corroborated(quiet, warning, violation, eval);
  // A moment a newer evaluation already judged by closing: the same episode, seen late.
  if (!eval.may_close && eval.event_time <= s_.last_closed_ms) return;
  if (target != Level::kNone) Open(eval, target, false, out);
}

RuleTracker::State RuleTracker::Save() const { return s_; }

RuleTracker RuleTracker::Restore(const State& state) {
  RuleTracker tracker;
  tracker.s_ = state;
  return tracker;
}

void RuleTracker::Resolve(TimeMs event_time, std::vector<RuleTransition>* out) {
  if (!s_.open) return;
  const Level level = s_.level;
  ForceClose(event_time, out);
  s_.quiet_level = level;
}

void RuleTracker::ForceClose(TimeMs event_time, std::vector<RuleTransition>* out) {
  const bool was_open = s_.open;
  s_.open = false;
  ResetRuns();
  if (!was_open) return;
  out->push_back({TransitionKind::kClosed, s_.level, event_time, false, false, s_.alerts_opened});
}

}  // namespace stayaway::engine
