// Moving case groups between engines (group_transfer.h) and routing inputs to partitions
// (partition_router.h). The oracle is one engine fed every input: a seeded workload of
// several cases runs through it and, at the same time, through three partition engines fed
// by a PartitionRouter, with the moves it asks for made by MoveGroupState. For every input
// the partitions must emit the same events as the one engine (as a set: rules of different
// groups may come in another order within one input) with the same refusals, and every
// alert's events must come in the same order. Orders that join two cases living on different
// partitions come while both have tracks, open alerts and deadlines.
//
// Each engine's "now" is its own (group_transfer.h), so the workload ticks the clock (an
// input every partition gets) before each order and operator action: then every engine's
// now is the centre's when it applies one, as it is at every fix (received times only grow).
// Seeds are printed on failure; STAYAWAY_TEST_SEED reproduces one.
#include "engine/group_transfer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/case_groups.h"
#include "engine/partition_router.h"
#include "tests/engine_test_support.h"
#include "tests/engine_workload.h"

namespace stayaway::enginetest {
namespace {

using engine::GroupMembers;
using engine::MergeSnapshots;
using engine::MoveGroupState;
using engine::PartitionRouter;
using engine::SplitSnapshot;

constexpr uint32_t kPartitions = 3;
constexpr int kCases = 8;

// One engine holding everything, and the same inputs through a router to partitions.
class TwoWays {
 public:
  TwoWays() : router_(kPartitions) {
    for (auto& p : partitions_) p = std::make_unique<Engine>();
  }

  // Applies `input` both ways and checks that they agree; the reference's events.
  std::vector<Event> Apply(const v1::Input& input, size_t index) {
    SCOPED_TRACE("input " + std::to_string(index) + ": " + input.ShortDebugString().substr(0, 200));
    std::vector<Event> expected;
    const Status expected_status = whole_.Apply(input, &expected);
    for (const Event& e : expected) order_of_alert_[e.alert_id()] = e.order_id();

    std::vector<Event> actual;
    Status actual_status = Status::Ok();
    bool routed = true;
    if (input.has_tick() || input.has_global_zone()) {
      for (auto& p : partitions_) {
        std::vector<Event> events;
        const Status s = p->Apply(input, &events);
        EXPECT_EQ(s.ToString(), expected_status.ToString());
        actual.insert(actual.end(), events.begin(), events.end());
      }
      actual_status = expected_status;
    } else if (input.has_order()) {
      const PartitionRouter::OrderRoute route = router_.RouteOrder(input.order());
      for (const PartitionRouter::Move& move : route.moves) {
        ++moves_;
        const Status s =
            MoveGroupState(move.members, &partitions_[move.from], &partitions_[move.to]);
        EXPECT_TRUE(s.ok()) << "moving " << move.group << ": " << s.ToString();
      }
      actual_status = partitions_[route.partition]->Apply(input, &actual);
    } else {
      std::optional<uint32_t> partition;
      if (input.has_fix()) {
        partition = router_.PartitionOfDevice(input.fix().device());
      } else {
        const std::string& alert = input.has_ack()       ? input.ack().alert_id()
                                   : input.has_resolve() ? input.resolve().alert_id()
                                                         : input.receipt().alert_id();
        auto order = order_of_alert_.find(alert);
        if (order != order_of_alert_.end()) partition = router_.PartitionOfOrder(order->second);
      }
      if (partition) {
        actual_status = partitions_[*partition]->Apply(input, &actual);
      } else {
        routed = false;
        actual_status = NotFound("routed nowhere");
      }
    }
    if (routed) {
      EXPECT_EQ(actual_status.ToString(), expected_status.ToString());
    } else {
      EXPECT_EQ(actual_status.code(), expected_status.code()) << expected_status.ToString();
    }
    EXPECT_EQ(Sorted(actual), Sorted(expected))
        << "expected " << Describe(expected) << "\nactual " << Describe(actual);
    for (const Event& e : expected)
      expected_by_alert_[e.alert_id()].push_back(DeterministicBytes(e));
    for (const Event& e : actual) actual_by_alert_[e.alert_id()].push_back(DeterministicBytes(e));
    return expected;
  }

  void ExpectEveryAlertInOrder() const {
    EXPECT_EQ(expected_by_alert_.size(), actual_by_alert_.size());
    for (const auto& [alert, events] : expected_by_alert_) {
      auto found = actual_by_alert_.find(alert);
      ASSERT_NE(found, actual_by_alert_.end()) << alert;
      EXPECT_TRUE(found->second == events) << "alert " << alert << "'s events differ in order";
    }
  }

  int moves() const { return moves_; }
  const Engine& whole() const { return whole_; }
  const std::unique_ptr<Engine>& partition(uint32_t p) const { return partitions_[p]; }

 private:
  static std::vector<std::string> Sorted(const std::vector<Event>& events) {
    std::vector<std::string> bytes;
    for (const Event& e : events) bytes.push_back(DeterministicBytes(e));
    std::sort(bytes.begin(), bytes.end());
    return bytes;
  }

  Engine whole_;
  PartitionRouter router_;
  std::unique_ptr<Engine> partitions_[kPartitions];
  std::map<std::string, std::string> order_of_alert_;
  std::map<std::string, std::vector<std::string>> expected_by_alert_;
  std::map<std::string, std::vector<std::string>> actual_by_alert_;
  int moves_ = 0;
};

struct CasePeople {
  Actor tag;    // the supervised person's tag
  Actor phone;  // the protected person's phone
  Point home;
};

// The workload: kCases pair orders far apart, each tag now and then walking at its victim;
// orders that join cases living on different partitions; an order updated to protect
// someone new and another revoked; shelters; ticks, late, duplicate and stray fixes, and
// operators acknowledging, resolving and receiving real alerts.
class CaseWorkload {
 public:
  explicit CaseWorkload(uint64_t seed) : rng_(seed) {}

  void Go(int steps) {
    for (int i = 0; i < kCases; ++i) {
      CasePeople c;
      c.home = Destination(kBishkek, 360.0 * i / kCases, 4000);
      c.tag = NewActor("s" + std::to_string(i), "tag-s" + std::to_string(i), true,
                       Destination(c.home, 90, 900));
      c.phone = NewActor("v" + std::to_string(i), "ph-v" + std::to_string(i), false, c.home);
      cases_.push_back(c);
      v1::Order order = MakeOrder("o" + std::to_string(i), Person(c.tag.person, {c.tag.device}),
                                  {Person(c.phone.person, {c.phone.device}, "victim")}, 300, 600);
      if (i % 2 == 0) {
        *order.add_zones() =
            CircleZone("home-v" + std::to_string(i), v1::Zone::exclusion, c.home, 100, 50);
      }
      orders_.push_back(order);
      Tick();
      Push(Input(order));
    }
    // Pairs of cases on different partitions, to join part-way through.
    std::vector<std::pair<int, int>> joins;
    for (int a = 0; a < kCases && joins.size() < 3; ++a) {
      for (int b = a + 1; b < kCases && joins.size() < 3; ++b) {
        const bool used = std::any_of(joins.begin(), joins.end(), [&](auto j) {
          return j.first == a || j.second == a || j.first == b || j.second == b;
        });
        if (!used && engine::CaseGroups::ShardOf("o" + std::to_string(a), kPartitions) !=
                         engine::CaseGroups::ShardOf("o" + std::to_string(b), kPartitions)) {
          joins.emplace_back(a, b);
        }
      }
    }
    ASSERT_EQ(joins.size(), 3u);

    for (int step = 0; step < steps; ++step) {
      clock_ += static_cast<TimeMs>(Uniform(1, 8) * 1000);
      for (size_t j = 0; j < joins.size(); ++j) {
        if (step == steps * static_cast<int>(2 + 2 * j) / 10) Join(joins[j].first, joins[j].second);
      }
      if (step == steps * 3 / 10) Shelter(Destination(kBishkek, 0, 500), 60);
      // A child protected shortly before her case joins another, silent until well after:
      // the move carries the time the engine first looked for her.
      if (step == steps * 58 / 100) ProtectSomeoneNew(joins[2].second);
      if (step == steps * 6 / 10) Shelter(Destination(kBishkek, 180, 500), 80);
      if (step == steps * 7 / 10) Revoke(7);
      const double roll = Uniform(0, 1);
      if (roll < 0.06) {
        Tick();
      } else if (roll < 0.08 && !sent_.empty()) {
        Push(FixInput(sent_[Index(sent_.size())]));  // a duplicate
      } else if (roll < 0.085) {
        Push(FixInput(MakeFix("nobody's-tag", step, clock_, kBishkek, 5)));  // routed nowhere
      } else if (roll < 0.11) {
        Actor& a = PickActor();
        const auto age_ms = static_cast<TimeMs>(Uniform(30, 400) * 1000);
        v1::Fix late = MakeFix(a.device, ++a.seq, clock_ - age_ms, a.pos, Uniform(3, 30));
        MsToTimestamp(clock_, late.mutable_received());
        Push(FixInput(late));
      } else if (roll < 0.14 && !alerts_.empty()) {
        OperatorAction();
      } else {
        Actor& a = PickActor();
        // Case 1's victim falls silent for a stretch (comms lost, location unknown).
        if (a.device == "ph-v1" && step > steps / 4 && step < steps / 4 + 300) continue;
        if (a.device.rfind("ph-c", 0) == 0 && step < steps * 75 / 100) continue;
        Push(FixInput(NextFix(a)));
      }
    }
    ways_.ExpectEveryAlertInOrder();
  }

  const TwoWays& ways() const { return ways_; }
  size_t events() const { return events_; }
  const std::set<std::string>& transitions() const { return transitions_; }

 private:
  static v1::Input Input(const v1::Order& order) {
    v1::Input input;
    *input.mutable_order() = order;
    return input;
  }
  static v1::Input FixInput(const v1::Fix& fix) {
    v1::Input input;
    *input.mutable_fix() = fix;
    return input;
  }
  void Push(const v1::Input& input) {
    if (::testing::Test::HasFatalFailure()) return;
    const std::vector<Event> events = ways_.Apply(input, index_++);
    events_ += events.size();
    for (const Event& e : events) {
      alerts_.insert(e.alert_id());
      transitions_.insert(Event::Kind_Name(e.kind()) + "/" +
                          Event::Transition_Name(e.transition()));
    }
    if (input.has_fix()) sent_.push_back(input.fix());
  }
  void Tick() {
    v1::Input input;
    MsToTimestamp(clock_, input.mutable_tick()->mutable_tick());
    Push(input);
  }
  // A new order naming case a's tag and case b's victim: the two cases are one group now.
  void Join(int a, int b) {
    Tick();
    v1::Order order =
        MakeOrder("join-" + std::to_string(a) + "-" + std::to_string(b),
                  Person(cases_[a].tag.person, {cases_[a].tag.device}),
                  {Person(cases_[b].phone.person, {cases_[b].phone.device}, "victim")}, 250, 500);
    Push(Input(order));
  }
  // A new version of order i protects a child too (a new person and device) and drops its
  // zones.
  void ProtectSomeoneNew(int i) {
    Tick();
    v1::Order& order = orders_[i];
    order.set_version(order.version() + 1);
    *order.add_protected_() =
        Person("c" + std::to_string(i), {"ph-c" + std::to_string(i)}, "child");
    order.clear_zones();
    Push(Input(order));
    Actor child = NewActor("c" + std::to_string(i), "ph-c" + std::to_string(i), false,
                           Destination(cases_[i].home, 0, 60));
    extra_.push_back(child);
  }
  void Revoke(int i) {
    Tick();
    v1::Order& order = orders_[i];
    order.set_version(order.version() + 1);
    order.set_state(v1::Order::revoked);
    Push(Input(order));
  }
  void Shelter(Point centre, double radius_m) {
    Tick();
    v1::Input input;
    *input.mutable_global_zone() = CircleZone("shelter", v1::Zone::exclusion, centre, radius_m, 20);
    Push(input);
  }
  void OperatorAction() {
    Tick();
    const std::string alert = *std::next(alerts_.begin(), static_cast<long>(Index(alerts_.size())));
    v1::Input input;
    const double roll = Uniform(0, 1);
    if (roll < 0.6) {
      v1::AlertAck* ack = input.mutable_ack();
      ack->set_alert_id(alert);
      ack->set_by("operator-1");
      MsToTimestamp(clock_, ack->mutable_time());
    } else if (roll < 0.85) {
      v1::AlertResolve* resolve = input.mutable_resolve();
      resolve->set_alert_id(alert);
      resolve->set_by("operator-2");
      resolve->set_disposition(v1::AlertResolve::patrol_dispatched);
      MsToTimestamp(clock_, resolve->mutable_time());
    } else {
      v1::AlertReceipt* receipt = input.mutable_receipt();
      receipt->set_alert_id(alert);
      receipt->set_person("v" + std::to_string(Index(kCases)));  // often not hers: refused
      receipt->set_event_seq(1 + Index(3));
      MsToTimestamp(clock_, receipt->mutable_time());
    }
    Push(input);
  }

  Actor NewActor(const std::string& person, const std::string& device, bool supervised,
                 Point anchor) {
    Actor a;
    a.person = person;
    a.device = device;
    a.supervised = supervised;
    a.anchor = anchor;
    a.pos = anchor;
    a.target = anchor;
    a.last_t = clock_;
    return a;
  }
  Actor& PickActor() {
    const size_t n = cases_.size() * 2 + extra_.size();
    const size_t i = Index(n);
    if (i >= cases_.size() * 2) return extra_[i - cases_.size() * 2];
    return i % 2 == 0 ? cases_[i / 2].tag : cases_[i / 2].phone;
  }
  v1::Fix NextFix(Actor& a) {
    const double dt_s = static_cast<double>(clock_ - a.last_t) / 1000.0;
    a.last_t = clock_;
    if (GeodesicMetres(a.pos, a.target) < 5) {
      // A tag now and then heads for its victim's home; everyone else wanders near theirs.
      const size_t c = static_cast<size_t>(std::stoi(a.person.substr(1)));
      a.target =
          a.supervised && Uniform(0, 1) < 0.4 ? Around(cases_[c].home, 150) : Around(a.anchor, 600);
      a.speed_mps = Uniform(0, 1) < 0.3 ? Uniform(5, 12) : Uniform(0.5, 2);
    }
    a.pos = MoveToward(a.pos, a.target, a.speed_mps * dt_s);
    const bool coarse = Uniform(0, 1) < 0.04;
    // Now and then a tag's fix is thrown hundreds of metres off while claiming a few
    // (multipath): the outlier gate's work, which needs the speeds tags report.
    const bool thrown = a.supervised && Uniform(0, 1) < 0.04;
    const Point where = thrown ? Destination(a.pos, Uniform(0, 360), 400) : Around(a.pos, 5);
    v1::Fix fix =
        MakeFix(a.device, ++a.seq, clock_, where, coarse ? Uniform(300, 1500) : Uniform(3, 40));
    if (a.supervised || Uniform(0, 1) < 0.3) fix.set_speed_mps(a.speed_mps);
    fix.set_battery_pct(Uniform(0, 1) < 0.02 ? 10 : 70);
    if (a.supervised && Uniform(0, 1) < 0.01) fix.add_flags(v1::Fix::strap_open);
    return fix;
  }
  Point Around(Point p, double radius) {
    const double distance_m = Uniform(0, radius);
    const double bearing_deg = Uniform(0, 360);
    return Destination(p, bearing_deg, distance_m);
  }
  double Uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }
  size_t Index(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  std::mt19937_64 rng_;
  TimeMs clock_ = kT0;
  TwoWays ways_;
  std::vector<CasePeople> cases_;
  std::vector<Actor> extra_;
  std::vector<v1::Order> orders_;
  std::set<std::string> alerts_;
  std::vector<v1::Fix> sent_;
  std::set<std::string> transitions_;
  size_t index_ = 0;
  size_t events_ = 0;
};

TEST(GroupTransfer, PartitionsFedByTheRouterEmitWhatOneEngineFedEverythingEmits) {
  for (uint64_t seed : {TestSeed(1), TestSeed(1) + 1, TestSeed(1) + 2}) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " (STAYAWAY_TEST_SEED reproduces)");
    CaseWorkload run(seed);
    run.Go(3000);
    if (HasFatalFailure()) return;
    // The joins crossed partitions, and the run was eventful enough to prove something.
    EXPECT_EQ(run.ways().moves(), 3);
    EXPECT_GT(run.events(), 200u);
    std::string seen_all;
    for (const std::string& t : run.transitions()) seen_all += t + " ";
    for (const char* seen :
         {"proximity_violation/opened", "proximity_violation/closed",
          "proximity_violation/ack_overdue", "comms_lost/opened", "low_battery/opened"}) {
      EXPECT_TRUE(run.transitions().contains(seen)) << seen << " never happened: " << seen_all;
    }
  }
}

// A small state to cut: two cases and a shelter, with tracks and an open alert.
std::unique_ptr<Engine> TwoCases() {
  auto engine = std::make_unique<Engine>();
  std::vector<Event> events;
  v1::Input shelter;
  *shelter.mutable_global_zone() =
      CircleZone("shelter", v1::Zone::exclusion, Destination(kBishkek, 0, 3000), 60, 20);
  EXPECT_TRUE(engine->Apply(shelter, &events).ok());
  for (int i = 0; i < 2; ++i) {
    const std::string n = std::to_string(i);
    v1::Order order = MakeOrder("o" + n, Person("s" + n, {"tag-s" + n}),
                                {Person("v" + n, {"ph-v" + n}, "victim")}, 300);
    *order.add_zones() =
        CircleZone("home-v" + n, v1::Zone::exclusion, Destination(kBishkek, 90, 5000 * i), 100);
    EXPECT_TRUE(engine->ApplyOrder(order, &events).ok());
    const Point home = Destination(kBishkek, 90, 5000 * i);
    for (int k = 0; k < 3; ++k) {
      const TimeMs t = kT0 + k * 10 * kSecond + i;
      EXPECT_TRUE(engine->ApplyFix(MakeFix("ph-v" + n, k + 1, t, home, 5), &events).ok());
      EXPECT_TRUE(
          engine->ApplyFix(MakeFix("tag-s" + n, k + 1, t, Destination(home, 0, 50), 5), &events)
              .ok());
    }
  }
  EXPECT_FALSE(Proximity(events).empty()) << "the cases were meant to raise alerts";
  return engine;
}

GroupMembers CaseMembers(int i) {
  const std::string n = std::to_string(i);
  GroupMembers m;
  m.orders = {"o" + n};
  m.persons = {"s" + n, "v" + n};
  m.devices = {"tag-s" + n, "ph-v" + n};
  return m;
}

TEST(GroupTransfer, ACutAndAJoinGiveBackAnEngineThatCarriesOnAsBefore) {
  std::unique_ptr<Engine> whole = TwoCases();
  v1::EngineSnapshot snapshot;
  ASSERT_TRUE(whole->SaveSnapshot(&snapshot).ok());
  auto split = SplitSnapshot(snapshot, CaseMembers(0));
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  EXPECT_EQ(split->moved.orders_size(), 1);
  EXPECT_EQ(split->moved.orders(0).terms().id(), "o0");
  EXPECT_EQ(split->kept.orders(0).terms().id(), "o1");
  EXPECT_EQ(split->moved.persons_size() + split->kept.persons_size(), snapshot.persons_size());
  EXPECT_EQ(split->moved.alerts_size() + split->kept.alerts_size(), snapshot.alerts_size());
  // The shelter is on both sides; each case's zone on its own.
  EXPECT_EQ(split->moved.zones_size(), 2);
  EXPECT_EQ(split->kept.zones_size(), 2);

  auto joined = MergeSnapshots(split->kept, split->moved);
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  auto rebuilt = Engine::FromSnapshot(*joined, whole->settings());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  // The same fixes next: the same events (as a set), the same alerts.
  for (int k = 3; k < 8; ++k) {
    for (int i = 0; i < 2; ++i) {
      const std::string n = std::to_string(i);
      const Point home = Destination(kBishkek, 90, 5000 * i);
      const v1::Fix fix =
          MakeFix("tag-s" + n, k + 1, kT0 + k * 10 * kSecond + i, Destination(home, 0, 900), 5);
      std::vector<Event> expected;
      std::vector<Event> actual;
      ASSERT_TRUE(whole->ApplyFix(fix, &expected).ok());
      ASSERT_TRUE((*rebuilt)->ApplyFix(fix, &actual).ok());
      ASSERT_EQ(actual.size(), expected.size()) << Describe(expected) << Describe(actual);
      for (size_t e = 0; e < actual.size(); ++e) {
        EXPECT_EQ(DeterministicBytes(actual[e]), DeterministicBytes(expected[e]));
      }
    }
  }
}

TEST(GroupTransfer, MembersThatDoNotMatchTheStateAreRefused) {
  std::unique_ptr<Engine> whole = TwoCases();
  v1::EngineSnapshot snapshot;
  ASSERT_TRUE(whole->SaveSnapshot(&snapshot).ok());
  GroupMembers without_victim = CaseMembers(0);
  without_victim.persons.erase("v0");
  without_victim.devices.erase("ph-v0");
  auto split = SplitSnapshot(snapshot, without_victim);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(split.status().message().find("person v0"), std::string::npos)
      << split.status().ToString();

  GroupMembers device_without_person = CaseMembers(0);
  device_without_person.devices.insert("tag-s1");
  split = SplitSnapshot(snapshot, device_without_person);
  ASSERT_FALSE(split.ok());
  EXPECT_NE(split.status().message().find("person s1"), std::string::npos)
      << split.status().ToString();
}

TEST(GroupTransfer, StatesThatCannotBeOneEnginesAreNotJoined) {
  std::unique_ptr<Engine> whole = TwoCases();
  v1::EngineSnapshot snapshot;
  ASSERT_TRUE(whole->SaveSnapshot(&snapshot).ok());
  // The same case twice.
  auto twice = MergeSnapshots(snapshot, snapshot);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), StatusCode::kFailedPrecondition);

  // Different shelters.
  auto split = SplitSnapshot(snapshot, CaseMembers(0));
  ASSERT_TRUE(split.ok());
  v1::EngineSnapshot other_shelter = split->moved;
  for (auto& z : *other_shelter.mutable_zones()) {
    if (z.owner() < 0) z.mutable_zone()->set_id("another-shelter");
  }
  auto mismatched = MergeSnapshots(split->kept, other_shelter);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("global zones"), std::string::npos);

  // Other settings.
  v1::EngineSnapshot other_settings = split->moved;
  other_settings.set_settings(other_settings.settings() + "x=1\n");
  EXPECT_FALSE(MergeSnapshots(split->kept, other_settings).ok());
}

TEST(GroupTransfer, AMoveThatFailsLeavesBothEnginesAsTheyWere) {
  std::unique_ptr<Engine> from = TwoCases();
  std::unique_ptr<Engine> to = TwoCases();  // already holds case 0: the join is refused
  const std::string from_before = from->SaveSnapshotBytes();
  const std::string to_before = to->SaveSnapshotBytes();
  const Engine* from_engine = from.get();
  const Status s = MoveGroupState(CaseMembers(0), &from, &to);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_EQ(from.get(), from_engine);
  EXPECT_EQ(from->SaveSnapshotBytes(), from_before);
  EXPECT_EQ(to->SaveSnapshotBytes(), to_before);
}

}  // namespace
}  // namespace stayaway::enginetest
