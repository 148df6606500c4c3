// KafkaDeviceKeys: device keys shared by the instances of a Kafka-mode centre
// (device_key_broadcast.h) through the compacted topic stayaway.device-keys
// (kafka/topics.h, a kafka_shared_table.h): key the device id, value its key as 64 hex
// digits, or a tombstone for a removal. Every instance holds what the topic says in its
// device key store, in memory (DeviceKeyStore::PutShared and RemoveShared), its own
// announcements included; an instance started later learns every key set and removed
// before. Until the topic is read to its end since start the store is not ready, and
// the core takes no fix (a keyed device's forged fix could not be told apart).
//
// The topic holds secrets: a centre's cluster grants it to stayaway's instances only,
// as it does the input log (docs/kafka.md). A record that is not a key is logged (never
// its text) and skipped.
// Thread-safety: Announce and Withdraw from any thread; Start and Stop from one.
#ifndef STAYAWAY_DAEMON_KAFKA_DEVICE_KEYS_H_
#define STAYAWAY_DAEMON_KAFKA_DEVICE_KEYS_H_

#include <memory>
#include <string>

#include "access/device_key_store.h"
#include "daemon/device_key_broadcast.h"
#include "daemon/kafka_shared_table.h"

namespace stayaway::daemon {

class KafkaDeviceKeys final : public DeviceKeyBroadcast {
 public:
  // `topic`: stayaway.device-keys with the default prefix.
  static StatusOr<std::unique_ptr<KafkaDeviceKeys>> Create(const std::string& brokers,
                                                           const std::string& topic);
  ~KafkaDeviceKeys() override { Stop(); }

  Status Announce(std::string_view device, const access::DeviceKey& key) override;
  Status Withdraw(std::string_view device) override;

  // Starts following the topic from its start into `store` (which must outlive Stop),
  // not ready until read to the end.
  Status Start(access::DeviceKeyStore& store);
  void Stop();

 private:
  KafkaDeviceKeys() = default;
  void Apply(const kafka::ConsumedMessage& record);

  access::DeviceKeyStore* store_ = nullptr;  // set by Start, before the table's thread
  std::unique_ptr<KafkaSharedTable> table_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_KAFKA_DEVICE_KEYS_H_
