#include "kafka/topic_admin.h"

#include <librdkafka/rdkafka.h>

#include "kafka/client_config.h"
#include "kafka/kafka_status.h"

namespace stayaway::kafka {
namespace {

struct TopicDestroy {
  void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
};
struct MetadataDestroy {
  void operator()(const rd_kafka_metadata_t* metadata) const {
    rd_kafka_metadata_destroy(metadata);
  }
};
struct NewTopicDestroy {
  void operator()(rd_kafka_NewTopic_t* topic) const { rd_kafka_NewTopic_destroy(topic); }
};
struct AdminOptionsDestroy {
  void operator()(rd_kafka_AdminOptions_t* options) const {
    rd_kafka_AdminOptions_destroy(options);
  }
};
struct QueueDestroy {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
struct EventDestroy {
  void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};

}  // namespace

StatusOr<std::unique_ptr<TopicAdmin>> TopicAdmin::Create(const std::string& bootstrap_servers) {
  if (bootstrap_servers.empty()) return InvalidArgument("kafka: no bootstrap servers");
  StatusOr<ConfHandle> conf = ClientConfig()
                                  .Set("bootstrap.servers", bootstrap_servers)
                                  .Set("client.id", "stayaway-admin")
                                  // Asking about a topic must not create it.
                                  .Set("allow.auto.create.topics", "false")
                                  .Build();
  if (!conf.ok()) return conf.status();
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr, sizeof(errstr));
  if (rk == nullptr) return InvalidArgument(std::string("kafka: new admin client: ") + errstr);
  (void)conf->release();
  std::unique_ptr<TopicAdmin> admin(new TopicAdmin());
  admin->handle_.reset(rk);
  return admin;
}

StatusOr<int> TopicAdmin::PartitionCount(const std::string& topic,
                                         std::chrono::milliseconds timeout) {
  std::unique_ptr<rd_kafka_topic_t, TopicDestroy> handle(
      rd_kafka_topic_new(handle_.get(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(handle_.get(), /*all_topics=*/0, handle.get(),
                                                    &raw, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaStatus(err, "metadata of " + topic);
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDestroy> metadata(raw);
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = metadata->topics[i];
    if (topic != t.topic) continue;
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || t.partition_cnt == 0) {
      return NotFound("kafka: topic " + topic + " does not exist");
    }
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaStatus(t.err, "metadata of " + topic);
    return t.partition_cnt;
  }
  return NotFound("kafka: topic " + topic + " does not exist");
}

Status TopicAdmin::EnsureTopic(const TopicSpec& spec, std::chrono::milliseconds timeout) {
  StatusOr<int> count = PartitionCount(spec.name, timeout);
  if (count.ok()) {
    if (*count == spec.partitions) return Status::Ok();
    return FailedPrecondition("kafka: topic " + spec.name + " has " + std::to_string(*count) +
                              " partitions, stayaway expects " + std::to_string(spec.partitions));
  }
  if (count.status().code() != StatusCode::kNotFound) return count.status();

  char errstr[512];
  std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDestroy> topic(rd_kafka_NewTopic_new(
      spec.name.c_str(), spec.partitions, spec.replication_factor, errstr, sizeof(errstr)));
  if (topic == nullptr) return InvalidArgument("kafka: topic " + spec.name + ": " + errstr);
  if (spec.compacted) {
    Status set = KafkaStatus(rd_kafka_NewTopic_set_config(topic.get(), "cleanup.policy", "compact"),
                             "configure topic " + spec.name);
    if (!set.ok()) return set;
  }
  if (spec.kept_forever) {
    Status set = KafkaStatus(rd_kafka_NewTopic_set_config(topic.get(), "retention.ms", "-1"),
                             "configure topic " + spec.name);
    if (!set.ok()) return set;
  }
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDestroy> options(
      rd_kafka_AdminOptions_new(handle_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), static_cast<int>(timeout.count()),
                                            errstr, sizeof(errstr));
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), static_cast<int>(timeout.count()),
                                              errstr, sizeof(errstr));
  std::unique_ptr<rd_kafka_queue_t, QueueDestroy> queue(rd_kafka_queue_new(handle_.get()));
  rd_kafka_NewTopic_t* topics[] = {topic.get()};
  rd_kafka_CreateTopics(handle_.get(), topics, 1, options.get(), queue.get());
  // The admin result comes back as one event on the queue.
  std::unique_ptr<rd_kafka_event_t, EventDestroy> event(
      rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count()) + 1000));
  if (event == nullptr) {
    return Status(StatusCode::kInternal, "kafka: create topic " + spec.name + ": no answer");
  }
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status(StatusCode::kInternal, "kafka: create topic " + spec.name + ": " +
                                             rd_kafka_event_error_string(event.get()));
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &n);
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      continue;
    }
    const char* text = rd_kafka_topic_result_error_string(results[i]);
    return Status(StatusCode::kInternal, "kafka: create topic " + spec.name + ": " +
                                             rd_kafka_err2name(err) + " (" +
                                             (text != nullptr ? text : "") + ")");
  }
  return Status::Ok();
}

}  // namespace stayaway::kafka
