#include "engine/rule_tracker.h"

#include <gtest/gtest.h>

namespace stayaway::engine {
namespace {

constexpr Debounce kTwoFixes{2, 30'000};
constexpr Debounce kNow{1, 0};
constexpr uint8_t kSupervised = 0;
constexpr uint8_t kProtected = 1;

// A tag (device 0) and a phone (device 1). Each evaluation below names the fix it applies
// and the other side's stored fix it was placed by.
FixKey Tag(uint64_t seq) { return FixKey{0, seq}; }
FixKey Phone(uint64_t seq) { return FixKey{1, seq}; }

RuleEvaluation Eval(TimeMs t, Level level, bool clear, double distance, FixKey trigger,
                    uint8_t side, FixKey counterpart) {
  RuleEvaluation e;
  e.event_time = t;
  e.level = level;
  e.clear = clear;
  e.distance_m = distance;
  e.trigger = trigger;
  e.trigger_side = side;
  e.counterpart = counterpart;
  return e;
}

// The tag's fix number `seq` at t, against the phone's fix 1: the tag is the side moving.
RuleEvaluation TagEval(TimeMs t, Level level, bool clear = false, double distance = 100) {
  return Eval(t, level, clear, distance, Tag(static_cast<uint64_t>(t) + 1), kSupervised, Phone(1));
}

class Tracker {
 public:
  explicit Tracker(Debounce d = kTwoFixes) : warning_(d), violation_(d) {}
  Tracker(Debounce warning, Debounce violation) : warning_(warning), violation_(violation) {}
  void Apply(const RuleEvaluation& e) { tracker_.Apply(e, warning_, violation_, 25, &out_); }
  RuleTracker& tracker() { return tracker_; }
  std::vector<RuleTransition>& out() { return out_; }

 private:
  Debounce warning_, violation_;
  RuleTracker tracker_;
  std::vector<RuleTransition> out_;
};

TEST(RuleTracker, OpensOnlyAfterTwoDistinctFixesOfTheSideThatMoved) {
  Tracker t;
  t.Apply(TagEval(0, Level::kViolationConfirmed));
  EXPECT_TRUE(t.out().empty());
  EXPECT_TRUE(t.tracker().is_pending());
  // The phone reports again, the tag's fix 1 unchanged: nothing new of the mover.
  t.Apply(Eval(5'000, Level::kViolationConfirmed, false, 100, Phone(2), kProtected, Tag(1)));
  EXPECT_TRUE(t.out().empty());
  t.Apply(TagEval(10'000, Level::kViolationConfirmed));
  ASSERT_EQ(t.out().size(), 1u);
  EXPECT_EQ(t.out()[0].kind, TransitionKind::kOpened);
  EXPECT_EQ(t.out()[0].level, Level::kViolationConfirmed);
  EXPECT_EQ(t.out()[0].alert_number, 1u);
}

// The case: the phone's one bad fix, evaluated again with each of the tag's fixes
// in the minute before the phone's next one, is one piece of evidence, not four.
TEST(RuleTracker, OneFixOfTheSlowSideReEvaluatedByTheFastSideNeverCorroborates) {
  Tracker t;
  t.Apply(Eval(0, Level::kViolationConfirmed, false, 450, Phone(7), kProtected, Tag(1)));
  for (uint64_t k = 2; k <= 5; ++k) {
    t.Apply(Eval(static_cast<TimeMs>(k) * 15'000, Level::kViolationConfirmed, false, 450, Tag(k),
                 kSupervised, Phone(7)));
  }
  EXPECT_TRUE(t.out().empty()) << "four tag fixes against one phone fix opened an alert";
  // Even past the dwell time: the run still holds one phone fix.
  EXPECT_TRUE(t.tracker().is_pending());
  t.Apply(Eval(60'000, Level::kNone, false, 650, Phone(8), kProtected, Tag(5)));
  EXPECT_FALSE(t.tracker().is_pending());
  EXPECT_TRUE(t.out().empty());
}

// With confirm_fixes 3, the tag's fixes 1 and 2 count twice; a phone fix placed by
// interpolating between them names fix 1 again (the nearer one): not a third fix. A late
// fix of the tag itself, older than fix 2 but never counted, is one.
TEST(RuleTracker, AnEarlierCountedFixNamedAgainByInterpolationIsNotNewEvidence) {
  const auto tag = [](uint64_t seq, TimeMs time) { return FixKey{0, seq, time}; };
  const auto phone = [](uint64_t seq, TimeMs time) { return FixKey{1, seq, time}; };
  Tracker t(Debounce{3, 0});
  t.Apply(Eval(0, Level::kViolationConfirmed, false, 100, tag(1, 0), kSupervised, phone(1, 0)));
  t.Apply(Eval(15'000, Level::kViolationConfirmed, false, 100, tag(2, 15'000), kSupervised,
               phone(1, 0)));
  RuleEvaluation interpolated =
      Eval(4'000, Level::kViolationConfirmed, false, 100, phone(2, 4'000), kProtected, tag(1, 0));
  interpolated.may_close = false;  // older than the rule's newest evaluation
  t.Apply(interpolated);
  EXPECT_TRUE(t.out().empty()) << "fix 1 counted twice";
  RuleEvaluation late_tag = Eval(7'000, Level::kViolationConfirmed, false, 100, tag(3, 7'000),
                                 kSupervised, phone(2, 4'000));
  late_tag.may_close = false;
  t.Apply(late_tag);
  ASSERT_EQ(t.out().size(), 1u);
  EXPECT_EQ(t.out()[0].kind, TransitionKind::kOpened);
}

// The tag's fixes come in; the phone's are held back (a failover stalled the partition
// they travel on). Its alert closes on the tag's fix far away, against the phone's last
// known place; then the phone's held-back fixes, older than that close, show the same
// approach again. The same episode: no second alert. A phone fix after the close that
// is still older than the rule's newest evaluation may open one.
TEST(RuleTracker, AnEpisodeSeenAgainThroughTheOtherSidesDelayedFixesStaysOneAlert) {
  const auto tag = [](uint64_t seq, TimeMs time) { return FixKey{0, seq, time}; };
  const auto phone = [](uint64_t seq, TimeMs time) { return FixKey{1, seq, time}; };
  Tracker t;
  t.Apply(
      Eval(1'000, Level::kViolationConfirmed, false, 40, tag(1, 1'000), kSupervised, phone(1, 0)));
  t.Apply(
      Eval(2'000, Level::kViolationConfirmed, false, 40, tag(2, 2'000), kSupervised, phone(1, 0)));
  ASSERT_EQ(t.out().size(), 1u);
  EXPECT_EQ(t.out()[0].kind, TransitionKind::kOpened);
  t.Apply(Eval(9'000, Level::kNone, true, 4'900, tag(9, 9'000), kSupervised, phone(1, 0)));
  ASSERT_EQ(t.out().size(), 2u);
  EXPECT_EQ(t.out()[1].kind, TransitionKind::kClosed);
  EXPECT_EQ(t.tracker().Save().last_closed_ms, 9'000);
  // The phone's fixes from 3 s to 8 s, placed by the tag's track: near until 8 s.
  for (int k = 3; k <= 8; ++k) {
    RuleEvaluation held_back = Eval(k * 1'000, Level::kViolationConfirmed, false, 40,
                                    phone(static_cast<uint64_t>(k), k * 1'000), kProtected,
                                    tag(static_cast<uint64_t>(k), k * 1'000));
    held_back.may_close = false;
    t.Apply(held_back);
  }
  EXPECT_EQ(t.out().size(), 2u) << "an episode seen again opened a second alert";
  EXPECT_FALSE(t.tracker().is_open());
  // Survives a snapshot.
  const RuleTracker restored = RuleTracker::Restore(t.tracker().Save());
  EXPECT_EQ(restored.Save().last_closed_ms, 9'000);

  // After the close, a new approach seen first through such fixes is news.
  Tracker u;
  u.Apply(
      Eval(1'000, Level::kViolationConfirmed, false, 40, tag(1, 1'000), kSupervised, phone(1, 0)));
  u.Apply(
      Eval(2'000, Level::kViolationConfirmed, false, 40, tag(2, 2'000), kSupervised, phone(1, 0)));
  u.Apply(Eval(9'000, Level::kNone, true, 4'900, tag(9, 9'000), kSupervised, phone(1, 0)));
  u.Apply(Eval(20'000, Level::kNone, true, 4'900, tag(20, 20'000), kSupervised, phone(1, 0)));
  for (int k = 10; k <= 11; ++k) {
    RuleEvaluation later = Eval(k * 1'000, Level::kViolationConfirmed, false, 40,
                                phone(static_cast<uint64_t>(k), k * 1'000), kProtected,
                                tag(static_cast<uint64_t>(k), k * 1'000));
    later.may_close = false;
    u.Apply(later);
  }
  ASSERT_EQ(u.out().size(), 3u);
  EXPECT_EQ(u.out()[2].kind, TransitionKind::kOpened);
  EXPECT_EQ(u.out()[2].alert_number, 2u);
}

TEST(RuleTracker, AnEvaluationBelowALevelEndsItsRun) {
  Tracker t;
  t.Apply(TagEval(0, Level::kWarningPossible));
  t.Apply(TagEval(1'000, Level::kNone));
  t.Apply(TagEval(2'000, Level::kWarningPossible));
  EXPECT_TRUE(t.out().empty());
}

TEST(RuleTracker, DwellCorroboratesWithTwoFixesThatFarApart) {
  Tracker t(Debounce{10, 30'000});
  t.Apply(TagEval(0, Level::kWarningConfirmed));
  t.Apply(TagEval(29'999, Level::kWarningConfirmed));
  EXPECT_TRUE(t.out().empty());
  t.Apply(TagEval(30'000, Level::kWarningConfirmed));
  ASSERT_EQ(t.out().size(), 1u);
  // A single fix never dwells, however often it is re-evaluated within the silence limit.
  Tracker one(Debounce{10, 30'000});
  one.Apply(Eval(0, Level::kWarningConfirmed, false, 700, Phone(3), kProtected, Tag(1)));
  for (uint64_t k = 2; k < 6; ++k) {
    one.Apply(Eval(static_cast<TimeMs>(k) * 15'000, Level::kWarningConfirmed, false, 700, Tag(k),
                   kSupervised, Phone(3)));
  }
  EXPECT_TRUE(one.out().empty());
}

// Her phone's fix started the run and then her phone went silent (dead, taken): his fixes
// keep the level, and once she has sent nothing for kMoverSilenceMs they corroborate it.
TEST(RuleTracker, WhenTheMoverFallsSilentTheOtherSidesFixesCorroborate) {
  Tracker t;
  t.Apply(Eval(0, Level::kViolationConfirmed, false, 300, Phone(7), kProtected, Tag(1)));
  TimeMs at = 0;
  for (uint64_t k = 2; at + 15'000 < kMoverSilenceMs; ++k) {
    at = static_cast<TimeMs>(k - 1) * 15'000;
    t.Apply(Eval(at, Level::kViolationConfirmed, false, 300, Tag(k), kSupervised, Phone(7)));
  }
  EXPECT_TRUE(t.out().empty()) << "opened before the silence limit, at " << at;
  t.Apply(Eval(kMoverSilenceMs, Level::kViolationConfirmed, false, 300, Tag(99), kSupervised,
               Phone(7)));
  ASSERT_EQ(t.out().size(), 1u);
  EXPECT_EQ(t.out()[0].kind, TransitionKind::kOpened);
  EXPECT_EQ(t.out()[0].event_time, kMoverSilenceMs);
}

TEST(RuleTracker, OpensAtTheHighestCorroboratedLevelOnly) {
  Tracker t;
  t.Apply(TagEval(0, Level::kWarningConfirmed, false, 800));
  t.Apply(TagEval(15'000, Level::kViolationConfirmed, false, 400));
  ASSERT_EQ(t.out().size(), 1u);
  EXPECT_EQ(t.out()[0].level, Level::kWarningConfirmed) << "the violation rests on one fix";
  t.Apply(TagEval(30'000, Level::kViolationConfirmed, false, 390));
  ASSERT_EQ(t.out().size(), 2u);
  EXPECT_EQ(t.out()[1].kind, TransitionKind::kEscalated);
  EXPECT_EQ(t.out()[1].level, Level::kViolationConfirmed);
}

// The loiter case: a warning rightly open, one outlying fix: no escalation.
TEST(RuleTracker, AnOpenWarningNeverEscalatesOnOneEvaluation) {
  Tracker t;
  t.Apply(TagEval(0, Level::kWarningConfirmed, false, 650));
  t.Apply(TagEval(15'000, Level::kWarningConfirmed, false, 640));
  ASSERT_EQ(t.out().size(), 1u);
  t.Apply(TagEval(30'000, Level::kViolationConfirmed, false, 420));  // the bad fix
  t.Apply(TagEval(45'000, Level::kWarningConfirmed, false, 645));
  t.Apply(TagEval(60'000, Level::kViolationPossible, false, 520));
  t.Apply(TagEval(75'000, Level::kWarningConfirmed, false, 650));
  EXPECT_EQ(t.out().size(), 1u) << "escalated on a single evaluation";
  EXPECT_EQ(t.tracker().level(), Level::kWarningConfirmed);
}

TEST(RuleTracker, ALevelNoLaterFixBearsOutIsDowngradedAsNotBorneOut) {
  Tracker t;
  t.Apply(TagEval(0, Level::kWarningConfirmed, false, 650));
  t.Apply(TagEval(15'000, Level::kWarningConfirmed, false, 640));
  // A burst of two bad fixes corroborates a violation...
  t.Apply(TagEval(30'000, Level::kViolationConfirmed, false, 420));
  t.Apply(TagEval(45'000, Level::kViolationConfirmed, false, 410));
  ASSERT_EQ(t.out().size(), 2u);
  EXPECT_EQ(t.out()[1].kind, TransitionKind::kEscalated);
  // ...then the fixes are back in the warning ring: two of them are not yet 30 s apart...
  t.Apply(TagEval(60'000, Level::kWarningConfirmed, false, 650));
  t.Apply(TagEval(75'000, Level::kWarningPossible, false, 690));
  EXPECT_EQ(t.out().size(), 2u);
  // ...the third is.
  t.Apply(TagEval(90'000, Level::kWarningConfirmed, false, 655));
  ASSERT_EQ(t.out().size(), 3u);
  EXPECT_EQ(t.out()[2].kind, TransitionKind::kDowngraded);
  EXPECT_EQ(t.out()[2].level, Level::kWarningConfirmed) << "the highest level the run showed";
  EXPECT_EQ(t.out()[2].reason, DowngradeReason::kNotBorneOut);
  EXPECT_EQ(t.out()[2].event_time, 90'000);
  EXPECT_EQ(t.out()[2].alert_number, 1u);
  EXPECT_TRUE(t.tracker().is_open());
  // A real approach afterwards escalates again, on corroboration.
  t.Apply(TagEval(105'000, Level::kViolationConfirmed, false, 300));
  EXPECT_EQ(t.out().size(), 3u);
  t.Apply(TagEval(120'000, Level::kViolationConfirmed, false, 250));
  ASSERT_EQ(t.out().size(), 4u);
  EXPECT_EQ(t.out()[3].kind, TransitionKind::kEscalated);
}

TEST(RuleTracker, ALevelThatHeldAndEasedIsDowngradedAsEased) {
  Tracker t;
  t.Apply(TagEval(0, Level::kViolationConfirmed, false, 300));
  t.Apply(TagEval(15'000, Level::kViolationConfirmed, false, 290));
  t.Apply(TagEval(30'000, Level::kViolationConfirmed, false, 280));  // borne out
  t.Apply(TagEval(45'000, Level::kWarningConfirmed, false, 700));
  t.Apply(TagEval(60'000, Level::kWarningConfirmed, false, 710));
  t.Apply(TagEval(75'000, Level::kWarningConfirmed, false, 720));
  ASSERT_EQ(t.out().size(), 2u);
  EXPECT_EQ(t.out()[1].kind, TransitionKind::kDowngraded);
  EXPECT_EQ(t.out()[1].reason, DowngradeReason::kEased);
}

TEST(RuleTracker, NeverDowngradesToNothingAndClosesOnlyWhenClear) {
  Tracker t;
  t.Apply(TagEval(0, Level::kViolationConfirmed, false, 300));
  t.Apply(TagEval(15'000, Level::kViolationConfirmed, false, 290));
  for (TimeMs k = 2; k < 12; ++k) t.Apply(TagEval(k * 15'000, Level::kNone, false, 520));
  EXPECT_EQ(t.out().size(), 1u);
  EXPECT_EQ(t.tracker().level(), Level::kViolationConfirmed);
  t.Apply(TagEval(200'000, Level::kNone, true, 700));
  ASSERT_EQ(t.out().size(), 2u);
  EXPECT_EQ(t.out()[1].kind, TransitionKind::kClosed);
}

TEST(RuleTracker, WithoutDebounceTheLevelFollowsEachEvaluation) {
  Tracker t(kNow);
  t.Apply(TagEval(0, Level::kWarningConfirmed, false, 800));
  t.Apply(TagEval(1, Level::kViolationPossible, false, 520));
  t.Apply(TagEval(2, Level::kViolationPossible, false, 510));  // < update step
  t.Apply(TagEval(3, Level::kViolationPossible, false, 480));
  t.Apply(TagEval(4, Level::kWarningConfirmed, false, 700));
  t.Apply(TagEval(5, Level::kNone, false, 1020));  // hold: no level below is none
  t.Apply(TagEval(6, Level::kNone, true, 1200));
  const auto& out = t.out();
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].kind, TransitionKind::kOpened);
  EXPECT_EQ(out[1].kind, TransitionKind::kEscalated);
  EXPECT_EQ(out[1].level, Level::kViolationPossible);
  EXPECT_EQ(out[2].kind, TransitionKind::kUpdated);
  EXPECT_EQ(out[2].event_time, 3);
  EXPECT_EQ(out[3].kind, TransitionKind::kDowngraded);
  EXPECT_EQ(out[3].level, Level::kWarningConfirmed);
  EXPECT_EQ(out[3].reason, DowngradeReason::kEased);
  EXPECT_EQ(out[4].kind, TransitionKind::kClosed);
  EXPECT_EQ(out[4].level, Level::kWarningConfirmed);
  EXPECT_FALSE(t.tracker().is_open());
  t.Apply(TagEval(7, Level::kViolationConfirmed, false));
  EXPECT_EQ(t.out().back().alert_number, 2u);
}

TEST(RuleTracker, WarningAndViolationLevelsUseTheirOwnDebounce) {
  Tracker t(/*warning=*/kNow, /*violation=*/Debounce{3, 0});
  t.Apply(TagEval(0, Level::kViolationConfirmed));
  ASSERT_EQ(t.out().size(), 1u);
  EXPECT_EQ(t.out()[0].level, Level::kWarningConfirmed);
  t.Apply(TagEval(1, Level::kViolationConfirmed));
  EXPECT_EQ(t.out().size(), 1u);
  t.Apply(TagEval(2, Level::kViolationConfirmed));
  ASSERT_EQ(t.out().size(), 2u);
  EXPECT_EQ(t.out()[1].level, Level::kViolationConfirmed);
}

TEST(RuleTracker, LateEvaluationOpensAndClosesAtPresent) {
  Tracker t;
  RuleEvaluation late = TagEval(1'000, Level::kViolationConfirmed);
  late.out_of_order = true;
  late.present_clear = true;
  late.present_time = 900'000;
  t.Apply(late);
  const auto& out = t.out();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, TransitionKind::kOpened);
  EXPECT_TRUE(out[0].out_of_order);
  EXPECT_EQ(out[1].kind, TransitionKind::kClosed);
  EXPECT_EQ(out[1].event_time, 900'000);
  EXPECT_TRUE(out[1].at_newest_clear);
}

TEST(RuleTracker, ALatePossibleReadingOpensNothing) {
  Tracker t;
  RuleEvaluation late = TagEval(1'000, Level::kViolationPossible);
  late.out_of_order = true;
  late.present_clear = true;
  late.present_time = 900'000;
  t.Apply(late);
  late.level = Level::kWarningPossible;
  t.Apply(late);
  EXPECT_TRUE(t.out().empty());
  EXPECT_FALSE(t.tracker().is_pending()) << "a late reading takes no part in runs";
  late.level = Level::kWarningConfirmed;
  t.Apply(late);
  ASSERT_EQ(t.out().size(), 2u);
  EXPECT_EQ(t.out()[0].level, Level::kWarningConfirmed);
}

TEST(RuleTracker, LateEvaluationNeverClosesOrDowngradesAnOpenAlert) {
  Tracker t(kNow);
  t.Apply(TagEval(0, Level::kViolationConfirmed));
  RuleEvaluation clear = TagEval(-500'000, Level::kNone, true);
  clear.out_of_order = true;
  t.Apply(clear);
  RuleEvaluation lower = TagEval(-400'000, Level::kWarningPossible);
  lower.out_of_order = true;
  t.Apply(lower);
  EXPECT_EQ(t.out().size(), 1u);
  EXPECT_TRUE(t.tracker().is_open());
  EXPECT_EQ(t.tracker().level(), Level::kViolationConfirmed);
}

TEST(RuleTracker, RepeatUpdatesForSos) {
  Tracker t(kNow);
  RuleEvaluation press = TagEval(0, Level::kViolationConfirmed);
  press.update_on_repeat = true;
  t.Apply(press);
  press.event_time = 5;
  press.trigger = Tag(99);
  t.Apply(press);
  ASSERT_EQ(t.out().size(), 2u);
  EXPECT_EQ(t.out()[1].kind, TransitionKind::kUpdated);
}

// A restored tracker continues exactly as the one it was saved from, mid-run and open.
TEST(RuleTracker, SaveAndRestoreContinueIdentically) {
  const std::vector<RuleEvaluation> evals = {
      TagEval(0, Level::kWarningConfirmed, false, 650),
      TagEval(15'000, Level::kWarningConfirmed, false, 640),
      TagEval(30'000, Level::kViolationConfirmed, false, 420),
      TagEval(45'000, Level::kViolationConfirmed, false, 410),
      TagEval(60'000, Level::kWarningConfirmed, false, 650),
      TagEval(75'000, Level::kWarningConfirmed, false, 690),
      TagEval(90'000, Level::kWarningConfirmed, false, 655),
      TagEval(105'000, Level::kNone, true, 2000)};
  for (size_t cut = 0; cut <= evals.size(); ++cut) {
    Tracker whole;
    for (const RuleEvaluation& e : evals) whole.Apply(e);
    Tracker first;
    for (size_t i = 0; i < cut; ++i) first.Apply(evals[i]);
    const size_t before = first.out().size();
    RuleTracker restored = RuleTracker::Restore(first.tracker().Save());
    std::vector<RuleTransition> rest;
    for (size_t i = cut; i < evals.size(); ++i) {
      restored.Apply(evals[i], kTwoFixes, kTwoFixes, 25, &rest);
    }
    ASSERT_EQ(before + rest.size(), whole.out().size()) << "cut " << cut;
    for (size_t i = 0; i < rest.size(); ++i) {
      EXPECT_EQ(rest[i].kind, whole.out()[before + i].kind) << "cut " << cut;
      EXPECT_EQ(rest[i].level, whole.out()[before + i].level) << "cut " << cut;
      EXPECT_EQ(rest[i].event_time, whole.out()[before + i].event_time) << "cut " << cut;
    }
  }
}

}  // namespace
}  // namespace stayaway::engine
