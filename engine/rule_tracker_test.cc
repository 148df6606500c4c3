#include "engine/rule_tracker.h"

#include <gtest/gtest.h>

namespace stayaway::engine {
namespace {

constexpr Debounce kTwoFixes{2, 30'000};

RuleEvaluation Eval(TimeMs t, Level level, bool clear, double distance = 100) {
  RuleEvaluation e;
  e.event_time = t;
  e.level = level;
  e.clear = clear;
  e.distance_m = distance;
  return e;
}

TEST(RuleTracker, OpensOnlyAfterConfirmingFixes) {
  RuleTracker tracker;
  std::vector<RuleTransition> out;
  tracker.Apply(Eval(0, Level::kViolationConfirmed, false), kTwoFixes, 25, &out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(tracker.is_pending());
  tracker.Apply(Eval(10'000, Level::kViolationConfirmed, false), kTwoFixes, 25, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, TransitionKind::kOpened);
  EXPECT_EQ(out[0].alert_number, 1u);
}

TEST(RuleTracker, HarmlessEvaluationResetsPending) {
  RuleTracker tracker;
  std::vector<RuleTransition> out;
  tracker.Apply(Eval(0, Level::kWarningPossible, false), kTwoFixes, 25, &out);
  tracker.Apply(Eval(1'000, Level::kNone, false), kTwoFixes, 25, &out);
  tracker.Apply(Eval(2'000, Level::kWarningPossible, false), kTwoFixes, 25, &out);
  EXPECT_TRUE(out.empty());
}

TEST(RuleTracker, DwellOpensWithOneLongEpisode) {
  RuleTracker tracker;
  std::vector<RuleTransition> out;
  const Debounce dwell_only{10, 30'000};
  tracker.Apply(Eval(0, Level::kWarningConfirmed, false), dwell_only, 25, &out);
  tracker.Apply(Eval(29'999, Level::kWarningConfirmed, false), dwell_only, 25, &out);
  EXPECT_TRUE(out.empty());
  tracker.Apply(Eval(30'000, Level::kWarningConfirmed, false), dwell_only, 25, &out);
  ASSERT_EQ(out.size(), 1u);
}

TEST(RuleTracker, EscalatesUpdatesHoldsAndCloses) {
  RuleTracker tracker;
  std::vector<RuleTransition> out;
  const Debounce now{1, 0};
  tracker.Apply(Eval(0, Level::kWarningConfirmed, false, 800), now, 25, &out);
  tracker.Apply(Eval(1, Level::kViolationPossible, false, 520), now, 25, &out);
  tracker.Apply(Eval(2, Level::kViolationPossible, false, 510), now, 25, &out);  // < step
  tracker.Apply(Eval(3, Level::kViolationPossible, false, 480), now, 25, &out);
  tracker.Apply(Eval(4, Level::kWarningConfirmed, false, 700), now, 25, &out);   // no step down
  tracker.Apply(Eval(5, Level::kNone, false, 1020), now, 25, &out);               // hold
  tracker.Apply(Eval(6, Level::kNone, true, 1200), now, 25, &out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].kind, TransitionKind::kOpened);
  EXPECT_EQ(out[1].kind, TransitionKind::kEscalated);
  EXPECT_EQ(out[1].level, Level::kViolationPossible);
  EXPECT_EQ(out[2].kind, TransitionKind::kUpdated);
  EXPECT_EQ(out[2].event_time, 3);
  EXPECT_EQ(out[3].kind, TransitionKind::kClosed);
  EXPECT_EQ(out[3].level, Level::kViolationPossible);
  EXPECT_FALSE(tracker.is_open());
  tracker.Apply(Eval(7, Level::kViolationConfirmed, false), now, 25, &out);
  EXPECT_EQ(out.back().alert_number, 2u);
}

TEST(RuleTracker, LateEvaluationOpensAndClosesAtPresent) {
  RuleTracker tracker;
  std::vector<RuleTransition> out;
  RuleEvaluation late = Eval(1'000, Level::kViolationConfirmed, false);
  late.out_of_order = true;
  late.present_clear = true;
  late.present_time = 900'000;
  tracker.Apply(late, kTwoFixes, 25, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, TransitionKind::kOpened);
  EXPECT_TRUE(out[0].out_of_order);
  EXPECT_EQ(out[1].kind, TransitionKind::kClosed);
  EXPECT_EQ(out[1].event_time, 900'000);
  EXPECT_TRUE(out[1].at_newest_clear);
}

TEST(RuleTracker, LateEvaluationNeverClosesAnOpenAlert) {
  RuleTracker tracker;
  std::vector<RuleTransition> out;
  tracker.Apply(Eval(0, Level::kViolationConfirmed, false), Debounce{1, 0}, 25, &out);
  RuleEvaluation late = Eval(-500'000, Level::kNone, true);
  late.out_of_order = true;
  tracker.Apply(late, Debounce{1, 0}, 25, &out);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_TRUE(tracker.is_open());
}

TEST(RuleTracker, RepeatUpdatesForSos) {
  RuleTracker tracker;
  std::vector<RuleTransition> out;
  RuleEvaluation press = Eval(0, Level::kViolationConfirmed, false);
  press.update_on_repeat = true;
  tracker.Apply(press, Debounce{1, 0}, 25, &out);
  press.event_time = 5;
  tracker.Apply(press, Debounce{1, 0}, 25, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].kind, TransitionKind::kUpdated);
}

}  // namespace
}  // namespace stayaway::engine
