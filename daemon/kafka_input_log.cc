#include "daemon/kafka_input_log.h"

#include <pthread.h>

#include <chrono>
#include <utility>

#include "journal/input_kind.h"
#include "kafka/topics.h"

namespace stayaway::daemon {

StatusOr<std::unique_ptr<KafkaInputLog>> KafkaInputLog::Create(
    const kafka::ProducerOptions& options, std::string topic) {
  std::unique_ptr<KafkaInputLog> log(new KafkaInputLog());
  log->topic_ = std::move(topic);
  KafkaInputLog* self = log.get();
  StatusOr<std::unique_ptr<kafka::Producer>> producer = kafka::Producer::Create(
      options, [self](const kafka::DeliveryReport& report) { self->OnDelivery(report); });
  if (!producer.ok()) return producer.status();
  log->producer_ = std::move(*producer);
  log->reports_ = std::thread([self] {
    ::pthread_setname_np(::pthread_self(), "sa-kafka-log");
    while (!self->stopping_.load()) self->producer_->Poll(std::chrono::milliseconds(50));
  });
  return log;
}

KafkaInputLog::~KafkaInputLog() {
  stopping_.store(true);
  if (reports_.joinable()) reports_.join();
  // The producer's destructor waits for the answers still due, then reports the rest as
  // failed, through OnDelivery: every Append is answered.
  producer_.reset();
}

void KafkaInputLog::Append(std::vector<v1::Input> inputs, AppendDone done) {
  auto batch = std::make_shared<Batch>();
  batch->results.resize(inputs.size());
  batch->unanswered = inputs.size();
  batch->done = std::move(done);
  if (inputs.empty()) {
    batch->done({});
    return;
  }
  std::string value;
  for (size_t i = 0; i < inputs.size(); ++i) {
    uint64_t token;
    {
      std::lock_guard<std::mutex> lock(mu_);
      token = next_token_++;
      in_flight_.emplace(token, std::make_pair(batch, i));
    }
    value.clear();
    inputs[i].SerializeToString(&value);
    Status produced = producer_->Produce(topic_, journal::InputKindName(inputs[i]), value, token,
                                         /*partition=*/0);
    if (!produced.ok()) {
      // No delivery report comes for it: answered here.
      {
        std::lock_guard<std::mutex> lock(mu_);
        in_flight_.erase(token);
      }
      Answer(batch, i, {std::move(produced), -1});
    }
  }
}

void KafkaInputLog::OnDelivery(const kafka::DeliveryReport& report) {
  std::pair<std::shared_ptr<Batch>, size_t> place;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = in_flight_.find(report.token);
    if (found == in_flight_.end()) return;
    place = std::move(found->second);
    in_flight_.erase(found);
  }
  Answer(place.first, place.second, {report.status, report.offset});
}

void KafkaInputLog::Answer(const std::shared_ptr<Batch>& batch, size_t index, AppendResult result) {
  bool last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch->results[index] = std::move(result);
    last = --batch->unanswered == 0;
  }
  if (last) batch->done(std::move(batch->results));
}

}  // namespace stayaway::daemon
