// Device rules of the engine (engine/engine.h, "Device rules"): never debounced, raised in
// every active order of the device's person. Tamper flags open on a flagged fix and close on
// a later unflagged one; SOS stays open; low battery has hysteresis; location lost after
// only coarse fixes; communications lost driven by ticks. Default EngineSettings throughout.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/engine_test_support.h"

namespace stayaway::enginetest {
namespace {

constexpr char kTag[] = "tag-1";
constexpr char kPhone[] = "phone-v";

v1::Order PairOrder(const std::string& id = "order-1") {
  return MakeOrder(id, Person("aggr", {kTag}), {Person("victim", {kPhone}, "victim")}, 200, 500);
}

// Where the tag wears on in these tests: 5 km from the victim's home, so no distance rule
// interferes.
const Point kVictimHome = kBishkek;
const Point kAggrHome = Destination(kBishkek, 0, 5000);

// The index of the first event matching, or -1.
int IndexOf(const std::vector<Event>& events, Event::Kind kind, Event::Transition transition) {
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].kind() == kind && events[i].transition() == transition) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

TEST(EngineDeviceRules, StrapCutOpensAtOnceInEveryOrderOfTheWearer) {
  Harness h;
  h.AddOrder(MakeOrder("order-A", Person("aggr", {kTag}), {Person("v1", {"phone-1"})}, 200));
  h.AddOrder(MakeOrder("order-B", Person("aggr", {kTag}), {Person("v2", {"phone-2"})}, 200));
  h.Report(kTag, kT0, kAggrHome);

  // One flagged fix is enough: no debounce for tamper.
  const auto cut = h.Send(WithFlags(MakeFix(kTag, 2, kT0 + kMinute, kAggrHome, 5),
                                    {v1::Fix::strap_open}));
  const auto opened = Matching(cut, Event::strap_tamper, Event::opened);
  ASSERT_EQ(opened.size(), 2u) << Describe(cut);
  std::set<std::string> orders, ids;
  for (const Event& e : opened) {
    EXPECT_EQ(e.device(), kTag);
    EXPECT_EQ(e.person(), "aggr");
    EXPECT_EQ(Ms(e.time()), kT0 + kMinute);
    EXPECT_FALSE(e.late());
    EXPECT_TRUE(UsesFix(e, kTag, 2)) << e.DebugString();
    orders.insert(e.order_id());
    ids.insert(e.alert_id());
  }
  EXPECT_EQ(orders, (std::set<std::string>{"order-A", "order-B"}));
  EXPECT_EQ(ids.size(), 2u);

  // Still cut: no second opening.
  const auto still = h.Send(WithFlags(MakeFix(kTag, 3, kT0 + 2 * kMinute, kAggrHome, 5),
                                      {v1::Fix::strap_open}));
  EXPECT_EQ(Count(still, Event::strap_tamper, Event::opened), 0) << Describe(still);

  // Refitted: an unflagged fix closes both.
  const auto fixed = h.Report(kTag, kT0 + 3 * kMinute, kAggrHome);
  const auto closed = Matching(fixed, Event::strap_tamper, Event::closed);
  ASSERT_EQ(closed.size(), 2u) << Describe(fixed);
  for (const Event& e : closed) EXPECT_EQ(ids.count(e.alert_id()), 1u) << e.alert_id();
}

TEST(EngineDeviceRules, StrapCutIsNotRaisedInSuspendedOrders) {
  Harness h;
  h.AddOrder(MakeOrder("order-A", Person("aggr", {kTag}), {Person("v1", {"phone-1"})}, 200));
  v1::Order b = MakeOrder("order-B", Person("aggr", {kTag}), {Person("v2", {"phone-2"})}, 200);
  h.AddOrder(b);
  b.set_version(2);
  b.set_state(v1::Order::suspended);
  h.AddOrder(b);
  const auto cut = h.Send(WithFlags(MakeFix(kTag, 1, kT0, kAggrHome, 5), {v1::Fix::strap_open}));
  const auto opened = Matching(cut, Event::strap_tamper, Event::opened);
  ASSERT_EQ(opened.size(), 1u) << Describe(cut);
  EXPECT_EQ(opened[0].order_id(), "order-A");
}

TEST(EngineDeviceRules, DeviceEventsComeBeforeOrderRuleEventsOfTheSameFix) {
  Harness h;
  h.AddOrder(PairOrder());
  h.Report(kPhone, kT0, kVictimHome);
  h.Report(kTag, kT0, Destination(kVictimHome, 90, 1000));  // clear of the 500 m ring
  h.Report(kTag, kT0 + 20 * kSecond, Destination(kVictimHome, 90, 100));  // first qualifying
  // The second qualifying evaluation carries a strap cut.
  const auto both = h.Send(WithFlags(
      MakeFix(kTag, h.NextSeq(kTag), kT0 + 30 * kSecond, Destination(kVictimHome, 90, 100), 5),
      {v1::Fix::strap_open}));
  const int strap = IndexOf(both, Event::strap_tamper, Event::opened);
  const int proximity = IndexOf(both, Event::proximity_violation, Event::opened);
  ASSERT_GE(strap, 0) << Describe(both);
  ASSERT_GE(proximity, 0) << Describe(both);
  EXPECT_LT(strap, proximity) << Describe(both);
}

TEST(EngineDeviceRules, StrapCutOnAnImplausibleFixStillOpens) {
  // The suspect fix is kept out of distance and zone rules, not out of device rules.
  Harness h;
  h.AddOrder(PairOrder());
  h.Report(kPhone, kT0, kVictimHome);
  h.Report(kTag, kT0, Destination(kVictimHome, 90, 50'000));
  const auto jump = h.Send(WithFlags(
      MakeFix(kTag, h.NextSeq(kTag), kT0 + 10 * kSecond, Destination(kVictimHome, 90, 10), 5),
      {v1::Fix::strap_open}));
  EXPECT_EQ(Count(jump, Event::strap_tamper, Event::opened), 1) << Describe(jump);
  EXPECT_EQ(Count(jump, Event::implausible_movement, Event::opened), 1) << Describe(jump);
  EXPECT_TRUE(Proximity(jump).empty()) << Describe(jump);
}

TEST(EngineDeviceRules, SosOpensAtOnceUpdatesOnEachPressAndStaysOpen) {
  Harness h;
  h.AddOrder(PairOrder());
  h.Report(kPhone, kT0, kVictimHome);
  auto press = [&](TimeMs t) {
    return OfKind(h.Send(WithFlags(MakeFix(kPhone, h.NextSeq(kPhone), t, kVictimHome, 5),
                                   {v1::Fix::sos})),
                  Event::sos);
  };
  const auto first = press(kT0 + kMinute);
  ASSERT_EQ(first.size(), 1u) << Describe(first);
  EXPECT_EQ(first[0].transition(), Event::opened);
  EXPECT_EQ(first[0].device(), kPhone);
  EXPECT_EQ(first[0].person(), "victim");
  EXPECT_EQ(first[0].order_id(), "order-1");
  EXPECT_EQ(Ms(first[0].time()), kT0 + kMinute);

  const auto again = press(kT0 + kMinute + 5 * kSecond);
  ASSERT_EQ(again.size(), 1u) << Describe(again);
  EXPECT_EQ(again[0].transition(), Event::updated);
  EXPECT_EQ(again[0].alert_id(), first[0].alert_id());

  // An ordinary fix does not close it: operators resolve SOS.
  const auto calm = OfKind(h.Report(kPhone, kT0 + 2 * kMinute, kVictimHome), Event::sos);
  EXPECT_TRUE(calm.empty()) << Describe(calm);
  const auto third = press(kT0 + 3 * kMinute);
  ASSERT_EQ(third.size(), 1u) << Describe(third);
  EXPECT_EQ(third[0].transition(), Event::updated);
  EXPECT_EQ(third[0].alert_id(), first[0].alert_id());
  EXPECT_EQ(Count(h.log(), Event::sos, Event::closed), 0);
}

TEST(EngineDeviceRules, TamperAndJammingFlagsFollowTheirFixes) {
  Harness h;
  h.AddOrder(PairOrder());
  h.Report(kTag, kT0, kAggrHome);
  TimeMs t = kT0;
  auto send = [&](std::initializer_list<v1::Fix::Flag> flags) {
    t += kMinute;
    return h.Send(WithFlags(MakeFix(kTag, h.NextSeq(kTag), t, kAggrHome, 5), flags));
  };
  const auto jam = send({v1::Fix::jamming_suspected});
  ASSERT_EQ(Count(jam, Event::jamming, Event::opened), 1) << Describe(jam);
  EXPECT_EQ(FindEvent(jam, Event::jamming, Event::opened)->device(), kTag);

  const auto more = send({v1::Fix::jamming_suspected, v1::Fix::case_open,
                          v1::Fix::body_contact_lost});
  EXPECT_EQ(Count(more, Event::jamming, Event::opened), 0) << Describe(more);
  EXPECT_EQ(Count(more, Event::case_tamper, Event::opened), 1) << Describe(more);
  EXPECT_EQ(Count(more, Event::body_contact_lost, Event::opened), 1) << Describe(more);
  EXPECT_EQ(Count(more, Event::strap_tamper, Event::opened), 0) << Describe(more);

  const auto case_only = send({v1::Fix::case_open});
  EXPECT_EQ(Count(case_only, Event::jamming, Event::closed), 1) << Describe(case_only);
  EXPECT_EQ(Count(case_only, Event::body_contact_lost, Event::closed), 1) << Describe(case_only);
  EXPECT_EQ(Count(case_only, Event::case_tamper, Event::closed), 0) << Describe(case_only);

  const auto clean = send({});
  EXPECT_EQ(Count(clean, Event::case_tamper, Event::closed), 1) << Describe(clean);
  EXPECT_EQ(WithTransition(clean, Event::opened).size(), 0u) << Describe(clean);

  // Every alert closed with the id it opened with.
  for (Event::Kind kind : {Event::jamming, Event::case_tamper, Event::body_contact_lost}) {
    const auto opened = FindEvent(h.log(), kind, Event::opened);
    const auto closed = FindEvent(h.log(), kind, Event::closed);
    ASSERT_TRUE(opened && closed) << Event::Kind_Name(kind) << "\n" << Describe(h.log());
    EXPECT_EQ(opened->alert_id(), closed->alert_id());
  }
}

TEST(EngineDeviceRules, LowBatteryOpensBelowThresholdAndClosesWithHysteresis) {
  // low_battery_pct 15, clear margin 5: opens below 15, closes at 20.
  Harness h;
  h.AddOrder(PairOrder());
  TimeMs t = kT0;
  auto battery = [&](std::optional<double> pct) {
    t += kMinute;
    v1::Fix fix = MakeFix(kTag, h.NextSeq(kTag), t, kAggrHome, 5);
    if (pct) fix.set_battery_pct(*pct);
    return OfKind(h.Send(fix), Event::low_battery);
  };
  EXPECT_TRUE(battery(50).empty());
  EXPECT_TRUE(battery(15).empty());  // not below 15
  const auto low = battery(14.9);
  ASSERT_EQ(low.size(), 1u) << Describe(low);
  EXPECT_EQ(low[0].transition(), Event::opened);
  EXPECT_EQ(low[0].device(), kTag);
  EXPECT_EQ(low[0].person(), "aggr");
  EXPECT_TRUE(battery(12).empty());
  EXPECT_TRUE(battery(std::nullopt).empty());  // no reading: nothing changes
  EXPECT_TRUE(battery(19.5).empty());          // charging, but below 15 + 5
  const auto charged = battery(20);
  ASSERT_EQ(charged.size(), 1u) << Describe(charged);
  EXPECT_EQ(charged[0].transition(), Event::closed);
  EXPECT_EQ(charged[0].alert_id(), low[0].alert_id());
  EXPECT_TRUE(battery(16).empty());  // above 15 again after closing: nothing

  const auto low_again = battery(10);
  ASSERT_EQ(low_again.size(), 1u) << Describe(low_again);
  EXPECT_EQ(low_again[0].transition(), Event::opened);
  EXPECT_NE(low_again[0].alert_id(), low[0].alert_id());
}

TEST(EngineDeviceRules, CommsLostOpensOnTickAfterSilenceAndClosesOnNextFix) {
  Harness h;
  h.AddOrder(PairOrder());
  h.Tick(kT0);
  h.Report(kTag, kT0, kAggrHome);
  h.Report(kPhone, kT0 + 5 * kMinute, kVictimHome);
  EXPECT_TRUE(OfKind(h.Tick(kT0 + 6 * kMinute), Event::comms_lost).empty());
  EXPECT_TRUE(OfKind(h.Tick(kT0 + 9 * kMinute), Event::comms_lost).empty());

  // 11 minutes without a fix from the tag (the phone: 6 minutes).
  const auto silent = OfKind(h.Tick(kT0 + 11 * kMinute), Event::comms_lost);
  ASSERT_EQ(silent.size(), 1u) << Describe(silent);
  EXPECT_EQ(silent[0].transition(), Event::opened);
  EXPECT_EQ(silent[0].device(), kTag);
  EXPECT_EQ(silent[0].person(), "aggr");
  EXPECT_EQ(silent[0].order_id(), "order-1");
  EXPECT_EQ(Ms(silent[0].detected_at()), kT0 + 11 * kMinute);
  EXPECT_EQ(h.engine().now_ms(), kT0 + 11 * kMinute);

  EXPECT_TRUE(OfKind(h.Tick(kT0 + 13 * kMinute), Event::comms_lost).empty());  // still open

  const auto heard = OfKind(h.Report(kTag, kT0 + 14 * kMinute, kAggrHome), Event::comms_lost);
  ASSERT_EQ(heard.size(), 1u) << Describe(heard);
  EXPECT_EQ(heard[0].transition(), Event::closed);
  EXPECT_EQ(heard[0].alert_id(), silent[0].alert_id());

  // Now the phone has been silent for 11 minutes; the tag only 2.
  const auto phone = OfKind(h.Tick(kT0 + 16 * kMinute), Event::comms_lost);
  ASSERT_EQ(phone.size(), 1u) << Describe(phone);
  EXPECT_EQ(phone[0].transition(), Event::opened);
  EXPECT_EQ(phone[0].device(), kPhone);
  EXPECT_EQ(phone[0].person(), "victim");
  EXPECT_NE(phone[0].alert_id(), silent[0].alert_id());
  EXPECT_TRUE(OfKind(h.Tick(kT0 + 20 * kMinute), Event::comms_lost).empty());
}

TEST(EngineDeviceRules, NeverHeardDeviceCountsFromFirstTickAfterRegistration) {
  Harness h;
  h.AddOrder(PairOrder("order-1"));
  h.Tick(kT0);  // the first tick after order-1's devices were registered
  EXPECT_TRUE(OfKind(h.Tick(kT0 + 9 * kMinute), Event::comms_lost).empty());
  // A second order registers tag-2 and phone-2 after that tick; their first tick is the
  // one at T0 + 9.5 min.
  h.AddOrder(MakeOrder("order-2", Person("aggr2", {"tag-2"}), {Person("v2", {"phone-2"})}, 200));
  EXPECT_TRUE(OfKind(h.Tick(kT0 + 9 * kMinute + 30 * kSecond), Event::comms_lost).empty());

  const auto first = OfKind(h.Tick(kT0 + 11 * kMinute), Event::comms_lost);
  std::set<std::string> devices;
  for (const Event& e : first) {
    EXPECT_EQ(e.transition(), Event::opened);
    devices.insert(e.device());
  }
  EXPECT_EQ(devices, (std::set<std::string>{kTag, kPhone})) << Describe(first);

  EXPECT_TRUE(OfKind(h.Tick(kT0 + 19 * kMinute), Event::comms_lost).empty());  // 9.5 min
  const auto second = OfKind(h.Tick(kT0 + 21 * kMinute), Event::comms_lost);
  devices.clear();
  for (const Event& e : second) {
    EXPECT_EQ(e.transition(), Event::opened);
    EXPECT_EQ(e.order_id(), "order-2");
    devices.insert(e.device());
  }
  EXPECT_EQ(devices, (std::set<std::string>{"tag-2", "phone-2"})) << Describe(second);
}

// Communications lost against the rule written out simply (a look at every device each
// tick, in the order orders named them): 24 devices in 12 orders, four of them added along
// the way, fixes at random, received up to 12 minutes behind the engine's clock (a lost
// device is restored by one received before the tick that found it lost, though not
// before it went silent nor before its newest fix: the alert closes then), ticks at
// random steps. Each tick raises comms_lost for
// exactly the devices the model says went silent for comms_lost_ms by then, in the
// model's order; an engine restored from a snapshot half way (between ticks) goes on with
// the same events.
TEST(EngineDeviceRules, CommsLostFollowsEachDevicesSilenceOverRandomFixesAndTicks) {
  std::mt19937 random(7);
  const TimeMs silence = EngineSettings().comms_lost_ms;
  Harness h;
  std::unique_ptr<Engine> restored;
  struct Device {
    std::string id;
    Point at;
    TimeMs last_received = std::numeric_limits<TimeMs>::min();  // never heard
    TimeMs newest = std::numeric_limits<TimeMs>::min();         // its newest fix's time
    bool lost = false;
    TimeMs lost_since = 0;  // when it went silent for comms_lost_ms
  };
  std::vector<Device> devices;  // in the order orders named them: the engine's order
  int orders = 0;
  const auto add_order = [&] {
    const std::string n = std::to_string(orders++);
    const v1::Order order = MakeOrder("order-" + n, Person("aggr-" + n, {"tag-" + n}),
                                      {Person("victim-" + n, {"phone-" + n}, "victim")}, 200);
    h.AddOrder(order);
    if (restored) {
      std::vector<Event> ignored;
      ASSERT_TRUE(restored->ApplyOrder(order, &ignored).ok());
    }
    const Point home = Destination(kBishkek, 90, 20'000.0 * orders);
    devices.push_back({"tag-" + n, Destination(home, 0, 5000)});
    devices.push_back({"phone-" + n, home});
  };
  for (int i = 0; i < 8; ++i) add_order();
  TimeMs now = kT0;
  int lost_seen = 0, restored_seen = 0;
  bool next_tick_soon = false;
  for (int step = 0; step < 800; ++step) {
    if (step % 150 == 149 && orders < 12) add_order();
    if (random() % 5 < 3) {
      Device& d = devices[random() % devices.size()];
      // Received up to 12 minutes behind the engine's clock (a device that reports late),
      // or up to 30 s ahead of it: the clock moves on between ticks, as the daemon's does.
      TimeMs earliest = now - 12 * kMinute;
      if (d.lost) earliest = std::max({earliest, d.lost_since, d.newest});
      const TimeMs latest = now + 30 * kSecond;
      const TimeMs received =
          earliest + static_cast<TimeMs>(random() % static_cast<uint64_t>(latest - earliest + 1));
      const v1::Fix fix = MakeFix(d.id, h.NextSeq(d.id), received, d.at, 5);
      const std::vector<Event> events = h.Send(fix);
      if (d.lost) ++restored_seen;
      d.lost = false;
      d.last_received = std::max(d.last_received, received);
      d.newest = std::max(d.newest, received);
      now = std::max(now, received);
      if (restored) {
        std::vector<Event> again;
        ASSERT_TRUE(restored->ApplyFix(fix, &again).ok());
        EXPECT_EQ(Describe(again), Describe(events));
      } else if (step > 400 && std::any_of(devices.begin(), devices.end(), [&](const Device& x) {
                   return !x.lost && x.last_received != std::numeric_limits<TimeMs>::min() &&
                          now - x.last_received >= silence;
                 })) {
        // Between ticks, with the clock past a device's deadline that no tick has looked
        // at yet: the restored engine must find it lost at the same tick.
        auto loaded = Engine::FromSnapshotBytes(h.engine().SaveSnapshotBytes(), EngineSettings());
        ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
        restored = std::move(loaded).value();
        next_tick_soon = true;  // before the clock could reach any later filing
      }
      continue;
    }
    now += next_tick_soon ? kSecond : static_cast<TimeMs>(1 + random() % 120) * kSecond;
    next_tick_soon = false;
    std::vector<std::string> expected;
    for (Device& d : devices) {
      if (d.last_received == std::numeric_limits<TimeMs>::min()) {
        d.last_received = now;
      } else if (!d.lost && now - d.last_received >= silence) {
        d.lost = true;
        d.lost_since = d.last_received + silence;
        expected.push_back(d.id);
      }
    }
    const std::vector<Event> events = h.Tick(now);
    std::vector<std::string> raised;
    for (const Event& e : OfKind(events, Event::comms_lost)) {
      if (e.transition() == Event::ack_overdue) continue;  // nobody acknowledges here
      EXPECT_EQ(e.transition(), Event::opened) << Describe({e});
      raised.push_back(e.device());
    }
    EXPECT_EQ(raised, expected) << "tick at +" << (now - kT0) / kSecond << " s";
    lost_seen += static_cast<int>(raised.size());
    if (restored) {
      std::vector<Event> again;
      restored->ApplyTick(now, &again);
      EXPECT_EQ(Describe(again), Describe(events));
    }
  }
  EXPECT_TRUE(restored != nullptr) << "no moment to take the snapshot at";
  EXPECT_GT(lost_seen, 20);  // the run reached what it tests
  EXPECT_GT(restored_seen, 10);
}

TEST(EngineDeviceRules, LocationLostAfterOnlyCoarseFixesForFiveMinutes) {
  Harness h;
  h.AddOrder(PairOrder());
  h.Report(kTag, kT0, kAggrHome, 10);  // a fine GNSS fix
  // Then coarse fixes every minute: cell towers, and GNSS fixes worse than 200 m.
  std::vector<Event> coarse_events;
  for (int m = 1; m <= 7; ++m) {
    v1::Fix fix = MakeFix(kTag, h.NextSeq(kTag), kT0 + m * kMinute, kAggrHome,
                          m % 2 ? 800 : 350);
    if (m % 2) fix.set_source(v1::Fix::cell);
    const auto events = OfKind(h.Send(fix), Event::location_lost);
    if (m <= 4) {
      EXPECT_TRUE(events.empty()) << "minute " << m << "\n" << Describe(events);
    }
    coarse_events.insert(coarse_events.end(), events.begin(), events.end());
  }
  ASSERT_EQ(coarse_events.size(), 1u) << Describe(coarse_events);
  EXPECT_EQ(coarse_events[0].transition(), Event::opened);
  EXPECT_EQ(coarse_events[0].device(), kTag);
  EXPECT_EQ(coarse_events[0].person(), "aggr");

  // A fine fix closes it (a Wi-Fi fix of 30 m counts as fine).
  const auto fine = OfKind(
      h.Send(WithSource(MakeFix(kTag, h.NextSeq(kTag), kT0 + 8 * kMinute, kAggrHome, 30),
                        v1::Fix::wifi)),
      Event::location_lost);
  ASSERT_EQ(fine.size(), 1u) << Describe(fine);
  EXPECT_EQ(fine[0].transition(), Event::closed);
  EXPECT_EQ(fine[0].alert_id(), coarse_events[0].alert_id());
}

TEST(EngineDeviceRules, FineFixesInterleavedWithCoarseOnesKeepTheLocation) {
  Harness h;
  h.AddOrder(PairOrder());
  for (int m = 0; m <= 12; ++m) {
    v1::Fix fix = MakeFix(kTag, h.NextSeq(kTag), kT0 + m * kMinute, kAggrHome, m % 3 ? 900 : 8);
    if (m % 3) fix.set_source(v1::Fix::cell);
    const auto events = OfKind(h.Send(fix), Event::location_lost);
    EXPECT_TRUE(events.empty()) << "minute " << m << "\n" << Describe(events);
  }
}

TEST(EngineDeviceRules, SosWithoutAnyPositionOpensAndEvaluatesNoDistance) {
  Harness h;
  h.AddOrder(MakeOrder("order-1", Person("aggr", {"tag-1"}), {Person("victim", {"phone-v"}, "victim")},
                       300, 0));
  v1::Fix press;
  press.set_device("phone-v");
  press.set_seq(1);
  MsToTimestamp(kT0, press.mutable_time());
  press.set_no_position(true);
  press.set_lat(std::numeric_limits<double>::quiet_NaN());  // ignored: there is no position
  press.add_flags(v1::Fix::sos);
  const auto events = h.Send(press);
  const auto sos = FindEvent(events, Event::sos, Event::opened);
  ASSERT_TRUE(sos.has_value()) << Describe(events);
  EXPECT_FALSE(sos->has_protected_()) << "no position to report";
  EXPECT_EQ(sos->person(), "victim");
  for (const Event& e : events) EXPECT_EQ(e.kind(), Event::sos) << Describe(events);
}

}  // namespace
}  // namespace stayaway::enginetest
