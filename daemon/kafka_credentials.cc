#include "daemon/kafka_credentials.h"

#include <utility>

#include "daemon/log.h"
#include "kafka/topics.h"

namespace stayaway::daemon {

StatusOr<std::unique_ptr<KafkaCredentials>> KafkaCredentials::Create(
    const std::string& brokers, const std::string& topic,
    std::shared_ptr<access::CredentialStore> store) {
  std::unique_ptr<KafkaCredentials> shared(new KafkaCredentials(std::move(store)));
  KafkaCredentials* self = shared.get();
  StatusOr<std::unique_ptr<KafkaSharedTable>> table = KafkaSharedTable::Create(
      {.brokers = brokers,
       .topic = topic,
       .what = "credentials",
       .apply = [self](const kafka::ConsumedMessage& record) { self->Apply(record); },
       .ready = [self] { self->store_->SetSharedReady(true); }});
  if (!table.ok()) return table.status();
  shared->table_ = std::move(*table);
  return shared;
}

Status KafkaCredentials::Announce(const v1::Credential& credential) {
  return table_->Set(credential.id(), credential.SerializeAsString());
}

Status KafkaCredentials::Withdraw(std::string_view id) { return table_->Erase(id); }

Status KafkaCredentials::Start() {
  // None of the cluster's credentials authenticates until its record is read to the end.
  store_->SetSharedReady(false);
  return table_->Start();
}

void KafkaCredentials::Stop() {
  if (table_ != nullptr) table_->Stop();
}

void KafkaCredentials::Apply(const kafka::ConsumedMessage& record) {
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
}

}  // namespace stayaway::daemon
