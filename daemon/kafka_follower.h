// KafkaFollower: applies the shared input log (stayaway.input, kafka_input_log.h) to this
// instance's core, in the log's order, from where the core's journal left off
// (Core::LoggedPosition). Every instance runs one, the leader included: all of them hold
// the same state, so any can lead at once after another dies.
//
// A record that does not parse as a v1::Input, and a hole in the offsets (records the
// cluster lost: logged as an error), is applied as an empty input, so the journal's
// records and the log's offsets stay one to one (core.h). When the core refuses a run (a
// journal write failed), the follower reads the log again from where the core is. The
// log ending before the journal does (another cluster, or a topic recreated) and the log
// no longer holding the next offset (retention) are reported every 10 s; a recreated
// topic that has grown past the journal is not told apart (docs/kafka.md).
//
// Lag: stayaway_kafka_lag{topic="stayaway.input",partition="0"} is the log's end, as the
// last fetch gave it, minus the offset applied, refreshed every second.
// Thread-safety: Start and Stop from one thread; CaughtUp from any.
#ifndef STAYAWAY_DAEMON_KAFKA_FOLLOWER_H_
#define STAYAWAY_DAEMON_KAFKA_FOLLOWER_H_

#include <atomic>
#include <string>
#include <thread>

#include "daemon/core.h"
#include "kafka/partition_reader.h"

namespace stayaway::daemon {

class KafkaFollower {
 public:
  KafkaFollower(Core& core, kafka::PartitionReaderOptions options)
      : core_(core), options_(std::move(options)) {}
  ~KafkaFollower() { Stop(); }
  KafkaFollower(const KafkaFollower&) = delete;
  KafkaFollower& operator=(const KafkaFollower&) = delete;

  // Starts the thread (after Core::Start).
  Status Start();
  void Stop();
  // Whether the core has applied, at least once since Start, the log to within one run
  // (2,000 inputs) of its end.
  bool CaughtUp() const { return caught_up_.load(); }

 private:
  void Run(std::unique_ptr<kafka::PartitionReader> reader);

  Core& core_;
  kafka::PartitionReaderOptions options_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> caught_up_{false};
  std::thread thread_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_KAFKA_FOLLOWER_H_
