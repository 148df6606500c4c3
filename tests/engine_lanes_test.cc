// Lanes (engine.h, engine_state.h): an Engine that evaluates the fixes of a batch on several
// threads must emit, byte for byte, what one thread applying every input one by one emits.
// The oracle is the one-lane engine fed through Apply; the workload spreads its fixes over
// many case groups (so every lane has work), joins groups mid-run, drops a person from an
// order, puts a shelter where every lane's supervised persons pass, and mixes duplicates,
// refusals, late uploads, device flags, ticks, acknowledgements and resolutions between
// the batches.
#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine_test_support.h"
#include "tests/engine_workload.h"

namespace stayaway::enginetest {
namespace {

// Inputs in rounds: a run of fixes (one ApplyFixes batch for the lanes), then the serial
// inputs of the round (a tick, acknowledgements, resolutions, order changes).
class ManyCases : public WorkloadRecorder {
 public:
  ManyCases(uint64_t seed, int cases) : WorkloadRecorder(seed), cases_(cases) {}

  std::vector<v1::Input> Build(int rounds) {
    TimeMs clock = Utc(2025, 3, 10, 14, 0, 0);
    // Every case within 3 km of the centre, the shelter in the middle: supervised persons
    // of many groups (so of every lane) come near it.
    for (int c = 0; c < cases_; ++c) {
      const Point home = Destination(kBishkek, Uniform(0, 360), Uniform(200, 3000));
      const std::string n = std::to_string(c);
      std::vector<v1::Party> protected_parties = {Person("v" + n, {"ph-v" + n}, "victim")};
      if (c % 6 == 0) protected_parties.push_back(Person("k" + n, {"ph-k" + n}, "child"));
      v1::Order order = MakeOrder("o" + n, Person("s" + n, {"tag-s" + n}), protected_parties,
                                  200, 500);
      *order.add_zones() = CircleZone("home-" + n, v1::Zone::exclusion, home, 80, 100);
      orders_.push_back(order);
      Push(Order(order));
      actors_.push_back(MakeActor("tag-s" + n, true, Destination(home, Uniform(0, 360), 900)));
      actors_.push_back(MakeActor("ph-v" + n, false, home));
      if (c % 6 == 0) actors_.push_back(MakeActor("ph-k" + n, false, home));
    }
    v1::Input shelter;
    *shelter.mutable_global_zone() =
        CircleZone("shelter", v1::Zone::exclusion, kBishkek, 600, 50);
    Push(shelter);
    for (Mover& a : actors_) a.last_t = clock;

    for (int round = 0; round < rounds; ++round) {
      const int fixes = 80 + static_cast<int>(Index(200));
      for (int f = 0; f < fixes; ++f) {
        clock += static_cast<TimeMs>(Uniform(20, 200));
        const double roll = Uniform(0, 1);
        v1::Input input;
        if (roll < 0.03 && !sent_.empty()) {
          *input.mutable_fix() = sent_[Index(sent_.size())];  // a duplicate
        } else if (roll < 0.04) {
          v1::Fix bad = NextFix(actors_[Index(actors_.size())], clock);
          bad.set_lon(200);  // refused
          *input.mutable_fix() = bad;
        } else if (roll < 0.05) {
          *input.mutable_fix() = MakeFix("unknown-device", 1, clock, kBishkek, 10);
        } else if (roll < 0.08) {
          // A buffered fix from minutes ago, uploaded now.
          Mover& a = actors_[Index(actors_.size())];
          v1::Fix late = MakeFix(a.device, ++a.seq,
                                 clock - static_cast<TimeMs>(Uniform(60, 400) * 1000),
                                 Destination(a.pos, Uniform(0, 360), Uniform(0, 40)),
                                 Uniform(3, 30));
          MsToTimestamp(clock, late.mutable_received());
          *input.mutable_fix() = late;
        } else {
          *input.mutable_fix() = NextFix(actors_[Index(actors_.size())], clock);
        }
        sent_.push_back(input.fix());
        Push(std::move(input));
      }
      clock += 1000;
      v1::Input tick;
      MsToTimestamp(clock, tick.mutable_tick()->mutable_tick());
      Push(tick);
      for (int k = 0; k < 3 && !alert_ids_.empty(); ++k) {
        const std::string& id =
            *std::next(alert_ids_.begin(), static_cast<long>(Index(alert_ids_.size())));
        v1::Input answer;
        if (Uniform(0, 1) < 0.7) {
          answer.mutable_ack()->set_alert_id(id);
          answer.mutable_ack()->set_by("operator-1");
          MsToTimestamp(clock, answer.mutable_ack()->mutable_time());
        } else {
          answer.mutable_resolve()->set_alert_id(id);
          answer.mutable_resolve()->set_by("operator-2");
          answer.mutable_resolve()->set_disposition(v1::AlertResolve::patrol_dispatched);
          MsToTimestamp(clock, answer.mutable_resolve()->mutable_time());
        }
        Push(answer);
      }
      if (round == rounds / 3) {
        // Joins case groups: s0 now must also keep away from v1 and v2, s3 from v4.
        Push(Order(MakeOrder("join-a", Person("s0", {"tag-s0"}),
                             {Person("v1", {"ph-v1"}), Person("v2", {"ph-v2"})}, 300, 600)));
        Push(Order(MakeOrder("join-b", Person("s3", {"tag-s3"}), {Person("v4", {"ph-v4"})}, 300)));
      }
      if (round == rounds / 2) {
        // o0 version 2 drops the child; the groups stay joined (engine_state.h).
        v1::Order update = orders_[0];
        update.set_version(2);
        update.clear_protected_();
        *update.add_protected_() = Person("v0", {"ph-v0"}, "victim");
        Push(Order(update));
      }
    }
    return std::move(inputs_);
  }

 private:
  struct Mover {
    std::string device;
    bool supervised = false;
    Point home;
    Point pos;
    Point target;
    TimeMs last_t = 0;
    uint64_t seq = 0;
  };

  static Mover MakeActor(const std::string& device, bool supervised, Point home) {
    Mover a;
    a.device = device;
    a.supervised = supervised;
    a.home = home;
    a.pos = home;
    a.target = home;
    return a;
  }
  v1::Fix NextFix(Mover& a, TimeMs clock) {
    const double dt_s = static_cast<double>(clock - a.last_t) / 1000.0;
    a.last_t = clock;
    if (GeodesicMetres(a.pos, a.target) < 5) {
      // Supervised persons head for the centre (the shelter) or their case's home (an
      // approach); everyone else wanders near home.
      const double pick = Uniform(0, 1);
      a.target = a.supervised && pick < 0.3   ? Destination(kBishkek, Uniform(0, 360), 300)
                 : a.supervised && pick < 0.6 ? a.home
                                              : Destination(a.home, Uniform(0, 360), 600);
    }
    a.pos = MoveToward(a.pos, a.target, 8 * dt_s);
    v1::Fix fix = MakeFix(a.device, ++a.seq, clock, Destination(a.pos, Uniform(0, 360), 3),
                          Uniform(0, 1) < 0.05 ? Uniform(300, 900) : Uniform(3, 25));
    if (Uniform(0, 1) < 0.5) fix.set_speed_mps(8);
    fix.set_battery_pct(Uniform(0, 1) < 0.02 ? 10 : 70);
    if (a.supervised && Uniform(0, 1) < 0.01) fix.add_flags(v1::Fix::strap_open);
    if (!a.supervised && Uniform(0, 1) < 0.005) fix.add_flags(v1::Fix::sos);
    return fix;
  }

  const int cases_;
  std::vector<v1::Order> orders_;
  std::vector<Mover> actors_;
  std::vector<v1::Fix> sent_;
};

struct Outcome {
  std::vector<std::string> records;  // each input's status, then its events' bytes
  std::string snapshot;              // the final state
  size_t events = 0;
};

void Record(Outcome* run, size_t index, const Status& status, const std::vector<Event>& events) {
  run->records.push_back("input " + std::to_string(index) + " -> " + status.ToString());
  for (const Event& e : events) run->records.push_back(DeterministicBytes(e));
  run->events += events.size();
}

// The oracle: one lane, every input alone.
Outcome OneByOne(const std::vector<v1::Input>& inputs) {
  Engine engine;
  Outcome run;
  std::vector<Event> events;
  for (size_t i = 0; i < inputs.size(); ++i) {
    events.clear();
    const Status status = engine.Apply(inputs[i], &events);
    Record(&run, i, status, events);
  }
  run.snapshot = engine.SaveSnapshotBytes();
  return run;
}

// Every run of consecutive fixes from `first` on as one ApplyFixes batch.
void ApplyInBatches(Engine& engine, const std::vector<v1::Input>& inputs, size_t first,
                    Outcome* run) {
  std::vector<Event> events;
  size_t i = first;
  while (i < inputs.size()) {
    if (!inputs[i].has_fix()) {
      events.clear();
      const Status status = engine.Apply(inputs[i], &events);
      Record(run, i, status, events);
      ++i;
      continue;
    }
    std::vector<v1::Fix> batch;
    const size_t start = i;
    while (i < inputs.size() && inputs[i].has_fix()) batch.push_back(inputs[i++].fix());
    engine.ApplyFixes(batch, &events, [&](size_t k, const Status& status, std::vector<Event>* e) {
      Record(run, start + k, status, *e);
    });
  }
}

Outcome InLanes(const std::vector<v1::Input>& inputs, unsigned lanes) {
  Engine engine(EngineSettings(), lanes);
  Outcome run;
  ApplyInBatches(engine, inputs, 0, &run);
  run.snapshot = engine.SaveSnapshotBytes();
  return run;
}

long FirstDifference(const Outcome& a, const Outcome& b) {
  const size_t n = std::min(a.records.size(), b.records.size());
  for (size_t i = 0; i < n; ++i) {
    if (a.records[i] != b.records[i]) return static_cast<long>(i);
  }
  return a.records.size() == b.records.size() ? -1 : static_cast<long>(n);
}

std::string RecordAt(const Outcome& run, long index) {
  if (index < 0 || static_cast<size_t>(index) >= run.records.size()) return "(none)";
  const std::string& r = run.records[static_cast<size_t>(index)];
  if (r.rfind("input ", 0) == 0) return r;
  Event e;
  return e.ParseFromString(r) ? e.ShortDebugString() : "(unparsable)";
}

TEST(EngineLanes, AnyNumberOfLanesEmitsWhatOneLaneDoesByteForByte) {
  const uint64_t seed = TestSeed(0x1a4e);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::vector<v1::Input> inputs = ManyCases(seed, 30).Build(40);
  const Outcome oracle = OneByOne(inputs);
  // The workload must be worth comparing: alerts of many kinds, from many groups.
  std::set<int> kinds;
  std::set<std::string> orders;
  for (const std::string& r : oracle.records) {
    Event e;
    if (r.rfind("input ", 0) != 0 && e.ParseFromString(r)) {
      kinds.insert(e.kind());
      orders.insert(e.order_id());
    }
  }
  EXPECT_GT(oracle.events, 300u);
  EXPECT_GE(kinds.size(), 5u);
  EXPECT_GE(orders.size(), 15u);
  for (unsigned lanes : {1u, 2u, 3u, 4u}) {
    SCOPED_TRACE(std::to_string(lanes) + " lanes");
    const Outcome run = InLanes(inputs, lanes);
    const long diff = FirstDifference(oracle, run);
    EXPECT_EQ(diff, -1) << "first difference at record " << diff << ":\n  one by one: "
                        << RecordAt(oracle, diff) << "\n  in lanes:   " << RecordAt(run, diff);
    EXPECT_TRUE(run.snapshot == oracle.snapshot) << "final states differ";
  }
}

TEST(EngineLanes, SeveralSeedsAgree) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::vector<v1::Input> inputs = ManyCases(seed, 12).Build(20);
    const Outcome oracle = OneByOne(inputs);
    const Outcome run = InLanes(inputs, 3);
    EXPECT_EQ(FirstDifference(oracle, run), -1);
    EXPECT_TRUE(run.snapshot == oracle.snapshot);
  }
}

// A restored engine rebuilds its case groups from the snapshot (they are not saved), so
// lanes that continue from a snapshot must still agree with the oracle.
TEST(EngineLanes, AnEngineRestoredFromASnapshotContinuesInLanes) {
  const uint64_t seed = TestSeed(0x1a4f);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::vector<v1::Input> inputs = ManyCases(seed, 20).Build(30);
  const Outcome oracle = OneByOne(inputs);
  // Past the joining orders and the dropped child.
  const size_t cut = inputs.size() * 2 / 3;
  Engine first;
  Outcome run;
  std::vector<Event> events;
  for (size_t i = 0; i < cut; ++i) {
    events.clear();
    Record(&run, i, first.Apply(inputs[i], &events), events);
  }
  auto restored = Engine::FromSnapshotBytes(first.SaveSnapshotBytes(), first.settings(), 2);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  ApplyInBatches(**restored, inputs, cut, &run);
  run.snapshot = (*restored)->SaveSnapshotBytes();
  const long diff = FirstDifference(oracle, run);
  EXPECT_EQ(diff, -1) << "first difference at record " << diff << ":\n  one by one: "
                      << RecordAt(oracle, diff) << "\n  in lanes:   " << RecordAt(run, diff);
  EXPECT_TRUE(run.snapshot == oracle.snapshot);
}

// The shared workload of the determinism suite (one case group: every person is joined)
// gives the same in lanes: a batch whose fixes all belong to one lane.
TEST(EngineLanes, OneCaseGroupStaysOnOneLaneAndAgrees) {
  const std::vector<v1::Input> inputs = Workload(TestSeed(0xd376)).Build(3000);
  const Outcome oracle = OneByOne(inputs);
  const Outcome run = InLanes(inputs, 2);
  EXPECT_EQ(FirstDifference(oracle, run), -1);
  EXPECT_TRUE(run.snapshot == oracle.snapshot);
}

}  // namespace
}  // namespace stayaway::enginetest
