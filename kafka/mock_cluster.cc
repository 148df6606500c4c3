#include "kafka/mock_cluster.h"

// clang-format off: rdkafka_mock.h must follow rdkafka.h
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
// clang-format on

#include <algorithm>

#include "kafka/client_config.h"
#include "kafka/kafka_status.h"

namespace stayaway::kafka {

StatusOr<std::unique_ptr<MockCluster>> MockCluster::Create(int brokers) {
  if (brokers < 1) return InvalidArgument("kafka: a mock cluster needs at least one broker");
  // The instance only hosts the cluster: it never connects anywhere.
  // Its notice that it has no bootstrap servers is expected: warnings and worse only.
  StatusOr<ConfHandle> conf =
      ClientConfig().Set("client.id", "stayaway-mock-cluster").Set("log_level", "4").Build();
  if (!conf.ok()) return conf.status();
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr, sizeof(errstr));
  if (rk == nullptr) return InvalidArgument(std::string("kafka: mock cluster host: ") + errstr);
  (void)conf->release();
  std::unique_ptr<MockCluster> cluster(new MockCluster());
  cluster->handle_.reset(rk);
  cluster->cluster_ = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster->cluster_ == nullptr) {
    return Status(StatusCode::kInternal, "kafka: the mock cluster did not start");
  }
  cluster->brokers_ = brokers;
  return cluster;
}

MockCluster::~MockCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
}

std::string MockCluster::bootstrap_servers() const {
  return rd_kafka_mock_cluster_bootstraps(cluster_);
}

Status MockCluster::CreateTopic(const std::string& topic, int partitions) {
  if (partitions < 1) return InvalidArgument("kafka: topic " + topic + " needs a partition");
  return KafkaStatus(
      rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, std::min(3, brokers_)),
      "create topic " + topic);
}

}  // namespace stayaway::kafka
