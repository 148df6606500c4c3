#include "engine/rule_tracker.h"

#include <cmath>

namespace stayaway::engine {

void RuleTracker::Open(const RuleEvaluation& eval, bool out_of_order,
                       std::vector<RuleTransition>* out) {
  open_ = true;
  level_ = eval.level;
  closest_m_ = std::isnan(eval.distance_m) ? std::numeric_limits<double>::infinity()
                                           : eval.distance_m;
  pending_count_ = 0;
  ++alerts_opened_;
  out->push_back({TransitionKind::kOpened, level_, eval.event_time, out_of_order, false,
                  alerts_opened_});
}

void RuleTracker::Apply(const RuleEvaluation& eval, const Debounce& debounce,
                        double update_step_m, std::vector<RuleTransition>* out) {
  const bool out_of_order = eval.out_of_order;

  if (open_) {
    const bool qualifies = eval.level != Level::kNone;
    if (eval.level > level_) {
      level_ = eval.level;
      if (!std::isnan(eval.distance_m)) closest_m_ = std::min(closest_m_, eval.distance_m);
      out->push_back({TransitionKind::kEscalated, level_, eval.event_time, out_of_order, false,
                      alerts_opened_});
    } else if (qualifies && !std::isnan(eval.distance_m) &&
               eval.distance_m <= closest_m_ - update_step_m) {
      closest_m_ = eval.distance_m;
      out->push_back({TransitionKind::kUpdated, level_, eval.event_time, out_of_order, false,
                      alerts_opened_});
    } else if (qualifies && eval.update_on_repeat) {
      out->push_back({TransitionKind::kUpdated, level_, eval.event_time, out_of_order, false,
                      alerts_opened_});
    } else if (eval.clear && !out_of_order && eval.may_close) {
      open_ = false;
      out->push_back({TransitionKind::kClosed, level_, eval.event_time, false, false,
                      alerts_opened_});
    }
    return;
  }

  if (eval.level == Level::kNone) {
    if (!out_of_order) pending_count_ = 0;
    return;
  }

  if (out_of_order) {
    // A past episode revealed late: no debounce can be judged from a reordered upload.
    Open(eval, true, out);
    if (eval.present_clear) {
      open_ = false;
      out->push_back({TransitionKind::kClosed, level_, eval.present_time, true, true,
                      alerts_opened_});
    }
    return;
  }

  if (pending_count_ == 0) pending_since_ = eval.event_time;
  ++pending_count_;
  const bool dwelled =
      debounce.dwell_ms > 0 && eval.event_time - pending_since_ >= debounce.dwell_ms;
  if (pending_count_ >= debounce.confirm_fixes || dwelled) {
    Open(eval, false, out);
  }
}

RuleTracker::State RuleTracker::Save() const {
  return State{open_, level_, closest_m_, alerts_opened_, pending_count_, pending_since_};
}

RuleTracker RuleTracker::Restore(const State& state) {
  RuleTracker tracker;
  tracker.open_ = state.open;
  tracker.level_ = state.level;
  tracker.closest_m_ = state.closest_m;
  tracker.alerts_opened_ = state.alerts_opened;
  tracker.pending_count_ = state.pending_count;
  tracker.pending_since_ = state.pending_since;
  return tracker;
}

void RuleTracker::ForceClose(TimeMs event_time, std::vector<RuleTransition>* out) {
  pending_count_ = 0;
  if (!open_) return;
  open_ = false;
  out->push_back({TransitionKind::kClosed, level_, event_time, false, false, alerts_opened_});
}

}  // namespace stayaway::engine
