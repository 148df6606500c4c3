// Determinism: the same input sequence must yield byte-identical events (engine/engine.h,
// "Time"). A seeded random workload (several orders with zones, a shelter, people moving
// about, ticks, late uploads, duplicates, refused fixes, device flags, an order update) is
// run through fresh Engines and every event is serialised deterministically.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine_test_support.h"

namespace stayaway::enginetest {
namespace {

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

// Moves `from` towards `to` by at most `metres` along the geodesic.
Point MoveToward(Point from, Point to, double metres) {
  double s12 = 0, azi1 = 0, azi2 = 0;
  GeographicLib::Geodesic::WGS84().Inverse(from.lat, from.lon, to.lat, to.lon, s12, azi1, azi2);
  return s12 <= metres ? to : Destination(from, azi1, metres);
}

struct Actor {
  std::string person;
  std::string device;
  bool supervised = false;
  Point anchor;  // targets are drawn around this point
  Point pos;
  Point target;
  double speed_mps = 1.5;
  TimeMs last_t = 0;
  uint64_t seq = 0;
  double battery = 60;
};

Actor MakeActor(const std::string& person, const std::string& device, bool supervised,
                Point anchor) {
  Actor a;
  a.person = person;
  a.device = device;
  a.supervised = supervised;
  a.anchor = anchor;
  return a;
}

class Workload {
 public:
  explicit Workload(uint64_t seed) : rng_(seed) {}

  std::vector<v1::Input> Build(int steps) {
    std::vector<v1::Input> inputs;
    const Point v1_home = kBishkek;
    const Point v2_home = Destination(kBishkek, 90, 2000);
    const Point v3_home = Destination(kBishkek, 0, 1000);
    const Point s2_home = Destination(v2_home, 180, 600);

    // Orders: s1 protects against two victims (one with a child), s2 has a curfew.
    v1::Order o1 = MakeOrder("o1", Person("s1", {"tag-s1"}),
                             {Person("v1", {"ph-v1"}, "victim"), Person("c1", {"ph-c1"}, "child")},
                             300, 600);
    *o1.add_zones() = CircleZone("home-v1", v1::Zone::exclusion, v1_home, 80, 100);
    v1::Order o2 = MakeOrder("o2", Person("s2", {"tag-s2"}), {Person("v2", {"ph-v2"}, "victim")},
                             250, 0);
    v1::Zone curfew = CircleZone("curfew-s2", v1::Zone::inclusion, s2_home, 150, 30);
    SetDailySchedule(&curfew, "Asia/Bishkek", "22:00", "06:00");
    *o2.add_zones() = curfew;
    v1::Order o3 = MakeOrder("o3", Person("s1", {"tag-s1"}), {Person("v3", {"ph-v3"}, "victim")},
                             200, 500);
    for (const v1::Order* o : {&o1, &o2, &o3}) *inputs.emplace_back().mutable_order() = *o;
    *inputs.emplace_back().mutable_global_zone() =
        CircleZone("shelter", v1::Zone::exclusion, Destination(kBishkek, 45, 1200), 60, 20);

    actors_ = {
        MakeActor("s1", "tag-s1", true, Destination(v1_home, 300, 500)),
        MakeActor("s2", "tag-s2", true, s2_home),
        MakeActor("v1", "ph-v1", false, v1_home),
        MakeActor("c1", "ph-c1", false, Destination(v1_home, 0, 40)),
        MakeActor("v2", "ph-v2", false, v2_home),
        MakeActor("v3", "ph-v3", false, v3_home),
    };
    // 20:00 local in Bishkek (UTC+6): the curfew starts two hours in.
    TimeMs clock = Utc(2025, 3, 10, 14, 0, 0);
    for (Actor& a : actors_) {
      a.pos = Around(a.anchor, 300);
      a.target = a.pos;
      a.last_t = clock;
      a.battery = Uniform(20, 90);
    }

    std::vector<v1::Fix> sent;
    for (int step = 0; step < steps; ++step) {
      clock += static_cast<TimeMs>(Uniform(1, 10) * 1000);
      const double roll = Uniform(0, 1);
      v1::Input input;
      if (roll < 0.08) {
        MsToTimestamp(clock, input.mutable_tick()->mutable_tick());
      } else if (roll < 0.10 && !sent.empty()) {
        *input.mutable_fix() = sent[Index(sent.size())];  // a duplicate
      } else if (roll < 0.11) {
        v1::Fix bad = NextFix(Pick(), clock);
        bad.set_lat(95);  // refused
        *input.mutable_fix() = bad;
      } else if (roll < 0.14) {
        // A buffered fix from a few minutes ago, uploaded now.
        Actor& a = Pick();
        v1::Fix late = MakeFix(a.device, ++a.seq, clock - static_cast<TimeMs>(Uniform(60, 480) * 1000),
                               Around(a.pos, 50), Uniform(3, 30));
        MsToTimestamp(clock, late.mutable_received());
        *input.mutable_fix() = late;
      } else if (step == steps / 2) {
        v1::Order update = o2;
        update.set_version(2);
        update.set_warning_distance_m(700);
        *input.mutable_order() = update;
      } else if (step == steps / 3) {
        // An implausible jump of s2.
        Actor& a = actors_[1];
        v1::Fix jump = MakeFix(a.device, ++a.seq, clock, Destination(a.pos, 90, 50'000), 10);
        *input.mutable_fix() = jump;
      } else {
        Actor& a = Pick();
        // v2 falls silent for a long stretch (comms lost, location unknown).
        if (a.person == "v2" && step > steps / 4 && step < steps / 4 + 250) continue;
        *input.mutable_fix() = NextFix(a, clock);
      }
      if (input.has_fix()) sent.push_back(input.fix());
      inputs.push_back(input);
    }
    return inputs;
  }

 private:
  double Uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }
  size_t Index(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  Point Around(Point p, double radius) { return Destination(p, Uniform(0, 360), Uniform(0, radius)); }

  Actor& Pick() {
    // Supervised people report a little more often.
    return Uniform(0, 1) < 0.4 ? actors_[Index(2)] : actors_[2 + Index(actors_.size() - 2)];
  }

  v1::Fix NextFix(Actor& a, TimeMs clock) {
    const double dt_s = static_cast<double>(clock - a.last_t) / 1000.0;
    a.last_t = clock;
    if (GeodesicMetres(a.pos, a.target) < 5) {
      // A new errand: s1 sometimes heads for v1's home, everyone else wanders.
      a.target = a.person == "s1" && Uniform(0, 1) < 0.5 ? Around(kBishkek, 250)
                                                         : Around(a.anchor, 700);
      a.speed_mps = Uniform(0, 1) < 0.3 ? Uniform(5, 15) : Uniform(0.5, 2);
    }
    a.pos = MoveToward(a.pos, a.target, a.speed_mps * dt_s);
    const bool coarse = Uniform(0, 1) < 0.05;
    v1::Fix fix = MakeFix(a.device, ++a.seq, clock, Around(a.pos, 5),
                          coarse ? Uniform(300, 1500) : Uniform(3, 40));
    if (coarse && Uniform(0, 1) < 0.5) fix.set_source(v1::Fix::cell);
    if (Uniform(0, 1) < 0.3) fix.set_speed_mps(a.speed_mps);
    a.battery = Uniform(0, 1) < 0.01 ? 95 : std::max(0.0, a.battery - Uniform(0, 0.3));
    fix.set_battery_pct(a.battery);
    const double flag = Uniform(0, 1);
    if (a.supervised && flag < 0.01) fix.add_flags(v1::Fix::strap_open);
    if (a.supervised && flag > 0.99) fix.add_flags(v1::Fix::case_open);
    if (!a.supervised && flag < 0.01) fix.add_flags(v1::Fix::sos);
    if (flag > 0.5 && flag < 0.51) fix.add_flags(v1::Fix::jamming_suspected);
    return fix;
  }

  std::mt19937_64 rng_;
  std::vector<Actor> actors_;
};

// Everything a run produced: per input, its status code and every event's bytes.
struct Transcript {
  std::vector<std::string> records;
  int events = 0;
  std::map<std::string, int> kinds;
};

Transcript RunWorkload(const std::vector<v1::Input>& inputs, bool through_dispatch) {
  Engine engine;
  Transcript out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const v1::Input& input = inputs[i];
    std::vector<Event> events;
    Status status;
    if (through_dispatch) {
      status = engine.Apply(input, &events);
    } else {
      switch (input.input_case()) {
        case v1::Input::kFix:
          status = engine.ApplyFix(input.fix(), &events);
          break;
        case v1::Input::kTick:
          engine.ApplyTick(TimestampToMs(input.tick().tick()), &events);
          break;
        case v1::Input::kOrder:
          status = engine.ApplyOrder(input.order(), &events);
          break;
        case v1::Input::kGlobalZone:
          status = engine.ApplyGlobalZone(input.global_zone(), &events);
          break;
        case v1::Input::kAck:
          status = engine.ApplyAck(input.ack(), &events);
          break;
        case v1::Input::INPUT_NOT_SET:
          break;
      }
    }
    out.records.push_back("input " + std::to_string(i) + " -> " +
                          std::to_string(static_cast<int>(status.code())));
    for (const Event& e : events) {
      out.records.push_back(DeterministicBytes(e));
      ++out.kinds[Event::Kind_Name(e.kind()) + "/" + Event::Transition_Name(e.transition())];
    }
    out.events += static_cast<int>(events.size());
  }
  return out;
}

std::string Histogram(const Transcript& t) {
  std::ostringstream out;
  for (const auto& [kind, n] : t.kinds) out << "  " << kind << ": " << n << "\n";
  return out.str();
}

// Index of the first differing record, or -1.
long FirstDifference(const Transcript& a, const Transcript& b) {
  const size_t n = std::min(a.records.size(), b.records.size());
  for (size_t i = 0; i < n; ++i) {
    if (a.records[i] != b.records[i]) return static_cast<long>(i);
  }
  return a.records.size() == b.records.size() ? -1 : static_cast<long>(n);
}

TEST(EngineDeterminism, SameInputsGiveByteIdenticalEventsInFreshEngines) {
  const uint64_t seed = TestSeed(0xd373);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::vector<v1::Input> inputs = Workload(seed).Build(3000);

  const Transcript first = RunWorkload(inputs, /*through_dispatch=*/false);
  const Transcript second = RunWorkload(inputs, /*through_dispatch=*/false);
  EXPECT_EQ(FirstDifference(first, second), -1);
  EXPECT_TRUE(first.records == second.records);
  EXPECT_EQ(first.events, second.events);
  // A workload that produced (almost) nothing would prove nothing.
  EXPECT_GT(first.events, 10) << Histogram(first);
  std::cout << "[ workload ] " << inputs.size() << " inputs, " << first.events
            << " events:\n" << Histogram(first);
}

TEST(EngineDeterminism, SeveralSeedsStayDeterministic) {
  for (uint64_t seed : {1ull, 2ull, 3ull}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::vector<v1::Input> inputs = Workload(seed).Build(1200);
    const Transcript a = RunWorkload(inputs, false);
    const Transcript b = RunWorkload(inputs, false);
    EXPECT_EQ(FirstDifference(a, b), -1);
    EXPECT_GT(a.events, 10) << Histogram(a);
  }
}

TEST(EngineDeterminism, InputDispatchMatchesDirectCalls) {
  const uint64_t seed = TestSeed(0xd374);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::vector<v1::Input> inputs = Workload(seed).Build(1500);
  const Transcript direct = RunWorkload(inputs, /*through_dispatch=*/false);
  const Transcript dispatched = RunWorkload(inputs, /*through_dispatch=*/true);
  const long diff = FirstDifference(direct, dispatched);
  EXPECT_EQ(diff, -1) << "first difference at record " << diff;
  EXPECT_GT(direct.events, 10) << Histogram(direct);
}

}  // namespace
}  // namespace stayaway::enginetest
