// A seeded random engine workload shared by the determinism and snapshot suites: several
// orders (zones with schedules, a shelter, order updates, a suspended and an expiring
// order), people moving about, late, duplicate and flagged fixes, ticks and operator
// acknowledgements of real alerts. Workload(seed).Build(steps) gives the inputs.
#ifndef STAYAWAY_TESTS_ENGINE_WORKLOAD_H_
#define STAYAWAY_TESTS_ENGINE_WORKLOAD_H_

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>
#include "tests/engine_test_support.h"

namespace stayaway::enginetest {

inline std::string DeterministicBytes(const google::protobuf::Message& message) {
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
inline Point MoveToward(Point from, Point to, double metres) {
  double s12 = 0, azi1 = 0, azi2 = 0;
  GeographicLib::Geodesic::WGS84().Inverse(from.lat, from.lon, to.lat, to.lon, s12, azi1, azi2);
  return s12 <= metres ? to : Destination(from, azi1, metres);
}

// Applies one input; the transcript records its status code and every event's bytes.
inline std::vector<std::string> ApplyRecorded(Engine& engine, const v1::Input& input, size_t index,
                                       std::vector<Event>* events_out = nullptr) {
  std::vector<Event> events;
  const Status status = engine.Apply(input, &events);
  std::vector<std::string> records;
  records.push_back("input " + std::to_string(index) + " -> " + status.ToString());
  for (const Event& e : events) records.push_back(DeterministicBytes(e));
  if (events_out != nullptr) *events_out = std::move(events);
  return records;
}

struct Actor {
  std::string person;
  std::string device;
  bool supervised = false;
  Point anchor;
  Point pos;
  Point target;
  double speed_mps = 1.5;
  TimeMs last_t = 0;
  uint64_t seq = 0;
  double battery = 60;
};

// What a seeded workload generator shares: its random source, and the inputs it makes,
// fed to a scratch engine as they are made so acknowledgements can name alerts that
// really exist at that point.
class WorkloadRecorder {
 protected:
  explicit WorkloadRecorder(uint64_t seed) : rng_(seed) {}

  static v1::Input Order(const v1::Order& order) {
    v1::Input input;
    *input.mutable_order() = order;
    return input;
  }
  void Push(v1::Input input) {
    std::vector<Event> events;
    (void)engine_.Apply(input, &events);
    for (const Event& e : events) alert_ids_.insert(e.alert_id());
    inputs_.push_back(std::move(input));
  }
  // Every draw from rng_ is a statement of its own, never two among one call's arguments:
  // their order of evaluation is unspecified (GCC and Clang differ), and the digests that
  // determinism_test.cc recorded need the same workload from every compiler. Where a call
  // needs several draws, they are made in the order the digests were recorded with.
  double Uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }
  size_t Index(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  std::mt19937_64 rng_;
  Engine engine_;
  std::set<std::string> alert_ids_;
  std::vector<v1::Input> inputs_;
};

// Builds the inputs while feeding them to a scratch engine, so acknowledgements can name
// alerts that really exist at that point.
class Workload : public WorkloadRecorder {
 public:
  explicit Workload(uint64_t seed) : WorkloadRecorder(seed) {}

  std::vector<v1::Input> Build(int steps) {
    const Point v1_home = kBishkek;
    const Point v2_home = Destination(kBishkek, 90, 2000);
    const Point v3_home = Destination(kBishkek, 0, 1000);
    const Point s2_home = Destination(v2_home, 180, 600);

    v1::Order o1 =
        MakeOrder("o1", Person("s1", {"tag-s1"}),
                  {Person("v1", {"ph-v1"}, "victim"), Person("c1", {"ph-c1"}, "child")}, 300, 600);
    *o1.add_zones() = CircleZone("home-v1", v1::Zone::exclusion, v1_home, 80, 100);
    v1::Order o2 =
        MakeOrder("o2", Person("s2", {"tag-s2"}), {Person("v2", {"ph-v2"}, "victim")}, 250, 0);
    v1::Zone curfew = CircleZone("curfew-s2", v1::Zone::inclusion, s2_home, 150, 30);
    SetDailySchedule(&curfew, "Asia/Bishkek", "22:00", "06:00");
    *o2.add_zones() = curfew;
    v1::Order o3 =
        MakeOrder("o3", Person("s1", {"tag-s1"}), {Person("v3", {"ph-v3"}, "victim")}, 200, 500);
    // 20:00 local in Bishkek (UTC+6): the curfew starts two hours in.
    TimeMs clock = Utc(2025, 3, 10, 14, 0, 0);
    // o4 expires part-way through the run. It also protects x1, who never reports: the
    // order raises protected_location_unknown once counterpart_stale_ms has passed.
    v1::Order o4 =
        MakeOrder("o4", Person("s2", {"tag-s2"}),
                  {Person("v1", {"ph-v1"}, "victim"), Person("x1", {"ph-x1"}, "child")}, 400, 900);
    MsToTimestamp(clock + static_cast<TimeMs>(steps) * 2500, o4.mutable_valid_until());
    for (const v1::Order* o : {&o1, &o2, &o3, &o4}) Push(Order(*o));
    Push(Shelter(Destination(kBishkek, 45, 1200), 60));

    actors_ = {
        MakeActor("s1", "tag-s1", true, Destination(v1_home, 300, 500)),
        MakeActor("s2", "tag-s2", true, s2_home),
        MakeActor("v1", "ph-v1", false, v1_home),
        MakeActor("c1", "ph-c1", false, Destination(v1_home, 0, 40)),
        MakeActor("v2", "ph-v2", false, v2_home),
        MakeActor("v3", "ph-v3", false, v3_home),
    };
    for (Actor& a : actors_) {
      a.pos = Around(a.anchor, 300);
      a.target = a.pos;
      a.last_t = clock;
      a.battery = Uniform(20, 90);
    }
    actors_[5].battery = 14.5;  // v3 starts with a low battery, whatever the seed

    std::vector<v1::Fix> sent;
    for (int step = 0; step < steps; ++step) {
      clock += static_cast<TimeMs>(Uniform(1, 10) * 1000);
      const double roll = Uniform(0, 1);
      v1::Input input;
      if (step == steps * 3 / 10) {
        // o1 v2: home-v1 moves and grows (its old entry dies), a school zone appears.
        v1::Order update = o1;
        update.set_version(2);
        update.clear_zones();
        *update.add_zones() =
            CircleZone("home-v1", v1::Zone::exclusion, Destination(v1_home, 10, 30), 120, 100);
        *update.add_zones() =
            CircleZone("school-c1", v1::Zone::exclusion, Destination(kBishkek, 200, 700), 100, 50);
        input = Order(update);
        o1 = update;
      } else if (step == steps * 4 / 10) {
        input = Shelter(Destination(kBishkek, 30, 900), 80);  // replaces the shelter
      } else if (step == steps / 2) {
        v1::Order update = o2;
        update.set_version(2);
        update.set_warning_distance_m(700);
        input = Order(update);
      } else if (step == steps * 6 / 10) {
        // o1 v3: the child is no longer protected; the school zone goes.
        v1::Order update = o1;
        update.set_version(3);
        update.clear_protected_();
        *update.add_protected_() = Person("v1", {"ph-v1"}, "victim");
        update.mutable_zones()->RemoveLast();
        input = Order(update);
      } else if (step == steps * 7 / 10) {
        v1::Order update = o3;
        update.set_version(2);
        update.set_state(v1::Order::suspended);
        input = Order(update);
      } else if (step == steps / 3) {
        // An implausible jump of s2.
        Actor& a = actors_[1];
        *input.mutable_fix() =
            MakeFix(a.device, ++a.seq, clock, Destination(a.pos, 90, 50'000), 10);
      } else if (roll < 0.08) {
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
        const double accuracy_m = Uniform(3, 30);
        const Point where = Around(a.pos, 50);
        const auto age_ms = static_cast<TimeMs>(Uniform(60, 480) * 1000);
        v1::Fix late = MakeFix(a.device, ++a.seq, clock - age_ms, where, accuracy_m);
        MsToTimestamp(clock, late.mutable_received());
        *input.mutable_fix() = late;
      } else if (roll < 0.16 && !alert_ids_.empty()) {
        v1::AlertAck* ack = input.mutable_ack();
        ack->set_alert_id(
            *std::next(alert_ids_.begin(), static_cast<long>(Index(alert_ids_.size()))));
        ack->set_by("operator-" + std::to_string(Index(3)));
        ack->set_note("seen");
        MsToTimestamp(clock, ack->mutable_time());
      } else if (roll < 0.162) {
        v1::AlertAck* ack = input.mutable_ack();
        ack->set_alert_id("no-such-alert");
        ack->set_by("operator-0");
        MsToTimestamp(clock, ack->mutable_time());
      } else if (roll < 0.168 && !alert_ids_.empty()) {
        // Resolved while the condition may still hold (quiet rules), sometimes twice
        // (refused), with every disposition.
        v1::AlertResolve* resolve = input.mutable_resolve();
        resolve->set_alert_id(
            *std::next(alert_ids_.begin(), static_cast<long>(Index(alert_ids_.size()))));
        resolve->set_by("operator-" + std::to_string(Index(3)));
        resolve->set_disposition(static_cast<v1::AlertResolve::Disposition>(1 + Index(6)));
        resolve->set_note("handled");
        MsToTimestamp(clock, resolve->mutable_time());
      } else if (roll < 0.172 && !alert_ids_.empty()) {
        // A protected person's receipt; sometimes a repeat, or from the wrong person
        // (both refused).
        v1::AlertReceipt* receipt = input.mutable_receipt();
        receipt->set_alert_id(
            *std::next(alert_ids_.begin(), static_cast<long>(Index(alert_ids_.size()))));
        receipt->set_person(Index(4) == 0 ? "s1" : "v1");
        receipt->set_event_seq(1 + Index(5));
        MsToTimestamp(clock, receipt->mutable_time());
        MsToTimestamp(clock - 1000, receipt->mutable_shown_at());
      } else {
        Actor& a = Pick();
        // v2 falls silent for a long stretch (comms lost, location unknown).
        if (a.person == "v2" && step > steps / 4 && step < steps / 4 + 250) continue;
        *input.mutable_fix() = NextFix(a, clock);
      }
      if (input.has_fix()) sent.push_back(input.fix());
      Push(std::move(input));
    }
    return std::move(inputs_);
  }

 private:
  static Actor MakeActor(const std::string& person, const std::string& device, bool supervised,
                         Point anchor) {
    Actor a;
    a.person = person;
    a.device = device;
    a.supervised = supervised;
    a.anchor = anchor;
    return a;
  }
  static v1::Input Shelter(Point centre, double radius_m) {
    v1::Input input;
    *input.mutable_global_zone() = CircleZone("shelter", v1::Zone::exclusion, centre, radius_m, 20);
    return input;
  }

  Point Around(Point p, double radius) {
    const double distance_m = Uniform(0, radius);
    const double bearing_deg = Uniform(0, 360);
    return Destination(p, bearing_deg, distance_m);
  }
  Actor& Pick() {
    return Uniform(0, 1) < 0.4 ? actors_[Index(2)] : actors_[2 + Index(actors_.size() - 2)];
  }

  v1::Fix NextFix(Actor& a, TimeMs clock) {
    const double dt_s = static_cast<double>(clock - a.last_t) / 1000.0;
    a.last_t = clock;
    if (GeodesicMetres(a.pos, a.target) < 5) {
      a.target =
          a.person == "s1" && Uniform(0, 1) < 0.5 ? Around(kBishkek, 250) : Around(a.anchor, 700);
      a.speed_mps = Uniform(0, 1) < 0.3 ? Uniform(5, 15) : Uniform(0.5, 2);
    }
    a.pos = MoveToward(a.pos, a.target, a.speed_mps * dt_s);
    const bool coarse = Uniform(0, 1) < 0.05;
    const double accuracy_m = coarse ? Uniform(300, 1500) : Uniform(3, 40);
    v1::Fix fix = MakeFix(a.device, ++a.seq, clock, Around(a.pos, 5), accuracy_m);
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

  std::vector<Actor> actors_;
};

}  // namespace stayaway::enginetest

#endif  // STAYAWAY_TESTS_ENGINE_WORKLOAD_H_
