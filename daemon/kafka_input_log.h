// KafkaInputLog: the shared input log (shared_input_log.h) on a Kafka topic: partition 0
// of stayaway.input (kafka/topics.h), each input one message, its value the serialized
// v1::Input (the journal's record), its key the input's kind (journal/input_kind.h: "fix",
// ...). Written with acks=all and idempotence (kafka/producer.h), so an input is
// answered only once every in-sync replica holds it, and retries never duplicate or
// reorder inputs.
//
// One thread of its own serves the producer's delivery reports and calls each Append's
// `done` from there.
// Thread-safety: Append from any thread at once.
#ifndef STAYAWAY_DAEMON_KAFKA_INPUT_LOG_H_
#define STAYAWAY_DAEMON_KAFKA_INPUT_LOG_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/shared_input_log.h"
#include "kafka/producer.h"

namespace stayaway::daemon {

class KafkaInputLog final : public SharedInputLog {
 public:
  // Fails only on a bad configuration; the cluster is reached by the first Append.
  // `topic`: the log's (one partition), stayaway.input with the default prefix.
  static StatusOr<std::unique_ptr<KafkaInputLog>> Create(const kafka::ProducerOptions& options,
                                                         std::string topic);
  // Waits for the answers still due (up to the producer's close timeout; the rest are
  // answered failed), then stops the thread.
  ~KafkaInputLog() override;

  void Append(std::vector<v1::Input> inputs, AppendDone done) override;

 private:
  struct Batch {
    std::vector<AppendResult> results;
    size_t unanswered = 0;
    AppendDone done;
  };
  KafkaInputLog() = default;
  void OnDelivery(const kafka::DeliveryReport& report);
  // One input of `batch` answered; calls its done after the last one (outside mu_).
  void Answer(const std::shared_ptr<Batch>& batch, size_t index, AppendResult result);

  std::mutex mu_;
  uint64_t next_token_ = 1;                                                  // guarded by mu_
  std::map<uint64_t, std::pair<std::shared_ptr<Batch>, size_t>> in_flight_;  // guarded by mu_
  std::atomic<bool> stopping_{false};
  std::string topic_;
  std::unique_ptr<kafka::Producer> producer_;
  std::thread reports_;  // serves delivery reports
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_KAFKA_INPUT_LOG_H_
