// PartitionReader: reads one partition of one topic from a chosen offset, outside any
// consumer group (nothing is committed, no rebalance moves it). Every stayaway instance
// in Kafka mode reads the whole input log this way (daemon/kafka_follower.h), each from
// the position its own state has reached.
//
//   auto reader = PartitionReader::Open({.bootstrap_servers = brokers},
//                                       {"stayaway.input", 0}, next_offset);
//   auto message = (*reader)->Read(std::chrono::milliseconds(100));
//
// Thread-compatible: one thread reads, seeks and asks for the end.
#ifndef STAYAWAY_KAFKA_PARTITION_READER_H_
#define STAYAWAY_KAFKA_PARTITION_READER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "base/status.h"
#include "kafka/client_config.h"
#include "kafka/consumed_message.h"
#include "kafka/handles.h"
#include "kafka/topic_partition.h"

namespace stayaway::kafka {

struct PartitionReaderOptions {
  // "host:port[,host:port...]"; required.
  std::string bootstrap_servers;
  // client.id. Default: "stayaway".
  std::string client_id = "stayaway";
  // Further librdkafka properties, applied last.
  ClientConfig extra;
};

class PartitionReader {
 public:
  // Starts reading `partition` at `offset` (the next message to read, >= 0). Fails only on
  // a bad configuration; the cluster is reached by Read.
  static StatusOr<std::unique_ptr<PartitionReader>> Open(const PartitionReaderOptions& options,
                                                         const TopicPartition& partition,
                                                         int64_t offset);
  ~PartitionReader();
  PartitionReader(const PartitionReader&) = delete;
  PartitionReader& operator=(const PartitionReader&) = delete;

  // The next message, waiting up to `timeout`; nullopt when none came (the end of the
  // partition is not an error). An error is the cluster's (unreachable, the offset no
  // longer held by the partition: OFFSET_OUT_OF_RANGE); the reader goes on.
  StatusOr<std::optional<ConsumedMessage>> Read(std::chrono::milliseconds timeout);
  // Reads from `offset` next (messages fetched beyond are dropped).
  Status Seek(int64_t offset);
  // The partition's first held and next written offsets (low and high watermarks), asking
  // its leader for up to `timeout`. May block longer while no broker is reachable.
  StatusOr<std::pair<int64_t, int64_t>> Watermarks(std::chrono::milliseconds timeout);
  // The same as the last fetch response gave them, without asking (never blocks);
  // nullopt before the first one.
  std::optional<std::pair<int64_t, int64_t>> LastWatermarks();
  // The next offset Read returns: after the last message read, else where it started.
  int64_t position() const { return position_; }

 private:
  PartitionReader(TopicPartition partition, int64_t offset)
      : partition_(std::move(partition)), position_(offset) {}

  TopicPartition partition_;
  int64_t position_;
  KafkaHandle handle_;
};

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_PARTITION_READER_H_
