// The snapshot topic of Kafka mode (PREFIX + "snapshots", kafka/topics.h; docs/kafka.md):
// the leader publishes the state its journal stands for at a log offset, and an instance
// with an empty journal starts from the newest one instead of reading the input log from
// its start.
//
// A snapshot is the journal's retention base (evidence/retention_base.h) made at the start
// of a journal segment (evidence/base_at_segment.h): the engine, event numbering, Merkle
// frontier and catalogue there, every event numbered so far, and the order and zone
// versions in force with their proof paths, so evidence an instance started from it cuts
// still proves the order terms. It is the blob kafka::kSnapshotBlob (kafka/topics.h; the
// blob layer is kafka/blob_topic.h), saved with first_segment 1, and its version is the
// base's position: the log offset of the first input it does not hold (journal records
// and log offsets are one to one, core.h). Every instance applies the one log, so a base
// made by any instance serves all.
//
// Publishing (KafkaSnapshotPublisher). While this instance leads, every check interval,
// it looks for journal segments completed since the newest base it has: its journal's
// own (after retention), or the one it made last, kept in the journal directory
// (kPublisherDir, so it goes wherever the journal goes). From there it makes the base at
// the start of each next segment in turn, keeps the newest, and puts it on the topic
// unless the topic holds one at least as new (another leader's), or this instance stopped
// leading meanwhile. The cost is a replay of the journal since the last base, on the
// publisher's own thread (never the engine's) and in memory beside the engine (a second
// engine while it replays). Stop cancels a replay at its next record, but waits for a
// topic read or write under way (up to the topic's timeout).
//
// Starting (StartFromClusterSnapshot), before the core starts: a journal directory that
// holds nothing yet gets the topic's newest snapshot as its base; the core recovers from
// it and the follower reads the log from its offset on.
//
// Thread-safety: Start and Stop from one thread; Lead and Follow from any.
#ifndef STAYAWAY_DAEMON_KAFKA_SNAPSHOTS_H_
#define STAYAWAY_DAEMON_KAFKA_SNAPSHOTS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/status.h"
#include "daemon/metrics.h"
#include "engine/engine_config.h"
#include "kafka/blob_topic.h"

namespace stayaway::daemon {

// The publisher's own base, in this directory of the journal directory.
inline constexpr char kPublisherDir[] = "snapshot-publisher";

// When `journal_dir` holds no segment and no base, and the topic holds a snapshot, checks
// it (size and digest, that it parses, that its version is its position and its first
// segment 1, that its frontier and proof paths hold together, that its engine loads with
// `engine`) and saves it as the journal's base; a publisher's base left from an earlier
// journal is removed. Returns the log offset the journal then starts at, or nullopt when
// it took none (the journal holds something already, or the topic no snapshot). An error
// (the topic unreadable, the snapshot refused) leaves the journal directory as it was.
StatusOr<std::optional<int64_t>> StartFromClusterSnapshot(const kafka::BlobTopicOptions& topic,
                                                          const std::string& journal_dir,
                                                          const engine::EngineSettings& engine);

struct KafkaSnapshotPublisherOptions {
  kafka::BlobTopicOptions topic;  // the snapshot topic
  std::string journal_dir;        // this instance's journal
  engine::EngineSettings engine;  // the core's: the base's engine is replayed with them
  std::chrono::milliseconds check_interval{60'000};
};

class KafkaSnapshotPublisher {
 public:
  // `metrics`: stayaway_kafka_snapshots_total and _snapshot_offset; outlives this.
  KafkaSnapshotPublisher(KafkaSnapshotPublisherOptions options, Metrics& metrics)
      : options_(std::move(options)), metrics_(metrics) {}
  ~KafkaSnapshotPublisher() { Stop(); }
  KafkaSnapshotPublisher(const KafkaSnapshotPublisher&) = delete;
  KafkaSnapshotPublisher& operator=(const KafkaSnapshotPublisher&) = delete;

  // Starts the thread, idle until Lead.
  Status Start();
  // Cancels a replay under way, then stops the thread.
  void Stop();
  // This instance leads: a check at once, then every check interval. Follow: no more
  // bases made or published (the one being made is finished and kept).
  void Lead();
  void Follow();

 private:
  void Run();
  // One check: makes the bases due and publishes the newest. Ok when nothing was due.
  Status PublishDue();
  // The newest version the topic holds, read once per leadership (nullopt: unknown yet).
  std::optional<uint64_t> TopicVersion();

  const KafkaSnapshotPublisherOptions options_;
  const std::string made_dir_ = options_.journal_dir + "/" + kPublisherDir;
  Metrics& metrics_;
  std::unique_ptr<kafka::BlobTopicWriter> writer_;
  std::atomic<bool> leading_{false};
  std::atomic<bool> stopping_{false};      // also cancels a replay (journal::ReadOptions)
  std::atomic<bool> reread_topic_{false};  // set by Lead: topic_version_ is a past lead's
  std::mutex mu_;
  std::condition_variable wake_;  // with mu_
  bool check_now_ = false;        // guarded by mu_: Lead asks for a check at once
  std::thread thread_;
  // The publisher's thread only: the newest version the topic holds as far as this
  // leadership knows; how many reads of it failed in a row.
  std::optional<uint64_t> topic_version_;
  int topic_read_failures_ = 0;
  // The journal's newest segment when a check last left nothing to do: until another
  // segment starts, a check need not load the bases (megabytes) again.
  std::optional<uint32_t> settled_at_segment_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_KAFKA_SNAPSHOTS_H_
