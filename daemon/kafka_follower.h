// KafkaFollower: applies the shared input log (stayaway.input, kafka_input_log.h) to this
// instance's core, in the log's order, from where the core's journal left off
// (Core::LoggedPosition). Every instance runs one, the leader included: all of them hold
// the same state, so any can lead at once after another dies.
//
// A record that does not parse as a v1::Input, and a hole in the offsets (records the
// cluster lost: logged as an error), is applied as an empty input, so the journal's
// records and the log's offsets stay one to one (core.h). When the core refuses a run (a
// journal write failed), the follower reads the log again from where the core is, waiting
// longer each time it is refused again (200 ms, doubling up to 5 s; said every 10 s). The
// log ending before the journal does (another cluster, or a topic recreated) and the log
// no longer holding the next offset (retention) are reported every 10 s; a recreated
// topic that has grown past the journal is not told apart (docs/kafka.md).
//
// Lag: stayaway_kafka_lag{topic="stayaway.input",partition="0"} is the log's end, as the
// last fetch gave it, minus the offset applied, refreshed every second.
// Thread-safety: Start and Stop from one thread; CaughtUp and Behind from any.
#ifndef STAYAWAY_DAEMON_KAFKA_FOLLOWER_H_
#define STAYAWAY_DAEMON_KAFKA_FOLLOWER_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "daemon/core.h"
#include "kafka/partition_reader.h"

namespace stayaway::daemon {

class KafkaFollower {
 public:
  // `topic`: the log's (one partition), stayaway.input with the default prefix.
  KafkaFollower(Core& core, kafka::PartitionReaderOptions options, std::string topic)
      : core_(core), options_(std::move(options)), topic_(std::move(topic)) {}
  ~KafkaFollower() { Stop(); }
  KafkaFollower(const KafkaFollower&) = delete;
  KafkaFollower& operator=(const KafkaFollower&) = delete;

  // Starts the thread (after Core::Start).
  Status Start();
  void Stop();
  // Whether the core has applied, at least once since Start, the log to within one run
  // (2,000 inputs) of its end.
  bool CaughtUp() const { return caught_up_.load(); }
  // How many inputs the core has yet to apply to reach the log's end as the last fetch
  // gave it (refreshed every second); nullopt before the first fetch.
  std::optional<int64_t> Behind() const;

 private:
  void Run(std::unique_ptr<kafka::PartitionReader> reader);

  Core& core_;
  kafka::PartitionReaderOptions options_;
  const std::string topic_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<int64_t> log_end_{-1};  // the last fetch's high watermark; -1: none yet
  std::thread thread_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_KAFKA_FOLLOWER_H_
