#include "kafka/group_consumer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "kafka/kafka_status.h"

namespace stayaway::kafka {

StatusOr<std::unique_ptr<GroupConsumer>> GroupConsumer::Create(const ConsumerOptions& options,
                                                               RebalanceCallback on_rebalance) {
  if (options.bootstrap_servers.empty()) return InvalidArgument("kafka: no bootstrap servers");
  if (options.group_id.empty()) return InvalidArgument("kafka: no consumer group");
  ClientConfig config;
  config.Set("bootstrap.servers", options.bootstrap_servers)
      .Set("client.id", options.client_id)
      .Set("group.id", options.group_id)
      .Set("isolation.level", options.read_committed ? "read_committed" : "read_uncommitted")
      .Set("auto.offset.reset", options.from_earliest ? "earliest" : "latest")
      .Set("enable.auto.commit", "false")
      // Poll stores each returned message's next offset; Commit commits what is stored.
      .Set("enable.auto.offset.store", "true")
      .Set("session.timeout.ms", std::to_string(options.session_timeout_ms))
      .Set("heartbeat.interval.ms", std::to_string(options.heartbeat_interval_ms));
  for (const auto& property : options.extra.properties) config.properties.push_back(property);
  StatusOr<ConfHandle> conf = config.Build();
  if (!conf.ok()) return conf.status();

  std::unique_ptr<GroupConsumer> consumer(
      new GroupConsumer(std::move(on_rebalance), options.from_earliest));
  rd_kafka_conf_set_opaque(conf->get(), consumer.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &GroupConsumer::OnRebalance);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr, sizeof(errstr));
  if (rk == nullptr) return InvalidArgument(std::string("kafka: new consumer: ") + errstr);
  (void)conf->release();
  consumer->handle_.reset(rk);
  // Every event (rebalances, errors, messages) is served by consumer poll.
  rd_kafka_poll_set_consumer(rk);
  return consumer;
}

GroupConsumer::~GroupConsumer() {
  if (handle_ != nullptr) (void)Close();
}

void GroupConsumer::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<GroupConsumer*>(opaque);
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (self->on_rebalance_)
      self->on_rebalance_(RebalanceKind::kAssigned, PartitionsOf(partitions));
    if (cooperative) {
      // Its error (librdkafka refused the change) has no one to go to from here.
      const ErrorHandle ignored(rd_kafka_incremental_assign(rk, partitions));
    } else {
      rd_kafka_assign(rk, partitions);
    }
    return;
  }
  // Revoked (or an error, which librdkafka asks to handle as a loss of everything).
  if (self->on_rebalance_) self->on_rebalance_(RebalanceKind::kRevoked, PartitionsOf(partitions));
  if (cooperative) {
    const ErrorHandle ignored(rd_kafka_incremental_unassign(rk, partitions));
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

Status GroupConsumer::Subscribe(const std::vector<std::string>& topics) {
  PartitionListHandle list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& topic : topics) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  return KafkaStatus(rd_kafka_subscribe(handle_.get(), list.get()), "subscribe");
}

StatusOr<std::optional<ConsumedMessage>> GroupConsumer::Poll(std::chrono::milliseconds timeout) {
  MessageHandle message(rd_kafka_consumer_poll(handle_.get(), static_cast<int>(timeout.count())));
  if (message == nullptr) return std::optional<ConsumedMessage>();
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string what = "consume";
    if (message->rkt != nullptr) {
      what += " " + ToString({rd_kafka_topic_name(message->rkt), message->partition});
    }
    return KafkaStatus(message->err, what);
  }
  return std::optional<ConsumedMessage>(CopyMessage(*message));
}

Status GroupConsumer::Commit() {
  const rd_kafka_resp_err_t err = rd_kafka_commit(handle_.get(), nullptr, /*async=*/0);
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return Status::Ok();
  return KafkaStatus(err, "commit");
}

Status GroupConsumer::CommitOffsets(const std::vector<PartitionOffset>& offsets) {
  PartitionListHandle list = ToPartitionList(offsets);
  return KafkaStatus(rd_kafka_commit(handle_.get(), list.get(), /*async=*/0), "commit offsets");
}

Status GroupConsumer::CommitWithMetadata(const TopicPartition& partition, int64_t offset,
                                         const std::string& metadata) {
  PartitionListHandle list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_t* element =
      rd_kafka_topic_partition_list_add(list.get(), partition.topic.c_str(), partition.partition);
  element->offset = offset;
  // The list frees it (rd_free: malloc's).
  element->metadata = std::malloc(metadata.size() + 1);
  if (element->metadata == nullptr) return Status(StatusCode::kInternal, "kafka: out of memory");
  std::memcpy(element->metadata, metadata.c_str(), metadata.size() + 1);
  element->metadata_size = metadata.size();
  return KafkaStatus(rd_kafka_commit(handle_.get(), list.get(), /*async=*/0),
                     "commit " + ToString(partition));
}

StatusOr<std::string> GroupConsumer::CommittedMetadata(const TopicPartition& partition,
                                                       std::chrono::milliseconds timeout) {
  PartitionListHandle list = ToPartitionList(std::vector<TopicPartition>{partition});
  const rd_kafka_resp_err_t err =
      rd_kafka_committed(handle_.get(), list.get(), static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaStatus(err, "committed offsets");
  if (list->cnt < 1 || list->elems[0].metadata == nullptr) return std::string();
  return std::string(static_cast<const char*>(list->elems[0].metadata),
                     list->elems[0].metadata_size);
}

StatusOr<std::vector<PartitionOffset>> GroupConsumer::Committed(
    const std::vector<TopicPartition>& partitions, std::chrono::milliseconds timeout) {
  PartitionListHandle list = ToPartitionList(partitions);
  const rd_kafka_resp_err_t err =
      rd_kafka_committed(handle_.get(), list.get(), static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaStatus(err, "committed offsets");
  return OffsetsOf(list.get());
}

std::vector<PartitionOffset> GroupConsumer::Positions() {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(handle_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  PartitionListHandle list(raw);
  rd_kafka_position(handle_.get(), list.get());
  return OffsetsOf(list.get());
}

StatusOr<std::vector<PartitionLag>> GroupConsumer::Lag(std::chrono::milliseconds timeout) {
  const std::vector<PartitionOffset> positions = Positions();
  std::vector<TopicPartition> unread;
  for (const PartitionOffset& p : positions) {
    if (p.offset < 0) unread.push_back({p.topic, p.partition});
  }
  std::vector<PartitionOffset> committed;
  if (!unread.empty()) {
    StatusOr<std::vector<PartitionOffset>> asked = Committed(unread, timeout);
    if (!asked.ok()) return asked.status();
    committed = std::move(*asked);
  }
  std::vector<PartitionLag> out;
  for (const PartitionOffset& p : positions) {
    PartitionLag lag{p.topic, p.partition, p.offset, kNoOffset, -1};
    int64_t low = kNoOffset, high = kNoOffset;
    if (rd_kafka_get_watermark_offsets(handle_.get(), p.topic.c_str(), p.partition, &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      // No fetch response for it yet: ask its leader.
      if (rd_kafka_query_watermark_offsets(handle_.get(), p.topic.c_str(), p.partition, &low, &high,
                                           static_cast<int>(timeout.count())) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        low = high = kNoOffset;
      }
    }
    if (lag.position < 0) {
      for (const PartitionOffset& c : committed) {
        if (c.topic == p.topic && c.partition == p.partition && c.offset >= 0) {
          lag.position = c.offset;
        }
      }
    }
    // Nothing read, nothing committed: reading starts at one end.
    if (lag.position < 0) lag.position = from_earliest_ ? low : high;
    if (lag.position < 0) lag.position = kNoOffset;
    if (high >= 0) {
      lag.high_watermark = high;
      if (lag.position >= 0) lag.lag = std::max<int64_t>(high - lag.position, 0);
    }
    out.push_back(std::move(lag));
  }
  return out;
}

std::vector<TopicPartition> GroupConsumer::Assignment() const {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(handle_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  PartitionListHandle list(raw);
  return PartitionsOf(list.get());
}

GroupMetadataHandle GroupConsumer::GroupMetadata() const {
  return GroupMetadataHandle(rd_kafka_consumer_group_metadata(handle_.get()));
}

Status GroupConsumer::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  return KafkaStatus(rd_kafka_consumer_close(handle_.get()), "close consumer");
}

}  // namespace stayaway::kafka
