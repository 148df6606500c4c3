// Journal retention end to end: a daemon core records several days of two orders into a
// real data directory (small segments, signed checkpoints), retention cuts the oldest days,
// and everything later must be exactly what the uncut journal gives (the oracle is the
// full replay taken before the cut): entries, events, Merkle roots and proofs, evidence
// bundles that verify, and a recovery to the same event log with or without snapshots.
// What retention must not do is tested too: cut past an open alert, cut what no signed
// checkpoint covers, or leave a journal unreadable after a crash between its two steps.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "base/time.h"
#include "daemon/core.h"
#include "evidence/bundle.h"
#include "evidence/history.h"
#include "evidence/history_export.h"
#include "evidence/leaves.h"
#include "evidence/retention.h"
#include "evidence/retention_base.h"
#include "journal/journal.h"
#include "proto/stayaway.pb.h"
#include "tests/wire_fixtures.h"

namespace stayaway {
namespace {

namespace fs = std::filesystem;
using testing_fixtures::MakeFix;
using testing_fixtures::PairOrder;

constexpr TimeMs kMinute = 60'000;
constexpr TimeMs kDay0 = 1741600800000;  // 2025-03-10T10:00:00Z

struct ManualClock {
  std::atomic<TimeMs> now{kDay0};
};



// Where everyone is: the two pairs 20 km apart, each tag far from its victim unless told.
struct World {
  bool kg1_approach = false;  // tag-1 at phone-2
  bool kg2_approach = false;  // tag-3 at phone-4
  bool tag3_silent = false;   // tag-3 stopped reporting
};

class Recorder {
 public:
  Recorder(const fs::path& data_dir, ManualClock* clock) : data_dir_(data_dir), clock_(clock) {}

  daemon::CoreOptions Options() const {
    daemon::CoreOptions options;
    options.clock = [c = clock_] { return c->now.load(); };
    options.data_dir = data_dir_.string();
    options.journal_dir = (data_dir_ / "journal").string();
    options.snapshot_dir = (data_dir_ / "snapshots").string();
    options.key_dir = (data_dir_ / "keys").string();
    options.checkpoints_path = (data_dir_ / "checkpoints.ndjson").string();
    options.journal_fsync = false;  // a test: the process does not lose power
    options.journal_segment_bytes = 4096;
    return options;
  }

  // One fix a minute from every reporting device over [from, to).
  void Minutes(daemon::Core& core, TimeMs from, TimeMs to, const World& world) {
    for (TimeMs t = from; t < to; t += kMinute) {
      clock_->now = t + 2000;
      std::vector<v1::Fix> fixes = {
          MakeFix("phone-2", ++seq_[0], t, 42.90, 74.70),
          MakeFix("tag-1", ++seq_[1], t, world.kg1_approach ? 42.9001 : 42.80, 74.70),
          MakeFix("phone-4", ++seq_[2], t, 42.70, 74.40),
      };
      if (!world.tag3_silent) {
        fixes.push_back(MakeFix("tag-3", ++seq_[3], t, world.kg2_approach ? 42.7001 : 42.60, 74.40));
      }
      std::promise<void> done;
      ASSERT_TRUE(core.SubmitFixes(std::move(fixes), "test",
                                   [&](std::vector<ingest::FixOutcome> outcomes) {
                                     for (const auto& o : outcomes) EXPECT_TRUE(o.accepted) << o.reason;
                                     done.set_value();
                                   }));
      done.get_future().wait();
    }
  }

 private:
  fs::path data_dir_;
  ManualClock* clock_;
  uint64_t seq_[4] = {0, 0, 0, 0};
};

std::vector<v1::EventRecord> AllEvents(daemon::Core& core) {
  std::vector<v1::EventRecord> out;
  core.ReadEvents(1, SIZE_MAX, &out);
  return out;
}

std::string FindAlert(const std::vector<v1::EventRecord>& events, const std::string& order,
                      v1::Event::Kind kind, TimeMs after) {
  for (const v1::EventRecord& r : events) {
    const v1::Event& e = r.event();
    if (e.order_id() == order && e.kind() == kind && e.transition() == v1::Event::opened &&
        TimestampToMs(e.time()) >= after) {
      return e.alert_id();
    }
  }
  return "";
}

class Retention : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = fs::path(::testing::TempDir()) /
                ("retention-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(data_dir_);
    fs::create_directories(data_dir_);
  }
  void TearDown() override { fs::remove_all(data_dir_); }

  std::string journal_dir() const { return (data_dir_ / "journal").string(); }

  // Five and a half hours of both orders, a fix a minute from every device: at 0:30 KG-1's
  // tag approaches for ten minutes (an alert that opens, closes and is acknowledged); at
  // 4:30 KG-2's tag approaches, and from 4:40 it stops reporting, so KG-2's alerts stay
  // open.
  void RecordScenario(daemon::Core& core, Recorder& recorder) {
    ASSERT_TRUE(core.PutOrder(PairOrder("KG-1", "tag-1", "phone-2")).ok());
    ASSERT_TRUE(core.PutOrder(PairOrder("KG-2", "tag-3", "phone-4")).ok());
    World world;
    recorder.Minutes(core, At(0), At(30), world);
    world.kg1_approach = true;
    recorder.Minutes(core, At(30), At(40), world);
    world.kg1_approach = false;
    recorder.Minutes(core, At(40), At(60), world);
    kg1_alert_ = FindAlert(AllEvents(core), "KG-1", v1::Event::proximity_violation, kDay0);
    ASSERT_FALSE(kg1_alert_.empty());
    v1::AlertAck ack;
    ack.set_alert_id(kg1_alert_);
    ack.set_by("operator-7");
    MsToTimestamp(At(59), ack.mutable_time());
    ASSERT_TRUE(core.AckAlert(ack).ok());
    recorder.Minutes(core, At(60), At(270), world);
    world.kg2_approach = true;
    recorder.Minutes(core, At(270), At(280), world);
    world.tag3_silent = true;
    recorder.Minutes(core, At(280), At(330), world);
  }
  static TimeMs At(int minutes) { return kDay0 + minutes * kMinute; }

  StatusOr<evidence::RetentionResult> Cut(TimeMs now, TimeMs keep = 60 * kMinute) {
    evidence::RetentionPolicy policy;
    policy.now_ms = now;
    policy.keep_ms = keep;
    return evidence::ApplyRetention(data_dir_.string(), policy);
  }

  evidence::VerifyReport BundleFor(const std::string& alert_id, Status* written) {
    evidence::BundleRequest request;
    request.data_dir = data_dir_.string();
    request.alert_id = alert_id;
    request.out_dir = (data_dir_ / ("bundle-" + alert_id)).string();
    fs::remove_all(request.out_dir);
    *written = evidence::WriteBundle(request);
    if (!written->ok()) return {};
    return evidence::VerifyBundle(request.out_dir);
  }

  fs::path data_dir_;
  std::string kg1_alert_;
};

// Everything after the cut equals the uncut journal's replay, position by position.
void ExpectSameHistoryAfterCut(const evidence::History& whole, const evidence::History& cut) {
  ASSERT_GT(cut.first_position, 0u);
  size_t retained = 0;
  for (const evidence::HistoryEntry& entry : cut.entries) {
    ASSERT_LT(entry.position, whole.entries.size());
    const evidence::HistoryEntry& original = whole.entries[entry.position];
    EXPECT_EQ(entry.input.SerializeAsString(), original.input.SerializeAsString());
    EXPECT_EQ(entry.input_leaf, original.input_leaf);
    if (entry.retained) {
      ++retained;
      EXPECT_LT(entry.position, cut.first_position);
      continue;
    }
    ASSERT_EQ(entry.events.size(), original.events.size()) << "position " << entry.position;
    for (size_t i = 0; i < entry.events.size(); ++i) {
      EXPECT_EQ(entry.events[i].SerializeAsString(), original.events[i].SerializeAsString());
    }
  }
  EXPECT_EQ(retained, 2u);  // KG-1 and KG-2, the orders in force
  EXPECT_EQ(cut.entries.size() - retained, whole.entries.size() - cut.first_position);
  ASSERT_EQ(cut.tree.size(), whole.tree.size());
  EXPECT_EQ(cut.tree.CurrentRoot(), whole.tree.CurrentRoot());
  for (const evidence::HistoryEntry& entry : cut.entries) {
    EXPECT_EQ(*cut.tree.InclusionProof(entry.input_leaf, cut.tree.size()),
              *whole.tree.InclusionProof(entry.input_leaf, whole.tree.size()));
  }
}

TEST_F(Retention, CutsOldDaysAndEverythingAfterStaysExactAndProvable) {
  ManualClock clock;
  Recorder recorder(data_dir_, &clock);
  std::vector<v1::EventRecord> events_before;
  {
    daemon::Core core(recorder.Options());
    ASSERT_TRUE(core.Start().ok());
    RecordScenario(core, recorder);
    core.Stop();
    events_before = AllEvents(core);
  }
  const auto whole = evidence::ReplayJournal(journal_dir(), {});
  ASSERT_TRUE(whole.ok());
  const size_t segments_before = journal::ListSegments(journal_dir()).size();
  ASSERT_GT(segments_before, 10u);

  // Keep an hour, at 4:00: everything before 3:00 may go.
  auto result = Cut(At(240));
  ASSERT_TRUE(result.ok()) << result.status().message();
  ASSERT_TRUE(result->cut) << result->reason;
  EXPECT_GT(result->segments_deleted, 5u);
  EXPECT_GT(result->bytes_freed, 5u * 3000);
  EXPECT_EQ(result->retained_records, 2u);
  const std::vector<uint32_t> segments = journal::ListSegments(journal_dir());
  EXPECT_EQ(segments.front(), result->first_segment);
  EXPECT_EQ(segments.size(), segments_before - result->segments_deleted);
  // The cut lies after KG-1's alert and its evidence margin, before 3:00.
  ASSERT_GE(result->position, 200u);
  const TimeMs cut_fix_time = TimestampToMs(whole->entries[result->position].input.has_fix()
                                                ? whole->entries[result->position].input.fix().time()
                                                : whole->entries[result->position].input.tick().tick());
  EXPECT_GE(cut_fix_time, At(120));
  EXPECT_LE(cut_fix_time, At(180));

  const auto cut = evidence::ReplayJournal(journal_dir(), {});
  ASSERT_TRUE(cut.ok()) << cut.status().message();
  EXPECT_EQ(cut->first_position, result->position);
  ExpectSameHistoryAfterCut(*whole, *cut);

  // The open KG-2 alert's evidence is whole and verifies; KG-1's is gone with its days.
  const std::string kg2_alert =
      FindAlert(events_before, "KG-2", v1::Event::proximity_violation, At(260));
  ASSERT_FALSE(kg2_alert.empty());
  Status written;
  evidence::VerifyReport report = BundleFor(kg2_alert, &written);
  ASSERT_TRUE(written.ok()) << written.message();
  EXPECT_TRUE(report.ok) << (report.problems.empty() ? "" : report.problems.front());
  BundleFor(kg1_alert_, &written);
  EXPECT_EQ(written.code(), StatusCode::kNotFound) << written.message();

  // A period bundle after the cut proves the order terms from the retained version.
  evidence::BundleRequest period;
  period.data_dir = data_dir_.string();
  period.order_id = "KG-1";
  period.from_ms = At(210);
  period.to_ms = At(240);
  period.out_dir = (data_dir_ / "bundle-period").string();
  ASSERT_TRUE(evidence::WriteBundle(period).ok());
  evidence::VerifyReport period_report = evidence::VerifyBundle(period.out_dir);
  EXPECT_TRUE(period_report.ok) << (period_report.problems.empty() ? "" : period_report.problems.front());

  // Recovery after the cut, from the daemon's snapshot and then from the base alone, gives
  // the same event log, and the daemon goes on recording.
  for (bool without_snapshots : {false, true}) {
    if (without_snapshots) fs::remove_all(data_dir_ / "snapshots");
    daemon::Core core(recorder.Options());
    ASSERT_TRUE(core.Start().ok());
    const std::vector<v1::EventRecord> events = AllEvents(core);
    ASSERT_EQ(events.size(), events_before.size());
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].SerializeAsString(), events_before[i].SerializeAsString()) << i;
    }
    core.Stop();
  }
}

TEST_F(Retention, AnOpenAlertPinsTheJournalAndASecondCutCarriesTheBaseForward) {
  ManualClock clock;
  Recorder recorder(data_dir_, &clock);
  daemon::Core core(recorder.Options());
  ASSERT_TRUE(core.Start().ok());
  RecordScenario(core, recorder);
  auto first_cut = Cut(At(240));
  ASSERT_TRUE(first_cut.ok()) << first_cut.status().message();
  ASSERT_TRUE(first_cut->cut) << first_cut->reason;

  // Two more hours, tag-3 still silent: KG-2's alerts stay open from 4:30 on.
  World world;
  world.tag3_silent = true;
  recorder.Minutes(core, At(330), At(450), world);
  core.Stop();
  const std::vector<v1::EventRecord> events = AllEvents(core);
  const auto whole_tail = evidence::ReplayJournal(journal_dir(), {});
  ASSERT_TRUE(whole_tail.ok());

  // Keeping an hour at 7:30 would allow cutting up to 6:30, but the alerts open since
  // 4:30 hold the cut before them (and their evidence margin).
  auto second = Cut(At(450));
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_TRUE(second->cut) << second->reason;
  const auto cut = evidence::ReplayJournal(journal_dir(), {});
  ASSERT_TRUE(cut.ok()) << cut.status().message();
  const evidence::HistoryEntry& first = cut->entries[2];  // after the two retained orders
  ASSERT_FALSE(first.retained);
  const TimeMs first_time = first.input.has_fix() ? TimestampToMs(first.input.fix().time())
                                                  : TimestampToMs(first.input.tick().tick());
  EXPECT_GT(first_time, At(180));
  EXPECT_LE(first_time, At(240));
  // Positions, leaves and events after the second cut still equal the first cut's replay.
  for (const evidence::HistoryEntry& entry : cut->entries) {
    if (entry.retained) continue;
    const evidence::HistoryEntry& original =
        whole_tail->entries[2 + entry.position - whole_tail->first_position];
    ASSERT_EQ(entry.position, original.position);
    EXPECT_EQ(entry.input_leaf, original.input_leaf);
    ASSERT_EQ(entry.events.size(), original.events.size());
  }
  EXPECT_EQ(cut->tree.CurrentRoot(), whole_tail->tree.CurrentRoot());

  // Nothing qualifies a third time: the open alerts pin it, and the result says so.
  auto third = Cut(At(30 * 60));
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->cut);
  EXPECT_NE(third->reason.find("open since"), std::string::npos) << third->reason;

  // The open alert's evidence still verifies after two cuts.
  const std::string kg2_alert =
      FindAlert(events, "KG-2", v1::Event::proximity_violation, At(260));
  Status written;
  evidence::VerifyReport report = BundleFor(kg2_alert, &written);
  ASSERT_TRUE(written.ok()) << written.message();
  EXPECT_TRUE(report.ok) << (report.problems.empty() ? "" : report.problems.front());
}

TEST_F(Retention, RefusesWhatNoSignatureCoversAndSurvivesACrashBetweenItsSteps) {
  ManualClock clock;
  Recorder recorder(data_dir_, &clock);
  {
    daemon::Core core(recorder.Options());
    ASSERT_TRUE(core.Start().ok());
    RecordScenario(core, recorder);
    core.Stop();
  }
  const fs::path checkpoints = data_dir_ / "checkpoints.ndjson";
  const fs::path saved = data_dir_ / "checkpoints.saved";
  fs::copy_file(checkpoints, saved);

  // No checkpoint: nothing is deleted.
  fs::remove(checkpoints);
  const size_t segments = journal::ListSegments(journal_dir()).size();
  auto unsigned_run = Cut(At(240));
  ASSERT_TRUE(unsigned_run.ok());
  EXPECT_FALSE(unsigned_run->cut);
  EXPECT_NE(unsigned_run->reason.find("checkpoint"), std::string::npos) << unsigned_run->reason;
  EXPECT_EQ(journal::ListSegments(journal_dir()).size(), segments);

  // A journal record changed after signing: refused, nothing deleted.
  fs::copy_file(saved, checkpoints);
  const std::string first_segment = (fs::path(journal_dir()) / "journal-000002.log").string();
  std::string bytes;
  {
    std::ifstream in(first_segment, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto refuse_tampered = [&](const std::string& changed) {
    std::ofstream(first_segment, std::ios::binary | std::ios::trunc) << changed;
    auto run = Cut(At(240));
    EXPECT_TRUE(!run.ok() || !run->cut);
    EXPECT_EQ(journal::ListSegments(journal_dir()).size(), segments);
    std::ofstream(first_segment, std::ios::binary | std::ios::trunc) << bytes;
  };
  std::string flipped = bytes;
  flipped[20] = static_cast<char>(flipped[20] ^ 0x01);
  refuse_tampered(flipped);  // the segment checksum catches it

  // A crash after the base was written but before the segments went: readers skip them,
  // the next start deletes them, and nothing changes.
  auto result = Cut(At(240));
  ASSERT_TRUE(result.ok() && result->cut);
  const auto after = evidence::ReplayJournal(journal_dir(), {});
  ASSERT_TRUE(after.ok());
  const fs::path stale = fs::path(journal_dir()) / "journal-000001.log";
  { std::ofstream(stale, std::ios::binary) << "left over from before the cut"; }
  const auto with_stale = evidence::ReplayJournal(journal_dir(), {});
  ASSERT_TRUE(with_stale.ok()) << with_stale.status().message();
  EXPECT_EQ(with_stale->tree.CurrentRoot(), after->tree.CurrentRoot());
  {
    daemon::Core core(recorder.Options());
    ASSERT_TRUE(core.Start().ok());
    core.Stop();
  }
  EXPECT_FALSE(fs::exists(stale));

  // A damaged base is an error naming it, never a silent empty history.
  const fs::path base = fs::path(journal_dir()) / evidence::kRetentionBaseFile;
  std::string base_bytes;
  {
    std::ifstream in(base, std::ios::binary);
    base_bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  base_bytes[base_bytes.size() / 2] = static_cast<char>(base_bytes[base_bytes.size() / 2] ^ 0x40);
  std::ofstream(base, std::ios::binary | std::ios::trunc) << base_bytes;
  const auto damaged = evidence::ReplayJournal(journal_dir(), {});
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.status().message().find("base.bin"), std::string::npos);
  daemon::Core core(recorder.Options());
  EXPECT_FALSE(core.Start().ok());
}

TEST_F(Retention, TheDaemonCutsOnItsOwnWhileItRecords) {
  ManualClock clock;
  Recorder recorder(data_dir_, &clock);
  daemon::CoreOptions options = recorder.Options();
  options.retention_keep_ms = 60 * kMinute;
  options.retention_check_interval_ms = 20;
  daemon::Core core(options);
  ASSERT_TRUE(core.Start().ok());
  RecordScenario(core, recorder);
  // Give the retention thread a few rounds with the clock at 5:30 (the core signs a
  // checkpoint every minute of the manual clock, so the cut is covered).
  bool cut = false;
  for (int i = 0; i < 500 && !cut; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    cut = core.MetricsText().find("stayaway_retention_runs_total{outcome=\"cut\"}") !=
          std::string::npos;
  }
  EXPECT_TRUE(cut) << core.MetricsText();
  EXPECT_NE(journal::ListSegments(journal_dir()).front(), 1u);
  // It keeps recording across the cut, and a restart recovers from the base.
  World world;
  world.tag3_silent = true;
  recorder.Minutes(core, At(330), At(340), world);
  core.Stop();
  const std::vector<v1::EventRecord> events = AllEvents(core);
  fs::remove_all(data_dir_ / "snapshots");
  daemon::Core restarted(recorder.Options());
  ASSERT_TRUE(restarted.Start().ok());
  EXPECT_EQ(AllEvents(restarted).size(), events.size());
  restarted.Stop();
}


TEST_F(Retention, ExportAndImportCarryTheBase) {
  ManualClock clock;
  Recorder recorder(data_dir_, &clock);
  std::vector<v1::EventRecord> events_before;
  {
    daemon::Core core(recorder.Options());
    ASSERT_TRUE(core.Start().ok());
    RecordScenario(core, recorder);
    core.Stop();
    events_before = AllEvents(core);
  }
  ASSERT_TRUE(Cut(At(240)).value().cut);
  const std::string out = (data_dir_ / "export").string();
  auto exported = evidence::ExportHistory(data_dir_.string(), out);
  ASSERT_TRUE(exported.ok()) << exported.status().message();
  ASSERT_TRUE(fs::exists(fs::path(out) / evidence::kRetentionBaseFile));

  const std::string imported_dir = (data_dir_ / "imported").string();
  auto imported = evidence::ImportHistory(out, imported_dir);
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ(imported->tree_size, exported->tree_size);
  // The new centre starts on it with the same event log.
  daemon::CoreOptions options;
  options.data_dir = imported_dir;
  options.journal_dir = imported_dir + "/journal";
  options.clock = [&] { return clock.now.load(); };
  {
    daemon::Core core(options);
    ASSERT_TRUE(core.Start().ok());
    const std::vector<v1::EventRecord> events = AllEvents(core);
    ASSERT_EQ(events.size(), events_before.size());
    EXPECT_EQ(events.back().SerializeAsString(), events_before.back().SerializeAsString());
    core.Stop();
  }

  // A changed base is refused, even with the manifest's hash of it fixed up.
  const fs::path base_file = fs::path(out) / evidence::kRetentionBaseFile;
  std::string bytes;
  {
    std::ifstream in(base_file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto decoded = evidence::RetentionBase::Decode(bytes);
  ASSERT_TRUE(decoded.ok());
  decoded->retained.front().input.mutable_order()->set_violation_distance_m(5);
  const std::string changed = decoded->Encode();
  std::ofstream(base_file, std::ios::binary | std::ios::trunc) << changed;
  const fs::path manifest = fs::path(out) / "manifest.json";
  std::string manifest_text;
  {
    std::ifstream in(manifest);
    manifest_text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string old_hash = evidence::HashToHex(Sha256(bytes));
  const size_t at = manifest_text.find(old_hash);
  ASSERT_NE(at, std::string::npos);
  manifest_text.replace(at, old_hash.size(), evidence::HashToHex(Sha256(changed)));
  std::ofstream(manifest, std::ios::trunc) << manifest_text;
  auto refused = evidence::ImportHistory(out, (data_dir_ / "imported-2").string());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("retained leaf"), std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace stayaway
