#include "daemon/kafka_node.h"

#include <chrono>
#include <utility>

#include "access/device_key_store.h"
#include "daemon/log.h"
#include "kafka/client_log.h"
#include "kafka/topic_admin.h"
#include "kafka/topics.h"

namespace stayaway::daemon {

StatusOr<std::unique_ptr<KafkaNode>> KafkaNode::Create(KafkaNodeOptions options) {
  if (options.brokers.empty()) return InvalidArgument("kafka: no brokers");
  if (options.group.empty()) return InvalidArgument("kafka: no group");
  // librdkafka's own lines into the daemon's log, as JSON like every other line.
  kafka::SetClientLogSink([](int level, std::string_view facility, std::string_view message) {
    Log(level <= 3   ? LogLevel::kError
        : level == 4 ? LogLevel::kWarning
                     : LogLevel::kInfo,
        "kafka client", {{"facility", std::string(facility)}, {"detail", std::string(message)}});
  });
  StatusOr<std::unique_ptr<kafka::TopicAdmin>> admin = kafka::TopicAdmin::Create(options.brokers);
  if (!admin.ok()) return admin.status();
  // One partition each: the input log is one order every instance shares, and one
  // instance leads. The input log keeps everything: a new instance reads it from the
  // newest snapshot on, or from its start when there is none.
  if (options.credentials == nullptr) return InvalidArgument("kafka: no credential store");
  const kafka::TopicNames& topics = options.topics;
  for (kafka::TopicSpec spec : {kafka::TopicSpec{topics.input, 1, 3, false, true},
                                kafka::TopicSpec{topics.leader, 1, 3, false, false},
                                kafka::TopicSpec{topics.credentials, 1, 3, true, false},
                                kafka::TopicSpec{topics.device_keys, 1, 3, true, false},
                                kafka::TopicSpec{topics.snapshots, 1, 3, true, false}}) {
    spec.replication_factor = options.replication_factor;
    if (Status s = (*admin)->EnsureTopic(spec, std::chrono::seconds(15)); !s.ok()) return s;
  }
  std::unique_ptr<KafkaNode> node(new KafkaNode(std::move(options)));
  kafka::ProducerOptions producer;
  producer.bootstrap_servers = node->options_.brokers;
  producer.client_id = node->options_.client_id;
  producer.linger_ms = 1;  // the ack to a device waits for it
  StatusOr<std::unique_ptr<KafkaInputLog>> log =
      KafkaInputLog::Create(producer, node->options_.topics.input);
  if (!log.ok()) return log.status();
  node->input_log_ = std::move(*log);
  StatusOr<std::unique_ptr<KafkaCredentials>> credentials = KafkaCredentials::Create(
      node->options_.brokers, node->options_.topics.credentials, node->options_.credentials);
  if (!credentials.ok()) return credentials.status();
  node->credentials_ = std::move(*credentials);
  StatusOr<std::unique_ptr<KafkaDeviceKeys>> device_keys =
      KafkaDeviceKeys::Create(node->options_.brokers, node->options_.topics.device_keys);
  if (!device_keys.ok()) return device_keys.status();
  node->device_keys_ = std::move(*device_keys);
  return node;
}

namespace {

kafka::BlobTopicOptions SnapshotTopic(const KafkaNodeOptions& options) {
  kafka::BlobTopicOptions topic;
  topic.bootstrap_servers = options.brokers;
  topic.client_id = options.client_id;
  topic.topic = options.topics.snapshots;
  return topic;
}

}  // namespace

Status KafkaNode::StartFromSnapshot() {
  if (options_.journal_dir.empty()) return Status::Ok();
  StatusOr<std::optional<int64_t>> taken =
      StartFromClusterSnapshot(SnapshotTopic(options_), options_.journal_dir, options_.engine);
  if (!taken.ok()) return taken.status();
  if (taken->has_value()) {
    Log(LogLevel::kInfo, "started from the cluster's snapshot",
        {{"log_offset", std::to_string(**taken)}});
  }
  started_from_ = *taken;
  return Status::Ok();
}

Status KafkaNode::Start(Core& core) {
  if (started_from_) core.metrics().SetKafkaSnapshotOffset(*started_from_);
  if (!options_.journal_dir.empty()) {
    KafkaSnapshotPublisherOptions publisher;
    publisher.topic = SnapshotTopic(options_);
    publisher.journal_dir = options_.journal_dir;
    publisher.engine = options_.engine;
    publisher.check_interval = std::chrono::milliseconds(options_.snapshot_check_ms);
    snapshots_ = std::make_unique<KafkaSnapshotPublisher>(std::move(publisher), core.metrics());
    if (Status s = snapshots_->Start(); !s.ok()) return s;
  }
  if (Status s = credentials_->Start(); !s.ok()) return s;
  if (Status s = device_keys_->Start(core.device_key_store()); !s.ok()) return s;
  kafka::PartitionReaderOptions reader;
  reader.bootstrap_servers = options_.brokers;
  reader.client_id = options_.client_id;
  // A fetch the broker holds open for new records returns as soon as one comes on a real
  // broker, but librdkafka's mock holds it for this long whatever comes: kept short, an
  // input waits at most this long there (and an idle instance asks 100 times a second).
  reader.extra.Set("fetch.wait.max.ms", "10");
  follower_ = std::make_unique<KafkaFollower>(core, reader, options_.topics.input);
  if (Status s = follower_->Start(); !s.ok()) return s;

  KafkaLeaderOptions leader;
  leader.consumer.bootstrap_servers = options_.brokers;
  leader.consumer.client_id = options_.client_id;
  leader.consumer.group_id = options_.group + "-leader";
  leader.consumer.session_timeout_ms = options_.session_timeout_ms;
  leader.consumer.heartbeat_interval_ms = std::max(100, options_.session_timeout_ms / 6);
  // The eager round-robin assignor: a joining member may take the lead (a takeover like
  // any other: at least once, the same seqs). cooperative-sticky would keep it where it
  // is, but librdkafka 2.0.2 aborts when such a consumer that never had an assignment is
  // destroyed (librdkafka issue 4312, fixed in 2.3.0), which every follower is.
  leader.consumer.extra.Set("partition.assignment.strategy", "roundrobin");
  leader.producer.bootstrap_servers = options_.brokers;
  leader.producer.client_id = options_.client_id;
  leader.producer.linger_ms = 1;
  leader.leader_topic = options_.topics.leader;
  leader.events_topic = options_.topics.events;
  leader.tick_interval_ms = options_.tick_interval_ms;
  leader.stall_grace = std::chrono::milliseconds(options_.leader_stall_ms);
  leader.dispatcher_cursors = options_.dispatcher_cursors;
  leader.on_lead = [this](const DispatchStart& start) {
    if (snapshots_ != nullptr) snapshots_->Lead();
    if (options_.on_lead) options_.on_lead(start);
  };
  leader.on_follow = [this] {
    if (snapshots_ != nullptr) snapshots_->Follow();
    if (options_.on_follow) options_.on_follow();
  };
  leader_ = std::make_unique<KafkaLeader>(core, *input_log_, *follower_, std::move(leader));
  if (Status s = leader_->Start(); !s.ok()) return s;

  kafka::ConsumerOptions intake;
  intake.bootstrap_servers = options_.brokers;
  intake.client_id = options_.client_id;
  intake.group_id = options_.group;
  intake.session_timeout_ms = options_.session_timeout_ms;
  intake.heartbeat_interval_ms = std::max(100, options_.session_timeout_ms / 6);
  intake.extra.Set("partition.assignment.strategy", "roundrobin");  // as for the leader
  intake.extra.Set("fetch.wait.max.ms", "10");  // as for the input log, above
  intake_ = std::make_unique<KafkaFixesIntake>(
      core, std::move(intake), options_.topics.fixes,
      [follower = follower_.get()] { return follower->CaughtUp(); });
  return intake_->Start();
}

void KafkaNode::Stop() {
  if (intake_ != nullptr) intake_->Stop();
  if (leader_ != nullptr) leader_->Stop();
  if (snapshots_ != nullptr) snapshots_->Stop();
  if (follower_ != nullptr) follower_->Stop();
  if (device_keys_ != nullptr) device_keys_->Stop();
  if (credentials_ != nullptr) credentials_->Stop();
}

}  // namespace stayaway::daemon
