// The topics of stayaway's Kafka mode (docs/kafka.md has the design): their names, what
// they hold and how they are keyed. Format promises: a new version reads what an older
// one wrote there. The names below are a centre's with the default prefix "stayaway.";
// a centre with a prefix of its own ([kafka] topic_prefix) uses TopicNames::WithPrefix,
// so that several centres share one cluster.
#ifndef STAYAWAY_KAFKA_TOPICS_H_
#define STAYAWAY_KAFKA_TOPICS_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace stayaway::kafka {

inline constexpr char kDefaultTopicPrefix[] = "stayaway.";

// In: one fix per message (replay JSON or Traccar's forwarded JSON), keyed by device id,
// any partitioning. Read by the instances of the consumer group (daemon/kafka_fixes_intake.h).
inline constexpr char kFixesTopic[] = "stayaway.fixes";
// Out: one event per message (the JSON `stayaway replay` prints), keyed by alert_id, with
// the header kEventSeqHeader. Written by the leader (daemon/kafka_leader.h).
inline constexpr char kEventsTopic[] = "stayaway.events";
// Internal: the shared input log, one partition; each message one serialized v1::Input
// (the journal's record), keyed by the input's kind. Every instance applies all of it.
inline constexpr char kInputTopic[] = "stayaway.input";
// Internal: one partition, never written; the member of the leadership group that owns
// it leads, and the metadata of the group's committed offset on it is the next event seq
// to publish ("next_event_seq=N").
inline constexpr char kLeaderTopic[] = "stayaway.leader";

// Internal, compacted: the credentials the instances' APIs issue and revoke, one
// partition, keyed by credential id; a serialized v1::Credential with its token digest,
// or a tombstone for a revocation (daemon/kafka_credentials.h).
inline constexpr char kCredentialsTopic[] = "stayaway.credentials";

// Internal, compacted: the device keys the instances' APIs set and remove, one partition,
// keyed by device id; the key as 64 hex digits, or a tombstone for a removal
// (daemon/kafka_device_keys.h). Secrets: readable by stayaway's instances only.
inline constexpr char kDeviceKeysTopic[] = "stayaway.device-keys";

// Internal, compacted: snapshots a new instance starts from instead of reading the input
// log from its start, one partition, as blobs (blob_topic.h) named kSnapshotBlob: the
// journal's retention base at a log offset, the blob's version (evidence/retention_base.h;
// daemon/kafka_snapshots.h writes and reads them).
inline constexpr char kSnapshotsTopic[] = "stayaway.snapshots";
inline constexpr char kSnapshotBlob[] = "base";

// The header on every stayaway.events message: the event's sequence number in the event
// log, the same on every instance (they apply one log), so consumers drop repeats.
inline constexpr char kEventSeqHeader[] = "stayaway-event-seq";

// One centre's topic names: its prefix, then the default names' ends.
struct TopicNames {
  std::string fixes = kFixesTopic;
  std::string events = kEventsTopic;
  std::string input = kInputTopic;
  std::string leader = kLeaderTopic;
  std::string credentials = kCredentialsTopic;
  std::string device_keys = kDeviceKeysTopic;
  std::string snapshots = kSnapshotsTopic;

  // PREFIX + "fixes", PREFIX + "events", ...: "stayaway." gives the defaults.
  static TopicNames WithPrefix(std::string_view prefix);
};

// Ok for a prefix every name of TopicNames takes: 1 to 200 characters of [A-Za-z0-9._-]
// (what Kafka allows in a topic name, with room for the ends); InvalidArgument otherwise.
Status CheckTopicPrefix(std::string_view prefix);

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_TOPICS_H_
