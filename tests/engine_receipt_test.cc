// Protected persons' receipts (engine/engine.h, "Receipts"): a `received` event that
// records who was shown which event and when, changing nothing else about the alert;
// once per person and event, only from a person the order protects; kept in snapshots.
#include <gtest/gtest.h>

#include <memory>
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

v1::AlertReceipt Receipt(const std::string& alert_id, TimeMs t, uint64_t event_seq = 7,
                         const std::string& person = "victim") {
  v1::AlertReceipt r;
  r.set_alert_id(alert_id);
  r.set_person(person);
  r.set_event_seq(event_seq);
  r.set_credential("cred-her-app");
  MsToTimestamp(t, r.mutable_time());
  MsToTimestamp(t - 2 * kSecond, r.mutable_shown_at());
  return r;
}

Status ApplyTo(Engine& engine, const v1::AlertReceipt& r, std::vector<Event>* events) {
  v1::Input input;
  *input.mutable_receipt() = r;
  return engine.Apply(input, events);
}

std::optional<Event> WalkIn(Harness& h, TimeMs* t) {
  return WalkInToViolation(h, t, kTag, kPhone, kHome);
}

TEST(EngineReceipt, AReceiptRecordsWhoWasShownWhatAndWhenAndChangesNothingElse) {
  Harness h;
  h.AddOrder(PairOrder());
  TimeMs t = kT0;
  const auto opened = WalkIn(h, &t);
  ASSERT_TRUE(opened.has_value());
  const std::string before = h.engine().SaveSnapshotBytes();

  const TimeMs at = t + 5 * kSecond;
  std::vector<Event> events;
  ASSERT_TRUE(ApplyTo(h.engine(), Receipt(opened->alert_id(), at), &events).ok());
  ASSERT_EQ(events.size(), 1u) << Describe(events);
  const Event& e = events[0];
  EXPECT_EQ(e.transition(), Event::received);
  EXPECT_EQ(e.alert_id(), opened->alert_id());
  EXPECT_EQ(e.kind(), Event::proximity_violation);
  EXPECT_EQ(e.received_by(), "victim");
  EXPECT_EQ(e.received_seq(), 7u);
  EXPECT_EQ(e.ack_credential(), "cred-her-app");
  EXPECT_EQ(TimestampToMs(e.time()), at);
  EXPECT_EQ(TimestampToMs(e.shown_at()), at - 2 * kSecond);
  EXPECT_FALSE(e.late());

  // The alert is what it was: still open at its level, its deadline still running (an
  // operator must still acknowledge), and his next fix inside goes on as before.
  events.clear();
  h.engine().ApplyTick(at + 10 * 60 * kSecond, &events);
  EXPECT_TRUE(FindEvent(events, Event::proximity_violation, Event::ack_overdue).has_value())
      << Describe(events);
  EXPECT_NE(h.engine().SaveSnapshotBytes(), before);  // it holds the receipt
}

TEST(EngineReceipt, OncePerPersonAndEventAndOnlyFromAPersonTheOrderProtects) {
  Harness h;
  h.AddOrder(PairOrder());
  TimeMs t = kT0;
  const auto opened = WalkIn(h, &t);
  ASSERT_TRUE(opened.has_value());
  const std::string id = opened->alert_id();
  std::vector<Event> events;
  ASSERT_TRUE(ApplyTo(h.engine(), Receipt(id, t + kSecond), &events).ok());
  // The same event again: refused, nothing emitted. Another event of the alert: taken.
  events.clear();
  EXPECT_EQ(ApplyTo(h.engine(), Receipt(id, t + 2 * kSecond), &events).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(ApplyTo(h.engine(), Receipt(id, t + 3 * kSecond, 8), &events).ok());
  // Him, or anyone the order does not protect; an unknown alert; a receipt without its
  // person, time or event.
  events.clear();
  EXPECT_EQ(ApplyTo(h.engine(), Receipt(id, t + 4 * kSecond, 9, "aggr"), &events).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyTo(h.engine(), Receipt("order-1:nothing:1", t, 9), &events).code(),
            StatusCode::kNotFound);
  v1::AlertReceipt no_person = Receipt(id, t, 10);
  no_person.clear_person();
  v1::AlertReceipt no_time = Receipt(id, t, 10);
  no_time.clear_time();
  v1::AlertReceipt no_event = Receipt(id, t, 0);
  for (const v1::AlertReceipt& r : {no_person, no_time, no_event}) {
    EXPECT_EQ(ApplyTo(h.engine(), r, &events).code(), StatusCode::kInvalidArgument)
        << r.ShortDebugString();
  }
  EXPECT_TRUE(events.empty()) << Describe(events);
}

TEST(EngineReceipt, ASnapshotKeepsTheReceiptsSoARepeatIsStillRefused) {
  Harness h;
  h.AddOrder(PairOrder());
  TimeMs t = kT0;
  const auto opened = WalkIn(h, &t);
  ASSERT_TRUE(opened.has_value());
  std::vector<Event> events;
  ASSERT_TRUE(ApplyTo(h.engine(), Receipt(opened->alert_id(), t + kSecond), &events).ok());
  StatusOr<std::unique_ptr<Engine>> restored =
      Engine::FromSnapshotBytes(h.engine().SaveSnapshotBytes(), EngineSettings());
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  events.clear();
  EXPECT_EQ(ApplyTo(**restored, Receipt(opened->alert_id(), t + 2 * kSecond), &events).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ((*restored)->SaveSnapshotBytes(), h.engine().SaveSnapshotBytes());
}

}  // namespace
}  // namespace stayaway::enginetest
