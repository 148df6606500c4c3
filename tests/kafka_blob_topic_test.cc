// BlobTopic (kafka/blob_topic.h) against the mock cluster program over loopback TCP:
// blobs larger than a Kafka message come back whole and as written, the newest version
// wins, replaced and abandoned chunks are tombstoned, and a blob whose chunks are missing
// or altered is refused, never returned.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

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

}  // namespace
}  // namespace stayaway::kafka
