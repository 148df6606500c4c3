// Engine snapshots of earlier formats still load: format 1 (before the duplicate memory
// became exact) never lets a duplicate through; format 2 (before corroboration) keeps its
// open alerts, and a level the old engine raised on one fix is corrected.
//
// engine/testdata/engine_snapshot_format1.bin was written by SaveSnapshotBytes of
// stayaway at commit e18afab (format 1, default settings): order KG-1 (tag-1 supervised,
// phone-2 protected, 300 m), then fixes with time = received = 2025-03-10T10:00:00Z + seq
// seconds: tag-1 seqs 1..10 and every even number 12..90 (41 ranges, so format 1 kept the
// 32 newest, [28] to [90], and forgot the rest), phone-2 seqs 1..5 and 8..9.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/seq_set.h"
#include "tests/engine_test_support.h"

namespace stayaway::enginetest {
namespace {

constexpr TimeMs kFixtureStart = 1741600800000;  // 2025-03-10T10:00:00Z

// The source tree: STAYAWAY_SOURCE_DIR when set, else found from this file's path as the
// compiler saw it (relative to the build directory, which may be the working directory
// or the parent of this test binary's directory).
std::string ReadFixture(const char* name = "engine_snapshot_format1.bin") {
  namespace fs = std::filesystem;
  const fs::path relative = fs::path("engine/testdata") / name;
  std::vector<fs::path> roots;
  if (const char* root = std::getenv("STAYAWAY_SOURCE_DIR"); root != nullptr && *root != '\0') {
    roots.emplace_back(root);
  }
  const fs::path from_build = fs::path(__FILE__).parent_path().parent_path();
  roots.push_back(from_build);
  roots.push_back(fs::read_symlink("/proc/self/exe").parent_path().parent_path() / from_build);
  for (const fs::path& root : roots) {
    std::ifstream in(root / relative, std::ios::binary);
    if (in.good()) return std::string(std::istreambuf_iterator<char>(in), {});
  }
  ADD_FAILURE() << "fixture " << relative << " not found";
  return "";
}

v1::Fix FixtureFix(const std::string& device, uint64_t seq) {
  return MakeFix(device, seq, kFixtureStart + static_cast<TimeMs>(seq) * kSecond,
                 device == "tag-1" ? Point{42.87, 74.70} : Point{42.80, 74.59}, 5);
}

TEST(EngineSnapshotUpgrade, AFormat1SnapshotLoadsAndNeverLetsADuplicateThrough) {
  const std::string bytes = ReadFixture();
  ASSERT_GT(bytes.size(), 8u);
  ASSERT_EQ(bytes.substr(0, 4), "SAE1");
  v1::EngineSnapshot snapshot;
  ASSERT_TRUE(snapshot.ParseFromString(bytes.substr(4, bytes.size() - 8)));
  ASSERT_EQ(snapshot.format(), 1u) << "the fixture must be the old layout";
  ASSERT_EQ(snapshot.devices_size(), 2);

  // Through the bytes, as recovery reads it, while the settings are the ones it was
  // taken under. Should a setting be added later, the same layout still loads through
  // the message with today's settings text.
  v1::EngineSnapshot fresh;
  ASSERT_TRUE(Engine().SaveSnapshot(&fresh).ok());
  std::unique_ptr<Engine> engine;
  if (fresh.settings() == snapshot.settings()) {
    StatusOr<std::unique_ptr<Engine>> loaded = Engine::FromSnapshotBytes(bytes, EngineSettings());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    engine = std::move(*loaded);
  } else {
    snapshot.set_settings(fresh.settings());
    StatusOr<std::unique_ptr<Engine>> loaded = Engine::FromSnapshot(snapshot, EngineSettings());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    engine = std::move(*loaded);
  }

  // tag-1's format-1 memory was full: what it may have forgotten is closed.
  const engine::SeqSet* tag = engine->AppliedSeqs("tag-1");
  ASSERT_NE(tag, nullptr);
  EXPECT_EQ(tag->closed_below(), 28u);
  EXPECT_EQ(tag->range_count(), 32u);
  for (const engine::SeqSet::Range& r : tag->ranges()) {
    EXPECT_EQ(r.newest_ms, snapshot.now_ms()) << "ranges without times get the snapshot's now";
  }
  // phone-2's was not: nothing closed.
  EXPECT_EQ(engine->AppliedSeqs("phone-2")->closed_below(), 0u);
  EXPECT_EQ(engine->AppliedSeqs("phone-2")->range_count(), 2u);

  // Every fix the old engine applied, sent again: none is applied.
  const std::string before = engine->SaveSnapshotBytes();
  std::vector<uint64_t> tag_seqs;
  for (uint64_t s = 1; s <= 10; ++s) tag_seqs.push_back(s);
  for (uint64_t s = 12; s <= 90; s += 2) tag_seqs.push_back(s);
  for (uint64_t seq : tag_seqs) {
    std::vector<Event> events;
    const Status status = engine->ApplyFix(FixtureFix("tag-1", seq), &events);
    EXPECT_EQ(status.code(),
              seq >= 28 ? StatusCode::kAlreadyExists : StatusCode::kFailedPrecondition)
        << "tag-1 seq " << seq << ": " << status.ToString();
  }
  for (uint64_t seq : {1, 2, 3, 4, 5, 8, 9}) {
    std::vector<Event> events;
    EXPECT_EQ(engine->ApplyFix(FixtureFix("phone-2", seq), &events).code(),
              StatusCode::kAlreadyExists)
        << "phone-2 seq " << seq;
  }
  EXPECT_EQ(engine->SaveSnapshotBytes(), before) << "a resent fix changed the state";

  // New numbers still go in: a gap above the closing, the next number, a phone's gap.
  std::vector<Event> events;
  EXPECT_TRUE(engine->ApplyFix(FixtureFix("tag-1", 29), &events).ok());
  EXPECT_TRUE(engine->ApplyFix(FixtureFix("tag-1", 91), &events).ok());
  EXPECT_TRUE(engine->ApplyFix(FixtureFix("phone-2", 6), &events).ok());

  // Saved again, it is the current format and round-trips exactly.
  v1::EngineSnapshot now;
  ASSERT_TRUE(engine->SaveSnapshot(&now).ok());
  EXPECT_EQ(now.format(), 3u);
  const std::string saved = engine->SaveSnapshotBytes();
  StatusOr<std::unique_ptr<Engine>> again = Engine::FromSnapshotBytes(saved, EngineSettings());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->SaveSnapshotBytes(), saved);
  EXPECT_EQ((*again)->AppliedSeqs("tag-1")->closed_below(), 28u);
}

// engine/testdata/engine_snapshot_format2.bin was written by SaveSnapshotBytes of stayaway
// at commit 893fa6a (format 2, default settings), t0 = 2025-03-10T10:00:00Z:
//   order KG-2: tag-1 (person S) supervised, phone-2 (person P) protected, violation
//   300 m, warning 800 m. phone-2 at (42.80, 74.59), 20 m, seqs 1..3 at t0, t0+30 s,
//   t0+60 s; tag-1 seqs 1..6 at t0+1 s + 15 s steps, 5 m, due east of her at 2000, 1500,
//   700, 690, 680 and 200 m. That engine opened a confirmed warning (alert
//   7471f701dd10de44) and escalated it to a confirmed violation on the one 200 m fix.
//   order KG-3: tag-3 (S3) supervised, phone-4 (P3) protected, 300/800 m; phone-4 at
//   (42.85, 74.62) at t0+100 s, tag-3 600 m north of her at t0+101 s: a warning pending.
TEST(EngineSnapshotUpgrade, AFormat2SnapshotKeepsItsAlertsAndCorrectsALevelOneFixRaised) {
  const std::string bytes = ReadFixture("engine_snapshot_format2.bin");
  ASSERT_GT(bytes.size(), 8u);
  v1::EngineSnapshot snapshot;
  ASSERT_TRUE(snapshot.ParseFromString(bytes.substr(4, bytes.size() - 8)));
  ASSERT_EQ(snapshot.format(), 2u) << "the fixture must be the old layout";
  StatusOr<std::unique_ptr<Engine>> loaded = Engine::FromSnapshotBytes(bytes, EngineSettings());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Engine& engine = **loaded;

  const Point home{42.80, 74.59};
  std::vector<Event> events;
  for (uint64_t seq = 7; seq <= 9; ++seq) {
    const TimeMs t = kFixtureStart + 91 * kSecond + static_cast<TimeMs>(seq - 7) * 15 * kSecond;
    ASSERT_TRUE(
        engine.ApplyFix(MakeFix("tag-1", seq, t, Destination(home, 90, 690), 5), &events).ok());
  }
  const std::vector<Event> downgraded = WithTransition(events, Event::downgraded);
  ASSERT_EQ(downgraded.size(), 1u) << Describe(events);
  EXPECT_EQ(downgraded[0].alert_id(), "7471f701dd10de44") << "the same alert, not a new one";
  EXPECT_EQ(downgraded[0].kind(), Event::proximity_warning);
  EXPECT_EQ(downgraded[0].certainty(), Event::confirmed);
  EXPECT_EQ(downgraded[0].downgrade_reason(), Event::not_borne_out);
  EXPECT_EQ(Ms(downgraded[0].time()), kFixtureStart + 121 * kSecond);
  EXPECT_EQ(Count(events, Event::proximity_violation, Event::opened) +
                Count(events, Event::proximity_warning, Event::opened),
            0);

  // KG-3's old pending debounce was dropped: two fresh fixes of tag-3 open its warning.
  const Point home3{42.85, 74.62};
  events.clear();
  ASSERT_TRUE(engine
                  .ApplyFix(MakeFix("tag-3", 2, kFixtureStart + 131 * kSecond,
                                    Destination(home3, 0, 600), 5),
                            &events)
                  .ok());
  EXPECT_TRUE(Proximity(events).empty()) << Describe(events);
  ASSERT_TRUE(engine
                  .ApplyFix(MakeFix("tag-3", 3, kFixtureStart + 146 * kSecond,
                                    Destination(home3, 0, 600), 5),
                            &events)
                  .ok());
  const std::vector<Event> opened = WithTransition(Proximity(events), Event::opened);
  ASSERT_EQ(opened.size(), 1u) << Describe(events);
  EXPECT_EQ(opened[0].kind(), Event::proximity_warning);

  // Saved again, it is the current format and round-trips exactly.
  v1::EngineSnapshot now;
  ASSERT_TRUE(engine.SaveSnapshot(&now).ok());
  EXPECT_EQ(now.format(), 3u);
  const std::string saved = engine.SaveSnapshotBytes();
  StatusOr<std::unique_ptr<Engine>> again = Engine::FromSnapshotBytes(saved, EngineSettings());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->SaveSnapshotBytes(), saved);
}

// Format 3 snapshots written before runs kept their last fix's time (last_fix_ms absent)
// load with that time 0: a run then tells fixes apart by device and sequence, as the
// engine that wrote them did, and carries on to open the alert the next fix corroborates.
TEST(EngineSnapshotUpgrade, AFormat3RunWithoutItsLastFixTimeCarriesOn) {
  Harness h;
  h.AddOrder(MakeOrder("KG-4", Person("S", {"tag-1"}), {Person("P", {"phone-2"}, "victim")},
                       /*violation_m=*/300, /*warning_m=*/0));
  const Point home{42.80, 74.59};
  h.Report("phone-2", kFixtureStart, home);
  EXPECT_TRUE(h.Report("tag-1", kFixtureStart + kSecond, Destination(home, 90, 100)).empty());
  v1::EngineSnapshot snapshot;
  ASSERT_TRUE(h.engine().SaveSnapshot(&snapshot).ok());
  int cleared = 0;
  for (auto& order : *snapshot.mutable_orders()) {
    for (auto& slot : *order.mutable_slots()) {
      for (auto& run : *slot.mutable_tracker()->mutable_runs()) {
        cleared += run.last_fix_ms() != 0;
        run.clear_last_fix_ms();
      }
    }
  }
  ASSERT_GT(cleared, 0) << "the pending run must have had a time to clear";
  StatusOr<std::unique_ptr<Engine>> loaded = Engine::FromSnapshot(snapshot, EngineSettings());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  std::vector<Event> events;
  ASSERT_TRUE((*loaded)
                  ->ApplyFix(MakeFix("tag-1", 2, kFixtureStart + 16 * kSecond,
                                     Destination(home, 90, 100), 5),
                             &events)
                  .ok());
  const std::vector<Event> opened = WithTransition(Proximity(events), Event::opened);
  ASSERT_EQ(opened.size(), 1u) << Describe(events);
  EXPECT_EQ(opened[0].kind(), Event::proximity_violation);
}

}  // namespace
}  // namespace stayaway::enginetest
