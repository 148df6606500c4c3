// MockCluster: librdkafka's built-in mock Kafka cluster (rdkafka_mock.h), hosted by this
// process: N brokers listening on loopback TCP that speak the Kafka protocol (produce
// with acks=all and idempotence, transactions, consumer groups with committed offsets,
// metadata), so any client, in this process or another, reaches it with
// bootstrap_servers() as it would a real cluster. Its data lives in memory and is lost
// with it. For tests and benchmarks only: librdkafka marks the mock API experimental.
//
// Topics: librdkafka 2.0.2's mock has no CreateTopics; a topic is created on first use
// with 4 partitions, or beforehand with CreateTopic and a chosen partition count.
//
// Thread-safety: the brokers run on librdkafka's threads; CreateTopic and
// bootstrap_servers may be called from any thread.
#ifndef STAYAWAY_KAFKA_MOCK_CLUSTER_H_
#define STAYAWAY_KAFKA_MOCK_CLUSTER_H_

#include <memory>
#include <string>

#include "base/status.h"
#include "kafka/handles.h"

struct rd_kafka_mock_cluster_s;

namespace stayaway::kafka {

class MockCluster {
 public:
  // A cluster of `brokers` (>= 1) brokers with ids 1..brokers on free loopback ports.
  static StatusOr<std::unique_ptr<MockCluster>> Create(int brokers);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  // "127.0.0.1:PORT,..." (one per broker).
  std::string bootstrap_servers() const;
  int brokers() const { return brokers_; }

  // Creates `topic` with `partitions` (>= 1) partitions, each replicated on
  // min(3, brokers) brokers. An error when it exists.
  Status CreateTopic(const std::string& topic, int partitions);

 private:
  MockCluster() = default;
  int brokers_ = 0;
  KafkaHandle handle_;  // the client instance the mock cluster is attached to
  rd_kafka_mock_cluster_s* cluster_ = nullptr;  // destroyed before handle_
};

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_MOCK_CLUSTER_H_
