#include "daemon/kafka_credentials.h"

#include <pthread.h>

#include <chrono>
#include <optional>
#include <utility>

#include "daemon/log.h"
#include "kafka/topics.h"

namespace stayaway::daemon {
namespace {

constexpr auto kAckTimeout = std::chrono::seconds(15);

}  // namespace

StatusOr<std::unique_ptr<KafkaCredentials>> KafkaCredentials::Create(
    const std::string& brokers, std::shared_ptr<access::CredentialStore> store) {
  std::unique_ptr<KafkaCredentials> shared(new KafkaCredentials(brokers, std::move(store)));
  kafka::ProducerOptions options;
  options.bootstrap_servers = brokers;
  options.client_id = "stayawayd-credentials";
  options.linger_ms = 0;
  options.message_timeout_ms =
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(kAckTimeout).count());
  StatusOr<std::unique_ptr<kafka::Producer>> producer = kafka::Producer::Create(options);
  if (!producer.ok()) return producer.status();
  shared->producer_ = std::move(*producer);
  return shared;
}

Status KafkaCredentials::Announce(const v1::Credential& credential) {
  StatusOr<kafka::DeliveryReport> report =
      producer_->ProduceAndWait(kafka::kCredentialsTopic, credential.id(),
                                credential.SerializeAsString(), kAckTimeout, /*partition=*/0);
  if (!report.ok()) return report.status();
  return report->status;
}

Status KafkaCredentials::Withdraw(std::string_view id) {
  // No value at all (not an empty one): a tombstone, which compaction keeps as the last
  // word on the id.
  StatusOr<kafka::DeliveryReport> report = producer_->ProduceAndWait(
      kafka::kCredentialsTopic, id, std::string_view(), kAckTimeout, /*partition=*/0);
  if (!report.ok()) return report.status();
  return report->status;
}

Status KafkaCredentials::Start() {
  // None of the cluster's credentials authenticates until its record is read to the end.
  store_->SetSharedReady(false);
  kafka::PartitionReaderOptions options;
  options.bootstrap_servers = brokers_;
  options.client_id = "stayawayd-credentials";
  StatusOr<std::unique_ptr<kafka::PartitionReader>> reader =
      kafka::PartitionReader::Open(options, {kafka::kCredentialsTopic, 0}, 0);
  if (!reader.ok()) return reader.status();
  stopping_.store(false);
  thread_ = std::thread([this, r = std::move(*reader)]() mutable {
    ::pthread_setname_np(::pthread_self(), "sa-kafka-creds");
    Run(std::move(r));
  });
  return Status::Ok();
}

void KafkaCredentials::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void KafkaCredentials::Run(std::unique_ptr<kafka::PartitionReader> reader) {
  auto next_complaint = std::chrono::steady_clock::time_point();
  bool ready = false;
  while (!stopping_.load()) {
    StatusOr<std::optional<kafka::ConsumedMessage>> message =
        reader->Read(std::chrono::milliseconds(100));
    if (!message.ok()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_complaint) {
        next_complaint = now + std::chrono::seconds(10);
        Log(LogLevel::kWarning, "cannot read the shared credentials",
            {{"error", message.status().message()}});
      }
      continue;
    }
    if (!message->has_value()) {
      // Read to the end once since start: the cluster's credentials are as it says.
      if (!ready) {
        std::optional<std::pair<int64_t, int64_t>> marks = reader->LastWatermarks();
        if (marks.has_value() && reader->position() >= marks->second) {
          ready = true;
          store_->SetSharedReady(true);
          Log(LogLevel::kInfo, "the cluster's credentials are read",
              {{"records", std::to_string(reader->position())}});
        }
      }
      continue;
    }
    const kafka::ConsumedMessage& record = **message;
    Status applied;
    if (record.value.empty()) {
      applied = store_->Remove(record.key);
    } else {
      v1::Credential credential;
      applied = credential.ParseFromString(record.value) && credential.id() == record.key
                    ? store_->Put(credential)
                    : InvalidArgument("not a credential");
    }
    if (!applied.ok()) {
      Log(LogLevel::kError, "a shared credential cannot be held here",
          {{"credential", record.key}, {"error", applied.message()}});
    }
    applied_.store(record.offset + 1);
  }
}

}  // namespace stayaway::daemon
