// KafkaFixesIntake: takes fixes from the stayaway.fixes topic (kafka/topics.h), where
// Traccar (forward.type=kafka) and other gateways put them. The instances share the
// topic's partitions as members of one consumer group (--kafka-group, default
// "stayaway"); each message is one fix, as
//   - the JSON Traccar forwards ({"position": {...}, "device": {...}},
//     ingest/traccar_codec.h), or
//   - a line of `stayaway replay` input, a fix ({"device": ..., "seq": ..., ...},
//     ingest/json_codec.h); ticks are refused (the leader keeps the centre's time).
// Messages are taken in runs (up to 500, or what came within 20 ms) and submitted as one
// batch (Core::SubmitFixes, source "kafka"): checked like every port's fixes and appended
// to the shared input log; the group's offsets are committed only once the log holds the
// run, so a crash in between reads the run again (the engine drops the repeats as
// duplicates). A message that cannot be read, a fix of a device no order names
// ("unknown_device": Traccar forwards every device it tracks), or a fix the core refuses
// is counted (stayaway_fixes_rejected_total{source="kafka",reason}) and the run goes on.
//
// Lag: stayaway_kafka_lag{topic="stayaway.fixes",partition} for each partition this
// member owns, refreshed every second.
// Thread-safety: Start and Stop from one thread; the rest is its own thread.
#ifndef STAYAWAY_DAEMON_KAFKA_FIXES_INTAKE_H_
#define STAYAWAY_DAEMON_KAFKA_FIXES_INTAKE_H_

#include <atomic>
#include <memory>
#include <string_view>
#include <thread>

#include "base/status.h"
#include "daemon/core.h"
#include "kafka/group_consumer.h"

namespace stayaway::daemon {

// The fix one stayaway.fixes message holds, in either format above.
StatusOr<v1::Fix> ParseFixMessage(std::string_view value);

class KafkaFixesIntake {
 public:
  KafkaFixesIntake(Core& core, kafka::ConsumerOptions options)
      : core_(core), options_(std::move(options)) {}
  ~KafkaFixesIntake() { Stop(); }
  KafkaFixesIntake(const KafkaFixesIntake&) = delete;
  KafkaFixesIntake& operator=(const KafkaFixesIntake&) = delete;

  Status Start();
  // Leaves the group at once (another member takes the partitions).
  void Stop();

 private:
  void Run();

  Core& core_;
  kafka::ConsumerOptions options_;
  std::unique_ptr<kafka::GroupConsumer> consumer_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_KAFKA_FIXES_INTAKE_H_
