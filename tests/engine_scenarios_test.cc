// Scenario tests of the engine against the semantics documented in engine/engine.h: the
// proximity ladder and its hysteresis, debounce, uncertainty, stale counterparts, late
// uploads, duplicates, several protected or supervised people, curfews across midnight and
// DST, shelters, implausible jumps, order lifecycle and refusals, plus brute-force oracles of
// the certainty formulas.
//
// Conventions: default EngineSettings unless a test says otherwise. People are placed with
// GeographicLib Direct so distances are exact. In a "round" the tag reports first and the
// victim's phone second, both at the same event time t, 10 s after the previous round, 5 m
// accurate, without a reported speed (so nobody is at rest). The tag's fix therefore sees
// the phone's previous fix grown by 2 m/s * 10 s (u = 5 + 25 = 30 m) and the phone's fix
// sees the tag's fix exactly (u = 10 m): two evaluations of the pair at the same distance
// but one fix of the side that moved (the tag), so the default corroboration of 2 distinct
// fixes opens an alert on the tag's fix of the second qualifying round.
#include <cctype>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iomanip>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine_test_support.h"

namespace stayaway::enginetest {
namespace {

constexpr char kTag[] = "tag-1";
constexpr char kPhone[] = "phone-v";

// One supervised person "aggr" (tag-1), one protected person "victim" (phone-v).
v1::Order PairOrder(double violation_m, double warning_m, const std::string& id = "order-1") {
  return MakeOrder(id, Person("aggr", {kTag}), {Person("victim", {kPhone}, "victim")},
                   violation_m, warning_m);
}

// The tag at `sup` reports, then the phone at `vic`, both at t.
std::vector<Event> Round(Harness& h, TimeMs t, Point sup, Point vic, double sup_accuracy_m = 5) {
  std::vector<Event> events = h.Report(kTag, t, sup, sup_accuracy_m);
  return Concat(std::move(events), h.Report(kPhone, t, vic, 5));
}

// ---------------------------------------------------------------------------------------
// Proximity ladder.
// ---------------------------------------------------------------------------------------

TEST(EngineScenario, ApproachOpensWarningEscalatesToViolationAndRetreatClosesBeyondMargin) {
  Harness h;
  h.AddOrder(PairOrder(/*violation_m=*/200, /*warning_m=*/500));
  const Point home = kBishkek;
  TimeMs t = kT0;
  auto step_to = [&](double metres) {
    t += 10 * kSecond;
    return Proximity(Round(h, t, Destination(home, 90, metres), home));
  };

  const auto far = step_to(900);
  EXPECT_TRUE(far.empty()) << Describe(far);

  // 450 m: inside the 500 m warning ring even with both radii. One round is one fix of the
  // side that moved: not yet corroborated.
  EXPECT_TRUE(step_to(450).empty());
  const auto warn = step_to(450);
  ASSERT_EQ(warn.size(), 1u) << Describe(warn);
  const Event opened = warn[0];
  EXPECT_EQ(opened.transition(), Event::opened);
  EXPECT_EQ(opened.kind(), Event::proximity_warning);
  EXPECT_EQ(opened.certainty(), Event::confirmed);
  EXPECT_EQ(opened.rule(), "proximity:aggr:victim");
  EXPECT_EQ(opened.order_id(), "order-1");
  EXPECT_EQ(opened.order_version(), 1u);
  EXPECT_FALSE(opened.late());
  EXPECT_EQ(Ms(opened.time()), t);
  EXPECT_EQ(Ms(opened.detected_at()), t);
  // Opened by the tag's second fix, which sees the phone's fix 10 s old: u = 5 + 25.
  EXPECT_NEAR(opened.distance_m(), 450, 1e-6);
  EXPECT_NEAR(opened.distance_lower_m(), 420, 1e-6);
  EXPECT_NEAR(opened.distance_upper_m(), 480, 1e-6);
  EXPECT_DOUBLE_EQ(opened.limit_m(), 500);
  EXPECT_EQ(opened.supervised().person(), "aggr");
  EXPECT_EQ(opened.protected_().person(), "victim");
  EXPECT_TRUE(UsesFix(opened, kTag, 3)) << opened.DebugString();
  EXPECT_TRUE(UsesFix(opened, kPhone, 2)) << opened.DebugString();

  // 150 m: a confirmed violation; the same alert escalates on the second such fix (a reading
  // above the alert's level is no update before it is corroborated).
  EXPECT_TRUE(step_to(150).empty());
  const auto closer = step_to(150);
  ASSERT_EQ(closer.size(), 1u) << Describe(closer);
  EXPECT_EQ(closer[0].transition(), Event::escalated);
  EXPECT_EQ(closer[0].kind(), Event::proximity_violation);
  EXPECT_EQ(closer[0].certainty(), Event::confirmed);
  EXPECT_EQ(closer[0].alert_id(), opened.alert_id());
  EXPECT_NEAR(closer[0].distance_m(), 150, 1e-6);
  EXPECT_DOUBLE_EQ(closer[0].limit_m(), 200);
  ExpectBoundsConsistent(closer[0]);

  // 80 m: only 70 m closer, under update_step_m (100 m): no event.
  const auto nearer = step_to(80);
  EXPECT_TRUE(nearer.empty()) << Describe(nearer);

  // 40 m: the closest approach improves by 110 m >= update_step_m.
  const auto closest = step_to(40);
  ASSERT_EQ(closest.size(), 1u) << Describe(closest);
  EXPECT_EQ(closest[0].transition(), Event::updated);
  EXPECT_EQ(closest[0].kind(), Event::proximity_violation);
  EXPECT_EQ(closest[0].alert_id(), opened.alert_id());
  EXPECT_NEAR(closest[0].distance_m(), 40, 1e-6);
  ExpectBoundsConsistent(closest[0]);

  // Retreating: no step down before the lower level held for the dwell (30 s), and open
  // while lower < 500 + 50.
  const auto retreat = step_to(400);
  EXPECT_TRUE(retreat.empty()) << Describe(retreat);
  const auto margin = step_to(540);  // lower 510 / 530 m: beyond the ring, inside the margin
  EXPECT_TRUE(margin.empty()) << Describe(margin);

  // 800 m: lower 770 >= 550, closes.
  const auto gone = step_to(800);
  ASSERT_EQ(gone.size(), 1u) << Describe(gone);
  EXPECT_EQ(gone[0].transition(), Event::closed);
  EXPECT_EQ(gone[0].alert_id(), opened.alert_id());
  EXPECT_EQ(gone[0].rule(), "proximity:aggr:victim");
  EXPECT_EQ(Ms(gone[0].time()), t);

  // A new approach is a new alert with a new id.
  EXPECT_TRUE(step_to(450).empty());
  const auto again = step_to(450);
  ASSERT_EQ(again.size(), 1u) << Describe(again);
  EXPECT_EQ(again[0].transition(), Event::opened);
  EXPECT_EQ(again[0].kind(), Event::proximity_warning);
  EXPECT_NE(again[0].alert_id(), opened.alert_id());
}

TEST(EngineScenario, SecondQualifyingEvaluationOpensTheAlert) {
  // Default debounce {2 evaluations, 30 s}. The victim reports once; only the tag reports
  // afterwards, 20 s apart: the first qualifying fix opens nothing, the second does.
  Harness h;
  h.AddOrder(PairOrder(300, 0));
  const Point home = kBishkek;
  h.Report(kTag, kT0, Destination(home, 90, 1000));
  h.Report(kPhone, kT0, home);
  const auto first = Proximity(h.Report(kTag, kT0 + 20 * kSecond, Destination(home, 90, 100)));
  EXPECT_TRUE(first.empty()) << Describe(first);
  const auto second = Proximity(h.Report(kTag, kT0 + 40 * kSecond, Destination(home, 90, 100)));
  ASSERT_EQ(second.size(), 1u) << Describe(second);
  EXPECT_EQ(second[0].transition(), Event::opened);
  EXPECT_EQ(second[0].kind(), Event::proximity_violation);
  // The victim's fix is 40 s old and not bracketed: its radius grows by 2 m/s * 40 s.
  EXPECT_NEAR(second[0].protected_().accuracy_m(), 5 + 2.0 * 40, 1e-6);
  EXPECT_NEAR(second[0].supervised().accuracy_m(), 5, 1e-6);
  EXPECT_EQ(second[0].protected_().basis(), v1::PositionReport::extrapolated);
  EXPECT_EQ(second[0].certainty(), Event::confirmed);  // 100 + 90 < 300
  ExpectBoundsConsistent(second[0]);
}

TEST(EngineScenario, DwellOpensTheAlertBeforeEnoughEvaluations) {
  // Proximity debounce {5 evaluations, 30 s}: the third qualifying fix, 40 s after the
  // first, opens through the dwell although only three evaluations qualified.
  EngineSettings settings;
  settings.SetProximityDebounce({5, 30'000});
  Harness h(settings);
  h.AddOrder(PairOrder(300, 0));
  const Point home = kBishkek;
  h.Report(kTag, kT0, Destination(home, 90, 1000));
  h.Report(kPhone, kT0, home);
  const Point near = Destination(home, 90, 100);
  EXPECT_TRUE(Proximity(h.Report(kTag, kT0 + 20 * kSecond, near)).empty());
  EXPECT_TRUE(Proximity(h.Report(kTag, kT0 + 40 * kSecond, near)).empty());  // held 20 s
  const auto held = Proximity(h.Report(kTag, kT0 + 60 * kSecond, near));     // held 40 s
  ASSERT_EQ(held.size(), 1u) << Describe(held);
  EXPECT_EQ(held[0].transition(), Event::opened);
  EXPECT_EQ(held[0].kind(), Event::proximity_violation);
  EXPECT_EQ(Ms(held[0].time()), kT0 + 60 * kSecond);
}

TEST(EngineScenario, DebounceIsConfiguredPerAlertKind) {
  // A centre that wants violations at once but warnings only after three fixes.
  EngineSettings settings;
  settings.proximity_violation = {1, 0};
  settings.proximity_warning = {3, 0};
  Harness h(settings);
  h.AddOrder(PairOrder(/*violation_m=*/200, /*warning_m=*/1000));
  const Point home = kBishkek;
  h.Report(kPhone, kT0, home);
  // Warning ring (600 m): two fixes open nothing, the third does.
  EXPECT_TRUE(Proximity(h.Report(kTag, kT0, Destination(home, 90, 600))).empty());
  EXPECT_TRUE(Proximity(h.Report(kTag, kT0 + 5 * kSecond, Destination(home, 90, 600))).empty());
  const auto warned = Proximity(h.Report(kTag, kT0 + 10 * kSecond, Destination(home, 90, 600)));
  ASSERT_EQ(warned.size(), 1u) << Describe(warned);
  EXPECT_EQ(warned[0].kind(), Event::proximity_warning);

  // A second pair in a fresh engine: straight into the violation ring opens on one fix.
  Harness v(settings);
  v.AddOrder(PairOrder(200, 1000));
  v.Report(kPhone, kT0, home);
  const auto violated = Proximity(v.Report(kTag, kT0, Destination(home, 90, 100)));
  ASSERT_EQ(violated.size(), 1u) << Describe(violated);
  EXPECT_EQ(violated[0].transition(), Event::opened);
  EXPECT_EQ(violated[0].kind(), Event::proximity_violation);
}

TEST(EngineScenario, JitterAtTheViolationBoundaryDoesNotFlap) {
  const uint64_t seed = TestSeed(20250310);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<double> jitter(-20, 20);

  Harness h;
  h.AddOrder(PairOrder(200, 0));
  const Point home = kBishkek;
  TimeMs t = kT0;
  auto step_to = [&](double metres) {
    t += 10 * kSecond;
    return Proximity(Round(h, t, Destination(home, 90, metres), home));
  };
  EXPECT_TRUE(step_to(600).empty());
  EXPECT_TRUE(step_to(150).empty());
  const auto opened = step_to(150);
  ASSERT_EQ(opened.size(), 1u) << Describe(opened);
  EXPECT_EQ(opened[0].transition(), Event::opened);
  EXPECT_EQ(opened[0].kind(), Event::proximity_violation);
  EXPECT_EQ(opened[0].certainty(), Event::confirmed);

  // Now 40 rounds of positions 200 +- 20 m with 5 m accuracy: lower never reaches
  // 200 + 50, so the alert stays open; the truth sits on the limit, so its certainty may
  // step between confirmed and possible, but only as often as corroboration (2 fixes) and
  // the downgrade dwell (30 s) allow, and nothing improves by the 100 m update step.
  int level_changes = 0;
  for (int i = 0; i < 40; ++i) {
    const double metres = 200 + jitter(rng);
    for (const Event& e : step_to(metres)) {
      EXPECT_TRUE(e.transition() == Event::downgraded || e.transition() == Event::escalated)
          << "round " << i << " at " << metres << " m:\n"
          << Describe({e});
      EXPECT_EQ(e.kind(), Event::proximity_violation) << Describe({e});
      ++level_changes;
    }
  }
  EXPECT_LE(level_changes, 8);
  const auto all = Proximity(h.log());
  EXPECT_EQ(Count(all, Event::proximity_violation, Event::opened), 1) << Describe(all);
  EXPECT_EQ(Count(all, Event::proximity_violation, Event::closed), 0) << Describe(all);
}

TEST(EngineScenario, PossibleViolationEscalatesToConfirmedWhenFixesSharpen) {
  Harness h;
  h.AddOrder(PairOrder(200, 0));
  const Point home = kBishkek;
  TimeMs t = kT0 + 10 * kSecond;
  EXPECT_TRUE(Proximity(Round(h, t, Destination(home, 90, 900), home)).empty());

  // 250 m with a 100 m radius: lower 145 < 200 <= upper 355 (with the phone's fix 10 s
  // old, 125 and 375). Two rounds corroborate.
  t += 10 * kSecond;
  EXPECT_TRUE(Proximity(Round(h, t, Destination(home, 90, 250), home, 100)).empty());
  t += 10 * kSecond;
  const auto vague = Proximity(Round(h, t, Destination(home, 90, 250), home, 100));
  ASSERT_EQ(vague.size(), 1u) << Describe(vague);
  EXPECT_EQ(vague[0].transition(), Event::opened);
  EXPECT_EQ(vague[0].kind(), Event::proximity_violation);
  EXPECT_EQ(vague[0].certainty(), Event::possible);
  EXPECT_NEAR(vague[0].distance_lower_m(), 125, 1e-6);
  EXPECT_NEAR(vague[0].distance_upper_m(), 375, 1e-6);
  EXPECT_DOUBLE_EQ(vague[0].limit_m(), 200);

  // 150 m with 5 m: confirmed. Same alert, escalated on the second such round.
  t += 10 * kSecond;
  EXPECT_TRUE(Proximity(Round(h, t, Destination(home, 90, 150), home, 5)).empty());
  t += 10 * kSecond;
  const auto sharp = Proximity(Round(h, t, Destination(home, 90, 150), home, 5));
  ASSERT_EQ(Count(sharp, Event::proximity_violation, Event::escalated), 1) << Describe(sharp);
  const Event esc = *FindEvent(sharp, Event::proximity_violation, Event::escalated);
  EXPECT_EQ(esc.certainty(), Event::confirmed);
  EXPECT_EQ(esc.alert_id(), vague[0].alert_id());
  EXPECT_LT(esc.distance_upper_m(), 200);
  ExpectBoundsConsistent(esc);
  EXPECT_TRUE(WithTransition(sharp, Event::opened).empty()) << Describe(sharp);
  EXPECT_TRUE(WithTransition(sharp, Event::closed).empty()) << Describe(sharp);
}

TEST(EngineScenario, WarningRingStraddledByAccuracyIsPossibleWarning) {
  Harness h;
  h.AddOrder(PairOrder(200, 600));
  const Point home = kBishkek;
  TimeMs t = kT0 + 10 * kSecond;
  EXPECT_TRUE(Proximity(Round(h, t, Destination(home, 90, 1400), home)).empty());
  // 560 m with 60 m: lower 495 (> 200), upper 625 >= 600 -> warning possible; the second
  // round corroborates it.
  t += 20 * kSecond;
  EXPECT_TRUE(Proximity(Round(h, t, Destination(home, 90, 560), home, 60)).empty());
  t += 10 * kSecond;
  const auto events = Proximity(Round(h, t, Destination(home, 90, 560), home, 60));
  ASSERT_EQ(events.size(), 1u) << Describe(events);
  EXPECT_EQ(events[0].transition(), Event::opened);
  EXPECT_EQ(events[0].kind(), Event::proximity_warning);
  EXPECT_EQ(events[0].certainty(), Event::possible);
  EXPECT_DOUBLE_EQ(events[0].limit_m(), 600);
  ExpectBoundsConsistent(events[0]);
}

TEST(EngineScenario, CertaintyBoundaryIsExactForTheRadiiAsSent) {
  // Proximity debounce {1, 0}. R is set to exactly d + (ra + rb): upper == R, so by the
  // strict comparisons the violation is possible, not confirmed. 0.7 is not a float: an
  // engine that rounds radii to float gets u = 1.3999999762 and wrongly says confirmed.
  EngineSettings settings;
  settings.SetProximityDebounce({1, 0});
  Harness h(settings);
  const Point victim = kBishkek;
  const Point aggr = Destination(victim, 90, 150);
  const double ra = 0.7, rb = 0.7;
  const double d = GeodesicMetres(aggr, victim);
  const double limit = d + (ra + rb);
  h.AddOrder(PairOrder(limit, 0));
  h.Send(MakeFix(kPhone, 1, kT0, victim, rb));
  const auto events = Proximity(h.Send(MakeFix(kTag, 1, kT0, aggr, ra)));
  ASSERT_EQ(events.size(), 1u) << Describe(events);
  EXPECT_EQ(events[0].kind(), Event::proximity_violation);
  EXPECT_EQ(events[0].certainty(), Event::possible) << Describe(events);
  EXPECT_EQ(events[0].distance_upper_m(), limit) << std::setprecision(17)
                                                 << events[0].distance_upper_m();
  EXPECT_EQ(events[0].supervised().accuracy_m(), ra) << std::setprecision(17)
                                                     << events[0].supervised().accuracy_m();
  EXPECT_EQ(events[0].protected_().accuracy_m(), rb) << std::setprecision(17)
                                                     << events[0].protected_().accuracy_m();
}

TEST(EngineScenario, NonQualifyingEvaluationResetsTheDebounce) {
  // Default debounce {2 consecutive evaluations, 30 s}. Only the tag reports, 20 s apart;
  // the victim's single fix grows by 2 m/s but stays clear of 300 m at 800 m.
  Harness h;
  h.AddOrder(PairOrder(300, 0));
  const Point home = kBishkek;
  h.Report(kPhone, kT0, home);
  h.Report(kTag, kT0, Destination(home, 90, 1000));
  const Point near = Destination(home, 90, 100);
  EXPECT_TRUE(Proximity(h.Report(kTag, kT0 + 20 * kSecond, near)).empty());  // qualifies
  EXPECT_TRUE(Proximity(h.Report(kTag, kT0 + 40 * kSecond, Destination(home, 90, 800))).empty());
  const auto again = Proximity(h.Report(kTag, kT0 + 60 * kSecond, near));  // 1st again
  EXPECT_TRUE(again.empty()) << Describe(again);
  const auto opened = Proximity(h.Report(kTag, kT0 + 80 * kSecond, near));  // 2nd
  ASSERT_EQ(opened.size(), 1u) << Describe(opened);
  EXPECT_EQ(opened[0].transition(), Event::opened);
}

TEST(EngineScenario, CounterpartBetweenBracketingFixesIsInterpolated) {
  // Proximity debounce {1, 0}. The victim walks 600 m north in a minute (10 m then 30 m
  // accuracy); the tag's first fix, half-way in time, sees her at the geodesic midpoint
  // with the radius interpolated to 20 m.
  EngineSettings settings;
  settings.SetProximityDebounce({1, 0});
  Harness h(settings);
  h.AddOrder(PairOrder(300, 0));
  const Point a = kBishkek;
  const Point b = Destination(a, 0, 600);
  const Point mid = Destination(a, 0, 300);
  h.Send(MakeFix(kPhone, 1, kT0, a, 10));
  h.Send(MakeFix(kPhone, 2, kT0 + 60 * kSecond, b, 30));
  const auto events =
      Proximity(h.Send(MakeFix(kTag, 1, kT0 + 30 * kSecond, Destination(mid, 90, 100), 5)));
  ASSERT_EQ(events.size(), 1u) << Describe(events);
  const v1::PositionReport& victim = events[0].protected_();
  EXPECT_EQ(victim.basis(), v1::PositionReport::interpolated);
  EXPECT_NEAR(victim.accuracy_m(), 20, 1e-6);
  EXPECT_LT(GeodesicMetres({victim.lat(), victim.lon()}, mid), 0.01);
  EXPECT_NEAR(events[0].distance_m(), 100, 0.01);
  EXPECT_EQ(events[0].certainty(), Event::confirmed);
  ExpectBoundsConsistent(events[0]);
}

TEST(EngineScenario, StaleCounterpartGrowsByItsReportedSpeed) {
  // Proximity debounce {1, 0}. The victim's fix says 5 m/s (faster than the 2 m/s default):
  // 20 s later her radius is 5 + 5 * 20 = 105 m.
  EngineSettings settings;
  settings.SetProximityDebounce({1, 0});
  Harness h(settings);
  h.AddOrder(PairOrder(300, 0));
  const Point home = kBishkek;
  v1::Fix moving = MakeFix(kPhone, 1, kT0, home, 5);
  moving.set_speed_mps(5);
  h.Send(moving);
  const auto events =
      Proximity(h.Send(MakeFix(kTag, 1, kT0 + 20 * kSecond, Destination(home, 90, 150), 5)));
  ASSERT_EQ(events.size(), 1u) << Describe(events);
  EXPECT_EQ(events[0].protected_().basis(), v1::PositionReport::extrapolated);
  EXPECT_NEAR(events[0].protected_().accuracy_m(), 105, 1e-6);
  EXPECT_EQ(Ms(events[0].protected_().time()), kT0);
  EXPECT_EQ(events[0].certainty(), Event::confirmed);  // upper = 150 + 110 = 260 < 300
  ExpectBoundsConsistent(events[0]);
}

TEST(EngineScenario, BracketWiderThanInterpolationGapUsesTheLastFixBefore) {
  // Proximity debounce {1, 0}. The victim's fixes are 6 min apart (> 5 min): the tag's fix
  // in the middle sees her last fix before it, grown by 2 m/s * 180 s = 360 m. The tag's
  // fix arrives after her later one: a late evaluation, which opens only when confirmed.
  EngineSettings settings;
  settings.SetProximityDebounce({1, 0});
  Harness h(settings);
  h.AddOrder(PairOrder(500, 0));
  const Point home = kBishkek;
  h.Send(MakeFix(kPhone, 1, kT0, home, 5));
  h.Send(MakeFix(kPhone, 2, kT0 + 6 * kMinute, Destination(home, 0, 200), 5));
  const auto events =
      Proximity(h.Send(MakeFix(kTag, 1, kT0 + 3 * kMinute, Destination(home, 90, 100), 5)));
  const auto opened = FindEvent(events, Event::proximity_violation, Event::opened);
  ASSERT_TRUE(opened.has_value()) << Describe(events);
  EXPECT_EQ(opened->protected_().basis(), v1::PositionReport::extrapolated);
  EXPECT_EQ(Ms(opened->protected_().time()), kT0);
  EXPECT_NEAR(opened->protected_().accuracy_m(), 5 + 360, 1e-6);
  EXPECT_NEAR(opened->distance_m(), 100, 1e-6);
  EXPECT_EQ(opened->certainty(), Event::confirmed);  // upper 470 < 500
}

TEST(EngineScenario, OrderAppliesOnlyWithinItsValidityWindow) {
  Harness h;
  v1::Order order = PairOrder(200, 0);
  MsToTimestamp(kT0 + kHour, order.mutable_valid_from());
  MsToTimestamp(kT0 + 3 * kHour, order.mutable_valid_until());
  h.AddOrder(order);
  const Point home = kBishkek;
  const Point near = Destination(home, 90, 100);
  // Before valid_from: nothing at all, not even a strap cut.
  std::vector<Event> before;
  for (int i = 0; i < 3; ++i) {
    const TimeMs t = kT0 + i * 10 * kSecond;
    (void)h.engine().ApplyFix(
        WithFlags(MakeFix(kTag, 1 + i, t, near, 5), {v1::Fix::strap_open}), &before);
    (void)h.engine().ApplyFix(MakeFix(kPhone, 1 + i, t, home, 5), &before);
  }
  EXPECT_TRUE(before.empty()) << Describe(before);
  // In force: two rounds open the violation.
  std::vector<Event> during;
  for (int i = 0; i < 2; ++i) {
    const TimeMs t = kT0 + 2 * kHour + i * 10 * kSecond;
    during = Concat(during, h.Send(MakeFix(kTag, 10 + i, t, near, 5)));
    during = Concat(during, h.Send(MakeFix(kPhone, 10 + i, t, home, 5)));
  }
  EXPECT_EQ(Count(during, Event::proximity_violation, Event::opened), 1) << Describe(during);
}

TEST(EngineScenario, FixReceivedMinutesAfterMeasurementIsLate) {
  Harness h;
  h.AddOrder(PairOrder(200, 0));
  const Point away = Destination(kBishkek, 0, 5000);
  // Received 1 min after measurement: on time. Received 3 min after: late (> 2 min).
  const auto prompt = h.Send(ReceivedAt(
      WithFlags(MakeFix(kTag, 1, kT0, away, 5), {v1::Fix::jamming_suspected}), kT0 + kMinute));
  const auto jam = FindEvent(prompt, Event::jamming, Event::opened);
  ASSERT_TRUE(jam.has_value()) << Describe(prompt);
  EXPECT_FALSE(jam->late());
  const auto delayed =
      h.Send(ReceivedAt(WithFlags(MakeFix(kTag, 2, kT0 + 2 * kMinute, away, 5),
                                  {v1::Fix::strap_open}),
                        kT0 + 5 * kMinute));
  const auto strap = FindEvent(delayed, Event::strap_tamper, Event::opened);
  ASSERT_TRUE(strap.has_value()) << Describe(delayed);
  EXPECT_TRUE(strap->late());
  EXPECT_EQ(Ms(strap->time()), kT0 + 2 * kMinute);
  EXPECT_EQ(Ms(strap->detected_at()), kT0 + 5 * kMinute);
}

// ---------------------------------------------------------------------------------------
// Stale, late and duplicate input.
// ---------------------------------------------------------------------------------------

TEST(EngineScenario, StaleVictimPositionRaisesProtectedLocationUnknownUntilVictimReports) {
  Harness h;
  h.AddOrder(PairOrder(500, 1000));
  const Point home = kBishkek;
  const Point away = Destination(home, 0, 5000);
  h.Report(kPhone, kT0, home);
  h.Report(kTag, kT0, away);

  // The tag reports every minute; the phone falls silent. Up to 9 minutes it is known.
  for (int m = 1; m <= 9; ++m) {
    const auto events = h.Report(kTag, kT0 + m * kMinute, away);
    EXPECT_EQ(Count(events, Event::protected_location_unknown, Event::opened), 0)
        << "minute " << m << ":\n" << Describe(events);
  }
  // At 11 minutes the victim's last fix is older than counterpart_stale_ms (10 min).
  const auto stale = h.Report(kTag, kT0 + 11 * kMinute, away);
  const auto opened = FindEvent(stale, Event::protected_location_unknown, Event::opened);
  ASSERT_TRUE(opened.has_value()) << Describe(stale);
  EXPECT_EQ(opened->person(), "victim");
  EXPECT_EQ(opened->order_id(), "order-1");
  EXPECT_EQ(Ms(opened->time()), kT0 + 11 * kMinute);
  EXPECT_TRUE(Proximity(stale).empty()) << Describe(stale);

  // It stays open while the phone is silent.
  const auto still = h.Report(kTag, kT0 + 12 * kMinute, away);
  EXPECT_TRUE(OfKind(still, Event::protected_location_unknown).empty()) << Describe(still);

  // The victim reports again: closed, same alert.
  const auto back = h.Report(kPhone, kT0 + 12 * kMinute + 30 * kSecond, home);
  const auto closed = FindEvent(back, Event::protected_location_unknown, Event::closed);
  ASSERT_TRUE(closed.has_value()) << Describe(back);
  EXPECT_EQ(closed->alert_id(), opened->alert_id());
  EXPECT_EQ(closed->person(), "victim");
}

TEST(EngineScenario, NeverHeardTagGetsTheStalenessPatienceBeforeLocationUnknown) {
  Harness h;
  h.AddOrder(PairOrder(200, 0));
  const Point home = kBishkek;
  // The victim's phone reports before the tag was ever heard: no alert yet, the tag gets
  // the same counterpart_stale_ms (10 min) a silent device gets.
  const auto first = h.Report(kPhone, kT0, home);
  EXPECT_FALSE(FindEvent(first, Event::supervised_location_unknown, Event::opened).has_value())
      << Describe(first);
  const auto nine = h.Report(kPhone, kT0 + 9 * kMinute, home);
  EXPECT_FALSE(FindEvent(nine, Event::supervised_location_unknown, Event::opened).has_value())
      << Describe(nine);
  const auto ten = h.Report(kPhone, kT0 + 10 * kMinute, home);
  const auto opened = FindEvent(ten, Event::supervised_location_unknown, Event::opened);
  ASSERT_TRUE(opened.has_value()) << Describe(ten);
  EXPECT_EQ(opened->person(), "aggr");
  // The tag reports: its position is known again.
  const auto tag = h.Report(kTag, kT0 + 10 * kMinute + 5 * kSecond, Destination(home, 0, 3000));
  const auto closed = FindEvent(tag, Event::supervised_location_unknown, Event::closed);
  ASSERT_TRUE(closed.has_value()) << Describe(tag);
  EXPECT_EQ(closed->alert_id(), opened->alert_id());
}

TEST(EngineScenario, LateUploadRevealsPastViolation) {
  Harness h;
  h.AddOrder(PairOrder(200, 0));
  const Point home = kBishkek;
  const Point far = Destination(home, 90, 2000);
  const Point near = Destination(home, 90, 100);

  // The victim's phone reports every minute from T0 to T0 + 10 min.
  h.Send(MakeFix(kPhone, 1, kT0, home, 5));
  h.Send(MakeFix(kTag, 1, kT0, far, 5));
  for (int m = 1; m <= 10; ++m) h.Send(MakeFix(kPhone, 1 + m, kT0 + m * kMinute, home, 5));
  // The tag's newest fix (seq 3, T0 + 10 min) is clear.
  const auto clear = Proximity(h.Send(MakeFix(kTag, 3, kT0 + 10 * kMinute, far, 5)));
  EXPECT_TRUE(clear.empty()) << Describe(clear);

  // Then its buffered fix from T0 + 3 min (seq 2) arrives, 100 m from the victim.
  const TimeMs received = kT0 + 10 * kMinute + 30 * kSecond;
  const auto revealed = Proximity(
      h.Send(ReceivedAt(MakeFix(kTag, 2, kT0 + 3 * kMinute, near, 5), received)));
  ASSERT_EQ(revealed.size(), 2u) << Describe(revealed);
  const Event& opened = revealed[0];
  const Event& closed = revealed[1];
  EXPECT_EQ(opened.transition(), Event::opened);
  EXPECT_EQ(opened.kind(), Event::proximity_violation);
  EXPECT_EQ(opened.certainty(), Event::confirmed);  // the phone has a fix at that instant
  EXPECT_TRUE(opened.late());
  EXPECT_EQ(Ms(opened.time()), kT0 + 3 * kMinute);
  EXPECT_EQ(Ms(opened.detected_at()), received);
  EXPECT_GT(Ms(opened.detected_at()), Ms(opened.time()));
  EXPECT_NEAR(opened.distance_m(), 100, 1e-6);
  ExpectBoundsConsistent(opened);
  EXPECT_TRUE(UsesFix(opened, kTag, 2)) << opened.DebugString();

  // The rule's newest evaluation (T0 + 10 min) is clear: it closes at once, at that time.
  EXPECT_EQ(closed.transition(), Event::closed);
  EXPECT_EQ(closed.alert_id(), opened.alert_id());
  EXPECT_EQ(Ms(closed.time()), kT0 + 10 * kMinute);
  EXPECT_EQ(Ms(closed.detected_at()), received);
  EXPECT_EQ(h.engine().now_ms(), received);
}

TEST(EngineScenario, SlightlyReorderedFixIsDebouncedAsIfItHadArrivedInOrder) {
  // Only 35 s behind (less than late_after_ms): evaluated like a live fix. In event order
  // the story is clear, inside once, clear; one qualifying fix between clear ones opens
  // nothing under the default debounce, and neither does it when it arrives out of order.
  Harness h;
  h.AddOrder(PairOrder(200, 0));
  const Point home = kBishkek;
  const Point far = Destination(home, 90, 1000);
  h.Send(MakeFix(kPhone, 1, kT0, home, 5));
  h.Send(MakeFix(kTag, 1, kT0, far, 5));
  h.Send(MakeFix(kPhone, 2, kT0 + 30 * kSecond, home, 5));
  h.Send(MakeFix(kPhone, 3, kT0 + 60 * kSecond, home, 5));
  EXPECT_TRUE(Proximity(h.Send(MakeFix(kTag, 3, kT0 + 60 * kSecond, far, 5))).empty());

  const TimeMs received = kT0 + 65 * kSecond;
  const auto reordered = Proximity(h.Send(
      ReceivedAt(MakeFix(kTag, 2, kT0 + 30 * kSecond, Destination(home, 90, 100), 5), received)));
  EXPECT_TRUE(reordered.empty()) << Describe(reordered);
}

TEST(EngineScenario, SlightlyReorderedClearFixDoesNotCloseAnOpenAlert) {
  // The alert is open on the newest evaluation; a clear reading 20 s older arrives late.
  // It must not close what the newer reading holds open.
  Harness h;
  h.AddOrder(PairOrder(200, 0));
  const Point home = kBishkek;
  h.Send(MakeFix(kPhone, 1, kT0, home, 5));
  h.Send(MakeFix(kTag, 1, kT0, Destination(home, 90, 50), 5));
  auto opened = Proximity(h.Send(MakeFix(kTag, 2, kT0 + 40 * kSecond, Destination(home, 90, 60), 5)));
  ASSERT_EQ(opened.size(), 1u) << Describe(opened);
  ASSERT_EQ(opened[0].transition(), Event::opened);
  h.Send(MakeFix(kPhone, 2, kT0 + 40 * kSecond, home, 5));
  h.Send(MakeFix(kTag, 4, kT0 + 60 * kSecond, Destination(home, 90, 60), 5));
  const auto stale_clear = Proximity(h.Send(ReceivedAt(
      MakeFix(kTag, 3, kT0 + 50 * kSecond, Destination(home, 90, 900), 5), kT0 + 70 * kSecond)));
  EXPECT_TRUE(stale_clear.empty()) << Describe(stale_clear);
  const auto clear = Proximity(h.Send(MakeFix(kTag, 5, kT0 + 80 * kSecond, Destination(home, 90, 900), 5)));
  ASSERT_EQ(clear.size(), 1u) << Describe(clear);
  EXPECT_EQ(clear[0].transition(), Event::closed);
}

TEST(EngineScenario, DuplicateFixIsRefusedWithoutEventsOrStateChange) {
  Harness h;
  h.AddOrder(PairOrder(200, 0));
  const Point home = kBishkek;
  h.Send(MakeFix(kPhone, 1, kT0, home, 5));
  h.Send(MakeFix(kTag, 1, kT0, Destination(home, 90, 2000), 5));
  const TimeMs now_before = h.engine().now_ms();

  // The same (device, seq) again: once identical, once claiming a position next to the
  // victim a minute later (which would qualify for a violation if it were used).
  const v1::Fix duplicates[] = {
      MakeFix(kTag, 1, kT0, Destination(home, 90, 2000), 5),
      MakeFix(kTag, 1, kT0 + kMinute, Destination(home, 90, 20), 5),
  };
  for (const v1::Fix& dup : duplicates) {
    std::vector<Event> events;
    const Status status = h.engine().ApplyFix(dup, &events);
    EXPECT_EQ(status.code(), StatusCode::kAlreadyExists) << status.ToString();
    EXPECT_TRUE(events.empty()) << Describe(events);
    EXPECT_EQ(h.engine().now_ms(), now_before);
  }
  // The victim's next fixes still see the tag 2 km away (grown radius), so nothing opens.
  auto later = h.Send(MakeFix(kPhone, 2, kT0 + kMinute, home, 5));
  later = Concat(later, h.Send(MakeFix(kPhone, 3, kT0 + kMinute + 5 * kSecond, home, 5)));
  EXPECT_TRUE(Proximity(later).empty()) << Describe(later);
}

// ---------------------------------------------------------------------------------------
// Several protected or supervised people.
// ---------------------------------------------------------------------------------------

TEST(EngineScenario, ChildrenInTheSameOrderGetSeparateAlerts) {
  Harness h;
  h.AddOrder(MakeOrder("order-1", Person("aggr", {kTag}),
                       {Person("mother", {"phone-m"}, "victim"),
                        Person("child", {"phone-c"}, "child")},
                       200, 0));
  const Point home = kBishkek;
  const Point school_gate = Destination(home, 0, 30);  // the child is 30 m north
  const Point near = Destination(home, 90, 100);       // ~100 m from both
  h.Report("phone-m", kT0, home);
  h.Report("phone-c", kT0, school_gate);
  h.Report(kTag, kT0, Destination(home, 90, 500));
  const TimeMs t1 = kT0 + 10 * kSecond;
  h.Report("phone-m", t1, home);
  h.Report("phone-c", t1, school_gate);
  EXPECT_TRUE(Proximity(h.Report(kTag, t1, near)).empty());  // first qualifying evaluation
  const auto both = Proximity(h.Report(kTag, t1 + 10 * kSecond, near));
  ASSERT_EQ(both.size(), 2u) << Describe(both);
  std::set<std::string> rules, ids;
  for (const Event& e : both) {
    EXPECT_EQ(e.transition(), Event::opened);
    EXPECT_EQ(e.kind(), Event::proximity_violation);
    EXPECT_EQ(e.order_id(), "order-1");
    rules.insert(e.rule());
    ids.insert(e.alert_id());
  }
  EXPECT_EQ(rules, (std::set<std::string>{"proximity:aggr:mother", "proximity:aggr:child"}));
  EXPECT_EQ(ids.size(), 2u);

  // The mother walks away 600 m west (a minute later); only her alert closes.
  const auto mother_leaves =
      Proximity(h.Report("phone-m", t1 + 70 * kSecond, Destination(home, 270, 600)));
  ASSERT_EQ(mother_leaves.size(), 1u) << Describe(mother_leaves);
  EXPECT_EQ(mother_leaves[0].transition(), Event::closed);
  EXPECT_EQ(mother_leaves[0].rule(), "proximity:aggr:mother");
  const auto child_stays = Proximity(h.Report("phone-c", t1 + 70 * kSecond, school_gate));
  EXPECT_TRUE(WithTransition(child_stays, Event::closed).empty()) << Describe(child_stays);
}

TEST(EngineScenario, TwoVictimsAndOneAggressorRaiseOneAlertPerOrderInApplyOrder) {
  Harness h;
  const v1::Party aggr = Person("aggr", {kTag});
  h.AddOrder(MakeOrder("order-A", aggr, {Person("v1", {"phone-1"}, "victim")}, 200));
  h.AddOrder(MakeOrder("order-B", aggr, {Person("v2", {"phone-2"}, "victim")}, 200));
  const Point p1 = kBishkek;
  const Point p2 = Destination(p1, 0, 60);
  const Point near = Destination(Destination(p1, 0, 30), 90, 100);
  h.Report("phone-1", kT0, p1);
  h.Report("phone-2", kT0, p2);
  h.Report(kTag, kT0, Destination(p1, 90, 500));
  const TimeMs t1 = kT0 + 10 * kSecond;
  h.Report("phone-1", t1, p1);
  h.Report("phone-2", t1, p2);
  EXPECT_TRUE(Proximity(h.Report(kTag, t1, near)).empty());
  const auto both = Proximity(h.Report(kTag, t1 + 10 * kSecond, near));
  ASSERT_EQ(both.size(), 2u) << Describe(both);
  // Orders in the order they were first applied.
  EXPECT_EQ(both[0].order_id(), "order-A");
  EXPECT_EQ(both[0].rule(), "proximity:aggr:v1");
  EXPECT_EQ(both[1].order_id(), "order-B");
  EXPECT_EQ(both[1].rule(), "proximity:aggr:v2");
  EXPECT_NE(both[0].alert_id(), both[1].alert_id());
  for (const Event& e : both) {
    EXPECT_EQ(e.transition(), Event::opened);
    EXPECT_EQ(e.kind(), Event::proximity_violation);
    ExpectBoundsConsistent(e);
  }
}

TEST(EngineScenario, OneVictimAndTwoAggressorsRaiseSeparateAlerts) {
  Harness h;
  const v1::Party victim = Person("victim", {kPhone}, "victim");
  h.AddOrder(MakeOrder("order-A", Person("s1", {"tag-1"}), {victim}, 200));
  h.AddOrder(MakeOrder("order-B", Person("s2", {"tag-2"}), {victim}, 200));
  const Point home = kBishkek;
  h.Report("tag-1", kT0, Destination(home, 90, 500));
  h.Report("tag-2", kT0, Destination(home, 270, 500));
  h.Report(kPhone, kT0, home);
  const TimeMs t1 = kT0 + 10 * kSecond;
  EXPECT_TRUE(Proximity(h.Report("tag-1", t1, Destination(home, 90, 100))).empty());
  EXPECT_TRUE(Proximity(h.Report("tag-2", t1, Destination(home, 270, 120))).empty());
  // The victim's fix is a second evaluation of both pairs but no second fix of the side
  // that moved; the tags' next fixes corroborate, each its own pair.
  EXPECT_TRUE(Proximity(h.Report(kPhone, t1, home)).empty());
  const TimeMs t2 = t1 + 10 * kSecond;
  const auto both = Concat(Proximity(h.Report("tag-1", t2, Destination(home, 90, 100))),
                           Proximity(h.Report("tag-2", t2, Destination(home, 270, 120))));
  ASSERT_EQ(both.size(), 2u) << Describe(both);
  EXPECT_EQ(both[0].order_id(), "order-A");
  EXPECT_EQ(both[0].rule(), "proximity:s1:victim");
  EXPECT_NEAR(both[0].distance_m(), 100, 1e-6);
  EXPECT_EQ(both[1].order_id(), "order-B");
  EXPECT_EQ(both[1].rule(), "proximity:s2:victim");
  EXPECT_NEAR(both[1].distance_m(), 120, 1e-6);
  EXPECT_NE(both[0].alert_id(), both[1].alert_id());
  for (const Event& e : both) {
    EXPECT_EQ(e.transition(), Event::opened);
    EXPECT_EQ(e.kind(), Event::proximity_violation);
    EXPECT_EQ(e.certainty(), Event::confirmed);
  }
}

// ---------------------------------------------------------------------------------------
// Zones.
// ---------------------------------------------------------------------------------------

// A curfew: stay within 100 m (+50 m tolerance) of home in Madrid from 22:00 to 06:00.
v1::Order CurfewOrder() {
  v1::Order order = MakeOrder("order-M", Person("aggr", {kTag}),
                              {Person("victim", {kPhone}, "victim")}, 500);
  v1::Zone zone = CircleZone("home", v1::Zone::inclusion, kMadrid, 100, 50);
  SetDailySchedule(&zone, "Europe/Madrid", "22:00", "06:00");
  *order.add_zones() = zone;
  return order;
}

// 1 km from the centre of home: signed distance 900 m, far beyond the tolerance.
const Point kOutsideMadridHome = Destination(kMadrid, 45, 1000);

TEST(EngineScenario, CurfewAcrossMidnightOpensAfterDebounceAndClosesWhenWindowEnds) {
  Harness h;
  h.AddOrder(CurfewOrder());
  auto curfew = [&](TimeMs t) {
    return OfKind(h.Report(kTag, t, kOutsideMadridHome, 10), Event::inclusion_zone);
  };
  // 21:30 CET (UTC+1) on Monday 2025-03-10: outside, but the rule does not apply yet.
  EXPECT_TRUE(curfew(Utc(2025, 3, 10, 20, 30)).empty());
  EXPECT_TRUE(curfew(Utc(2025, 3, 10, 20, 30, 10)).empty());
  // 23:30 local: the first evaluation is debounced, the second opens.
  const auto first = curfew(Utc(2025, 3, 10, 22, 30));
  EXPECT_TRUE(first.empty()) << Describe(first);
  const auto opened = curfew(Utc(2025, 3, 10, 22, 30, 10));
  ASSERT_EQ(opened.size(), 1u) << Describe(opened);
  EXPECT_EQ(opened[0].transition(), Event::opened);
  EXPECT_EQ(opened[0].certainty(), Event::confirmed);
  EXPECT_EQ(opened[0].zone_id(), "home");
  EXPECT_EQ(opened[0].rule(), "zone:home");
  EXPECT_EQ(opened[0].order_id(), "order-M");
  EXPECT_EQ(Ms(opened[0].time()), Utc(2025, 3, 10, 22, 30, 10));
  EXPECT_NEAR(opened[0].distance_m(), 900, 1e-3);
  EXPECT_DOUBLE_EQ(opened[0].limit_m(), 50);
  // 05:50 local next morning: still in the window, still open.
  EXPECT_TRUE(curfew(Utc(2025, 3, 11, 4, 50)).empty());
  // 06:30 local: the rule no longer applies; the alert closes.
  const auto closed = curfew(Utc(2025, 3, 11, 5, 30));
  ASSERT_EQ(closed.size(), 1u) << Describe(closed);
  EXPECT_EQ(closed[0].transition(), Event::closed);
  EXPECT_EQ(closed[0].alert_id(), opened[0].alert_id());
  EXPECT_EQ(Ms(closed[0].time()), Utc(2025, 3, 11, 5, 30));
}

TEST(EngineScenario, CurfewFollowsSpringDstChangeInMadrid) {
  // Night of Saturday 2025-03-29 to Sunday 03-30: 02:00 CET becomes 03:00 CEST, so the
  // 22:00-06:00 window runs 21:00Z-04:00Z (7 hours).
  Harness h;
  h.AddOrder(CurfewOrder());
  auto curfew = [&](TimeMs t) {
    return OfKind(h.Report(kTag, t, kOutsideMadridHome, 10), Event::inclusion_zone);
  };
  EXPECT_TRUE(curfew(Utc(2025, 3, 29, 20, 30)).empty());  // 21:30 CET: before the window
  EXPECT_TRUE(curfew(Utc(2025, 3, 30, 3, 30)).empty());   // 05:30 CEST: first evaluation
  const auto opened = curfew(Utc(2025, 3, 30, 3, 30, 10));
  ASSERT_EQ(opened.size(), 1u) << Describe(opened);
  EXPECT_EQ(opened[0].transition(), Event::opened);
  // 04:10Z is 06:10 CEST: the window is over (it would still be 05:10 under CET).
  const auto closed = curfew(Utc(2025, 3, 30, 4, 10));
  ASSERT_EQ(closed.size(), 1u) << Describe(closed);
  EXPECT_EQ(closed[0].transition(), Event::closed);
  EXPECT_EQ(closed[0].alert_id(), opened[0].alert_id());
}

TEST(EngineScenario, CurfewFollowsAutumnDstChangeInMadrid) {
  // Night of Saturday 2025-10-25 to Sunday 10-26: 03:00 CEST becomes 02:00 CET, so the
  // window runs 20:00Z-05:00Z (9 hours).
  Harness h;
  h.AddOrder(CurfewOrder());
  auto curfew = [&](TimeMs t) {
    return OfKind(h.Report(kTag, t, kOutsideMadridHome, 10), Event::inclusion_zone);
  };
  // 04:20Z is 05:20 CET (it would be 06:20 under CEST): inside the window.
  EXPECT_TRUE(curfew(Utc(2025, 10, 26, 4, 20)).empty());
  const auto opened = curfew(Utc(2025, 10, 26, 4, 20, 10));
  ASSERT_EQ(opened.size(), 1u) << Describe(opened);
  EXPECT_EQ(opened[0].transition(), Event::opened);
  const auto closed = curfew(Utc(2025, 10, 26, 5, 10));  // 06:10 CET
  ASSERT_EQ(closed.size(), 1u) << Describe(closed);
  EXPECT_EQ(closed[0].transition(), Event::closed);
}

TEST(EngineScenario, CurfewInsideHomeRaisesNothing) {
  Harness h;
  h.AddOrder(CurfewOrder());
  // 23:30 local, 80 m from the centre with 10 m accuracy: sd + r = -10 <= 50.
  const Point inside = Destination(kMadrid, 200, 80);
  for (int i = 0; i < 4; ++i) {
    const auto events = OfKind(h.Report(kTag, Utc(2025, 3, 10, 22, 30) + i * 20 * kSecond,
                                        inside, 10),
                               Event::inclusion_zone);
    EXPECT_TRUE(events.empty()) << Describe(events);
  }
}

TEST(EngineScenario, GlobalShelterZoneAppliesToEverySupervisedPerson) {
  Harness h;
  h.AddOrder(MakeOrder("order-A", Person("s1", {"tag-1"}), {Person("v1", {"phone-1"})}, 500));
  h.AddOrder(MakeOrder("order-B", Person("s2", {"tag-2"}), {Person("v2", {"phone-2"})}, 500));
  const Point shelter = Destination(kBishkek, 0, 3000);
  h.AddGlobalZone(CircleZone("shelter-1", v1::Zone::exclusion, shelter, 100));

  auto shelter_events = [&](const std::string& device, TimeMs t, Point p) {
    return OfKind(h.Report(device, t, p, 10), Event::exclusion_zone);
  };
  // s1 walks in from the south, two minutes per fix.
  EXPECT_TRUE(shelter_events("tag-1", kT0, Destination(shelter, 180, 2000)).empty());
  EXPECT_TRUE(shelter_events("tag-1", kT0 + 2 * kMinute, shelter).empty());  // debounce
  const auto s1_in = shelter_events("tag-1", kT0 + 4 * kMinute, shelter);
  ASSERT_EQ(s1_in.size(), 1u) << Describe(s1_in);
  EXPECT_EQ(s1_in[0].transition(), Event::opened);
  EXPECT_EQ(s1_in[0].order_id(), "order-A");
  EXPECT_EQ(s1_in[0].rule(), "zone:global:shelter-1");
  EXPECT_EQ(s1_in[0].zone_id(), "shelter-1");
  EXPECT_EQ(s1_in[0].certainty(), Event::confirmed);
  EXPECT_NEAR(s1_in[0].distance_m(), -100, 1e-3);

  // s2, of another order, comes in from the west.
  EXPECT_TRUE(shelter_events("tag-2", kT0 + 5 * kMinute, Destination(shelter, 270, 2000)).empty());
  EXPECT_TRUE(shelter_events("tag-2", kT0 + 7 * kMinute, Destination(shelter, 270, 50)).empty());
  const auto s2_in = shelter_events("tag-2", kT0 + 9 * kMinute, Destination(shelter, 270, 50));
  ASSERT_EQ(s2_in.size(), 1u) << Describe(s2_in);
  EXPECT_EQ(s2_in[0].transition(), Event::opened);
  EXPECT_EQ(s2_in[0].order_id(), "order-B");
  EXPECT_EQ(s2_in[0].rule(), "zone:global:shelter-1");
  EXPECT_NE(s2_in[0].alert_id(), s1_in[0].alert_id());

  // s1 leaves to 500 m from the centre: sd - r = 390 >= 0 + 50, closes.
  const auto s1_out = shelter_events("tag-1", kT0 + 10 * kMinute, Destination(shelter, 180, 500));
  ASSERT_EQ(s1_out.size(), 1u) << Describe(s1_out);
  EXPECT_EQ(s1_out[0].transition(), Event::closed);
  EXPECT_EQ(s1_out[0].alert_id(), s1_in[0].alert_id());
}

TEST(EngineScenario, ExclusionPolygonWithBufferOpensWithinBufferAndClosesWithMargin) {
  // The victim's home: a 100 m square (GeoJSON polygon) with a 200 m buffer.
  const Point home = kBishkek;
  const double half_diagonal = 50 * std::sqrt(2.0);
  const std::vector<Point> square = {
      Destination(home, 45, half_diagonal), Destination(home, 135, half_diagonal),
      Destination(home, 225, half_diagonal), Destination(home, 315, half_diagonal)};
  v1::Order order = PairOrder(100, 0);
  *order.add_zones() = PolygonZone("home", v1::Zone::exclusion, square, 200);
  Harness h;
  h.AddOrder(order);

  // x metres east of the east wall (the wall is ~50 m east of the centre), 10 m accuracy.
  TimeMs t = kT0;
  auto at = [&](double x) {
    t += kMinute;
    return OfKind(h.Report(kTag, t, Destination(home, 90, 50 + x), 10), Event::exclusion_zone);
  };
  EXPECT_TRUE(at(400).empty());  // sd - r = 390 >= 200: clear
  EXPECT_TRUE(at(150).empty());  // confirmed (sd + r = 160 < 200), first evaluation
  const auto opened = at(150);
  ASSERT_EQ(opened.size(), 1u) << Describe(opened);
  EXPECT_EQ(opened[0].transition(), Event::opened);
  EXPECT_EQ(opened[0].certainty(), Event::confirmed);
  EXPECT_EQ(opened[0].zone_id(), "home");
  EXPECT_EQ(opened[0].rule(), "zone:home");
  EXPECT_NEAR(opened[0].distance_m(), 150, 1.0);
  EXPECT_DOUBLE_EQ(opened[0].limit_m(), 200);

  const auto inside = at(-20);  // inside the house: no new alert
  EXPECT_TRUE(WithTransition(inside, Event::opened).empty()) << Describe(inside);
  EXPECT_TRUE(WithTransition(inside, Event::closed).empty()) << Describe(inside);
  const auto edge = at(205);  // sd - r = 195 < 200 + 50: still open
  EXPECT_TRUE(WithTransition(edge, Event::closed).empty()) << Describe(edge);
  const auto closed = at(300);  // sd - r = 290 >= 250
  ASSERT_EQ(closed.size(), 1u) << Describe(closed);
  EXPECT_EQ(closed[0].transition(), Event::closed);
  EXPECT_EQ(closed[0].alert_id(), opened[0].alert_id());

  // Back at 195 m: sd - r = 185 < 200 <= sd + r = 205: a new, possible alert.
  EXPECT_TRUE(at(195).empty());
  const auto possible = at(195);
  ASSERT_EQ(possible.size(), 1u) << Describe(possible);
  EXPECT_EQ(possible[0].transition(), Event::opened);
  EXPECT_EQ(possible[0].certainty(), Event::possible);
  EXPECT_NE(possible[0].alert_id(), opened[0].alert_id());
}

// ---------------------------------------------------------------------------------------
// Implausible movement, order lifecycle.
// ---------------------------------------------------------------------------------------

TEST(EngineScenario, ImplausibleJumpIsSuspectAndOpensNoProximityAlert) {
  // Debounce {1, 0} for proximity, so a single evaluation would open an alert.
  EngineSettings settings;
  settings.SetProximityDebounce({1, 0});
  Harness h(settings);
  h.AddOrder(PairOrder(200, 0));
  const Point home = kBishkek;
  h.Report(kPhone, kT0, home);
  h.Report(kTag, kT0, Destination(home, 90, 50'000));

  // 10 s later, 10 m from the victim: 50 km in 10 s.
  const auto jump = h.Report(kTag, kT0 + 10 * kSecond, Destination(home, 90, 10));
  const auto suspect = FindEvent(jump, Event::implausible_movement, Event::opened);
  ASSERT_TRUE(suspect.has_value()) << Describe(jump);
  EXPECT_EQ(suspect->device(), kTag);
  EXPECT_EQ(suspect->person(), "aggr");
  EXPECT_TRUE(Proximity(jump).empty()) << Describe(jump);

  // The victim's own fix does not see the tag at the suspect position either.
  const auto victim_fix = h.Report(kPhone, kT0 + 15 * kSecond, home);
  EXPECT_TRUE(Proximity(victim_fix).empty()) << Describe(victim_fix);

  // Back on the plausible track (100 m from the last good fix in 20 s): closes.
  const auto back = h.Report(kTag, kT0 + 20 * kSecond, Destination(home, 90, 50'100));
  const auto cleared = FindEvent(back, Event::implausible_movement, Event::closed);
  ASSERT_TRUE(cleared.has_value()) << Describe(back);
  EXPECT_EQ(cleared->alert_id(), suspect->alert_id());
  EXPECT_TRUE(Proximity(h.log()).empty()) << Describe(h.log());
}

TEST(EngineScenario, ConsistentSuspectFixesReanchorTheTrack) {
  // Debounce {1, 0} for proximity. The tag jumps 50 km and then keeps reporting there:
  // the second fix is plausible from the first suspect fix and re-anchors the track.
  EngineSettings settings;
  settings.SetProximityDebounce({1, 0});
  Harness h(settings);
  h.AddOrder(PairOrder(200, 0));
  const Point home = kBishkek;
  h.Report(kPhone, kT0, home);
  h.Report(kTag, kT0, Destination(home, 90, 50'000));
  const auto jump = h.Report(kTag, kT0 + 10 * kSecond, Destination(home, 90, 20));
  ASSERT_EQ(Count(jump, Event::implausible_movement, Event::opened), 1) << Describe(jump);
  EXPECT_TRUE(Proximity(jump).empty()) << Describe(jump);
  const auto settle = h.Report(kTag, kT0 + 20 * kSecond, Destination(home, 90, 30));
  EXPECT_EQ(Count(settle, Event::implausible_movement, Event::opened), 0) << Describe(settle);
  EXPECT_EQ(Count(settle, Event::implausible_movement, Event::closed), 1) << Describe(settle);
  // The re-anchored track is the tag's position now: next to the victim, it must not pass
  // silently (by the re-anchoring fix or, at the latest, the one after it).
  h.Report(kPhone, kT0 + 25 * kSecond, home);
  h.Report(kTag, kT0 + 30 * kSecond, Destination(home, 90, 40));
  EXPECT_EQ(Count(h.log(), Event::proximity_violation, Event::opened), 1) << Describe(h.log());
}

TEST(EngineScenario, RevokingTheOrderClosesItsOpenAlerts) {
  Harness h;
  h.AddOrder(PairOrder(200, 0));
  const Point home = kBishkek;
  Round(h, kT0, Destination(home, 90, 400), home);
  Round(h, kT0 + 5 * kSecond, Destination(home, 90, 100), home);
  const auto opened = Proximity(Round(h, kT0 + 10 * kSecond, Destination(home, 90, 100), home));
  ASSERT_EQ(opened.size(), 1u) << Describe(opened);

  v1::Order revoked = PairOrder(200, 0);
  revoked.set_version(2);
  revoked.set_state(v1::Order::revoked);
  const auto events = h.AddOrder(revoked);
  const auto closed = FindEvent(events, Event::proximity_violation, Event::closed);
  ASSERT_TRUE(closed.has_value()) << Describe(events);
  EXPECT_EQ(closed->alert_id(), opened[0].alert_id());

  // A revoked order evaluates nothing any more (the fix may be refused or ignored).
  std::vector<Event> after;
  (void)h.engine().ApplyFix(MakeFix(kTag, 50, kT0 + 20 * kSecond, Destination(home, 90, 50), 5),
                            &after);
  (void)h.engine().ApplyFix(MakeFix(kPhone, 50, kT0 + 20 * kSecond, home, 5), &after);
  EXPECT_TRUE(Proximity(after).empty()) << Describe(after);
}

TEST(EngineScenario, NewOrderVersionIsReportedOnLaterEvents) {
  Harness h;
  h.AddOrder(PairOrder(200, 0));
  v1::Order wider = PairOrder(400, 0);
  wider.set_version(3);
  h.AddOrder(wider);
  const Point home = kBishkek;
  Round(h, kT0, Destination(home, 90, 700), home);
  // 300 m: only a violation under the new 400 m distance (corroborated by a second round).
  Round(h, kT0 + 10 * kSecond, Destination(home, 90, 300), home);
  const auto events = Proximity(Round(h, kT0 + 20 * kSecond, Destination(home, 90, 300), home));
  ASSERT_EQ(events.size(), 1u) << Describe(events);
  EXPECT_EQ(events[0].order_version(), 3u);
  EXPECT_DOUBLE_EQ(events[0].limit_m(), 400);
}

// ---------------------------------------------------------------------------------------
// Refusals.
// ---------------------------------------------------------------------------------------

TEST(EngineScenarioRefusals, MalformedFixesAreRefusedWithoutAnyEffect) {
  Harness h;
  h.AddOrder(PairOrder(200, 0));
  h.Report(kPhone, kT0, kBishkek);
  const TimeMs now_before = h.engine().now_ms();

  // A fix 20 m from the victim: a qualifying evaluation if it were ever used.
  const TimeMs t = kT0 + 10 * kSecond;
  const v1::Fix good = MakeFix(kTag, 7, t, Destination(kBishkek, 90, 20), 5);
  struct Case {
    std::string name;
    v1::Fix fix;
    StatusCode code;
  };
  std::vector<Case> cases;
  auto add = [&](const std::string& name, StatusCode code, auto mutate) {
    v1::Fix fix = good;
    mutate(fix);
    cases.push_back({name, fix, code});
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const StatusCode invalid = StatusCode::kInvalidArgument;
  add("NaN latitude", invalid, [&](v1::Fix& f) { f.set_lat(nan); });
  add("NaN longitude", invalid, [&](v1::Fix& f) { f.set_lon(nan); });
  add("latitude 91", invalid, [](v1::Fix& f) { f.set_lat(91); });
  add("longitude -180.5", invalid, [](v1::Fix& f) { f.set_lon(-180.5); });
  add("negative accuracy", invalid, [](v1::Fix& f) { f.set_accuracy_m(-1); });
  add("accuracy above max_accuracy_m", invalid, [](v1::Fix& f) { f.set_accuracy_m(60'000); });
  add("negative speed", invalid, [](v1::Fix& f) { f.set_speed_mps(-3); });
  add("heading 360", invalid, [](v1::Fix& f) { f.set_heading_deg(360); });
  add("battery 101", invalid, [](v1::Fix& f) { f.set_battery_pct(101); });
  add("missing device", invalid, [](v1::Fix& f) { f.clear_device(); });
  add("missing time", invalid, [](v1::Fix& f) { f.clear_time(); });
  add("event time 10 min after received", invalid, [&](v1::Fix& f) {
    MsToTimestamp(t + 10 * kMinute, f.mutable_time());
    MsToTimestamp(t, f.mutable_received());
  });
  add("unknown device", StatusCode::kNotFound, [](v1::Fix& f) { f.set_device("stranger"); });

  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<Event> events;
    const Status status = h.engine().ApplyFix(c.fix, &events);
    EXPECT_EQ(status.code(), c.code) << status.ToString();
    EXPECT_TRUE(events.empty()) << Describe(events);
    EXPECT_EQ(h.engine().now_ms(), now_before);
  }
  // Nothing was recorded: seq 7 is still free, and this is the first qualifying
  // evaluation (the default debounce needs two), so nothing opens.
  const auto events = h.Send(good);
  EXPECT_TRUE(Proximity(events).empty()) << Describe(events);
  EXPECT_EQ(h.engine().now_ms(), t);
}

TEST(EngineScenarioRefusals, ARefusedValueIsQuotedWithEveryDigitItWasRefusedFor) {
  Harness h;
  h.AddOrder(PairOrder(200, 0));
  const v1::Fix good = MakeFix(kTag, 7, kT0, kBishkek, 5);
  struct Case {
    std::string name;
    std::function<void(v1::Fix&)> mutate;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"latitude just below -90", [](v1::Fix& f) { f.set_lat(-90.0000001); },
       "lat -90.0000001 lon "},
      {"latitude a hair above 90", [](v1::Fix& f) { f.set_lat(90.00000000000001); },
       "lat 90.00000000000001 lon "},
      {"longitude just past 180", [](v1::Fix& f) { f.set_lon(180.000000001); },
       "lon 180.000000001 is outside"},
      {"accuracy a hair negative", [](v1::Fix& f) { f.set_accuracy_m(-0.0000001); },
       "accuracy_m -1e-07 is outside [0, "},
      {"heading a hair below 0", [](v1::Fix& f) { f.set_heading_deg(-0.0000001); },
       "heading_deg -1e-07 is outside [0, 360)"},
      {"battery a hair above 100", [](v1::Fix& f) { f.set_battery_pct(100.0000001); },
       "battery_pct 100.0000001 is outside [0, 100]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::Fix fix = good;
    c.mutate(fix);
    std::vector<Event> events;
    const Status status = h.engine().ApplyFix(fix, &events);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(status.message().find(c.says), std::string::npos) << status.message();
  }
}

TEST(EngineScenarioRefusals, OrderVersionNotAboveCurrentIsAlreadyExists) {
  Engine engine;
  std::vector<Event> events;
  v1::Order v2 = PairOrder(200, 0);
  v2.set_version(2);
  ASSERT_TRUE(engine.ApplyOrder(v2, &events).ok());
  v1::Order v1_again = PairOrder(300, 0);
  v1_again.set_version(1);
  EXPECT_EQ(engine.ApplyOrder(v1_again, &events).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(engine.ApplyOrder(v2, &events).code(), StatusCode::kAlreadyExists);
  v1::Order v3 = PairOrder(300, 0);
  v3.set_version(3);
  EXPECT_TRUE(engine.ApplyOrder(v3, &events).ok());
  EXPECT_TRUE(events.empty()) << Describe(events);
}

TEST(EngineScenarioRefusals, OrderWithoutSupervisedIsInvalidArgument) {
  Engine engine;
  std::vector<Event> events;
  v1::Order order = PairOrder(200, 0);
  order.clear_supervised();
  const Status status = engine.ApplyOrder(order, &events);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_NE(status.message().find("supervised"), std::string::npos) << status.ToString();
  // The order was not added: its protected device is unknown.
  EXPECT_EQ(engine.ApplyFix(MakeFix(kPhone, 1, kT0, kBishkek, 5), &events).code(),
            StatusCode::kNotFound);
}

TEST(EngineScenarioRefusals, BowTiePolygonZoneIsRefusedAsSelfIntersecting) {
  const Point c = kBishkek;
  // NW -> NE -> SW -> SE: the two diagonals cross at the centre.
  const std::vector<Point> bow_tie = {Destination(c, 315, 100), Destination(c, 45, 100),
                                      Destination(c, 225, 100), Destination(c, 135, 100)};
  v1::Order order = PairOrder(200, 0);
  *order.add_zones() = PolygonZone("home", v1::Zone::exclusion, bow_tie, 50);
  Engine engine;
  std::vector<Event> events;
  const Status status = engine.ApplyOrder(order, &events);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  std::string message = status.message();
  for (char& ch : message) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_NE(message.find("self"), std::string::npos) << status.ToString();
  EXPECT_NE(message.find("intersect"), std::string::npos) << status.ToString();
  EXPECT_EQ(engine.ApplyFix(MakeFix(kTag, 1, kT0, kBishkek, 5), &events).code(),
            StatusCode::kNotFound);
}

TEST(EngineScenarioRefusals, InclusionZoneIsRefusedAsGlobalZone) {
  Engine engine;
  std::vector<Event> events;
  const Status status =
      engine.ApplyGlobalZone(CircleZone("curfew", v1::Zone::inclusion, kBishkek, 100), &events);
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(events.empty());
}

// ---------------------------------------------------------------------------------------
// Brute-force oracles.
// ---------------------------------------------------------------------------------------

struct Expected {
  bool any = false;
  Event::Kind kind = Event::kind_unspecified;
  Event::Certainty certainty = Event::certainty_unspecified;
  double limit = 0;
};

TEST(EngineScenarioOracle, SingleProximityEvaluationMatchesTheCertaintyFormulas) {
  // Proximity debounce {1 evaluation, 0 dwell}: every qualifying evaluation opens.
  EngineSettings settings;
  settings.SetProximityDebounce({1, 0});
  const uint64_t seed = TestSeed(0x5eed0001);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };
  std::map<std::string, int> outcomes;
  std::map<std::string, std::pair<double, std::string>> max_error;
  for (int i = 0; i < 400; ++i) {
    const double violation = uniform(100, 800);
    const double warning = uniform(0, 1) < 0.4 ? 0 : violation * uniform(1.2, 3);
    const double outer = warning > 0 ? warning : violation;
    const Point victim = Destination(kBishkek, uniform(0, 360), uniform(0, 5000));
    const Point aggr = Destination(victim, uniform(0, 360), uniform(0, 1.6 * outer));
    const double ra = uniform(0, 1) < 0.1 ? 0 : uniform(0, 200);
    const double rb = uniform(0, 1) < 0.1 ? 0 : uniform(0, 200);

    const double d = GeodesicMetres(aggr, victim);
    const double u = ra + rb;
    const double lower = std::max(0.0, d - u);
    const double upper = d + u;
    Expected want;
    if (upper < violation) {
      want = {true, Event::proximity_violation, Event::confirmed, violation};
    } else if (lower < violation) {
      want = {true, Event::proximity_violation, Event::possible, violation};
    } else if (warning > 0 && upper < warning) {
      want = {true, Event::proximity_warning, Event::confirmed, warning};
    } else if (warning > 0 && lower < warning) {
      want = {true, Event::proximity_warning, Event::possible, warning};
    }
    std::ostringstream trace;
    trace.precision(12);
    trace << "case " << i << ": V=" << violation << " W=" << warning << " d=" << d
          << " ra=" << ra << " rb=" << rb;
    SCOPED_TRACE(trace.str());

    Harness h(settings);
    h.AddOrder(PairOrder(violation, warning));
    h.Send(MakeFix(kPhone, 1, kT0, victim, rb));
    const auto events = Proximity(h.Send(MakeFix(kTag, 1, kT0, aggr, ra)));
    if (!want.any) {
      EXPECT_TRUE(events.empty()) << Describe(events);
      ++outcomes["none"];
      continue;
    }
    ++outcomes[Event::Kind_Name(want.kind) + "/" + Event::Certainty_Name(want.certainty)];
    ASSERT_EQ(events.size(), 1u) << Describe(events);
    const Event& e = events[0];
    EXPECT_EQ(e.transition(), Event::opened);
    EXPECT_EQ(e.kind(), want.kind);
    EXPECT_EQ(e.certainty(), want.certainty);
    EXPECT_DOUBLE_EQ(e.limit_m(), want.limit);
    EXPECT_FALSE(e.late());
    EXPECT_DOUBLE_EQ(e.supervised().lat(), aggr.lat);
    EXPECT_DOUBLE_EQ(e.protected_().lon(), victim.lon);
    // Numeric agreement is summarised below (one line each instead of one per case).
    auto worst = [&](const char* what, double error) {
      if (error > max_error[what].first) max_error[what] = {error, trace.str()};
    };
    worst("distance_m", std::abs(e.distance_m() - d));
    worst("distance_lower_m", std::abs(e.distance_lower_m() - lower));
    worst("distance_upper_m", std::abs(e.distance_upper_m() - upper));
    worst("supervised.accuracy_m", std::abs(e.supervised().accuracy_m() - ra));
    worst("protected.accuracy_m", std::abs(e.protected_().accuracy_m() - rb));
  }
  // Distances and bounds within 1e-6 m of the formulas; radii reported as sent.
  for (const char* what : {"distance_m", "distance_lower_m", "distance_upper_m"}) {
    EXPECT_LE(max_error[what].first, 1e-6) << what << " worst at " << max_error[what].second;
  }
  for (const char* what : {"supervised.accuracy_m", "protected.accuracy_m"}) {
    EXPECT_LE(max_error[what].first, 1e-9) << what << " worst at " << max_error[what].second;
  }
  // The random cases cover every outcome, so the oracle cannot pass vacuously.
  for (const char* outcome :
       {"none", "proximity_violation/confirmed", "proximity_violation/possible",
        "proximity_warning/confirmed", "proximity_warning/possible"}) {
    EXPECT_GT(outcomes[outcome], 0) << outcome;
  }
}

TEST(EngineScenarioOracle, SingleZoneEvaluationMatchesTheSignedDistanceFormulas) {
  // Zone debounce {1 evaluation, 0 dwell}. Circles: sd = distance to centre - radius.
  EngineSettings settings;
  settings.exclusion_zone = settings.inclusion_zone = engine::Debounce{1, 0};
  const uint64_t seed = TestSeed(0x5eed0002);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };
  std::map<std::string, int> outcomes;
  for (int i = 0; i < 300; ++i) {
    const bool exclusion = uniform(0, 1) < 0.5;
    const double radius = uniform(50, 500);
    const double buffer = uniform(0, 1) < 0.2 ? 0 : uniform(0, 200);
    const Point centre = Destination(kBishkek, uniform(0, 360), uniform(0, 3000));
    const Point aggr =
        Destination(centre, uniform(0, 360), uniform(0, radius + buffer + 400));
    const double r = uniform(0, 1) < 0.1 ? 0 : uniform(0, 150);
    const double sd = GeodesicMetres(aggr, centre) - radius;

    Expected want;
    want.limit = buffer;
    if (exclusion) {
      want.kind = Event::exclusion_zone;
      if (sd + r < buffer) {
        want.any = true;
        want.certainty = Event::confirmed;
      } else if (sd - r < buffer) {
        want.any = true;
        want.certainty = Event::possible;
      }
    } else {
      want.kind = Event::inclusion_zone;
      if (sd - r > buffer) {
        want.any = true;
        want.certainty = Event::confirmed;
      } else if (sd + r > buffer) {
        want.any = true;
        want.certainty = Event::possible;
      }
    }
    std::ostringstream trace;
    trace.precision(12);
    trace << "case " << i << ": " << (exclusion ? "exclusion" : "inclusion")
          << " radius=" << radius << " buffer=" << buffer << " sd=" << sd << " r=" << r;
    SCOPED_TRACE(trace.str());

    v1::Order order = PairOrder(100, 0);
    *order.add_zones() = CircleZone("z", exclusion ? v1::Zone::exclusion : v1::Zone::inclusion,
                                    centre, radius, buffer);
    Harness h(settings);
    h.AddOrder(order);
    const auto events = OfKind(h.Send(MakeFix(kTag, 1, kT0, aggr, r)), want.kind);
    if (!want.any) {
      EXPECT_TRUE(events.empty()) << Describe(events);
      ++outcomes["none"];
      continue;
    }
    ++outcomes[Event::Kind_Name(want.kind) + "/" + Event::Certainty_Name(want.certainty)];
    ASSERT_EQ(events.size(), 1u) << Describe(events);
    EXPECT_EQ(events[0].transition(), Event::opened);
    EXPECT_EQ(events[0].certainty(), want.certainty);
    EXPECT_EQ(events[0].zone_id(), "z");
    EXPECT_EQ(events[0].rule(), "zone:z");
    EXPECT_NEAR(events[0].distance_m(), sd, 1e-6);
    EXPECT_NEAR(events[0].limit_m(), buffer, 1e-9);
  }
  for (const char* outcome : {"exclusion_zone/confirmed", "exclusion_zone/possible",
                              "inclusion_zone/confirmed", "inclusion_zone/possible"}) {
    EXPECT_GT(outcomes[outcome], 0) << outcome;
  }
}

}  // namespace
}  // namespace stayaway::enginetest
