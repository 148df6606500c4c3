// GroupConsumer: one member of a Kafka consumer group, the way several stayaway instances
// share a topic's partitions. The group's coordinator assigns each partition to exactly
// one member; when a member leaves (Close) or stops heartbeating for session_timeout_ms
// (a killed process), its partitions are reassigned to the others. Offsets are committed
// only when the caller says so (Commit), never automatically, so a message counts as done
// only after stayaway has acted on it.
//
//   auto consumer = GroupConsumer::Create(
//       {.bootstrap_servers = brokers, .group_id = "stayaway"},
//       [](RebalanceKind kind, const std::vector<TopicPartition>& partitions) { ... });
//   (*consumer)->Subscribe({"stayaway.fixes"});
//   while (running) {
//     auto message = (*consumer)->Poll(std::chrono::milliseconds(100));
//     if (message.ok() && message->has_value()) Handle(**message);
//   }
//
// Rebalances: the RebalanceCallback runs inside Poll (or Close), on the polling thread:
// kRevoked with the partitions this member is about to lose (its last chance to commit
// them), kAssigned with the ones it now owns, before any of their messages is returned.
// Reads start at the group's committed offset, else at the partition's beginning
// (from_earliest) or end.
//
// Thread-safety: one thread polls, commits and closes (thread-compatible); Assignment and
// GroupMetadata may be called from any thread.
#ifndef STAYAWAY_KAFKA_GROUP_CONSUMER_H_
#define STAYAWAY_KAFKA_GROUP_CONSUMER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "kafka/client_config.h"
#include "kafka/consumed_message.h"
#include "kafka/handles.h"
#include "kafka/topic_partition.h"

namespace stayaway::kafka {

struct ConsumerOptions {
  // "host:port[,host:port...]"; required.
  std::string bootstrap_servers;
  // group.id: members with the same id share the partitions. Default: "stayaway".
  std::string group_id = "stayaway";
  // client.id. Default: "stayaway".
  std::string client_id = "stayaway";
  // isolation.level read_committed: messages of open or aborted transactions are never
  // returned. Default: true.
  bool read_committed = true;
  // Without a committed offset, start at the partition's first message (else its end).
  // Default: true.
  bool from_earliest = true;
  // A member silent for this long is dropped from the group and its partitions move
  // (session.timeout.ms), milliseconds. Default: 10000.
  int session_timeout_ms = 10000;
  // How often a member tells the coordinator it is alive, and learns of a rebalance
  // (heartbeat.interval.ms), milliseconds; well below session_timeout_ms. Default: 1000.
  int heartbeat_interval_ms = 1000;
  // Further librdkafka properties, applied last.
  ClientConfig extra;
};

enum class RebalanceKind { kAssigned, kRevoked };

// How far behind the end of one assigned partition this member is.
struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  // The next offset this member will read: after the last message Poll returned, else the
  // group's committed offset, else where from_earliest starts; kNoOffset if unknown.
  int64_t position = kNoOffset;
  int64_t high_watermark = kNoOffset;  // the end of the partition (the next offset written)
  int64_t lag = -1;                    // high_watermark - position; -1 when either is unknown
};

class GroupConsumer {
 public:
  using RebalanceCallback =
      std::function<void(RebalanceKind kind, const std::vector<TopicPartition>& partitions)>;

  // Fails only on a bad configuration; the group is joined by Subscribe and Poll.
  static StatusOr<std::unique_ptr<GroupConsumer>> Create(const ConsumerOptions& options,
                                                         RebalanceCallback on_rebalance = {});
  // Close(), if not yet closed.
  ~GroupConsumer();
  GroupConsumer(const GroupConsumer&) = delete;
  GroupConsumer& operator=(const GroupConsumer&) = delete;

  // Replaces the subscription with `topics` (exact names).
  Status Subscribe(const std::vector<std::string>& topics);

  // The next message, waiting up to `timeout`; nullopt when none came. Serves rebalances
  // first. An error is a consumer-level event (a broker down, a topic missing); the
  // consumer goes on, the caller decides whether it matters.
  StatusOr<std::optional<ConsumedMessage>> Poll(std::chrono::milliseconds timeout);

  // Commits, synchronously, the position after the last message Poll returned on every
  // assigned partition. Ok when there was nothing new to commit.
  Status Commit();
  // Commits exactly `offsets` (next offsets to read) for this group, synchronously.
  Status CommitOffsets(const std::vector<PartitionOffset>& offsets);
  // Commits `offset` of `partition` for this group with `metadata`, a short text Kafka
  // keeps with the committed offset (OffsetCommit's metadata), synchronously. For a
  // position that is not an offset in the partition (stayaway's published-events cursor,
  // kafka_leader.h): committing it as an offset past the partition's end would make the
  // consumer reset its fetch position, and log it, at each assignment.
  Status CommitWithMetadata(const TopicPartition& partition, int64_t offset,
                            const std::string& metadata);
  // The metadata committed with `partition`'s offset for this group (empty when none was,
  // or nothing is committed), asking the coordinator for up to `timeout`.
  StatusOr<std::string> CommittedMetadata(const TopicPartition& partition,
                                          std::chrono::milliseconds timeout);
  // The group's committed offsets of `partitions` (kNoOffset where none), asking the
  // coordinator for up to `timeout`.
  StatusOr<std::vector<PartitionOffset>> Committed(const std::vector<TopicPartition>& partitions,
                                                   std::chrono::milliseconds timeout);
  // The next offset to read on each assigned partition (kNoOffset before the first read).
  std::vector<PartitionOffset> Positions();
  // Every assigned partition's lag (the consumer-lag metric), sorted by topic and
  // partition. The ends are those the last fetch responses gave; a partition not fetched
  // yet costs a request to its leader, and those this member has not read from yet one
  // request for the group's committed offsets, each waiting up to `timeout`.
  StatusOr<std::vector<PartitionLag>> Lag(std::chrono::milliseconds timeout);
  // The partitions this member owns now, sorted.
  std::vector<TopicPartition> Assignment() const;
  // The group's identity for Producer::SendOffsetsToTransaction; null before Create ends.
  GroupMetadataHandle GroupMetadata() const;

  // Leaves the group (its partitions are reassigned at once, no session timeout), after
  // a last kRevoked. Does not commit. Further calls return ok.
  Status Close();

 private:
  GroupConsumer(RebalanceCallback on_rebalance, bool from_earliest)
      : on_rebalance_(std::move(on_rebalance)), from_earliest_(from_earliest) {}
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);

  RebalanceCallback on_rebalance_;
  bool from_earliest_;
  bool closed_ = false;
  KafkaHandle handle_;  // last member: destroyed first
};

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_GROUP_CONSUMER_H_
