// KafkaSharedTable: a table that every instance of a Kafka-mode centre holds alike,
// through one compacted topic of one partition: the key is a row's id, the value the
// row's bytes, and no value at all (a tombstone, which compaction keeps as the last word
// on the id) removes the row. Set and Erase wait for the cluster's acknowledgement
// (acks=all). Every instance reads the topic from its start on a thread of its own and
// hands each record to `apply`, its own included, so an instance started later learns
// every row set and removed before; it calls `ready` once, when it has read the topic to
// its end since start. Used for credentials (kafka_credentials.h) and device keys
// (kafka_device_keys.h), which are not inputs: not evidence, and revocable outright.
//
// Thread-safety: Set and Erase from any thread; Start and Stop from one. The callbacks
// run on the table's thread.
#ifndef STAYAWAY_DAEMON_KAFKA_SHARED_TABLE_H_
#define STAYAWAY_DAEMON_KAFKA_SHARED_TABLE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "base/status.h"
#include "kafka/consumed_message.h"
#include "kafka/partition_reader.h"
#include "kafka/producer.h"

namespace stayaway::daemon {

struct KafkaSharedTableOptions {
  std::string brokers;    // "host:port[,host:port...]"
  std::string topic;      // compacted, one partition
  // For the log ("credentials", "device keys"), and the client id in the brokers' logs
  // ("stayawayd-" and this, spaces as dashes).
  std::string what;
  // A record of the topic: value empty for a tombstone.
  std::function<void(const kafka::ConsumedMessage& record)> apply;
  // The topic has been read to its end since Start.
  std::function<void()> ready;
};

class KafkaSharedTable {
 public:
  static StatusOr<std::unique_ptr<KafkaSharedTable>> Create(KafkaSharedTableOptions options);
  ~KafkaSharedTable() { Stop(); }
  KafkaSharedTable(const KafkaSharedTable&) = delete;
  KafkaSharedTable& operator=(const KafkaSharedTable&) = delete;

  // Sets the row `key` to `value` (not empty); ok once the cluster holds it.
  Status Set(std::string_view key, std::string_view value);
  // Removes the row `key`; ok once the cluster holds the tombstone.
  Status Erase(std::string_view key);

  // Starts following the topic from its start.
  Status Start();
  void Stop();
  // How many records of the topic this instance has applied.
  int64_t applied() const { return applied_.load(); }

 private:
  explicit KafkaSharedTable(KafkaSharedTableOptions options) : options_(std::move(options)) {}
  void Run(std::unique_ptr<kafka::PartitionReader> reader);
  std::string ClientId() const;

  KafkaSharedTableOptions options_;
  std::unique_ptr<kafka::Producer> producer_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> applied_{0};
  std::thread thread_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_KAFKA_SHARED_TABLE_H_
