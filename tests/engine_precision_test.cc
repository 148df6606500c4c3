// Alert precision scenarios (engine.h: "Corroboration", "Downgrade", "Outliers", and the
// at-rest placement): the situations that made false confirmed violations, played fix by
// fix against the engine, and the true approach that must still be confirmed quickly.
//
// The world of these tests: the protected person's phone at home, indoors, Wi-Fi fixes
// (25 m) once a minute reporting speed 0; the supervised person's tag every 15 s (pursuit
// mode), 8 m, reporting its Doppler speed. Urban-canyon fixes are off by 150-200 m while
// stating the tag's usual 8 m and the true speed.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/engine_test_support.h"

namespace stayaway::enginetest {
namespace {

constexpr char kTag[] = "tag-1";
constexpr char kPhone[] = "phone-v";
constexpr double kViolationM = 500;
constexpr double kWarningM = 1000;

v1::Order LoiterOrder() {
  return MakeOrder("order-1", Person("aggr", {kTag}), {Person("victim", {kPhone}, "victim")},
                   kViolationM, kWarningM);
}

v1::Fix TagFix(uint64_t seq, TimeMs t, Point p, double speed_mps) {
  v1::Fix fix = MakeFix(kTag, seq, t, p, 8);
  fix.set_speed_mps(speed_mps);
  return fix;
}

v1::Fix PhoneFix(uint64_t seq, TimeMs t, Point p) {
  v1::Fix fix = WithSource(MakeFix(kPhone, seq, t, p, 25), v1::Fix::wifi);
  fix.set_speed_mps(0);
  return fix;
}

// Plays `minutes` of the world above from `start`: the phone at `home` each minute, the
// tag every 15 s at whatever `tag_at(i)` says (i counts tag fixes from 0).
struct World {
  Harness h;
  Point home = kBishkek;
  uint64_t tag_seq = 0, phone_seq = 0;

  template <typename TagAt>
  void Play(TimeMs start, int minutes, TagAt tag_at) {
    for (int i = 0; i < minutes * 4; ++i) {
      const TimeMs t = start + i * 15 * kSecond;
      if (i % 4 == 0) h.Send(PhoneFix(++phone_seq, t, home));
      const auto [where, speed] = tag_at(i);
      h.Send(TagFix(++tag_seq, t + 2 * kSecond, where, speed));
    }
  }
};

// He lives 100 m outside the violation distance, inside the warning ring, for 20 minutes;
// one bad fix and then a burst of three bad fixes land inside the violation distance.
TEST(EnginePrecision, ALoitererWithCanyonFixesGetsAWarningAndNeverAViolation) {
  World w;
  w.h.AddOrder(LoiterOrder());
  const Point loiter = Destination(w.home, 90, kViolationM + 100);
  const Point bad = Destination(w.home, 90, kViolationM - 80);
  w.Play(kT0, 20, [&](int i) -> std::pair<Point, double> {
    const bool canyon = i == 20 || (i >= 40 && i < 43);
    return {canyon ? bad : Destination(loiter, i * 37 % 360, 3), 0.0};
  });
  const std::vector<Event> all = Proximity(w.h.log());
  EXPECT_EQ(Count(all, Event::proximity_warning, Event::opened), 1) << Describe(all);
  EXPECT_EQ(OfKind(all, Event::proximity_violation).size(), 0u) << Describe(all);
  // At rest, he is placed at the median of his fixes: sharper than any one of them.
  const std::vector<Event> opened = WithTransition(all, Event::opened);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].certainty(), Event::confirmed);
}

// The phone's own bad fix: 250 m towards him, evaluated with each of his four fixes of
// that minute: one piece of evidence, never a violation.
TEST(EnginePrecision, OneBadFixOfTheSlowSideIsOnePieceOfEvidence) {
  World w;
  w.h.AddOrder(LoiterOrder());
  const Point loiter = Destination(w.home, 90, kViolationM + 150);
  w.Play(kT0, 10, [&](int) -> std::pair<Point, double> { return {loiter, 0.0}; });
  // Minute 10: her phone reports from 250 m east (a bad fix, stating 25 m), then his tag
  // four times, then her phone from home again.
  const TimeMs t = kT0 + 10 * kMinute;
  w.h.Send(PhoneFix(++w.phone_seq, t, Destination(w.home, 90, 250)));
  for (int k = 0; k < 4; ++k) {
    w.h.Send(TagFix(++w.tag_seq, t + 2 * kSecond + k * 15 * kSecond, loiter, 0));
  }
  w.h.Send(PhoneFix(++w.phone_seq, t + kMinute, w.home));
  const std::vector<Event> all = Proximity(w.h.log());
  EXPECT_EQ(OfKind(all, Event::proximity_violation).size(), 0u) << Describe(all);
}

// The same loiter next to an exclusion zone: a burst of two canyon fixes inside it.
TEST(EnginePrecision, ALoitererNextToAnExclusionZoneWithACanyonBurstRaisesNoZoneAlert) {
  World w;
  v1::Order order = LoiterOrder();
  const Point work = Destination(w.home, 0, 3000);  // her workplace, far from his home
  *order.add_zones() = CircleZone("work", v1::Zone::exclusion, work, 100, 50);
  w.h.AddOrder(order);
  const Point loiter = Destination(work, 90, 100 + 50 + 90);  // 90 m outside the buffer
  w.Play(kT0, 20, [&](int i) -> std::pair<Point, double> {
    const bool canyon = i == 30 || i == 31;
    return {canyon ? work : Destination(loiter, i * 53 % 360, 4), 0.0};
  });
  const std::vector<Event> zone = OfKind(w.h.log(), Event::exclusion_zone);
  EXPECT_TRUE(zone.empty()) << Describe(zone);
}

// A true walk-in at 1.4 m/s from 1500 m to 200 m and back: confirmed within a minute of
// crossing the violation distance, a single alert, and eased back down as he leaves.
TEST(EnginePrecision, ATrueWalkInIsConfirmedWithinAMinuteOfTheEntry) {
  World w;
  w.h.AddOrder(LoiterOrder());
  constexpr double kSpeed = 1.4;
  auto distance_at = [&](int i) {
    const double walked = i * 15 * kSpeed;
    const double d = 1500 - walked;
    return d >= 200 ? d : 200 + (200 - d);  // turns round at 200 m
  };
  w.Play(kT0, 40, [&](int i) -> std::pair<Point, double> {
    return {Destination(w.home, 90, distance_at(i)), kSpeed};
  });
  // The true entry: the first tag fix time at which he is within 500 m.
  TimeMs entry = 0;
  for (int i = 0; entry == 0; ++i) {
    if (distance_at(i) < kViolationM) entry = kT0 + i * 15 * kSecond + 2 * kSecond;
  }
  const std::vector<Event> all = Proximity(w.h.log());
  std::optional<Event> confirmed;
  for (const Event& e : all) {
    if (!confirmed && e.kind() == Event::proximity_violation && e.certainty() == Event::confirmed) {
      confirmed = e;
    }
  }
  ASSERT_TRUE(confirmed.has_value()) << Describe(all);
  EXPECT_LE(Ms(confirmed->detected_at()) - entry, 60 * kSecond) << Describe(all);
  EXPECT_EQ(WithTransition(all, Event::opened).size(), 1u) << Describe(all);
  const std::vector<Event> eased = WithTransition(all, Event::downgraded);
  ASSERT_FALSE(eased.empty()) << Describe(all);
  EXPECT_EQ(eased[0].downgrade_reason(), Event::eased);
  EXPECT_GT(Ms(eased[0].time()), Ms(confirmed->time()));
}

// Two multipath fixes 3 km away while a violation is open at her door: the first is an
// implausible jump, the second fails the gate, so neither re-anchors his track, and her
// next fix still places him at her door: the alert is not closed.
TEST(EnginePrecision, TwoFarOutliersNeverReanchorTheTrackNorCloseAnOpenViolation) {
  World w;
  w.h.AddOrder(LoiterOrder());
  const Point door = Destination(w.home, 90, 100);
  w.Play(kT0, 5, [&](int) -> std::pair<Point, double> { return {door, 1.0}; });
  ASSERT_EQ(Count(w.h.log(), Event::proximity_violation, Event::opened), 1) << Describe(w.h.log());
  const TimeMs t = kT0 + 5 * kMinute;
  const Point far = Destination(w.home, 90, 3100);
  w.h.Send(TagFix(++w.tag_seq, t, far, 1.0));
  w.h.Send(TagFix(++w.tag_seq, t + 10 * kSecond, Destination(far, 0, 20), 1.0));
  w.h.Send(PhoneFix(++w.phone_seq, t + 20 * kSecond, w.home));
  const std::vector<Event> all = Proximity(w.h.log());
  EXPECT_EQ(Count(all, Event::proximity_violation, Event::closed), 0) << Describe(all);
}

// He shields his tag, drives across town in five minutes and reappears 200 m from her: the
// gate does not judge a fix after a gap, so the violation opens on his second fix there.
TEST(EnginePrecision, AnArrivalAfterAGapIsNoOutlier) {
  World w;
  w.h.AddOrder(LoiterOrder());
  const Point away = Destination(w.home, 90, 3500);
  w.Play(kT0, 5, [&](int) -> std::pair<Point, double> { return {away, 0.0}; });
  const TimeMs back = kT0 + 10 * kMinute;
  w.h.Send(PhoneFix(++w.phone_seq, back - 30 * kSecond, w.home));
  const Point near = Destination(w.home, 90, 200);
  w.h.Send(TagFix(++w.tag_seq, back, near, 0.0));
  const std::vector<Event> second = w.h.Send(TagFix(++w.tag_seq, back + 15 * kSecond, near, 0.0));
  EXPECT_EQ(Count(Proximity(second), Event::proximity_violation, Event::opened), 1)
      << Describe(w.h.log());
}

// Her phone reported once (without a speed, so she is not at rest) and then went silent;
// his tag walks in and stays: his fixes corroborate the violation 90 s after her last fix.
TEST(EnginePrecision, ASilentPhoneDoesNotLeaveAnApproachUnalerted) {
  World w;
  w.h.AddOrder(LoiterOrder());
  const Point near = Destination(w.home, 90, 250);
  w.h.Send(TagFix(++w.tag_seq, kT0, Destination(w.home, 90, 2000), 1.4));
  w.h.Send(TagFix(++w.tag_seq, kT0 + 15 * kSecond, near, 1.4));
  w.h.Send(MakeFix(kPhone, ++w.phone_seq, kT0 + 20 * kSecond, w.home, 10));  // no speed
  for (int k = 0; k < 8; ++k) {
    w.h.Send(TagFix(++w.tag_seq, kT0 + 30 * kSecond + k * 15 * kSecond, near, 1.4));
  }
  const std::optional<Event> opened =
      FindEvent(w.h.log(), Event::proximity_violation, Event::opened);
  ASSERT_TRUE(opened.has_value()) << Describe(w.h.log());
  EXPECT_LE(Ms(opened->time()), kT0 + 20 * kSecond + kMinute + 30 * kSecond);
}

// Safety signals come from every fix, outliers included, at once.
TEST(EnginePrecision, SafetySignalsOnAnOutlierFixAreNeverFilteredOrDelayed) {
  World w;
  w.h.AddOrder(LoiterOrder());
  const Point loiter = Destination(w.home, 90, 3000);
  w.Play(kT0, 5, [&](int) -> std::pair<Point, double> { return {loiter, 0.0}; });
  const TimeMs t = kT0 + 5 * kMinute;
  const v1::Fix sos = WithFlags(TagFix(++w.tag_seq, t, Destination(loiter, 0, 400), 0),
                                {v1::Fix::sos, v1::Fix::strap_open});
  const std::vector<Event> events = w.h.Send(sos);
  EXPECT_EQ(Count(events, Event::sos, Event::opened), 1) << Describe(events);
  EXPECT_EQ(Count(events, Event::strap_tamper, Event::opened), 1) << Describe(events);
}

// Corroboration runs, the outlier gate and rest runs are engine state: a snapshot taken
// anywhere in a walk-in, a burst and a retreat continues exactly as the engine that never
// stopped (engine.h, "Snapshots").
TEST(EnginePrecision, ASnapshotAnywhereContinuesExactlyAsTheEngineThatNeverStopped) {
  World w;
  w.h.AddOrder(LoiterOrder());
  std::vector<v1::Fix> fixes;
  const Point home = w.home;
  uint64_t tag = 0, phone = 0;
  for (int i = 0; i < 80; ++i) {
    const TimeMs t = kT0 + i * 15 * kSecond;
    if (i % 4 == 0) fixes.push_back(PhoneFix(++phone, t, home));
    // In from 1100 m at 1.4 m/s to 300 m, a canyon burst, then back out to 700 m and rest.
    double d = std::max(300.0, 1100 - i * 21.0);
    if (i >= 50) d = std::min(700.0, 300 + (i - 50) * 21.0);
    const bool canyon = i == 45 || i == 46 || i == 70;
    const double speed = (i < 39 || (i >= 50 && i < 70)) ? 1.4 : 0.0;
    fixes.push_back(
        TagFix(++tag, t + 2 * kSecond, Destination(home, 90, canyon ? d - 180 : d), speed));
  }
  auto run = [](Engine& engine, const std::vector<v1::Fix>& all, size_t from,
                std::vector<std::string>* out) {
    for (size_t i = from; i < all.size(); ++i) {
      std::vector<Event> events;
      ASSERT_TRUE(engine.ApplyFix(all[i], &events).ok());
      for (const Event& e : events) out->push_back(e.SerializeAsString());
    }
  };
  std::vector<std::string> whole;
  std::vector<size_t> emitted_before(fixes.size() + 1, 0);
  // One fix at a time, remembering how many events came before each, and a snapshot.
  Engine reference;
  std::vector<Event> ignored;
  ASSERT_TRUE(reference.ApplyOrder(LoiterOrder(), &ignored).ok());
  std::vector<std::string> snapshots;
  for (size_t i = 0; i < fixes.size(); ++i) {
    snapshots.push_back(reference.SaveSnapshotBytes());
    emitted_before[i] = whole.size();
    std::vector<Event> events;
    ASSERT_TRUE(reference.ApplyFix(fixes[i], &events).ok());
    for (const Event& e : events) whole.push_back(e.SerializeAsString());
  }
  bool downgraded = false;
  for (const std::string& bytes : whole) {
    Event e;
    e.ParseFromString(bytes);
    downgraded = downgraded || e.transition() == Event::downgraded;
  }
  EXPECT_TRUE(downgraded) << "the scenario must exercise a downgrade";
  for (size_t k = 0; k < fixes.size(); k += 7) {
    StatusOr<std::unique_ptr<Engine>> restored =
        Engine::FromSnapshotBytes(snapshots[k], EngineSettings());
    ASSERT_TRUE(restored.ok()) << restored.status().ToString();
    std::vector<std::string> tail;
    run(**restored, fixes, k, &tail);
    ASSERT_EQ(tail.size(), whole.size() - emitted_before[k]) << "cut " << k;
    for (size_t j = 0; j < tail.size(); ++j) {
      EXPECT_EQ(tail[j], whole[emitted_before[k] + j]) << "cut " << k << " event " << j;
    }
  }
}

}  // namespace
}  // namespace stayaway::enginetest
