// Operator acknowledgements and their deadlines: an alert not acknowledged in time
// escalates with an ack_overdue event, driven by ticks so a replay gives the same result.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/engine_test_support.h"

namespace stayaway::enginetest {
namespace {

constexpr char kTag[] = "tag-1";
constexpr char kPhone[] = "phone-v";

v1::Order PairOrder() {
  return MakeOrder("order-1", Person("aggr", {kTag}), {Person("victim", {kPhone}, "victim")},
                   /*violation_m=*/300, /*warning_m=*/0);
}

v1::AlertAck Ack(const std::string& alert_id, TimeMs t, const std::string& by = "operator-7") {
  v1::AlertAck ack;
  ack.set_alert_id(alert_id);
  ack.set_by(by);
  ack.set_note("called the police");
  MsToTimestamp(t, ack.mutable_time());
  return ack;
}

// Opens a confirmed proximity violation at kT0 + 20 s and returns its opened event.
Event OpenViolation(Harness& h) {
  const Point home = kBishkek;
  h.Report(kPhone, kT0, home);
  h.Report(kTag, kT0, Destination(home, 90, 100));
  const auto events = h.Report(kTag, kT0 + 20 * kSecond, Destination(home, 90, 100));
  const auto opened = FindEvent(events, Event::proximity_violation, Event::opened);
  EXPECT_TRUE(opened.has_value()) << Describe(events);
  return opened.value_or(Event());
}

TEST(EngineAck, UnacknowledgedViolationBecomesOverdueAtItsDeadline) {
  Harness h;
  h.AddOrder(PairOrder());
  const Event opened = OpenViolation(h);
  const TimeMs deadline = kT0 + 20 * kSecond + 2 * kMinute;  // confirmed violation: 2 min
  EXPECT_TRUE(h.Tick(deadline - 1).empty());
  const auto overdue = h.Tick(deadline + 500);
  ASSERT_EQ(overdue.size(), 1u) << Describe(overdue);
  EXPECT_EQ(overdue[0].transition(), Event::ack_overdue);
  EXPECT_EQ(overdue[0].alert_id(), opened.alert_id());
  EXPECT_EQ(overdue[0].kind(), Event::proximity_violation);
  EXPECT_EQ(Ms(overdue[0].time()), deadline);
  EXPECT_EQ(Ms(overdue[0].detected_at()), deadline + 500);
  // Once only (later ticks bring comms_lost for the silent devices, nothing else).
  const auto later = h.Tick(deadline + 10 * kMinute);
  EXPECT_EQ(Count(later, Event::proximity_violation, Event::ack_overdue), 0)
      << Describe(later);
}

TEST(EngineAck, AcknowledgementIsAnEventAndCancelsTheDeadline) {
  Harness h;
  h.AddOrder(PairOrder());
  const Event opened = OpenViolation(h);
  std::vector<Event> events;
  ASSERT_TRUE(h.engine().ApplyAck(Ack(opened.alert_id(), kT0 + kMinute), &events).ok());
  ASSERT_EQ(events.size(), 1u) << Describe(events);
  EXPECT_EQ(events[0].transition(), Event::acknowledged);
  EXPECT_EQ(events[0].alert_id(), opened.alert_id());
  EXPECT_EQ(events[0].ack_by(), "operator-7");
  EXPECT_EQ(events[0].ack_note(), "called the police");
  EXPECT_EQ(Ms(events[0].time()), kT0 + kMinute);
  EXPECT_EQ(events[0].order_id(), "order-1");
  const auto later = h.Tick(kT0 + kHour);
  EXPECT_EQ(Count(later, Event::proximity_violation, Event::ack_overdue), 0)
      << Describe(later);
}

v1::Order WarningOrder() {
  return MakeOrder("order-1", Person("aggr", {kTag}), {Person("victim", {kPhone}, "victim")},
                   /*violation_m=*/300, /*warning_m=*/1000);
}

std::vector<Event> Acknowledge(Harness& h, const std::string& alert_id, TimeMs t) {
  std::vector<Event> events;
  EXPECT_TRUE(h.engine().ApplyAck(Ack(alert_id, t), &events).ok());
  return events;
}

// A warning the operator acknowledged becomes a violation: that is news nobody answered,
// so the violation's own deadline (2 min from the escalation's detection) is armed.
TEST(EngineAck, EscalationOfAnAcknowledgedAlertArmsANewDeadline) {
  Harness h;
  h.AddOrder(WarningOrder());
  const Point home = kBishkek;
  h.Report(kPhone, kT0, home);
  h.Report(kTag, kT0, Destination(home, 90, 600));
  const auto warning = h.Report(kTag, kT0 + 20 * kSecond, Destination(home, 90, 600));
  const auto opened = FindEvent(warning, Event::proximity_warning, Event::opened);
  ASSERT_TRUE(opened.has_value()) << Describe(warning);
  Acknowledge(h, opened->alert_id(), kT0 + kMinute);
  h.Report(kPhone, kT0 + 2 * kMinute, home);
  h.Report(kTag, kT0 + 2 * kMinute, Destination(home, 90, 100));
  const auto violation =
      h.Report(kTag, kT0 + 2 * kMinute + 20 * kSecond, Destination(home, 90, 100));
  const auto escalated = FindEvent(violation, Event::proximity_violation, Event::escalated);
  ASSERT_TRUE(escalated.has_value()) << Describe(violation);
  EXPECT_EQ(escalated->alert_id(), opened->alert_id());
  EXPECT_EQ(escalated->certainty(), Event::confirmed) << Describe(violation);
  const TimeMs deadline = kT0 + 2 * kMinute + 20 * kSecond + 2 * kMinute;
  EXPECT_EQ(Count(h.Tick(deadline - 1), Event::proximity_violation, Event::ack_overdue), 0);
  const auto overdue = h.Tick(deadline);
  ASSERT_EQ(Count(overdue, Event::proximity_violation, Event::ack_overdue), 1) << Describe(overdue);
  const auto it = std::find_if(overdue.begin(), overdue.end(),
                               [](const Event& e) { return e.transition() == Event::ack_overdue; });
  EXPECT_EQ(it->alert_id(), opened->alert_id());
  EXPECT_EQ(Ms(it->time()), deadline);
}

// A violation acknowledged, eased (downgraded to a warning) and back: the renewed
// violation needs its own acknowledgement; one given in time cancels it.
TEST(EngineAck, AViolationThatComesBackAfterADowngradeNeedsItsOwnAcknowledgement) {
  for (const bool acknowledge_again : {false, true}) {
    SCOPED_TRACE(acknowledge_again ? "acknowledged again" : "not acknowledged again");
    Harness h;
    h.AddOrder(WarningOrder());
    const Point home = kBishkek;
    h.Report(kPhone, kT0, home);
    const Event opened = OpenViolation(h);
    Acknowledge(h, opened.alert_id(), kT0 + kMinute);
    TimeMs t = kT0 + kMinute;
    std::vector<Event> seen;
    for (int k = 0; k < 4; ++k) {  // at 600 m for a minute: eased to a warning
      t += 20 * kSecond;
      h.Report(kPhone, t, home);
      for (const Event& e : h.Report(kTag, t, Destination(home, 90, 600))) seen.push_back(e);
    }
    ASSERT_TRUE(FindEvent(seen, Event::proximity_warning, Event::downgraded).has_value())
        << Describe(seen);
    seen.clear();
    for (int k = 0; k < 2; ++k) {  // back at 100 m
      t += 20 * kSecond;
      for (const Event& e : h.Report(kTag, t, Destination(home, 90, 100))) seen.push_back(e);
    }
    const auto escalated = FindEvent(seen, Event::proximity_violation, Event::escalated);
    ASSERT_TRUE(escalated.has_value()) << Describe(seen);
    const TimeMs deadline = Ms(escalated->detected_at()) + 2 * kMinute;
    if (acknowledge_again) Acknowledge(h, opened.alert_id(), deadline - kSecond);
    const auto later = h.Tick(deadline + kSecond);
    EXPECT_EQ(Count(later, Event::proximity_violation, Event::ack_overdue),
              acknowledge_again ? 0 : 1)
        << Describe(later);
  }
}

TEST(EngineAck, UnknownAlertAndMissingOperatorAreRefused) {
  Harness h;
  h.AddOrder(PairOrder());
  const Event opened = OpenViolation(h);
  std::vector<Event> events;
  EXPECT_EQ(h.engine().ApplyAck(Ack("0000000000000000", kT0), &events).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(h.engine().ApplyAck(Ack(opened.alert_id(), kT0, ""), &events).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(events.empty());
}

TEST(EngineAck, DeadlinesAreConfigurablePerKindAndSeverity) {
  v1::EngineConfig config;
  (*config.mutable_ack_deadline_ms())["proximity_violation"] = 30'000;
  (*config.mutable_ack_deadline_ms())["proximity_violation/possible"] = 0;  // no deadline
  auto settings = engine::ResolveSettings(config);
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  const auto k = static_cast<size_t>(Event::proximity_violation);
  EXPECT_EQ(settings->ack_deadline_confirmed_ms[k], 30'000);
  EXPECT_EQ(settings->ack_deadline_possible_ms[k], 0);
  Harness h(*settings);
  h.AddOrder(PairOrder());
  const Event opened = OpenViolation(h);
  const auto overdue = h.Tick(kT0 + 50 * kSecond);
  ASSERT_EQ(overdue.size(), 1u) << Describe(overdue);
  EXPECT_EQ(overdue[0].transition(), Event::ack_overdue);

  v1::EngineConfig bad;
  (*bad.mutable_ack_deadline_ms())["no_such_kind"] = 1;
  EXPECT_FALSE(engine::ResolveSettings(bad).ok());
}

// Forty violations opened five seconds apart, a random third acknowledged in time, and
// ticks at random steps: each tick reports exactly the unacknowledged alerts whose
// deadline it has passed and that no tick reported before, in alert id order, each once,
// timed at its deadline. A second engine restored from a snapshot taken half way goes on
// exactly as the first. The model here is the rule itself, written out simply.
TEST(EngineAck, EachTickReportsTheAlertsItsTimePassedOnceInAlertIdOrder) {
  std::mt19937 random(20261207);
  Harness h;
  struct Alert {
    std::string id;
    TimeMs deadline = 0;
    bool acked = false;
    bool reported = false;
  };
  std::vector<Alert> alerts;
  for (int i = 0; i < 40; ++i) {
    const std::string n = std::to_string(i);
    h.AddOrder(MakeOrder("order-" + n, Person("aggr-" + n, {"tag-" + n}),
                         {Person("victim-" + n, {"phone-" + n}, "victim")}, /*violation_m=*/300,
                         /*warning_m=*/0));
    const Point home = Destination(kBishkek, 0, 5'000.0 * i);
    const TimeMs t = kT0 + i * 5 * kSecond;
    h.Report("phone-" + n, t, home);
    h.Report("tag-" + n, t, Destination(home, 90, 100));
    const auto events = h.Report("tag-" + n, t + 20 * kSecond, Destination(home, 90, 100));
    const auto opened = FindEvent(events, Event::proximity_violation, Event::opened);
    ASSERT_TRUE(opened.has_value()) << Describe(events);
    alerts.push_back({opened->alert_id(), t + 20 * kSecond + 2 * kMinute});
  }
  const TimeMs last_open = kT0 + 39 * 5 * kSecond + 20 * kSecond;
  for (Alert& alert : alerts) {
    if (random() % 3 != 0) continue;
    alert.acked = true;
    Acknowledge(h, alert.id, last_open);
  }
  std::unique_ptr<Engine> restored;
  for (TimeMs t = last_open; t < last_open + 6 * kMinute;
       t += static_cast<TimeMs>(1 + random() % 15) * kSecond) {
    std::vector<std::string> expected;
    for (Alert& alert : alerts) {
      if (alert.acked || alert.reported || alert.deadline > t) continue;
      alert.reported = true;
      expected.push_back(alert.id);
    }
    std::sort(expected.begin(), expected.end());
    std::vector<Event> events = h.Tick(t);
    std::vector<std::string> reported;
    for (const Event& e : events) {
      if (e.transition() != Event::ack_overdue) continue;
      reported.push_back(e.alert_id());
      const auto alert = std::find_if(alerts.begin(), alerts.end(),
                                      [&](const Alert& a) { return a.id == e.alert_id(); });
      ASSERT_NE(alert, alerts.end());
      EXPECT_EQ(Ms(e.time()), alert->deadline);
    }
    EXPECT_EQ(reported, expected) << "tick at +" << (t - kT0) / kSecond << " s";
    if (restored) {
      std::vector<Event> again;
      restored->ApplyTick(t, &again);
      EXPECT_EQ(Describe(again), Describe(events));
    } else if (t > last_open + 2 * kMinute) {
      auto loaded = Engine::FromSnapshotBytes(h.engine().SaveSnapshotBytes(), EngineSettings());
      ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
      restored = std::move(loaded).value();
    }
  }
  for (const Alert& alert : alerts) EXPECT_EQ(alert.reported, !alert.acked) << alert.id;
}

}  // namespace
}  // namespace stayaway::enginetest
