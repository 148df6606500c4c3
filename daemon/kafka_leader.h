// KafkaLeader: decides which instance leads, and does the leader's work. Of the instances
// on one shared input log (kafka_follower.h) exactly one leads at a time: the member of
// the leadership consumer group (GROUP-leader) that Kafka assigns partition 0 of
// stayaway.leader. The leader
//   - writes a tick into the input log every tick interval (the centre's time: comms lost
//     and acknowledgement deadlines fire on every instance at the same input), and
//   - publishes every event of the event log to stayaway.events (key: alert_id; value: the
//     JSON `stayaway replay` prints; header stayaway-event-seq: the event's seq), and
//     commits the seq of the first event not yet confirmed by the cluster with the
//     group's offset on stayaway.leader, as its metadata ("next_event_seq=N").
// When the leader dies (its session times out) or stops (it leaves the group at once),
// Kafka assigns the partition to another instance, which already holds the same state and
// the same event log: it publishes from the committed seq on. Delivery is at least once:
// events the old leader published but had not committed yet are published again, with
// the same seq, which consumers use to drop repeats.
//
// An instance joins the leadership group only once its follower has caught up with the
// log, so a new or restarted instance never leads while it is behind.
//
// A leader that can no longer do the work hands it over (leader_fitness.h): when the log
// has taken none of its ticks for `stall_grace`, or its own core has not applied one of
// them within `stall_grace` (its journal cannot be written, say), it stops leading and
// leaves the group, so another instance leads at once. It joins again once its core has
// caught up with the log (and applied the tick it had not), and no sooner than
// `stall_grace` later. A leader whose thread
// hangs outright stops polling the group, and librdkafka makes it leave after
// max.poll.interval.ms (the session timeout, at least 10 s).
//
// The dispatchers that follow the event log out of the daemon (webhooks, victim gateways)
// run on the leader only. Their cursors (dispatcher_cursors: name -> next seq) are
// committed with the events cursor, in the same metadata ("next_event_seq=N;NAME=M;..."),
// so the next leader's dispatchers go on from where these were, each at its own pace.
// Hooks: on_lead(start) runs when this instance starts leading, before it publishes, with
// where the dispatchers go on from (DispatchStart); on_follow() when it stops. Both on the
// leader's thread.
//
// Metrics (metrics.h): stayaway_kafka_leader, _rebalances_total, _takeover_seconds,
// _events_published_total, _publish_failures_total, _handovers_total{reason}.
// Thread-safety: Start and Stop from one thread; the rest is the leader's own thread.
#ifndef STAYAWAY_DAEMON_KAFKA_LEADER_H_
#define STAYAWAY_DAEMON_KAFKA_LEADER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "daemon/core.h"
#include "daemon/kafka_follower.h"
#include "daemon/leader_fitness.h"
#include "daemon/shared_input_log.h"
#include "kafka/group_consumer.h"
#include "kafka/producer.h"
#include "kafka/topics.h"

namespace stayaway::daemon {

// Where the dispatchers go on from when an instance starts leading.
struct DispatchStart {
  // The cursors the last leader committed, by dispatcher name.
  std::map<std::string, uint64_t> committed;
  // Where a dispatcher without a committed cursor begins: the events cursor the last
  // leader committed, the same whichever instance leads, or 1 when none ever was. Never
  // "now" on this instance: when the lead moves before its first commit (a group still
  // settling), the events between would reach no dispatcher.
  uint64_t uncommitted_from = 1;
};

struct KafkaLeaderOptions {
  kafka::ConsumerOptions consumer;  // group_id: the leadership group
  kafka::ProducerOptions producer;  // for stayaway.events
  // The topics, with the default prefix unless set.
  std::string leader_topic = kafka::kLeaderTopic;
  std::string events_topic = kafka::kEventsTopic;
  TimeMs tick_interval_ms = 1000;
  // A leader whose ticks do not come back applied by its own core within this long hands
  // over the lead (leader_fitness.h).
  std::chrono::milliseconds stall_grace{5000};
  std::function<std::map<std::string, uint64_t>()> dispatcher_cursors;
  std::function<void(const DispatchStart& start)> on_lead;
  std::function<void()> on_follow;
};

class KafkaLeader {
 public:
  KafkaLeader(Core& core, SharedInputLog& log, const KafkaFollower& follower,
              KafkaLeaderOptions options)
      : core_(core),
        log_(log),
        follower_(follower),
        options_(std::move(options)),
        fitness_(std::make_shared<LeaderFitness>(options_.stall_grace)) {}
  ~KafkaLeader() { Stop(); }
  KafkaLeader(const KafkaLeader&) = delete;
  KafkaLeader& operator=(const KafkaLeader&) = delete;

  Status Start();
  // Stops leading (committing what was confirmed) and leaves the group at once, so
  // another instance takes over without waiting for a session timeout. After it nothing
  // of this object calls the core.
  void Stop();

 private:
  StatusOr<std::unique_ptr<kafka::GroupConsumer>> MakeConsumer();
  void Run();
  // Waits until this instance may join the leadership group, after `handed_over` when
  // it gave up the lead; false when stopping.
  bool WaitToJoin(const std::optional<Unfitness>& handed_over);
  // Polls the group and leads when made leader, until stopping (nullopt) or until this
  // instance is unfit to lead (why: it has stopped leading).
  std::optional<Unfitness> Serve();
  void WriteTick(std::chrono::steady_clock::time_point now);
  void BeginLeading();
  void EndLeading();
  void Publish();
  void CommitCursor();
  void OnDelivery(const kafka::DeliveryReport& report);

  Core& core_;
  SharedInputLog& log_;
  const KafkaFollower& follower_;
  KafkaLeaderOptions options_;
  // Shared with the ticks' delivery callbacks, which the input log may call after this
  // object is gone.
  std::shared_ptr<LeaderFitness> fitness_;
  std::unique_ptr<kafka::GroupConsumer> consumer_;
  std::unique_ptr<kafka::Producer> producer_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  // The leader's thread only (delivery reports are served there too).
  bool assigned_ = false;  // the rebalance gave this member the partition
  bool leading_ = false;   // and it has begun leading
  uint64_t next_to_send_ = 1;
  uint64_t committed_ = 0;          // the events cursor last committed
  std::string committed_metadata_;  // every cursor, as last committed
  std::set<uint64_t> outstanding_;  // sent, not yet confirmed
  uint64_t takeover_target_ = 0;    // 0: no takeover being timed
  std::chrono::steady_clock::time_point lead_started_;
  std::chrono::steady_clock::time_point next_tick_;
  std::chrono::steady_clock::time_point next_commit_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_KAFKA_LEADER_H_
