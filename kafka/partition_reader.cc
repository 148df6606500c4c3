#include "kafka/partition_reader.h"

#include <librdkafka/rdkafka.h>

#include <utility>

#include "kafka/kafka_status.h"

namespace stayaway::kafka {

StatusOr<std::unique_ptr<PartitionReader>> PartitionReader::Open(
    const PartitionReaderOptions& options, const TopicPartition& partition, int64_t offset) {
  if (options.bootstrap_servers.empty()) return InvalidArgument("kafka: no bootstrap servers");
  if (offset < 0) return InvalidArgument("kafka: a reader starts at an offset >= 0");
  ClientConfig config;
  // librdkafka's consumer wants a group id even when no group is joined; nothing is
  // committed under it.
  config.Set("bootstrap.servers", options.bootstrap_servers)
      .Set("client.id", options.client_id)
      .Set("group.id", "stayaway-reader-unjoined")
      .Set("enable.auto.commit", "false")
      .Set("enable.auto.offset.store", "false")
      // An offset the partition no longer holds is reported, never silently replaced.
      .Set("auto.offset.reset", "error")
      .Set("enable.partition.eof", "false");
  for (const auto& property : options.extra.properties) config.properties.push_back(property);
  StatusOr<ConfHandle> conf = config.Build();
  if (!conf.ok()) return conf.status();
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr, sizeof(errstr));
  if (rk == nullptr) return InvalidArgument(std::string("kafka: new reader: ") + errstr);
  (void)conf->release();
  std::unique_ptr<PartitionReader> reader(new PartitionReader(partition, offset));
  reader->handle_.reset(rk);
  rd_kafka_poll_set_consumer(rk);
  PartitionListHandle list =
      ToPartitionList(std::vector<PartitionOffset>{{partition.topic, partition.partition, offset}});
  if (Status s = KafkaStatus(rd_kafka_assign(rk, list.get()), "assign " + ToString(partition));
      !s.ok()) {
    return s;
  }
  return reader;
}

PartitionReader::~PartitionReader() {
  if (handle_ != nullptr) rd_kafka_consumer_close(handle_.get());
}

StatusOr<std::optional<ConsumedMessage>> PartitionReader::Read(std::chrono::milliseconds timeout) {
  MessageHandle message(rd_kafka_consumer_poll(handle_.get(), static_cast<int>(timeout.count())));
  if (message == nullptr) return std::optional<ConsumedMessage>();
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaStatus(message->err, "read " + ToString(partition_));
  }
  position_ = message->offset + 1;
  return std::optional<ConsumedMessage>(CopyMessage(*message));
}

Status PartitionReader::Seek(int64_t offset) {
  PartitionListHandle list = ToPartitionList(
      std::vector<PartitionOffset>{{partition_.topic, partition_.partition, offset}});
  // Re-assigning drops whatever was fetched ahead; seek_partitions would keep the queue.
  if (Status s =
          KafkaStatus(rd_kafka_assign(handle_.get(), list.get()), "seek " + ToString(partition_));
      !s.ok()) {
    return s;
  }
  position_ = offset;
  return Status::Ok();
}

StatusOr<std::pair<int64_t, int64_t>> PartitionReader::Watermarks(
    std::chrono::milliseconds timeout) {
  int64_t low = 0;
  int64_t high = 0;
  if (Status s = KafkaStatus(rd_kafka_query_watermark_offsets(
                                 handle_.get(), partition_.topic.c_str(), partition_.partition,
                                 &low, &high, static_cast<int>(timeout.count())),
                             "watermarks of " + ToString(partition_));
      !s.ok()) {
    return s;
  }
  return std::make_pair(low, high);
}

std::optional<std::pair<int64_t, int64_t>> PartitionReader::LastWatermarks() {
  int64_t low = -1;
  int64_t high = -1;
  if (rd_kafka_get_watermark_offsets(handle_.get(), partition_.topic.c_str(), partition_.partition,
                                     &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0) {
    return std::nullopt;
  }
  return std::make_pair(low, high);
}

}  // namespace stayaway::kafka
