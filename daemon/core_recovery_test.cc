// Recovery (core_recovery.cc) rebuilds the devices board exactly as it was live: from a
// snapshot (its board built beside the engine's load) and the journal after it (the
// board fed a run of fixes behind the engine), and from the journal alone, in one lane
// and in two; and from a retention base that carries the board (evidence/base_at_segment.h)
// and the journal after it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <random>
#include <string>
#include <vector>

#include "base/file_io.h"
#include "base/time.h"
#include "daemon/core.h"
#include "daemon/device_board.h"
#include "evidence/base_at_segment.h"
#include "evidence/retention_base.h"
#include "journal/journal.h"
#include "journal/snapshot_file.h"
#include "proto/stayaway.pb.h"

namespace stayaway::daemon {
namespace {

namespace fs = std::filesystem;

constexpr TimeMs kStart = 1741600800000;  // 2025-03-10T10:00:00Z
constexpr int kOrders = 40;

struct ManualClock {
  std::atomic<TimeMs> now{kStart};
};

// Order i: tag-i supervised, phone-i and (from version 2 on) watch-i protected; version 3
// drops phone-i, which then belongs to no order.
v1::Order OrderVersion(int i, uint32_t version) {
  v1::Order order;
  order.set_id("KG-" + std::to_string(i));
  order.set_version(version);
  order.mutable_supervised()->set_id("s" + std::to_string(i));
  order.mutable_supervised()->add_devices("tag-" + std::to_string(i));
  auto* victim = order.add_protected_();
  victim->set_id("v" + std::to_string(i));
  if (version < 3) victim->add_devices("phone-" + std::to_string(i));
  if (version >= 2) victim->add_devices("watch-" + std::to_string(i));
  order.set_violation_distance_m(200);
  return order;
}

CoreOptions OptionsFor(const fs::path& dir, ManualClock& clock, unsigned lanes) {
  CoreOptions options;
  options.clock = [&clock] { return clock.now.load(); };
  options.journal_dir = (dir / "journal").string();
  options.snapshot_dir = (dir / "snapshots").string();
  options.snapshot_every_records = 1'000'000;  // only the one each stop writes
  options.journal_fsync = false;
  options.engine_lanes = lanes;
  options.journal_segment_bytes = 64 * 1024;  // several segments, for a retention cut
  return options;
}

std::string Board(Core& core) {
  std::string all;
  for (const auto sort :
       {ingest::DevicePageQuery::Sort::kId, ingest::DevicePageQuery::Sort::kAttention}) {
    ingest::DevicePageQuery query;
    query.sort = sort;
    query.limit = 1000;
    StatusOr<v1::DevicePage> page = core.ListDevices(query);
    EXPECT_TRUE(page.ok()) << page.status().message();
    if (page.ok()) all += page->DebugString();
  }
  return all;
}

void SubmitAndWait(Core& core, std::vector<v1::Fix> fixes) {
  std::promise<void> done;
  auto future = done.get_future();
  ASSERT_TRUE(core.SubmitFixes(std::move(fixes), "test",
                               [&](std::vector<ingest::FixOutcome>) { done.set_value(); }));
  future.get();
}

// One round: a fix from every device (a tenth of them silent from round 25 on, so their
// newest fix is in the snapshot only), positions near one another, batteries that fall
// below the low-battery threshold and recover, the strap opening and closing, late
// uploads and duplicates: device alerts open and close while fixes change the board.
void Round(Core& core, TimeMs fix_time, int round, std::vector<uint64_t>& seqs,
           std::mt19937_64& random) {
  std::uniform_real_distribution<double> jitter(-0.002, 0.002);
  std::vector<v1::Fix> fixes;
  for (int d = 0; d < 3 * kOrders; ++d) {
    if (d % 10 == 5 && round >= 25) continue;
    static const char* const kKinds[] = {"tag-", "phone-", "watch-"};
    v1::Fix fix;
    fix.set_device(kKinds[d % 3] + std::to_string(d / 3));
    const bool late = random() % 7 == 0;
    const bool repeat = seqs[d] > 0 && random() % 11 == 0;
    fix.set_seq(repeat ? seqs[d] : ++seqs[d]);
    MsToTimestamp(fix_time - (late ? 600'000 : 0), fix.mutable_time());
    fix.set_lat(42.87 + jitter(random));
    fix.set_lon(74.59 + jitter(random));
    fix.set_accuracy_m(5 + static_cast<double>(random() % 30));
    fix.set_battery_pct(static_cast<double>((round * 7 + d * 13) % 40));
    if ((round + d) % 9 == 0) fix.add_flags(v1::Fix::strap_open);
    fixes.push_back(std::move(fix));
  }
  SubmitAndWait(core, std::move(fixes));
}

class CoreRecovery : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stayaway-core-recovery-" + std::to_string(::getpid()));
    saved_ = dir_.string() + "-first-snapshot";
    fs::remove_all(dir_);
    fs::remove_all(saved_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    fs::remove_all(saved_);
  }
  fs::path dir_;
  fs::path saved_;
};

TEST_F(CoreRecovery, TheDevicesBoardComesBackExactlyFromASnapshotAndItsTailAndFromTheJournal) {
  ManualClock clock;
  std::mt19937_64 random(20261206);
  std::vector<uint64_t> seqs(3 * kOrders, 0);
  // First: orders, a new version of some, and 30 rounds 30 s apart (a tick between
  // rounds). The stop writes a snapshot, kept aside.
  {
    Core core(OptionsFor(dir_, clock, 2));
    ASSERT_TRUE(core.Start().ok());
    for (int i = 0; i < kOrders; ++i) ASSERT_TRUE(core.PutOrder(OrderVersion(i, 1)).ok());
    for (int round = 0; round < 30; ++round) {
      if (round == 10) {
        for (int i = 0; i < kOrders; i += 2) ASSERT_TRUE(core.PutOrder(OrderVersion(i, 2)).ok());
      }
      clock.now += 30'000;
      Round(core, clock.now - 1'000, round, seqs, random);
    }
    core.Stop();
  }
  fs::copy(dir_ / "snapshots", saved_);
  // Then the tail a recovery from that snapshot replays: 30 rounds with no tick between
  // them (the clock stands still), so that the fixes on each side of an order version
  // that drops devices are runs longer than one batch of the recovery (1,024 fixes).
  std::string live;
  {
    Core core(OptionsFor(dir_, clock, 2));
    ASSERT_TRUE(core.Start().ok());
    for (int round = 30; round < 60; ++round) {
      if (round == 40) {
        for (int i = 0; i < kOrders; i += 4) ASSERT_TRUE(core.PutOrder(OrderVersion(i, 3)).ok());
      }
      Round(core, clock.now - 1'000 + (round - 30) * 10, round, seqs, random);
    }
    core.Stop();
    live = Board(core);
  }
  // The workload reached what the board's recovery must get right: device alerts, and a
  // device that left its order (phone-0 is on the board for its fix alone).
  ASSERT_NE(live.find("open_alerts"), std::string::npos);
  ASSERT_NE(live.find("device: \"phone-0\"\n  last_fix"), std::string::npos) << live;

  for (const bool from_snapshot : {true, false}) {
    for (const unsigned lanes : {1u, 2u}) {
      fs::remove_all(dir_ / "snapshots");
      if (from_snapshot) fs::copy(saved_, dir_ / "snapshots");
      Core core(OptionsFor(dir_, clock, lanes));
      ASSERT_TRUE(core.Start().ok());
      EXPECT_EQ(Board(core), live) << "from a snapshot: " << from_snapshot << ", lanes: " << lanes;
      core.Stop();
    }
  }

  // The journal cut by retention in its middle, no snapshot: the base's board and the
  // journal after it. (A base made without the board leaves out what only the journal
  // before the cut showed, and fails this.)
  fs::remove_all(dir_ / "snapshots");
  const std::string journal_dir = (dir_ / "journal").string();
  const std::vector<uint32_t> segments = journal::ListSegments(journal_dir);
  ASSERT_GE(segments.size(), 3u);
  DeviceBoard fix_state;
  auto cut = evidence::MakeBaseAtSegment(OptionsFor(dir_, clock, 1).engine, journal_dir, nullptr,
                                         segments[segments.size() / 2], nullptr, &fix_state);
  ASSERT_TRUE(cut.ok()) << cut.status().message();
  ASSERT_TRUE(cut->base.state.with_board);
  ASSERT_TRUE(evidence::SaveRetentionBase(journal_dir, cut->base).ok());
  ASSERT_TRUE(journal::DeleteSegmentsBefore(journal_dir, cut->base.first_segment).ok());
  Core core(OptionsFor(dir_, clock, 2));
  ASSERT_TRUE(core.Start().ok());
  EXPECT_EQ(Board(core), live) << "from a retention base";
  core.Stop();
}

// Every event the core has numbered, in order, as bytes.
std::vector<std::string> AllEvents(Core& core) {
  std::vector<v1::EventRecord> records;
  for (uint64_t next = 1;;) {
    const uint64_t after = core.ReadEvents(next, 1000, &records);
    if (after == next) break;
    next = after;
  }
  std::vector<std::string> out;
  for (const v1::EventRecord& r : records) out.push_back(r.SerializeAsString());
  return out;
}

// A run of the snapshot tests: the orders, then `rounds` rounds 30 s apart, with a snapshot
// every `snapshot_every` journal records and one at the stop. Returns every event it
// numbered; `clock` ends at the run's last time.
std::vector<std::string> RunRounds(const fs::path& dir, ManualClock& clock, int rounds,
                                   uint64_t snapshot_every, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<uint64_t> seqs(3 * kOrders, 0);
  CoreOptions options = OptionsFor(dir, clock, 2);
  options.snapshot_every_records = snapshot_every;
  Core core(options);
  EXPECT_TRUE(core.Start().ok());
  for (int i = 0; i < kOrders; ++i) EXPECT_TRUE(core.PutOrder(OrderVersion(i, 1)).ok());
  for (int round = 0; round < rounds; ++round) {
    clock.now += 30'000;
    Round(core, clock.now - 1'000, round, seqs, random);
  }
  core.Stop();
  return AllEvents(core);
}

// The snapshot files in `dir`, oldest first.
std::vector<fs::path> SnapshotsOldestFirst(const fs::path& dir) {
  std::vector<fs::path> snapshots;
  for (const auto& entry : fs::directory_iterator(dir)) snapshots.push_back(entry.path());
  std::sort(snapshots.begin(), snapshots.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoull(a.stem().string().substr(9)) < std::stoull(b.stem().string().substr(9));
  });
  return snapshots;
}

// Snapshots are written off the engine thread while it goes on applying input and
// numbering events (core_snapshots.cc): each must hold exactly the events numbered up to
// the journal position it stands at, or a recovery from it would number the tail's events
// twice or skip some.
TEST_F(CoreRecovery, ASnapshotWrittenWhileTheEngineRunsOnRecoversEveryEventOnce) {
  ManualClock clock;
  // Many snapshots, each while rounds go on.
  const std::vector<std::string> live = RunRounds(dir_, clock, 40, 50, 20261207);
  ASSERT_GT(live.size(), 100u);
  // The two newest are kept: the older one was taken mid-run, with a tail after it.
  const std::vector<fs::path> snapshots = SnapshotsOldestFirst(dir_ / "snapshots");
  ASSERT_EQ(snapshots.size(), 2u);
  fs::remove(snapshots[1]);
  Core core(OptionsFor(dir_, clock, 1));
  ASSERT_TRUE(core.Start().ok());
  EXPECT_TRUE(AllEvents(core) == live)
      << "recovered " << AllEvents(core).size() << " events of " << live.size();
  core.Stop();
}

// A snapshot whose events do not read as the log's (a record that does not parse, or one
// out of its place), even with a good checksum, is not used: recovery takes the journal
// instead and numbers every event as the live run did.
TEST_F(CoreRecovery, ASnapshotWithDamagedEventsIsPassedOverForTheJournal) {
  ManualClock clock;
  // The one snapshot, at the stop.
  const std::vector<std::string> live = RunRounds(dir_, clock, 20, 1'000'000, 20261208);
  ASSERT_GT(live.size(), 10u);
  const std::vector<fs::path> snapshots = SnapshotsOldestFirst(dir_ / "snapshots");
  ASSERT_EQ(snapshots.size(), 1u);
  StatusOr<std::string> bytes = ReadWholeFile(snapshots[0].string());
  ASSERT_TRUE(bytes.ok());
  for (const bool out_of_place : {false, true}) {
    SCOPED_TRACE(out_of_place ? "two events swapped" : "an event that does not parse");
    StatusOr<journal::SnapshotFile> file = journal::SnapshotFile::Decode(*bytes);
    ASSERT_TRUE(file.ok());
    if (out_of_place) {
      std::swap(file->events[3], file->events[4]);
    } else {
      file->events[5] = "\xff\xff\xff";
    }
    ASSERT_TRUE(WriteFileAtomically(snapshots[0].string(), file->Encode()).ok());
    Core core(OptionsFor(dir_, clock, 1));
    ASSERT_TRUE(core.Start().ok());
    EXPECT_TRUE(AllEvents(core) == live)
        << "recovered " << AllEvents(core).size() << " events of " << live.size();
    core.Stop();
    ASSERT_TRUE(WriteFileAtomically(snapshots[0].string(), *bytes).ok());  // as it was
    for (const auto& entry : fs::directory_iterator(dir_ / "snapshots")) {
      if (entry.path() != snapshots[0]) fs::remove(entry.path());
    }
  }
}

}  // namespace
}  // namespace stayaway::daemon
