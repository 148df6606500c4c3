// The topics of stayaway's Kafka mode (docs/kafka.md has the design): their names, and
// which are keyed how. Only names for now; the daemon does not use Kafka yet.
#ifndef STAYAWAY_KAFKA_TOPICS_H_
#define STAYAWAY_KAFKA_TOPICS_H_

namespace stayaway::kafka {

// In: one fix per message (replay JSON or Traccar's forwarded JSON), keyed by device id,
// any partitioning.
inline constexpr char kFixesTopic[] = "stayaway.fixes";
// Out: one event per message (the JSON `stayaway replay` prints), keyed by alert_id.
inline constexpr char kEventsTopic[] = "stayaway.events";
// Internal: every input re-keyed by case group, on partition ShardOf(group, N).
inline constexpr char kInputTopic[] = "stayaway.input";
// Internal, compacted: each partition's latest engine snapshot, keyed by partition.
inline constexpr char kSnapshotsTopic[] = "stayaway.snapshots";
// Compacted, keyed by id: the centre's shared configuration.
inline constexpr char kOrdersTopic[] = "stayaway.orders";
inline constexpr char kZonesTopic[] = "stayaway.zones";
inline constexpr char kCredentialsTopic[] = "stayaway.credentials";
// Compacted, keyed by alert_id: operators' acknowledgements and resolutions.
inline constexpr char kAlertActionsTopic[] = "stayaway.alert-actions";

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_TOPICS_H_
