// Engine snapshots (engine.h, "Snapshots"). The oracle is full replay: a seeded random
// workload runs uninterrupted through engine A; for many cut points k, engine B runs
// inputs[0..k), is snapshotted, the snapshot goes through bytes and back into a new engine
// C, and C runs inputs[k..n). C's events (and refusals) must equal A's after input k byte
// for byte, and C must end in A's exact state (equal snapshot bytes).
//
// The workload is adapted from tests/determinism_test.cc and adds what a snapshot must
// carry across: order updates that add, drop and replace zones and persons (dead zone
// entries, persons no order names any more), a replaced shelter, a suspended order and
// one that expires, scheduled zones, acknowledgements of real alerts (and of unknown ids),
// late, out-of-order and duplicate fixes, device flags, coarse fixes and ticks.
// Seeds are printed on failure; STAYAWAY_TEST_SEED reproduces one.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/common.h>
#if GOOGLE_PROTOBUF_VERSION < 4022000
#include <google/protobuf/stubs/logging.h>  // LogSilencer (gone with Abseil logging)
#endif
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/engine_test_support.h"
#include "tests/engine_workload.h"

namespace stayaway::enginetest {
namespace {


// The uninterrupted run: per input, its records.
struct Reference {
  std::vector<std::vector<std::string>> per_input;
  std::string final_snapshot;
  size_t events = 0;
  std::set<std::string> transitions;  // kind/transition pairs seen, to judge coverage
};

Reference RunUninterrupted(const std::vector<v1::Input>& inputs) {
  Engine engine;
  Reference ref;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::vector<Event> events;
    ref.per_input.push_back(ApplyRecorded(engine, inputs[i], i, &events));
    ref.events += events.size();
    for (const Event& e : events) {
      ref.transitions.insert(Event::Kind_Name(e.kind()) + "/" +
                             Event::Transition_Name(e.transition()));
    }
  }
  ref.final_snapshot = engine.SaveSnapshotBytes();
  return ref;
}

// The records of inputs[begin..end) run through `engine`.
std::vector<std::string> RunSpan(Engine& engine, const std::vector<v1::Input>& inputs, size_t begin,
                                 size_t end) {
  std::vector<std::string> records;
  for (size_t i = begin; i < end; ++i) {
    std::vector<std::string> r = ApplyRecorded(engine, inputs[i], i);
    records.insert(records.end(), r.begin(), r.end());
  }
  return records;
}

std::vector<std::string> Tail(const Reference& ref, size_t begin) {
  std::vector<std::string> records;
  for (size_t i = begin; i < ref.per_input.size(); ++i) {
    records.insert(records.end(), ref.per_input[i].begin(), ref.per_input[i].end());
  }
  return records;
}

// The first differing record, readable: its input marker, or its index.
std::string FirstDifference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::string last_input = "(before any input)";
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i < a.size() && a[i].rfind("input ", 0) == 0) last_input = a[i];
    if (i >= a.size() || i >= b.size() || a[i] != b[i]) {
      return "record " + std::to_string(i) + " (within " + last_input + ")";
    }
  }
  return "none";
}

// Restores from a snapshot of `engine`, alternating between the two ways a caller gets
// there: the framed bytes, or the message serialised and parsed by the caller.
std::unique_ptr<Engine> RoundTrip(const Engine& engine, bool through_message) {
  if (through_message) {
    v1::EngineSnapshot snapshot;
    EXPECT_TRUE(engine.SaveSnapshot(&snapshot).ok());
    v1::EngineSnapshot parsed;
    EXPECT_TRUE(parsed.ParseFromString(DeterministicBytes(snapshot)));
    auto restored = Engine::FromSnapshot(parsed, engine.settings());
    EXPECT_TRUE(restored.ok()) << restored.status().ToString();
    return restored.ok() ? std::move(restored).value() : nullptr;
  }
  auto restored = Engine::FromSnapshotBytes(engine.SaveSnapshotBytes(), engine.settings());
  EXPECT_TRUE(restored.ok()) << restored.status().ToString();
  return restored.ok() ? std::move(restored).value() : nullptr;
}

void CheckCutPoints(uint64_t seed, int steps, int random_cuts) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " (STAYAWAY_TEST_SEED=" + std::to_string(seed) +
               " reproduces)");
  const std::vector<v1::Input> inputs = Workload(seed).Build(steps);
  const size_t n = inputs.size();
  const Reference ref = RunUninterrupted(inputs);
  // A workload that produced little would prove little.
  ASSERT_GT(ref.events, 50u);

  std::set<size_t> cuts = {0,     1,     4,         5,     6, n / 10, n / 4, n * 3 / 10 + 1,
                           n / 3, n / 2, n * 2 / 3, n - 1, n};
  std::mt19937_64 rng(seed ^ 0x5eed);
  for (int i = 0; i < random_cuts; ++i)
    cuts.insert(std::uniform_int_distribution<size_t>(0, n)(rng));

  int round = 0;
  for (size_t k : cuts) {
    SCOPED_TRACE("cut after " + std::to_string(k) + " of " + std::to_string(n) + " inputs");
    Engine b;
    (void)RunSpan(b, inputs, 0, k);
    const std::string b_bytes = b.SaveSnapshotBytes();
    std::unique_ptr<Engine> c = RoundTrip(b, /*through_message=*/(round++ % 2) == 0);
    ASSERT_NE(c, nullptr);
    // Nothing is lost or invented by the round trip: the restored state saves identically.
    EXPECT_EQ(c->SaveSnapshotBytes(), b_bytes);
    EXPECT_EQ(c->now_ms(), b.now_ms());

    const std::vector<std::string> expected = Tail(ref, k);
    const std::vector<std::string> actual = RunSpan(*c, inputs, k, n);
    EXPECT_TRUE(actual == expected)
        << "first difference: " << FirstDifference(expected, actual) << " (" << expected.size()
        << " vs " << actual.size() << " records)";
    // And it ends where the uninterrupted engine ended, to the last tracker field.
    EXPECT_TRUE(c->SaveSnapshotBytes() == ref.final_snapshot) << "final states differ";
  }
}

TEST(EngineSnapshot, RecoveryFromAnyCutMatchesFullReplay) {
  CheckCutPoints(TestSeed(0x5a9), 1500, 12);
}

TEST(EngineSnapshot, RecoveryMatchesFullReplayAcrossSeeds) {
  for (uint64_t seed : {11ull, 12ull, 13ull}) CheckCutPoints(seed, 900, 3);
}

TEST(EngineSnapshot, TheWorkloadExercisesWhatSnapshotsCarry) {
  const uint64_t seed = TestSeed(0x5a9);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const Reference ref = RunUninterrupted(Workload(seed).Build(1500));
  for (const char* t : {"proximity_violation/opened", "exclusion_zone/opened", "comms_lost/opened",
                        "implausible_movement/opened", "sos/opened", "low_battery/opened",
                        "proximity_warning/closed", "protected_location_unknown/opened"}) {
    EXPECT_TRUE(ref.transitions.count(t) == 1) << "the workload never produced " << t;
  }
  // Transitions of any kind: acknowledgements and missed deadlines.
  for (const char* suffix : {"/acknowledged", "/ack_overdue"}) {
    EXPECT_TRUE(std::any_of(ref.transitions.begin(), ref.transitions.end(),
                            [&](const std::string& t) { return t.find(suffix) != t.npos; }))
        << "the workload never produced " << suffix;
  }
  std::cout << "[ workload ] " << ref.per_input.size() << " inputs, " << ref.events
            << " events; transitions seen:";
  for (const std::string& t : ref.transitions) std::cout << " " << t;
  std::cout << "\n";
}

// Recovery after recovery: snapshot, restore, run on, snapshot again, ...
TEST(EngineSnapshot, ChainedRecoveriesMatchFullReplay) {
  const uint64_t seed = TestSeed(0x5aa);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::vector<v1::Input> inputs = Workload(seed).Build(1200);
  const Reference ref = RunUninterrupted(inputs);
  auto engine = std::make_unique<Engine>();
  std::vector<std::string> records;
  const size_t stride = 97;
  for (size_t begin = 0; begin < inputs.size(); begin += stride) {
    engine = RoundTrip(*engine, (begin / stride) % 2 == 0);
    ASSERT_NE(engine, nullptr);
    const std::vector<std::string> r =
        RunSpan(*engine, inputs, begin, std::min(inputs.size(), begin + stride));
    records.insert(records.end(), r.begin(), r.end());
  }
  const std::vector<std::string> expected = Tail(ref, 0);
  EXPECT_TRUE(records == expected) << "first difference: " << FirstDifference(expected, records);
  EXPECT_TRUE(engine->SaveSnapshotBytes() == ref.final_snapshot);
}

TEST(EngineSnapshot, FreshEngineRoundTrips) {
  Engine fresh;
  auto restored = Engine::FromSnapshotBytes(fresh.SaveSnapshotBytes(), fresh.settings());
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ((*restored)->now_ms(), fresh.now_ms());
  EXPECT_EQ((*restored)->SaveSnapshotBytes(), fresh.SaveSnapshotBytes());

  // And it then behaves exactly like a fresh engine.
  const uint64_t seed = TestSeed(0x5ab);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::vector<v1::Input> inputs = Workload(seed).Build(400);
  const Reference ref = RunUninterrupted(inputs);
  EXPECT_TRUE(RunSpan(**restored, inputs, 0, inputs.size()) == Tail(ref, 0));
}

TEST(EngineSnapshot, SaveIsDeterministic) {
  const uint64_t seed = TestSeed(0x5ac);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::vector<v1::Input> inputs = Workload(seed).Build(600);
  Engine a;
  Engine b;
  (void)RunSpan(a, inputs, 0, inputs.size());
  (void)RunSpan(b, inputs, 0, inputs.size());
  EXPECT_EQ(a.SaveSnapshotBytes(), b.SaveSnapshotBytes());
  EXPECT_EQ(a.SaveSnapshotBytes(), a.SaveSnapshotBytes());
}

// A state worth damaging: a few hundred inputs in.
std::string SomeSnapshotBytes(v1::EngineSnapshot* message = nullptr) {
  const std::vector<v1::Input> inputs = Workload(TestSeed(0x5ad)).Build(500);
  Engine engine;
  (void)RunSpan(engine, inputs, 0, inputs.size());
  if (message != nullptr) {
    EXPECT_TRUE(engine.SaveSnapshot(message).ok());
  }
  return engine.SaveSnapshotBytes();
}

TEST(EngineSnapshot, DamagedBytesAreRefusedWithAClearError) {
  const std::string good = SomeSnapshotBytes();
  ASSERT_TRUE(Engine::FromSnapshotBytes(good, EngineSettings()).ok());

  auto expect_refused = [](const std::string& bytes, const std::string& what,
                           const std::string& message_part) {
    auto restored = Engine::FromSnapshotBytes(bytes, EngineSettings());
    ASSERT_FALSE(restored.ok()) << what << " was loaded";
    EXPECT_EQ(restored.status().code(), StatusCode::kInvalidArgument) << what;
    EXPECT_NE(restored.status().message().find(message_part), std::string::npos)
        << what << ": " << restored.status().ToString();
  };
  expect_refused("", "empty bytes", "not a snapshot");
  expect_refused("garbage that is not a snapshot", "garbage", "not a snapshot");
  for (size_t len : {good.size() - 1, good.size() - 4, good.size() / 2, size_t{9}}) {
    expect_refused(good.substr(0, len), "truncated to " + std::to_string(len), "checksum");
  }
  std::mt19937_64 rng(TestSeed(0x5ae));
  for (int i = 0; i < 300; ++i) {
    std::string bad = good;
    const size_t at = std::uniform_int_distribution<size_t>(4, bad.size() - 1)(rng);
    bad[at] = static_cast<char>(bad[at] ^ (1 + std::uniform_int_distribution<int>(0, 254)(rng)));
    expect_refused(bad, "byte " + std::to_string(at) + " changed", "checksum");
  }
}

// Below the checksum: a snapshot message that parses but does not describe a state the
// engine could have reached is refused, naming the field, instead of crashing later.
TEST(EngineSnapshot, InconsistentSnapshotsAreRefused) {
  v1::EngineSnapshot good;
  (void)SomeSnapshotBytes(&good);
  ASSERT_GT(good.devices_size(), 0);
  ASSERT_GT(good.orders_size(), 0);
  ASSERT_GT(good.persons_size(), 0);

  auto expect_refused = [](const v1::EngineSnapshot& snapshot, const std::string& part) {
    auto restored = Engine::FromSnapshot(snapshot, EngineSettings());
    ASSERT_FALSE(restored.ok()) << "loaded; expected an error naming " << part;
    EXPECT_NE(restored.status().message().find(part), std::string::npos)
        << restored.status().ToString();
  };
  {
    v1::EngineSnapshot s = good;
    s.set_format(99);
    expect_refused(s, "format");
  }
  {
    v1::EngineSnapshot s = good;
    s.mutable_devices(0)->set_person(static_cast<uint32_t>(s.persons_size()));
    expect_refused(s, "devices[0]");
  }
  {
    v1::EngineSnapshot s = good;
    s.mutable_orders(0)->add_pair_slots(12345);
    expect_refused(s, "orders[0]");
  }
  {
    v1::EngineSnapshot s = good;
    s.mutable_orders(0)->mutable_zones()->Clear();
    expect_refused(s, "live order zone no order lists");
  }
  {
    v1::EngineSnapshot s = good;
    s.add_unacked_open("never-opened");
    expect_refused(s, "unacked_open");
  }
  {
    v1::EngineSnapshot s = good;
    auto* range = s.mutable_devices(0)->add_seqs();
    range->set_first(5);
    range->set_last(1);
    expect_refused(s, "devices[0]");
  }
  {
    v1::EngineSnapshot s = good;  // closed numbers above a range it keeps, or with none
    s.mutable_devices(0)->set_seqs_closed_below(UINT64_MAX);
    expect_refused(s, "devices[0]");
  }
  {
    v1::EngineSnapshot s = good;
    s.mutable_persons(0)->add_memberships()->set_order(999);
    expect_refused(s, "persons[0]");
  }

  // Random damage to the message bytes (no checksum in the way): whatever parses must
  // either load or be refused, never crash.
  const std::string bytes = DeterministicBytes(good);
#if GOOGLE_PROTOBUF_VERSION < 4022000
  // Damaged strings make the parser log invalid UTF-8; expected here, so keep quiet.
  google::protobuf::LogSilencer quiet;
#endif
  std::mt19937_64 rng(TestSeed(0x5af));
  int parsed = 0;
  for (int i = 0; i < 300; ++i) {
    std::string bad = bytes;
    for (int j = 0; j < 3; ++j) {
      const size_t at = std::uniform_int_distribution<size_t>(0, bad.size() - 1)(rng);
      bad[at] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    }
    v1::EngineSnapshot s;
    if (!s.ParseFromString(bad)) continue;
    ++parsed;
    (void)Engine::FromSnapshot(s, EngineSettings());
  }
  EXPECT_GT(parsed, 0);
}

TEST(EngineSnapshot, OtherSettingsAreRefused) {
  const std::string bytes = SomeSnapshotBytes();
  EngineSettings other;
  other.close_margin_m = 30;
  auto restored = Engine::FromSnapshotBytes(bytes, other);
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(restored.status().message().find("close_margin_m"), std::string::npos)
      << restored.status().ToString();
}

}  // namespace
}  // namespace stayaway::enginetest
