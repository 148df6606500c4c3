#include "kafka/producer.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <utility>

#include "kafka/group_consumer.h"
#include "kafka/kafka_status.h"

namespace stayaway::kafka {

// ProduceAndWait's rendezvous with the delivery report, which may be served on another
// thread, or after ProduceAndWait gave up (hence shared).
struct Producer::Waiter {
  std::mutex mu;
  std::optional<DeliveryReport> report;  // guarded by mu
};

// The per-message opaque: owned by librdkafka from a successful enqueue until its report.
struct Producer::Pending {
  uint64_t token = 0;
  std::shared_ptr<Waiter> waiter;  // null for Produce
};

StatusOr<std::unique_ptr<Producer>> Producer::Create(const ProducerOptions& options,
                                                     DeliveryCallback on_delivery) {
  if (options.bootstrap_servers.empty()) return InvalidArgument("kafka: no bootstrap servers");
  ClientConfig config;
  config.Set("bootstrap.servers", options.bootstrap_servers)
      .Set("client.id", options.client_id)
      .Set("acks", "all")
      .Set("enable.idempotence", "true")
      .Set("partitioner", "murmur2_random")
      .Set("message.timeout.ms", std::to_string(options.message_timeout_ms))
      .Set("linger.ms", std::to_string(options.linger_ms));
  if (!options.transactional_id.empty()) config.Set("transactional.id", options.transactional_id);
  for (const auto& property : options.extra.properties) config.properties.push_back(property);
  StatusOr<ConfHandle> conf = config.Build();
  if (!conf.ok()) return conf.status();

  std::unique_ptr<Producer> producer(
      new Producer(std::move(on_delivery), options.close_timeout_ms));
  rd_kafka_conf_set_opaque(conf->get(), producer.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &Producer::OnDelivery);
  char errstr[512];
  // rd_kafka_new owns the configuration from here on when it succeeds.
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr, sizeof(errstr));
  if (rk == nullptr) return InvalidArgument(std::string("kafka: new producer: ") + errstr);
  (void)conf->release();
  producer->handle_.reset(rk);
  return producer;
}

Producer::~Producer() {
  if (handle_ == nullptr) return;
  rd_kafka_flush(handle_.get(), close_timeout_ms_);
  // What is left gets a failed (purged) report, served here, so no Pending leaks.
  rd_kafka_purge(handle_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(handle_.get(), 1000);
  handle_.reset();
}

void Producer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  std::unique_ptr<Pending> pending(static_cast<Pending*>(message->_private));
  DeliveryReport report;
  report.topic = rd_kafka_topic_name(message->rkt);
  report.partition = message->partition;
  report.offset = message->err == RD_KAFKA_RESP_ERR_NO_ERROR ? message->offset : -1;
  if (message->key != nullptr) {
    report.key.assign(static_cast<const char*>(message->key), message->key_len);
  }
  report.token = pending != nullptr ? pending->token : 0;
  report.status = KafkaStatus(message->err, "deliver to " + report.topic);
  if (self->on_delivery_) self->on_delivery_(report);
  if (pending != nullptr && pending->waiter != nullptr) {
    std::lock_guard<std::mutex> lock(pending->waiter->mu);
    pending->waiter->report = std::move(report);
  }
}

Status Producer::Enqueue(std::string_view topic, std::string_view key, std::string_view value,
                         int32_t partition, const std::vector<MessageHeader>& headers,
                         Pending* pending) {
  const std::string topic_name(topic);
  // The array form of rd_kafka_producev: its RD_KAFKA_V_* macros are GNU statement
  // expressions, which -Wpedantic refuses.
  rd_kafka_vu_t fields[7] = {};
  fields[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  fields[0].u.cstr = topic_name.c_str();
  fields[1].vtype = RD_KAFKA_VTYPE_PARTITION;
  fields[1].u.i32 = partition;
  fields[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  fields[2].u.i = RD_KAFKA_MSG_F_COPY;  // key and value are copied: the views may go
  fields[3].vtype = RD_KAFKA_VTYPE_KEY;
  fields[3].u.mem = {const_cast<char*>(key.data()), key.size()};
  fields[4].vtype = RD_KAFKA_VTYPE_VALUE;
  fields[4].u.mem = {const_cast<char*>(value.data()), value.size()};
  fields[5].vtype = RD_KAFKA_VTYPE_OPAQUE;
  fields[5].u.ptr = pending;
  size_t count = 6;
  rd_kafka_headers_t* copied = nullptr;
  if (!headers.empty()) {
    copied = rd_kafka_headers_new(headers.size());
    for (const auto& [name, text] : headers) {
      rd_kafka_header_add(copied, name.data(), static_cast<ssize_t>(name.size()), text.data(),
                          static_cast<ssize_t>(text.size()));
    }
    fields[count].vtype = RD_KAFKA_VTYPE_HEADERS;
    fields[count].u.headers = copied;  // owned by the message once produced
    ++count;
  }
  Status status =
      KafkaStatus(rd_kafka_produceva(handle_.get(), fields, count), "produce to " + topic_name);
  if (!status.ok() && copied != nullptr) rd_kafka_headers_destroy(copied);
  return status;
}

Status Producer::Produce(std::string_view topic, std::string_view key, std::string_view value,
                         uint64_t token, int32_t partition,
                         const std::vector<MessageHeader>& headers) {
  auto pending = std::make_unique<Pending>();
  pending->token = token;
  Status status = Enqueue(topic, key, value, partition, headers, pending.get());
  if (status.ok()) (void)pending.release();  // the delivery report frees it
  return status;
}

StatusOr<DeliveryReport> Producer::ProduceAndWait(std::string_view topic, std::string_view key,
                                                  std::string_view value,
                                                  std::chrono::milliseconds timeout,
                                                  int32_t partition) {
  auto waiter = std::make_shared<Waiter>();
  auto pending = std::make_unique<Pending>();
  pending->waiter = waiter;
  Status status = Enqueue(topic, key, value, partition, {}, pending.get());
  if (!status.ok()) return status;
  (void)pending.release();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(waiter->mu);
      if (waiter->report.has_value()) return std::move(*waiter->report);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    // Serves reports here; when another thread serves this one, the next turn sees it.
    rd_kafka_poll(handle_.get(), static_cast<int>(std::min<int64_t>(left.count(), 50)));
  }
  return Status(StatusCode::kInternal, "kafka: produce to " + std::string(topic) +
                                           ": no delivery report within " +
                                           std::to_string(timeout.count()) + " ms");
}

int Producer::Poll(std::chrono::milliseconds timeout) {
  return rd_kafka_poll(handle_.get(), static_cast<int>(timeout.count()));
}

Status Producer::Flush(std::chrono::milliseconds timeout) {
  const rd_kafka_resp_err_t err = rd_kafka_flush(handle_.get(), static_cast<int>(timeout.count()));
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    return Status(StatusCode::kInternal, "kafka: flush: " + std::to_string(OutstandingMessages()) +
                                             " messages still without a delivery report after " +
                                             std::to_string(timeout.count()) + " ms");
  }
  return KafkaStatus(err, "flush");
}

int Producer::OutstandingMessages() const { return rd_kafka_outq_len(handle_.get()); }

Status Producer::InitTransactions(std::chrono::milliseconds timeout) {
  return KafkaStatus(rd_kafka_init_transactions(handle_.get(), static_cast<int>(timeout.count())),
                     "init transactions");
}

Status Producer::BeginTransaction() {
  return KafkaStatus(rd_kafka_begin_transaction(handle_.get()), "begin transaction");
}

Status Producer::SendOffsetsToTransaction(const GroupConsumer& consumer,
                                          const std::vector<PartitionOffset>& offsets,
                                          std::chrono::milliseconds timeout) {
  PartitionListHandle list = ToPartitionList(offsets);
  GroupMetadataHandle metadata = consumer.GroupMetadata();
  if (metadata == nullptr) {
    return FailedPrecondition("kafka: send offsets to transaction: the consumer has no group");
  }
  return KafkaStatus(rd_kafka_send_offsets_to_transaction(handle_.get(), list.get(), metadata.get(),
                                                          static_cast<int>(timeout.count())),
                     "send offsets to transaction");
}

Status Producer::CommitTransaction(std::chrono::milliseconds timeout) {
  return KafkaStatus(rd_kafka_commit_transaction(handle_.get(), static_cast<int>(timeout.count())),
                     "commit transaction");
}

Status Producer::AbortTransaction(std::chrono::milliseconds timeout) {
  return KafkaStatus(rd_kafka_abort_transaction(handle_.get(), static_cast<int>(timeout.count())),
                     "abort transaction");
}

}  // namespace stayaway::kafka
