// Producer: stayaway's writer to Kafka, one librdkafka producer handle configured for no
// loss: acks=all (a message is delivered once every in-sync replica has it) and
// idempotence on (librdkafka's retries never duplicate or reorder a message within a
// partition). Keys are hashed to partitions with murmur2, as Java clients (Traccar's
// forwarder among them) do, unless a partition is given.
//
//   auto producer = Producer::Create({.bootstrap_servers = "127.0.0.1:9092"});
//   if (!producer.ok()) return producer.status();
//   auto report = (*producer)->ProduceAndWait("stayaway.events", alert_id, json,
//                                             std::chrono::seconds(10));
//   // report->status.ok(): the cluster has it; report->partition, report->offset: where.
//
// Delivery: Produce only enqueues. Every produced message gets exactly one DeliveryReport,
// success or failure, passed to the DeliveryCallback given at creation on the thread that
// serves reports: the one calling Poll, Flush, ProduceAndWait or the destructor.
//
// Transactions (ProducerOptions::transactional_id set): InitTransactions once, then
// Begin / Produce... / SendOffsetsToTransaction / Commit or Abort. Consumers that read
// with isolation read_committed see a committed transaction's messages and never an
// aborted one's (where the cluster implements it: see docs/kafka.md for the mock).
//
// Thread-safety: Produce, ProduceAndWait, Poll and Flush may be called from any thread
// at once; the transaction calls from one thread at a time, not concurrently with each
// other. The callback must not call back into the Producer's transaction methods.
#ifndef STAYAWAY_KAFKA_PRODUCER_H_
#define STAYAWAY_KAFKA_PRODUCER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "kafka/client_config.h"
#include "kafka/consumed_message.h"
#include "kafka/handles.h"
#include "kafka/topic_partition.h"

namespace stayaway::kafka {

class GroupConsumer;

struct ProducerOptions {
  // "host:port[,host:port...]"; required.
  std::string bootstrap_servers;
  // client.id, shown in the brokers' logs and metrics. Default: "stayaway".
  std::string client_id = "stayaway";
  // Non-empty: a transactional producer with this transactional.id (stable per role, so
  // a restarted owner fences its predecessor). Default: empty, idempotent only.
  std::string transactional_id;
  // How long librdkafka keeps retrying a message before reporting it failed
  // (message.timeout.ms), milliseconds. Default: 30000.
  int message_timeout_ms = 30000;
  // How long a message may wait to be batched (linger.ms), milliseconds. Default: 5.
  int linger_ms = 5;
  // How long the destructor waits for outstanding messages before reporting them failed,
  // milliseconds. Default: 10000.
  int close_timeout_ms = 10000;
  // Further librdkafka properties, applied after the ones above (they may override them).
  ClientConfig extra;
};

// The outcome of one produced message.
struct DeliveryReport {
  std::string topic;
  int32_t partition = -1;  // where it went; -1 when it never got one
  int64_t offset = -1;     // its offset in the partition; -1 when not delivered
  std::string key;
  uint64_t token = 0;  // the token given to Produce
  Status status;       // ok: the cluster has it with acks=all
};

class Producer {
 public:
  using DeliveryCallback = std::function<void(const DeliveryReport&)>;
  // Kafka's "any partition": the key's hash picks one.
  static constexpr int32_t kAnyPartition = -1;

  // A connected-on-demand producer (the first request connects); fails only on a bad
  // configuration. `on_delivery` may be empty.
  static StatusOr<std::unique_ptr<Producer>> Create(const ProducerOptions& options,
                                                    DeliveryCallback on_delivery = {});
  // Waits up to close_timeout_ms for outstanding messages, then reports the rest as
  // failed (purged) to the callback, and closes the connections.
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Enqueues one message (copied). An error here (queue full, unknown partition, fatal
  // producer error) means no DeliveryReport will come for it.
  Status Produce(std::string_view topic, std::string_view key, std::string_view value,
                 uint64_t token = 0, int32_t partition = kAnyPartition,
                 const std::vector<MessageHeader>& headers = {});

  // Produces and serves reports until this message's report came (returned, whether it
  // says delivered or failed) or `timeout` passed (then a kInternal status naming the
  // timeout; the report still comes later, to the DeliveryCallback).
  StatusOr<DeliveryReport> ProduceAndWait(std::string_view topic, std::string_view key,
                                          std::string_view value, std::chrono::milliseconds timeout,
                                          int32_t partition = kAnyPartition);

  // Serves delivery reports for up to `timeout`; returns how many events it served.
  int Poll(std::chrono::milliseconds timeout);
  // Waits until every enqueued message has its report; an error when `timeout` passed
  // first.
  Status Flush(std::chrono::milliseconds timeout);
  // Messages enqueued or in flight, without a report yet.
  int OutstandingMessages() const;

  // Transactions (transactional_id set). Each returns ok or the error, which says whether
  // it is retriable, requires an abort, or is fatal for this producer.
  Status InitTransactions(std::chrono::milliseconds timeout);
  Status BeginTransaction();
  // Adds the consumer's positions (`offsets`: next offsets to read) to the open
  // transaction, so they are committed for the consumer's group together with it.
  Status SendOffsetsToTransaction(const GroupConsumer& consumer,
                                  const std::vector<PartitionOffset>& offsets,
                                  std::chrono::milliseconds timeout);
  Status CommitTransaction(std::chrono::milliseconds timeout);
  Status AbortTransaction(std::chrono::milliseconds timeout);

 private:
  struct Waiter;
  struct Pending;
  Producer(DeliveryCallback on_delivery, int close_timeout_ms)
      : on_delivery_(std::move(on_delivery)), close_timeout_ms_(close_timeout_ms) {}
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  Status Enqueue(std::string_view topic, std::string_view key, std::string_view value,
                 int32_t partition, const std::vector<MessageHeader>& headers, Pending* pending);

  DeliveryCallback on_delivery_;
  int close_timeout_ms_;
  KafkaHandle handle_;  // last member: destroyed first, while on_delivery_ is alive
};

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_PRODUCER_H_
