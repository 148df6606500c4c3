// Operator resolutions (engine/engine.h, "Resolution"): a resolved alert ends, with the
// disposition on the record; a condition that still holds stays one alert, quiet until it
// clears; a higher level, a new SOS press or the condition coming back after it cleared
// opens a new alert. Refusals for what cannot be resolved.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/engine_test_support.h"

namespace stayaway::enginetest {
namespace {

constexpr char kTag[] = "tag-1";
constexpr char kPhone[] = "phone-v";
const Point kHome = kBishkek;

v1::Order PairOrder() {
  return MakeOrder("order-1", Person("aggr", {kTag}), {Person("victim", {kPhone}, "victim")},
                   /*violation_m=*/300, /*warning_m=*/1000);
}

v1::AlertResolve Resolve(
    const std::string& alert_id, TimeMs t,
    v1::AlertResolve::Disposition disposition = v1::AlertResolve::police_notified) {
  v1::AlertResolve r;
  r.set_alert_id(alert_id);
  r.set_by("operator-7");
  r.set_note("patrol found him at the door");
  r.set_disposition(disposition);
  r.set_credential("cred-1");
  MsToTimestamp(t, r.mutable_time());
  return r;
}

std::vector<Event> Apply(Harness& h, const v1::AlertResolve& r, Status* status = nullptr) {
  std::vector<Event> events;
  const Status s = h.engine().ApplyResolve(r, &events);
  if (status != nullptr) {
    *status = s;
  } else {
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return events;
}

// Both at `distance_m` (tag east of her home) for `fixes` rounds of 15 s from `t`.
std::vector<Event> Stay(Harness& h, TimeMs* t, double distance_m, int fixes) {
  return StayApart(h, t, kTag, kPhone, kHome, distance_m, fixes);
}

// He walks in to 100 m for two rounds: the violation's opened event.
std::optional<Event> WalkIn(Harness& h, TimeMs* t) {
  return WalkInToViolation(h, t, kTag, kPhone, kHome);
}

TEST(EngineResolve, ResolvingAnOpenViolationRecordsTheDispositionAndClosesIt) {
  Harness h;
  h.AddOrder(PairOrder());
  TimeMs t = kT0;
  const auto opened = WalkIn(h, &t);
  ASSERT_TRUE(opened.has_value());

  const TimeMs at = t + 10 * kSecond;
  const auto events = Apply(h, Resolve(opened->alert_id(), at));
  ASSERT_EQ(events.size(), 2u) << Describe(events);
  EXPECT_EQ(events[0].transition(), Event::resolved);
  EXPECT_EQ(events[0].alert_id(), opened->alert_id());
  EXPECT_EQ(events[0].kind(), Event::proximity_violation);
  EXPECT_EQ(events[0].ack_by(), "operator-7");
  EXPECT_EQ(events[0].ack_note(), "patrol found him at the door");
  EXPECT_EQ(events[0].ack_credential(), "cred-1");
  EXPECT_EQ(events[0].disposition(), v1::AlertResolve::police_notified);
  EXPECT_EQ(Ms(events[0].time()), at);
  EXPECT_FALSE(events[0].late());
  EXPECT_EQ(events[1].transition(), Event::closed);
  EXPECT_EQ(events[1].alert_id(), opened->alert_id());
  EXPECT_EQ(Ms(events[1].time()), at);

  // No acknowledgement deadline runs on after a resolution.
  const auto later = h.Tick(at + kHour);
  EXPECT_EQ(Count(later, Event::proximity_violation, Event::ack_overdue), 0) << Describe(later);
}

TEST(EngineResolve, ARefusedResolutionChangesNothing) {
  Harness h;
  h.AddOrder(PairOrder());
  TimeMs t = kT0;
  const auto opened = WalkIn(h, &t);
  ASSERT_TRUE(opened.has_value());
  Status status;
  EXPECT_TRUE(Apply(h, Resolve("0000000000000000", t), &status).empty());
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  v1::AlertResolve no_by = Resolve(opened->alert_id(), t);
  no_by.clear_by();
  EXPECT_TRUE(Apply(h, no_by, &status).empty());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      Apply(h, Resolve(opened->alert_id(), t, v1::AlertResolve::disposition_unspecified), &status)
          .empty());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Apply(h,
                    Resolve(opened->alert_id(), t, static_cast<v1::AlertResolve::Disposition>(99)),
                    &status)
                  .empty());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  v1::AlertResolve no_time = Resolve(opened->alert_id(), t);
  no_time.clear_time();
  EXPECT_TRUE(Apply(h, no_time, &status).empty());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);

  // Still open: the next fix inside keeps it (no new alert), and it can be resolved once.
  EXPECT_EQ(Count(Stay(h, &t, 100, 1), Event::proximity_violation, Event::opened), 0);
  EXPECT_EQ(Apply(h, Resolve(opened->alert_id(), t)).size(), 2u);
  EXPECT_TRUE(Apply(h, Resolve(opened->alert_id(), t + kSecond), &status).empty());
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
}

// He is still at the door when the operator resolves: one standing condition is one
// alert. When he leaves (clear of the rings) and comes back, that is a new alert.
TEST(EngineResolve, AConditionThatStillHoldsStaysQuietUntilItClears) {
  Harness h;
  h.AddOrder(PairOrder());
  TimeMs t = kT0;
  const auto opened = WalkIn(h, &t);
  ASSERT_TRUE(opened.has_value());
  Apply(h, Resolve(opened->alert_id(), t + kSecond));

  const auto still = Stay(h, &t, 100, 8);
  EXPECT_TRUE(Proximity(still).empty()) << Describe(still);
  // Easing into the warning ring is below the resolved level: quiet too.
  const auto eased = Stay(h, &t, 600, 4);
  EXPECT_TRUE(Proximity(eased).empty()) << Describe(eased);

  t += 10 * kMinute;  // he drives off (a plausible move)
  const auto gone = Stay(h, &t, 3000, 2);
  EXPECT_TRUE(Proximity(gone).empty()) << Describe(gone);
  t += 10 * kMinute;
  const auto again = WalkIn(h, &t);
  ASSERT_TRUE(again.has_value());
  EXPECT_NE(again->alert_id(), opened->alert_id());
}

// A warning resolved as a false alarm does not silence what comes next: he walks in.
TEST(EngineResolve, AHigherLevelAfterAResolvedWarningOpensANewAlert) {
  Harness h;
  h.AddOrder(PairOrder());
  TimeMs t = kT0;
  const auto near = Stay(h, &t, 600, 2);
  const auto warning = FindEvent(near, Event::proximity_warning, Event::opened);
  ASSERT_TRUE(warning.has_value()) << Describe(near);
  Apply(h, Resolve(warning->alert_id(), t + kSecond, v1::AlertResolve::false_alarm));
  EXPECT_TRUE(Proximity(Stay(h, &t, 600, 3)).empty());

  const auto violation = WalkIn(h, &t);
  ASSERT_TRUE(violation.has_value());
  EXPECT_NE(violation->alert_id(), warning->alert_id());
}

TEST(EngineResolve, AStrapStillOpenStaysOneAlertAndACutAfterItWasClosedIsANewOne) {
  Harness h;
  h.AddOrder(PairOrder());
  const Point far = Destination(kHome, 0, 5000);
  TimeMs t = kT0;
  auto strap = [&](bool open) {
    t += 15 * kSecond;
    v1::Fix fix = MakeFix(kTag, h.NextSeq(kTag), t, far, 5);
    if (open) fix = WithFlags(fix, {v1::Fix::strap_open});
    return OfKind(h.Send(fix), Event::strap_tamper);
  };
  const auto cut = strap(true);
  ASSERT_EQ(cut.size(), 1u) << Describe(cut);
  Apply(h, Resolve(cut[0].alert_id(), t + kSecond, v1::AlertResolve::patrol_dispatched));
  for (int k = 0; k < 5; ++k) EXPECT_TRUE(strap(true).empty());
  EXPECT_TRUE(strap(false).empty());  // refitted: nothing open to close
  const auto again = strap(true);
  ASSERT_EQ(again.size(), 1u) << Describe(again);
  EXPECT_EQ(again[0].transition(), Event::opened);
  EXPECT_NE(again[0].alert_id(), cut[0].alert_id());
}

TEST(EngineResolve, EverySosPressAfterAResolutionOpensANewAlert) {
  Harness h;
  h.AddOrder(PairOrder());
  h.Report(kPhone, kT0, kHome);
  auto press = [&](TimeMs t) {
    return OfKind(
        h.Send(WithFlags(MakeFix(kPhone, h.NextSeq(kPhone), t, kHome, 5), {v1::Fix::sos})),
        Event::sos);
  };
  const auto first = press(kT0 + kMinute);
  ASSERT_EQ(first.size(), 1u);
  const auto resolved = Apply(h, Resolve(first[0].alert_id(), kT0 + 2 * kMinute));
  ASSERT_EQ(resolved.size(), 2u) << Describe(resolved);
  EXPECT_EQ(resolved[1].transition(), Event::closed);
  // Pressed again right away, still pressed on the device's next report: a new alert.
  const auto second = press(kT0 + 2 * kMinute + 5 * kSecond);
  ASSERT_EQ(second.size(), 1u) << Describe(second);
  EXPECT_EQ(second[0].transition(), Event::opened);
  EXPECT_NE(second[0].alert_id(), first[0].alert_id());
}

// A closed alert can be resolved too (an operator closes the case): the record only.
TEST(EngineResolve, AClosedAlertIsResolvedWithoutAnotherClose) {
  Harness h;
  h.AddOrder(PairOrder());
  TimeMs t = kT0;
  const auto opened = WalkIn(h, &t);
  ASSERT_TRUE(opened.has_value());
  t += 10 * kMinute;  // he drives off (a plausible move)
  const auto left = Stay(h, &t, 3000, 2);
  ASSERT_TRUE(FindEvent(left, Event::proximity_violation, Event::closed).has_value())
      << Describe(left);
  const auto events = Apply(h, Resolve(opened->alert_id(), t + kMinute));
  ASSERT_EQ(events.size(), 1u) << Describe(events);
  EXPECT_EQ(events[0].transition(), Event::resolved);
  // Nothing is quiet afterwards: the next approach opens as any would.
  t += 10 * kMinute;
  EXPECT_TRUE(WalkIn(h, &t).has_value());
}

// The quiet state is engine state: a snapshot taken while quiet restores it exactly.
TEST(EngineResolve, AQuietRuleSurvivesASnapshot) {
  Harness h;
  h.AddOrder(PairOrder());
  TimeMs t = kT0;
  const auto opened = WalkIn(h, &t);
  ASSERT_TRUE(opened.has_value());
  Apply(h, Resolve(opened->alert_id(), t + kSecond));
  StatusOr<std::unique_ptr<Engine>> restored =
      Engine::FromSnapshotBytes(h.engine().SaveSnapshotBytes(), EngineSettings());
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  std::vector<Event> events;
  for (int k = 1; k <= 4; ++k) {
    const TimeMs at = t + k * 15 * kSecond;
    ASSERT_TRUE((*restored)->ApplyFix(MakeFix(kPhone, 100 + k, at, kHome, 5), &events).ok());
    ASSERT_TRUE((*restored)
                    ->ApplyFix(MakeFix(kTag, 100 + k, at, Destination(kHome, 90, 100), 5), &events)
                    .ok());
  }
  EXPECT_TRUE(Proximity(events).empty()) << Describe(events);
  EXPECT_EQ((*restored)->SaveSnapshotBytes(),
            Engine::FromSnapshotBytes((*restored)->SaveSnapshotBytes(), EngineSettings())
                .value()
                ->SaveSnapshotBytes());
}

}  // namespace
}  // namespace stayaway::enginetest
