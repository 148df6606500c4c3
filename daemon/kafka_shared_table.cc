#include "daemon/kafka_shared_table.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "daemon/log.h"

namespace stayaway::daemon {
namespace {

constexpr auto kAckTimeout = std::chrono::seconds(15);

}  // namespace

std::string KafkaSharedTable::ClientId() const {
  std::string id = "stayawayd-" + options_.what;
  std::replace(id.begin(), id.end(), ' ', '-');
  return id;
}

StatusOr<std::unique_ptr<KafkaSharedTable>> KafkaSharedTable::Create(
    KafkaSharedTableOptions options) {
  std::unique_ptr<KafkaSharedTable> table(new KafkaSharedTable(std::move(options)));
  kafka::ProducerOptions producer_options;
  producer_options.bootstrap_servers = table->options_.brokers;
  producer_options.client_id = table->ClientId();
  producer_options.linger_ms = 0;
  producer_options.message_timeout_ms =
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(kAckTimeout).count());
  StatusOr<std::unique_ptr<kafka::Producer>> producer = kafka::Producer::Create(producer_options);
  if (!producer.ok()) return producer.status();
  table->producer_ = std::move(*producer);
  return table;
}

Status KafkaSharedTable::Set(std::string_view key, std::string_view value) {
  if (value.empty()) return InvalidArgument("a shared row needs a value");
  StatusOr<kafka::DeliveryReport> report =
      producer_->ProduceAndWait(options_.topic, key, value, kAckTimeout, /*partition=*/0);
  if (!report.ok()) return report.status();
  return report->status;
}

Status KafkaSharedTable::Erase(std::string_view key) {
  // No value at all (not an empty one): a tombstone.
  StatusOr<kafka::DeliveryReport> report = producer_->ProduceAndWait(
      options_.topic, key, std::string_view(), kAckTimeout, /*partition=*/0);
  if (!report.ok()) return report.status();
  return report->status;
}

Status KafkaSharedTable::Start() {
  kafka::PartitionReaderOptions reader_options;
  reader_options.bootstrap_servers = options_.brokers;
  reader_options.client_id = ClientId();
  StatusOr<std::unique_ptr<kafka::PartitionReader>> reader =
      kafka::PartitionReader::Open(reader_options, {options_.topic, 0}, 0);
  if (!reader.ok()) return reader.status();
  stopping_.store(false);
  thread_ = std::thread([this, r = std::move(*reader)]() mutable {
    ::pthread_setname_np(::pthread_self(), "sa-kafka-table");
    Run(std::move(r));
  });
  return Status::Ok();
}

void KafkaSharedTable::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void KafkaSharedTable::Run(std::unique_ptr<kafka::PartitionReader> reader) {
  auto next_complaint = std::chrono::steady_clock::time_point();
  bool ready = false;
  while (!stopping_.load()) {
    StatusOr<std::optional<kafka::ConsumedMessage>> message =
        reader->Read(std::chrono::milliseconds(100));
    if (!message.ok()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_complaint) {
        next_complaint = now + std::chrono::seconds(10);
        Log(LogLevel::kWarning, "cannot read the cluster's " + options_.what,
            {{"topic", options_.topic}, {"error", message.status().message()}});
      }
      continue;
    }
    if (!message->has_value()) {
      // Read to the end once since start: the table is as the cluster says.
      if (!ready) {
        std::optional<std::pair<int64_t, int64_t>> marks = reader->LastWatermarks();
        if (marks.has_value() && reader->position() >= marks->second) {
          ready = true;
          Log(LogLevel::kInfo, "the cluster's " + options_.what + " are read",
              {{"records", std::to_string(reader->position())}});
          if (options_.ready) options_.ready();
        }
      }
      continue;
    }
    options_.apply(**message);
    applied_.store((*message)->offset + 1);
  }
}

}  // namespace stayaway::daemon
