// The snapshot topic (daemon/kafka_snapshots.h) against the mock cluster program over
// loopback TCP, on a journal written here with small segments. The oracle is the base
// made in one replay from the journal's start (evidence/base_at_segment.h): what the
// publisher puts on the topic, made one segment at a time from its own last base, must be
// that base byte for byte, from the journal's start or from the base retention left. It
// publishes only while it leads and never over a newer snapshot, and a new journal
// directory takes the newest snapshot only when it is empty and the snapshot holds
// together. A base carries the devices board's fix state, checked against each device's
// newest fix in the journal before the cut.
#include "daemon/kafka_snapshots.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "daemon/device_board.h"
#include "daemon/metrics.h"
#include "evidence/base_at_segment.h"
#include "evidence/retention_base.h"
#include "journal/journal.h"
#include "kafka/blob_topic.h"
#include "kafka/topics.h"
#include "proto/stayaway.pb.h"
#include "tests/kafka_harness.h"
#include "tests/wire_fixtures.h"

namespace stayaway::daemon {
namespace {

namespace fs = std::filesystem;
using testing_fixtures::MakeFix;
using testing_fixtures::PairOrder;

constexpr TimeMs kStart = 1741600800000;  // 2025-03-10T10:00:00Z

engine::EngineSettings Settings() { return engine::ResolveSettings(v1::EngineConfig()).value(); }

// A fresh directory of its own under the test temp dir.
fs::path FreshDir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) /
                       ("kafka-snapshots-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Writes `minutes` minutes of a centre to the journal in `dir` (4 KiB segments): order
// KS-1, a fix a minute from its two devices and a tick, the tag within 40 m of the phone
// for minutes 5-9 of every 30 (an alert opens and closes), and a new version of the
// order at minute 20 (the version in force is the one a base must keep provable).
class JournalFeed {
 public:
  explicit JournalFeed(const fs::path& dir) {
    EXPECT_TRUE(writer_.Open(dir.string(), /*fsync=*/false, 4096).ok());
    v1::Input order;
    *order.mutable_order() = PairOrder("KS-1", "tag-1", "phone-1");
    writer_.Append(order);
  }
  void Minutes(int minutes) {
    for (int i = 0; i < minutes; ++i, ++minute_) {
      const TimeMs t = kStart + minute_ * 60'000;
      if (minute_ == 20) {
        v1::Input order;
        *order.mutable_order() = PairOrder("KS-1", "tag-1", "phone-1");
        order.mutable_order()->set_version(2);
        order.mutable_order()->set_violation_distance_m(500);
        writer_.Append(order);
      }
      const bool near = minute_ % 30 >= 5 && minute_ % 30 < 10;
      v1::Input phone, tag, tick;
      *phone.mutable_fix() = MakeFix("phone-1", seq_, t, 42.87, 74.59);
      *tag.mutable_fix() = MakeFix("tag-1", seq_, t + 500, 42.87, near ? 74.5905 : 74.65);
      ++seq_;
      MsToTimestamp(t + 1000, tick.mutable_tick()->mutable_tick());
      writer_.Append(phone);
      writer_.Append(tag);
      writer_.Append(tick);
      EXPECT_TRUE(writer_.Sync().ok());  // a segment rolls over at a sync
    }
  }

 private:
  journal::JournalWriter writer_;
  int64_t minute_ = 0;
  uint64_t seq_ = 1;
};

kafka::BlobTopicOptions Topic(const testing_harness::KafkaMockCluster& cluster) {
  kafka::BlobTopicOptions topic;
  topic.bootstrap_servers = cluster.bootstrap_servers();
  topic.topic = kafka::kSnapshotsTopic;
  topic.chunk_bytes = 16 * 1024;  // several chunks for a few dozen KiB
  return topic;
}

// A publisher on DATA/journal, checking every 100 ms.
KafkaSnapshotPublisherOptions PublisherOptions(const testing_harness::KafkaMockCluster& cluster,
                                               const fs::path& data) {
  KafkaSnapshotPublisherOptions options;
  options.topic = Topic(cluster);
  options.journal_dir = (data / "journal").string();
  options.engine = Settings();
  options.check_interval = std::chrono::milliseconds(100);
  return options;
}

// The topic's newest snapshot once its version reaches `at_least`, polled for up to 20 s.
std::optional<kafka::Blob> WaitForSnapshot(const kafka::BlobTopicOptions& topic,
                                           uint64_t at_least) {
  for (int i = 0; i < 200; ++i) {
    auto newest = kafka::ReadNewestBlob(topic, kafka::kSnapshotBlob);
    if (newest.ok() && newest->has_value() && (*newest)->version >= at_least) return **newest;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::nullopt;
}

// Whether `metrics` renders `line` within 5 s.
bool WaitForMetric(const Metrics& metrics, const std::string& line) {
  for (int i = 0; i < 50; ++i) {
    if (metrics.Render(0).find(line) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// The oracle: the base at the start of the journal's newest segment, made in one replay
// from its start, as an instance that starts from it saves it (first segment 1); with the
// devices board's fix state unless `with_board` is false.
evidence::RetentionBase OneReplayBase(const fs::path& journal, bool with_board = true) {
  const uint32_t newest = journal::ListSegments(journal.string()).back();
  DeviceBoard board;
  auto made = evidence::MakeBaseAtSegment(Settings(), journal.string(), nullptr, newest, nullptr,
                                          with_board ? &board : nullptr);
  EXPECT_TRUE(made.ok()) << made.status().message();
  evidence::RetentionBase base = std::move(made->base);
  base.first_segment = 1;
  return base;
}

// Each device's newest fix (by event time) among the journal's first `records` records:
// what the devices board of a base at that position must show.
std::map<std::string, v1::Fix> NewestFixes(const fs::path& journal, uint64_t records) {
  std::map<std::string, v1::Fix> newest;
  uint64_t read = 0;
  journal::ReadOptions options;
  options.mode = journal::ReadMode::kReadOnly;
  auto report = journal::ReadAll(journal.string(), options, [&](const v1::Input& in) {
    if (read++ >= records || !in.has_fix()) return;
    auto [it, inserted] = newest.emplace(in.fix().device(), in.fix());
    if (!inserted && TimestampToMs(in.fix().time()) >= TimestampToMs(it->second.time())) {
      it->second = in.fix();
    }
  });
  EXPECT_TRUE(report.ok()) << report.status().message();
  return newest;
}

// The devices in `base`'s board show exactly `newest`.
void ExpectBoardShows(const evidence::RetentionBase& base,
                      const std::map<std::string, v1::Fix>& newest) {
  EXPECT_TRUE(base.state.with_board);
  ASSERT_EQ(base.state.devices.size(), newest.size());
  for (const v1::DeviceStatus& device : base.state.devices) {
    SCOPED_TRACE(device.device());
    ASSERT_EQ(newest.count(device.device()), 1u);
    const v1::Fix& fix = newest.at(device.device());
    EXPECT_EQ(device.last_fix().seq(), fix.seq());
    EXPECT_EQ(TimestampToMs(device.last_fix().time()), TimestampToMs(fix.time()));
    EXPECT_EQ(device.last_fix().lat(), fix.lat());
    EXPECT_EQ(device.last_fix().lon(), fix.lon());
  }
}

// What a publisher on DATA/journal that leads puts on the topic once its version reaches
// `at_least` (nullopt if it does not within 20 s); the publisher is stopped after.
std::optional<kafka::Blob> PublishOnce(const testing_harness::KafkaMockCluster& cluster,
                                       const fs::path& data, uint64_t at_least) {
  Metrics metrics;
  KafkaSnapshotPublisher publisher(PublisherOptions(cluster, data), metrics);
  EXPECT_TRUE(publisher.Start().ok());
  publisher.Lead();
  std::optional<kafka::Blob> published = WaitForSnapshot(Topic(cluster), at_least);
  publisher.Stop();
  return published;
}

// The publisher's own base, once it has reached the start of the journal's newest segment
// (polled for up to 20 s); nullopt if it did not.
std::optional<evidence::RetentionBase> WaitForOwnBaseAtNewestSegment(const fs::path& journal) {
  for (int i = 0; i < 200; ++i) {
    auto made = evidence::LoadRetentionBase((journal / kPublisherDir).string());
    if (made.ok() && made->has_value() &&
        (*made)->first_segment == journal::ListSegments(journal.string()).back()) {
      return std::move(**made);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::nullopt;
}

TEST(KafkaSnapshots, TheLeaderPublishesTheBaseAtItsNewestSegmentAsOneReplayWouldMakeIt) {
  testing_harness::KafkaMockCluster cluster(1, {{kafka::kSnapshotsTopic, 1}});
  const fs::path data = FreshDir("publish");
  JournalFeed feed(data / "journal");
  feed.Minutes(150);
  ASSERT_GE(journal::ListSegments((data / "journal").string()).size(), 4u);

  Metrics metrics;
  const KafkaSnapshotPublisherOptions options = PublisherOptions(cluster, data);
  KafkaSnapshotPublisher publisher(options, metrics);
  ASSERT_TRUE(publisher.Start().ok());

  // Nothing while another instance leads.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto none = kafka::ReadNewestBlob(options.topic, kafka::kSnapshotBlob);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(fs::exists(data / "journal" / kPublisherDir));

  publisher.Lead();
  evidence::RetentionBase expected = OneReplayBase(data / "journal");
  std::optional<kafka::Blob> first = WaitForSnapshot(options.topic, expected.state.records);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->version, expected.state.records);
  EXPECT_EQ(first->bytes, expected.Encode()) << "the base made segment by segment differs";
  EXPECT_GT(expected.state.events.size(), 0u);  // the alert's events are in it
  ExpectBoardShows(expected, NewestFixes(data / "journal", expected.state.records));
  // The gauge is set once the topic has it, so a reader can see the snapshot first.
  EXPECT_TRUE(WaitForMetric(
      metrics, "stayaway_kafka_snapshot_offset " + std::to_string(first->version) + "\n"));

  // Another instance leads: the journal grows, nothing more is made or published.
  publisher.Follow();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a check under way ends
  const auto made_then = evidence::LoadRetentionBase((data / "journal" / kPublisherDir).string());
  ASSERT_TRUE(made_then.ok() && made_then->has_value());
  feed.Minutes(150);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  auto still = kafka::ReadNewestBlob(options.topic, kafka::kSnapshotBlob);
  ASSERT_TRUE(still.ok() && still->has_value());
  EXPECT_EQ((*still)->version, first->version);
  const auto made_now = evidence::LoadRetentionBase((data / "journal" / kPublisherDir).string());
  ASSERT_TRUE(made_now.ok() && made_now->has_value());
  EXPECT_EQ((*made_now)->state.records, (*made_then)->state.records);

  // It leads again: the next one goes on from its last, and is the oracle's again.
  publisher.Lead();
  expected = OneReplayBase(data / "journal");
  ASSERT_GT(expected.state.records, first->version);
  std::optional<kafka::Blob> second = WaitForSnapshot(options.topic, expected.state.records);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->version, expected.state.records);
  EXPECT_EQ(second->bytes, expected.Encode());
  ExpectBoardShows(expected, NewestFixes(data / "journal", expected.state.records));
  publisher.Stop();
}

// Retention cut the journal: its first segments are gone, so the publisher must go on
// from the base retention left, and give what one replay of the uncut journal gave. A
// base retention made without the board (before bases carried it) gives one without.
void RetainedJournalIsSnapshottedFromItsOwnBase(bool base_with_board) {
  testing_harness::KafkaMockCluster cluster(1, {{kafka::kSnapshotsTopic, 1}});
  const fs::path data = FreshDir(base_with_board ? "retained" : "retained-boardless");
  const fs::path journal = data / "journal";
  JournalFeed feed(journal);
  feed.Minutes(150);
  ASSERT_GE(journal::ListSegments(journal.string()).size(), 4u);
  const evidence::RetentionBase expected = OneReplayBase(journal, base_with_board);
  EXPECT_EQ(expected.state.with_board, base_with_board);
  DeviceBoard board;
  auto cut = evidence::MakeBaseAtSegment(Settings(), journal.string(), nullptr, 3, nullptr,
                                         base_with_board ? &board : nullptr);
  ASSERT_TRUE(cut.ok()) << cut.status().message();
  ASSERT_TRUE(evidence::SaveRetentionBase(journal.string(), cut->base).ok());
  ASSERT_TRUE(journal::DeleteSegmentsBefore(journal.string(), 3).ok());

  const std::optional<kafka::Blob> published = PublishOnce(cluster, data, expected.state.records);
  ASSERT_TRUE(published.has_value());
  EXPECT_EQ(published->version, expected.state.records);
  EXPECT_EQ(published->bytes, expected.Encode());
}

TEST(KafkaSnapshots, AJournalCutByRetentionIsSnapshottedFromItsOwnBase) {
  RetainedJournalIsSnapshottedFromItsOwnBase(/*base_with_board=*/true);
}

TEST(KafkaSnapshots, AJournalCutByRetentionWithoutTheBoardIsSnapshottedWithoutIt) {
  RetainedJournalIsSnapshottedFromItsOwnBase(/*base_with_board=*/false);
}

// The publisher's last base was made before bases carried the devices board: with the
// journal whole, it starts again from the journal's start, and the snapshot has the board.
TEST(KafkaSnapshots, ABaseMadeWithoutTheBoardIsMadeAgainFromTheWholeJournal) {
  testing_harness::KafkaMockCluster cluster(1, {{kafka::kSnapshotsTopic, 1}});
  const fs::path data = FreshDir("boardless");
  const fs::path journal = data / "journal";
  JournalFeed feed(journal);
  feed.Minutes(150);
  auto boardless = evidence::MakeBaseAtSegment(Settings(), journal.string(), nullptr, 3);
  ASSERT_TRUE(boardless.ok()) << boardless.status().message();
  ASSERT_FALSE(boardless->base.state.with_board);
  fs::create_directories(journal / kPublisherDir);
  ASSERT_TRUE(
      evidence::SaveRetentionBase((journal / kPublisherDir).string(), boardless->base).ok());
  const evidence::RetentionBase expected = OneReplayBase(journal);

  const std::optional<kafka::Blob> published = PublishOnce(cluster, data, expected.state.records);
  ASSERT_TRUE(published.has_value());
  EXPECT_EQ(published->bytes, expected.Encode());
  ExpectBoardShows(expected, NewestFixes(journal, expected.state.records));
}

TEST(KafkaSnapshots, ANewerSnapshotOnTheTopicIsLeftAlone) {
  testing_harness::KafkaMockCluster cluster(1, {{kafka::kSnapshotsTopic, 1}});
  const fs::path data = FreshDir("newer");
  JournalFeed feed(data / "journal");
  feed.Minutes(90);
  const KafkaSnapshotPublisherOptions options = PublisherOptions(cluster, data);
  // Another leader's, further along the log.
  auto other = kafka::BlobTopicWriter::Create(options.topic);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Put(kafka::kSnapshotBlob, 1'000'000, "another leader's").ok());

  Metrics metrics;
  KafkaSnapshotPublisher publisher(options, metrics);
  ASSERT_TRUE(publisher.Start().ok());
  publisher.Lead();
  // It makes its base all the same (the next one goes on from it) but does not publish.
  ASSERT_TRUE(WaitForOwnBaseAtNewestSegment(data / "journal").has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // its check ends
  auto newest = kafka::ReadNewestBlob(options.topic, kafka::kSnapshotBlob);
  ASSERT_TRUE(newest.ok() && newest->has_value());
  EXPECT_EQ((*newest)->version, 1'000'000u);
  EXPECT_EQ((*newest)->bytes, "another leader's");
  EXPECT_EQ(metrics.Render(0).find("stayaway_kafka_snapshots_total{outcome=\"published\"}"),
            std::string::npos);
  publisher.Stop();
}

TEST(KafkaSnapshots, AnEmptyJournalTakesTheNewestSnapshotOnlyWhenItHoldsTogether) {
  testing_harness::KafkaMockCluster cluster(1, {{kafka::kSnapshotsTopic, 1}});
  const kafka::BlobTopicOptions topic = Topic(cluster);
  const fs::path fresh = FreshDir("fresh") / "journal";

  // No snapshot yet: nothing taken, the log is read from its start.
  auto nothing = StartFromClusterSnapshot(topic, fresh.string(), Settings());
  ASSERT_TRUE(nothing.ok()) << nothing.status().message();
  EXPECT_FALSE(nothing->has_value());

  // Refused, the directory left empty: what is not a base (its digest matches: it is what
  // was written), a base whose version is not its position, one saved from another first
  // segment, one whose retained order terms were altered (its proof path no longer leads
  // to the frontier), one whose engine does not load. Each is the topic's newest version
  // (a Put never removes a newer one), the last three replacing one another.
  const fs::path source = FreshDir("source");
  JournalFeed feed(source / "journal");
  feed.Minutes(90);
  const evidence::RetentionBase base = OneReplayBase(source / "journal");
  ASSERT_FALSE(base.retained.empty());
  evidence::RetentionBase other_segment = base;
  other_segment.first_segment = 2;
  evidence::RetentionBase forged_terms = base;
  forged_terms.retained[0].input.mutable_order()->set_violation_distance_m(1);
  evidence::RetentionBase bad_engine = base;
  bad_engine.state.engine_bytes[bad_engine.state.engine_bytes.size() / 2] ^= 0x5a;
  auto writer = kafka::BlobTopicWriter::Create(topic);
  ASSERT_TRUE(writer.ok());
  for (const auto& [version, bytes] :
       std::vector<std::pair<uint64_t, std::string>>{{7, "not a base"},
                                                     {base.state.records - 1, base.Encode()},
                                                     {base.state.records, other_segment.Encode()},
                                                     {base.state.records, forged_terms.Encode()},
                                                     {base.state.records, bad_engine.Encode()}}) {
    ASSERT_TRUE((*writer)->Put(kafka::kSnapshotBlob, version, bytes).ok());
    auto refused = StartFromClusterSnapshot(topic, fresh.string(), Settings());
    EXPECT_FALSE(refused.ok()) << "version " << version;
    EXPECT_FALSE(fs::exists(fresh / evidence::kRetentionBaseFile));
  }

  // A good one becomes the base (a publisher's base left from an earlier journal goes);
  // the journal starts at its position.
  fs::create_directories(fresh / kPublisherDir);
  ASSERT_TRUE(evidence::SaveRetentionBase((fresh / kPublisherDir).string(), base).ok());
  ASSERT_TRUE((*writer)->Put(kafka::kSnapshotBlob, base.state.records, base.Encode()).ok());
  auto taken = StartFromClusterSnapshot(topic, fresh.string(), Settings());
  ASSERT_TRUE(taken.ok()) << taken.status().message();
  ASSERT_TRUE(taken->has_value());
  EXPECT_EQ(**taken, static_cast<int64_t>(base.state.records));
  auto saved = evidence::LoadRetentionBase(fresh.string());
  ASSERT_TRUE(saved.ok() && saved->has_value());
  EXPECT_EQ((*saved)->Encode(), base.Encode());
  EXPECT_FALSE(fs::exists(fresh / kPublisherDir));

  // A journal that holds anything of its own is never replaced.
  auto own_segments = StartFromClusterSnapshot(topic, (source / "journal").string(), Settings());
  ASSERT_TRUE(own_segments.ok());
  EXPECT_FALSE(own_segments->has_value());
  EXPECT_FALSE(fs::exists(source / "journal" / evidence::kRetentionBaseFile));
  auto own_base = StartFromClusterSnapshot(topic, fresh.string(), Settings());
  ASSERT_TRUE(own_base.ok());
  EXPECT_FALSE(own_base->has_value());
}

}  // namespace
}  // namespace stayaway::daemon
