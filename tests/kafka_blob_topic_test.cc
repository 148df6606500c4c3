// BlobTopic (kafka/blob_topic.h) against the mock cluster program over loopback TCP:
// blobs larger than a Kafka message come back whole and as written, the newest version
// wins, replaced and abandoned chunks are tombstoned, a blob whose chunks are missing or
// altered is refused, never returned, and two writers at once never leave the topic
// without a whole blob.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "base/hex.h"
#include "base/sha256.h"
#include "kafka/blob_topic.h"
#include "kafka/partition_reader.h"
#include "kafka/producer.h"
#include "tests/kafka_harness.h"

namespace stayaway::kafka {
namespace {

using testing_harness::KafkaMockCluster;

constexpr char kTopic[] = "stayaway.snapshots";

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random() & 0xff);
  return bytes;
}

BlobTopicOptions Options(const KafkaMockCluster& cluster, size_t chunk_bytes) {
  BlobTopicOptions options;
  options.bootstrap_servers = cluster.bootstrap_servers();
  options.topic = kTopic;
  options.chunk_bytes = chunk_bytes;
  return options;
}

// The topic's last value of each key as a reader sees it, tombstones kept as "".
std::map<std::string, std::string> LastValues(const KafkaMockCluster& cluster) {
  PartitionReaderOptions reader_options;
  reader_options.bootstrap_servers = cluster.bootstrap_servers();
  auto reader = PartitionReader::Open(reader_options, {kTopic, 0}, 0);
  EXPECT_TRUE(reader.ok());
  auto marks = (*reader)->Watermarks(std::chrono::seconds(10));
  EXPECT_TRUE(marks.ok());
  std::map<std::string, std::string> values;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((*reader)->position() < marks->second && std::chrono::steady_clock::now() < deadline) {
    auto message = (*reader)->Read(std::chrono::milliseconds(100));
    if (message.ok() && message->has_value()) values[(**message).key] = (**message).value;
  }
  return values;
}

// Sends one raw message to the topic, as a writer that died or a damaged record would
// leave it; an empty value is a tombstone.
void SendRaw(const KafkaMockCluster& cluster, const std::string& key, std::string_view value) {
  ProducerOptions producer_options;
  producer_options.bootstrap_servers = cluster.bootstrap_servers();
  auto producer = Producer::Create(producer_options);
  ASSERT_TRUE(producer.ok());
  auto report = (*producer)->ProduceAndWait(kTopic, key, value, std::chrono::seconds(10), 0);
  ASSERT_TRUE(report.ok() && report->status.ok());
}

TEST(BlobTopic, ABlobOverAMessagesSizeComesBackWholeAndTheNewestVersionWins) {
  KafkaMockCluster cluster(3, {{kTopic, 1}});
  const BlobTopicOptions options = Options(cluster, 512 * 1024);
  auto writer = BlobTopicWriter::Create(options);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  EXPECT_FALSE(ReadNewestBlob(options, "state")->has_value()) << "nothing written yet";

  // 3 MB: three times what a broker takes in one message by default.
  const std::string first = RandomBytes(3 * 1024 * 1024 + 17, 1);
  ASSERT_TRUE((*writer)->Put("state", 7, first).ok());
  auto read = ReadNewestBlob(options, "state");
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->version, 7u);
  EXPECT_TRUE((*read)->bytes == first);

  const std::string second = RandomBytes(700 * 1024, 2);
  ASSERT_TRUE((*writer)->Put("state", 9, second).ok());
  read = ReadNewestBlob(options, "state");
  ASSERT_TRUE(read.ok() && read->has_value()) << read.status().message();
  EXPECT_EQ((*read)->version, 9u);
  EXPECT_TRUE((*read)->bytes == second);
  // The replaced version's seven chunks are tombstoned; the new one's two are not.
  const std::map<std::string, std::string> values = LastValues(cluster);
  for (int i = 0; i < 7; ++i) {
    const auto chunk = values.find("state/7/" + std::to_string(i));
    ASSERT_NE(chunk, values.end()) << i;
    EXPECT_TRUE(chunk->second.empty()) << "chunk " << i << " of the replaced version is kept";
  }
  EXPECT_FALSE(values.at("state/9/0").empty());
  EXPECT_FALSE(values.at("state/9/1").empty());
  EXPECT_EQ(values.count("state/9/2"), 0u);
  EXPECT_FALSE(ReadNewestBlob(options, "other")->has_value()) << "names stay apart";
}

TEST(BlobTopic, AWriterThatDiedBeforeItsManifestChangesNothingAndItsChunksGoNextTime) {
  KafkaMockCluster cluster(1, {{kTopic, 1}});
  const BlobTopicOptions options = Options(cluster, 1000);
  auto writer = BlobTopicWriter::Create(options);
  ASSERT_TRUE(writer.ok());
  const std::string blob = RandomBytes(2500, 3);
  ASSERT_TRUE((*writer)->Put("state", 9, blob).ok());
  SendRaw(cluster, "state/11/0", RandomBytes(1000, 4));  // died here: no manifest
  auto read = ReadNewestBlob(options, "state");
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->version, 9u);
  EXPECT_TRUE((*read)->bytes == blob);

  ASSERT_TRUE((*writer)->Put("state", 12, "").ok());  // an empty blob: no chunk at all
  read = ReadNewestBlob(options, "state");
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->version, 12u);
  EXPECT_TRUE((*read)->bytes.empty());
  const std::map<std::string, std::string> values = LastValues(cluster);
  EXPECT_TRUE(values.at("state/11/0").empty()) << "the abandoned chunk is tombstoned";
  EXPECT_TRUE(values.at("state/9/2").empty());
  EXPECT_EQ((*writer)->Put("a/b", 1, "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*writer)->Put("", 1, "x").code(), StatusCode::kInvalidArgument);
}

TEST(BlobTopic, AMissingOrAlteredChunkIsRefusedNeverReturned) {
  KafkaMockCluster cluster(1, {{kTopic, 1}});
  const BlobTopicOptions options = Options(cluster, 1000);
  auto writer = BlobTopicWriter::Create(options);
  ASSERT_TRUE(writer.ok());
  const std::string blob = RandomBytes(2500, 5);
  ASSERT_TRUE((*writer)->Put("state", 9, blob).ok());

  std::string altered = blob.substr(1000, 1000);
  altered[10] = static_cast<char>(altered[10] ^ 1);
  SendRaw(cluster, "state/9/1", altered);
  auto read = ReadNewestBlob(options, "state");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("do not match the manifest"), std::string::npos)
      << read.status().message();

  SendRaw(cluster, "state/9/0", "");  // a tombstone: the chunk is gone
  read = ReadNewestBlob(options, "state");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("chunk 0 is missing"), std::string::npos)
      << read.status().message();

  SendRaw(cluster, "state", "version=9;chunks=three");
  read = ReadNewestBlob(options, "state");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("manifest does not parse"), std::string::npos)
      << read.status().message();
}

// The manifest a writer states for `bytes` at `version` in chunks of `chunk_bytes`.
std::string ManifestOf(uint64_t version, const std::string& bytes, size_t chunk_bytes) {
  return "version=" + std::to_string(version) +
         ";chunks=" + std::to_string((bytes.size() + chunk_bytes - 1) / chunk_bytes) +
         ";bytes=" + std::to_string(bytes.size()) + ";sha256=" + HexEncode(Sha256(bytes));
}

// A writer's chunks of `bytes`, sent raw, as another writer's Put sends them.
void SendChunks(const KafkaMockCluster& cluster, uint64_t version, const std::string& bytes,
                size_t chunk_bytes) {
  for (size_t i = 0; i * chunk_bytes < bytes.size(); ++i) {
    SendRaw(cluster, "state/" + std::to_string(version) + "/" + std::to_string(i),
            bytes.substr(i * chunk_bytes, chunk_bytes));
  }
}

// Two instances that both believe they lead: the slower one's manifest for version 10
// lands on the name after the faster one put version 20 and tombstoned version 10's
// chunks. The name then names chunks that are gone; the newest whole version is read.
TEST(BlobTopic, ASlowerWritersLateManifestNeverHidesTheNewestWholeBlob) {
  KafkaMockCluster cluster(1, {{kTopic, 1}});
  const BlobTopicOptions options = Options(cluster, 1000);
  const std::string older = RandomBytes(2500, 6);
  const std::string newer = RandomBytes(2200, 7);
  SendChunks(cluster, 10, older, 1000);
  SendRaw(cluster, "state/10/manifest", ManifestOf(10, older, 1000));
  auto writer = BlobTopicWriter::Create(options);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Put("state", 20, newer).ok());
  SendRaw(cluster, "state", ManifestOf(10, older, 1000));  // the slower writer's, late

  std::map<std::string, std::string> values = LastValues(cluster);
  EXPECT_TRUE(values.at("state/10/0").empty()) << "version 10 was replaced by 20";
  EXPECT_TRUE(values.at("state/10/manifest").empty());
  auto read = ReadNewestBlob(options, "state");
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->version, 20u);
  EXPECT_TRUE((*read)->bytes == newer);
}

// The slower writer puts an older version after a newer one is whole: the newer stays whole
// and stays what is read, and the name's own manifest does not move back.
TEST(BlobTopic, AnOlderVersionPutAfterANewerOneLeavesTheNewerWhole) {
  KafkaMockCluster cluster(1, {{kTopic, 1}});
  const BlobTopicOptions options = Options(cluster, 1000);
  auto fast = BlobTopicWriter::Create(options);
  auto slow = BlobTopicWriter::Create(options);
  ASSERT_TRUE(fast.ok() && slow.ok());
  const std::string newer = RandomBytes(2500, 8);
  ASSERT_TRUE((*fast)->Put("state", 20, newer).ok());
  ASSERT_TRUE((*slow)->Put("state", 10, RandomBytes(2500, 9)).ok());

  const std::map<std::string, std::string> values = LastValues(cluster);
  for (const char* key : {"state/20/0", "state/20/1", "state/20/2", "state/20/manifest"}) {
    EXPECT_FALSE(values.at(key).empty()) << key << " of the newer version was tombstoned";
  }
  EXPECT_EQ(values.at("state"), ManifestOf(20, newer, 1000));
  auto read = ReadNewestBlob(options, "state");
  ASSERT_TRUE(read.ok() && read->has_value()) << read.status().message();
  EXPECT_EQ((*read)->version, 20u);
  EXPECT_TRUE((*read)->bytes == newer);
}

// A topic as the writer before per-version manifests left it (chunks and the name's
// manifest only) is read, and a Put over it replaces it.
TEST(BlobTopic, ATopicAnEarlierWriterLeftIsReadAndReplaced) {
  KafkaMockCluster cluster(1, {{kTopic, 1}});
  const BlobTopicOptions options = Options(cluster, 1000);
  const std::string earlier = RandomBytes(1800, 10);
  SendChunks(cluster, 5, earlier, 1000);
  SendRaw(cluster, "state", ManifestOf(5, earlier, 1000));
  auto read = ReadNewestBlob(options, "state");
  ASSERT_TRUE(read.ok() && read->has_value()) << read.status().message();
  EXPECT_EQ((*read)->version, 5u);
  EXPECT_TRUE((*read)->bytes == earlier);

  auto writer = BlobTopicWriter::Create(options);
  ASSERT_TRUE(writer.ok());
  const std::string later = RandomBytes(900, 11);
  ASSERT_TRUE((*writer)->Put("state", 8, later).ok());
  read = ReadNewestBlob(options, "state");
  ASSERT_TRUE(read.ok() && read->has_value()) << read.status().message();
  EXPECT_EQ((*read)->version, 8u);
  EXPECT_TRUE((*read)->bytes == later);
  const std::map<std::string, std::string> values = LastValues(cluster);
  EXPECT_TRUE(values.at("state/5/0").empty());
  EXPECT_TRUE(values.at("state/5/1").empty());
}

// Two writers put versions at the same time, interleaved however the cluster takes them,
// while a reader reads: every read is a whole blob as written (or none before the first),
// never an error, and the newest version is read at the end.
TEST(BlobTopic, TwoWritersAtOnceNeverLeaveTheTopicUnreadable) {
  KafkaMockCluster cluster(1, {{kTopic, 1}});
  const BlobTopicOptions options = Options(cluster, 1000);
  auto blob_of = [](uint64_t version) { return RandomBytes(1500 + 100 * version, version); };
  // Each writer puts at least kRounds versions, and goes on (up to kMaxRounds) until the
  // reader has read kWholeReads whole blobs while they write: how many it reads in
  // kRounds depends on how the machine shares its cores (CI once saw none).
  constexpr uint64_t kRounds = 8;
  constexpr uint64_t kMaxRounds = 400;
  constexpr int kWholeReads = 3;
  std::atomic<int> whole{0};
  std::atomic<uint64_t> newest{0};  // the highest version put
  auto write = [&](uint64_t first) {
    auto writer = BlobTopicWriter::Create(options);
    ASSERT_TRUE(writer.ok());
    uint64_t version = first;
    for (uint64_t round = 0; round < kRounds || (whole.load() < kWholeReads && round < kMaxRounds);
         ++round, version += 2) {
      const Status put = (*writer)->Put("state", version, blob_of(version));
      EXPECT_TRUE(put.ok()) << put.message();
      uint64_t seen = newest.load();
      while (seen < version && !newest.compare_exchange_weak(seen, version)) {
      }
    }
  };
  std::atomic<int> writing{2};
  std::thread odd([&] { write(1), --writing; });
  std::thread even([&] { write(2), --writing; });
  int reads = 0;
  while (writing.load() > 0) {
    auto read = ReadNewestBlob(options, "state");
    ++reads;
    ASSERT_TRUE(read.ok()) << "read " << reads << ": " << read.status().message();
    if (!read->has_value()) continue;
    ++whole;
    EXPECT_TRUE((*read)->bytes == blob_of((*read)->version)) << (*read)->version;
  }
  odd.join();
  even.join();
  auto read = ReadNewestBlob(options, "state");
  ASSERT_TRUE(read.ok() && read->has_value()) << read.status().message();
  EXPECT_EQ((*read)->version, newest.load());
  EXPECT_TRUE((*read)->bytes == blob_of(newest.load()));
  EXPECT_GE(whole.load(), kWholeReads)
      << "the reader read while both wrote (" << reads << " reads)";
}

}  // namespace
}  // namespace stayaway::kafka
