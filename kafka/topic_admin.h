// TopicAdmin: what stayaway checks and sets up about its topics at start-up. Kafka mode
// places a case group on partition ShardOf(group, N) (engine/case_groups.h), so N, the
// partition count of a keyed topic, is part of the data's layout: an instance must refuse
// to start against a topic whose count differs from what it expects, never silently
// re-spread. EnsureTopic creates a missing topic (CreateTopics, on a real cluster) and
// checks an existing one's partition count.
//
// librdkafka 2.0.2's mock cluster answers metadata but has no CreateTopics: there topics
// come from MockCluster::CreateTopic, or appear with 4 partitions on first use, including
// a metadata request for them (so EnsureTopic of a topic the mock never had finds 4).
//
// Thread-safety: thread-safe (each call is one request on librdkafka's threads).
#ifndef STAYAWAY_KAFKA_TOPIC_ADMIN_H_
#define STAYAWAY_KAFKA_TOPIC_ADMIN_H_

#include <chrono>
#include <memory>
#include <string>

#include "base/status.h"
#include "kafka/handles.h"

namespace stayaway::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = 3;
  // cleanup.policy=compact: only the latest value of each key is kept (orders, zones,
  // credentials, snapshots). Default: false (delete after retention).
  bool compacted = false;
  // retention.ms=-1: nothing is ever deleted for its age (the shared input log, which a
  // new instance reads from its start). Default: false (the cluster's retention).
  bool kept_forever = false;
};

class TopicAdmin {
 public:
  static StatusOr<std::unique_ptr<TopicAdmin>> Create(const std::string& bootstrap_servers);

  // The topic's partition count; NotFound when the cluster does not have it. Asks the
  // cluster not to create it (librdkafka 2.0.2's mock creates it anyway, with 4).
  StatusOr<int> PartitionCount(const std::string& topic, std::chrono::milliseconds timeout);

  // Ok when the topic exists with spec.partitions partitions, after creating it if it was
  // missing; FailedPrecondition when it exists with another count.
  Status EnsureTopic(const TopicSpec& spec, std::chrono::milliseconds timeout);

 private:
  TopicAdmin() = default;
  KafkaHandle handle_;
};

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_TOPIC_ADMIN_H_
