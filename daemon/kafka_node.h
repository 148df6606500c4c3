// KafkaNode: one stayawayd instance in Kafka mode (docs/kafka.md), the parts together:
//   - the shared input log it appends to (kafka_input_log.h), which the core is built on
//     (CoreOptions::shared_log);
//   - the follower, applying that log to the core (kafka_follower.h);
//   - the leader election and the leader's work: ticks and stayaway.events
//     (kafka_leader.h);
//   - the intake of stayaway.fixes (kafka_fixes_intake.h);
//   - the credentials shared between instances (kafka_credentials.h), which the core
//     announces through (CoreOptions::credential_broadcast);
//   - the device keys shared between instances (kafka_device_keys.h), likewise
//     (CoreOptions::device_key_broadcast);
//   - the snapshot topic (kafka_snapshots.h): a new instance starts from its newest
//     snapshot, and the leader publishes them.
//
//   auto node = KafkaNode::Create(options);        // checks the topics
//   (*node)->StartFromSnapshot();                   // an empty journal: the cluster's
//                                                   // newest snapshot as its base
//   core_options.shared_log = (*node)->input_log();
//   Core core(core_options); core.Start();
//   (*node)->Start(core);
//   ...
//   (*node)->Stop();                                // before core.Stop()
//
// Consumer groups: GROUP shares stayaway.fixes; GROUP-leader elects the leader.
// Thread-safety: Create, Start and Stop from one thread.
#ifndef STAYAWAY_DAEMON_KAFKA_NODE_H_
#define STAYAWAY_DAEMON_KAFKA_NODE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "daemon/core.h"
#include "daemon/kafka_credentials.h"
#include "daemon/kafka_device_keys.h"
#include "daemon/kafka_fixes_intake.h"
#include "daemon/kafka_follower.h"
#include "daemon/kafka_input_log.h"
#include "daemon/kafka_leader.h"
#include "daemon/kafka_snapshots.h"
#include "engine/engine_config.h"

namespace stayaway::daemon {

struct KafkaNodeOptions {
  std::string brokers;  // "host:port[,host:port...]"
  std::string group = "stayaway";
  // The centre's topics (kafka/topics.h): stayaway.* unless a prefix of its own.
  kafka::TopicNames topics;
  // How long a silent instance keeps its part (session.timeout.ms): a killed leader is
  // replaced after about this long (docs/kafka.md: twice it, minus 1 s, in the mock).
  int session_timeout_ms = 6000;
  // client.id, in the brokers' logs; default "stayawayd".
  std::string client_id = "stayawayd";
  // Replicas of the topics it creates when they are missing.
  int replication_factor = 3;
  TimeMs tick_interval_ms = 1000;
  // A leader whose ticks do not come back applied by its own core within this long hands
  // over the lead (leader_fitness.h).
  int leader_stall_ms = 5000;
  // The instance's credential store, which the shared credentials are held in; required.
  std::shared_ptr<access::CredentialStore> credentials;
  // KafkaLeaderOptions: the dispatchers' cursors and the leadership hooks.
  std::function<std::map<std::string, uint64_t>()> dispatcher_cursors;
  std::function<void(const DispatchStart& start)> on_lead;
  std::function<void()> on_follow;
  // Snapshots (kafka_snapshots.h); none while journal_dir is empty (a core in memory).
  std::string journal_dir;        // the core's journal
  engine::EngineSettings engine;  // the core's
  int snapshot_check_ms = 60'000;
};

class KafkaNode {
 public:
  // Checks (creating them when missing) stayaway.input, stayaway.leader,
  // stayaway.credentials, stayaway.device-keys and stayaway.snapshots, one partition each;
  // FailedPrecondition when one exists with another count.
  static StatusOr<std::unique_ptr<KafkaNode>> Create(KafkaNodeOptions options);
  ~KafkaNode() { Stop(); }
  KafkaNode(const KafkaNode&) = delete;
  KafkaNode& operator=(const KafkaNode&) = delete;

  std::shared_ptr<SharedInputLog> input_log() const { return input_log_; }
  std::shared_ptr<CredentialBroadcast> credential_broadcast() const { return credentials_; }
  std::shared_ptr<DeviceKeyBroadcast> device_key_broadcast() const { return device_keys_; }
  // Before the core starts: an empty journal gets the cluster's newest snapshot as its
  // base (StartFromClusterSnapshot). An error (the topic unreadable, the snapshot
  // refused) should stop the instance: started on the log instead, it would never take a
  // snapshot later, and the log may no longer hold its start. The leader replaces a
  // snapshot nobody can read (kafka_snapshots.h).
  Status StartFromSnapshot();
  // Starts following the shared credentials, device keys and the log, then the leader
  // election and the fixes intake.
  Status Start(Core& core);
  // Stops the intake, then leading (another instance takes over at once), then following
  // the log and the credentials.
  void Stop();

 private:
  explicit KafkaNode(KafkaNodeOptions options) : options_(std::move(options)) {}

  KafkaNodeOptions options_;
  std::shared_ptr<KafkaInputLog> input_log_;
  std::shared_ptr<KafkaCredentials> credentials_;
  std::shared_ptr<KafkaDeviceKeys> device_keys_;
  std::unique_ptr<KafkaFollower> follower_;
  std::unique_ptr<KafkaLeader> leader_;
  std::unique_ptr<KafkaFixesIntake> intake_;
  std::unique_ptr<KafkaSnapshotPublisher> snapshots_;
  std::optional<int64_t> started_from_;  // the snapshot StartFromSnapshot took
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_KAFKA_NODE_H_
