#include "daemon/kafka_device_keys.h"

#include <utility>

#include "daemon/log.h"
#include "kafka/topics.h"

namespace stayaway::daemon {

StatusOr<std::unique_ptr<KafkaDeviceKeys>> KafkaDeviceKeys::Create(const std::string& brokers,
                                                                   const std::string& topic) {
  std::unique_ptr<KafkaDeviceKeys> shared(new KafkaDeviceKeys());
  KafkaDeviceKeys* self = shared.get();
  StatusOr<std::unique_ptr<KafkaSharedTable>> table = KafkaSharedTable::Create(
      {.brokers = brokers,
       .topic = topic,
       .what = "device keys",
       .apply = [self](const kafka::ConsumedMessage& record) { self->Apply(record); },
       .ready = [self] { self->store_->SetSharedReady(true); }});
  if (!table.ok()) return table.status();
  shared->table_ = std::move(*table);
  return shared;
}

Status KafkaDeviceKeys::Announce(std::string_view device, const access::DeviceKey& key) {
  return table_->Set(device, access::DeviceKeyToHex(key));
}

Status KafkaDeviceKeys::Withdraw(std::string_view device) { return table_->Erase(device); }

Status KafkaDeviceKeys::Start(access::DeviceKeyStore& store) {
  store_ = &store;
  store_->SetSharedReady(false);
  return table_->Start();
}

void KafkaDeviceKeys::Stop() {
  if (table_ != nullptr) table_->Stop();
}

void KafkaDeviceKeys::Apply(const kafka::ConsumedMessage& record) {
  Status applied;
  if (record.value.empty()) {
    applied = store_->RemoveShared(record.key);
    if (applied.code() == StatusCode::kNotFound) applied = Status::Ok();  // never set here
  } else {
    StatusOr<access::DeviceKey> key = access::DeviceKeyFromHex(record.value);
    applied = key.ok() ? store_->PutShared(record.key, *key) : InvalidArgument("not a device key");
  }
  if (!applied.ok()) {
    Log(LogLevel::kError, "a shared device key cannot be held here",
        {{"device", record.key}, {"error", applied.message()}});
  }
}

}  // namespace stayaway::daemon
