// KafkaCredentials: credentials shared by the instances of a Kafka-mode centre
// (credential_broadcast.h) through the compacted topic stayaway.credentials
// (kafka/topics.h, a kafka_shared_table.h): key the credential id, value the serialized
// v1::Credential with its token digest (never a token), or a tombstone for a revocation.
// Every instance holds what the topic says in its credential store
// (CredentialStore::Put and Remove), its own announcements included; an instance started
// later learns every credential issued and revoked before. Announce and Withdraw wait for
// the cluster's acknowledgement (acks=all).
//
// The cluster's credentials are held in memory only (access/credential_store.h), learnt
// again at every start, and none of them authenticates until the topic is read to its end
// since start: a revocation made while this instance was down, or read just after the
// issue, is never missed. What an instance's credentials file holds (its bootstrap admin,
// credentials an installer provisioned) stays its own. An instance cut off from the
// cluster keeps the credentials it knew; revocations reach it when it reconnects.
// A credential from the topic that cannot be held (a name another id holds here) is
// logged and skipped.
// Thread-safety: Announce and Withdraw from any thread; Start and Stop from one.
#ifndef STAYAWAY_DAEMON_KAFKA_CREDENTIALS_H_
#define STAYAWAY_DAEMON_KAFKA_CREDENTIALS_H_

#include <memory>
#include <string>

#include "access/credential_store.h"
#include "daemon/credential_broadcast.h"
#include "daemon/kafka_shared_table.h"

namespace stayaway::daemon {

class KafkaCredentials final : public CredentialBroadcast {
 public:
  // `topic`: stayaway.credentials with the default prefix.
  static StatusOr<std::unique_ptr<KafkaCredentials>> Create(
      const std::string& brokers, const std::string& topic,
      std::shared_ptr<access::CredentialStore> store);
  ~KafkaCredentials() override { Stop(); }

  Status Announce(const v1::Credential& credential) override;
  Status Withdraw(std::string_view id) override;

  // Starts following the topic from its start.
  Status Start();
  void Stop();

 private:
  explicit KafkaCredentials(std::shared_ptr<access::CredentialStore> store)
      : store_(std::move(store)) {}
  void Apply(const kafka::ConsumedMessage& record);

  std::shared_ptr<access::CredentialStore> store_;
  std::unique_ptr<KafkaSharedTable> table_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_KAFKA_CREDENTIALS_H_
