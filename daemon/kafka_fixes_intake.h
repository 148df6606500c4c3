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
// duplicates); a run the log did not take is sent again until it does. A message that
// cannot be read, or a fix refused for what it is, is counted
// (stayaway_fixes_rejected_total{source="kafka",reason}) and the run goes on. Fixes of
// devices no order names go into the log too (the engine refuses them, "not_found"):
// whether an order names a device depends on where each instance is in the log, so no
// instance may judge it on its own. A centre whose Traccar tracks other devices forwards
// only those stayaway monitors (a Traccar group), or pays for the others in the log.
// The intake joins the group only once this instance has caught up with the shared log.
//
// Lag: stayaway_kafka_lag{topic="stayaway.fixes",partition} for each partition this
// member owns, refreshed every second.
// Thread-safety: Start and Stop from one thread; the rest is its own thread.
#ifndef STAYAWAY_DAEMON_KAFKA_FIXES_INTAKE_H_
#define STAYAWAY_DAEMON_KAFKA_FIXES_INTAKE_H_

#include <atomic>
#include <functional>
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
  // `ready`: whether this instance has caught up with the shared log (the follower's
  // CaughtUp); the intake joins the group only then. Empty: at once.
  // `topic`: stayaway.fixes with the default prefix.
  KafkaFixesIntake(Core& core, kafka::ConsumerOptions options, std::string topic,
                   std::function<bool()> ready = {})
      : core_(core),
        options_(std::move(options)),
        topic_(std::move(topic)),
        ready_(std::move(ready)) {}
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
  const std::string topic_;
  std::function<bool()> ready_;
  std::unique_ptr<kafka::GroupConsumer> consumer_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_KAFKA_FIXES_INTAKE_H_
