// TopicPartition and PartitionOffset: the plain values kafka/ speaks in at its API (a
// topic's partition; a position in it), and their conversion to and from librdkafka's
// partition lists. Offsets are Kafka's: the offset of the next message to read (a
// committed offset of 42 means messages 0..41 are done). Plain values; thread-compatible.
#ifndef STAYAWAY_KAFKA_TOPIC_PARTITION_H_
#define STAYAWAY_KAFKA_TOPIC_PARTITION_H_

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "kafka/handles.h"

namespace stayaway::kafka {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// No offset: nothing committed or stored yet (librdkafka's RD_KAFKA_OFFSET_INVALID).
inline constexpr int64_t kNoOffset = RD_KAFKA_OFFSET_INVALID;

struct PartitionOffset {
  std::string topic;
  int32_t partition = 0;
  // The next offset to read, or kNoOffset.
  int64_t offset = 0;
  auto operator<=>(const PartitionOffset&) const = default;
};

// "topic[3]": for logs and test messages.
std::string ToString(const TopicPartition& partition);

PartitionListHandle ToPartitionList(const std::vector<TopicPartition>& partitions);
PartitionListHandle ToPartitionList(const std::vector<PartitionOffset>& offsets);
// `list` may be null (an empty vector). Sorted by topic, then partition.
std::vector<TopicPartition> PartitionsOf(const rd_kafka_topic_partition_list_t* list);
std::vector<PartitionOffset> OffsetsOf(const rd_kafka_topic_partition_list_t* list);

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_TOPIC_PARTITION_H_
