// CredentialBroadcast: how a credential issued or revoked on one instance reaches the
// others (Kafka mode: daemon/kafka_credentials.h). Credentials are not inputs (they are
// not evidence and must be revocable outright: access/credential_store.h), so they go
// around the shared input log, through a channel of their own.
//
// The core calls Announce after it issued a credential and before it answers (a failure
// takes the credential back and answers the error), and Withdraw before it revokes one (a
// failure revokes nothing): an admin told "revoked" knows the cluster has the revocation,
// and every instance that reaches the cluster drops the token.
// Thread-safety: both from any thread at once.
#ifndef STAYAWAY_DAEMON_CREDENTIAL_BROADCAST_H_
#define STAYAWAY_DAEMON_CREDENTIAL_BROADCAST_H_

#include <string_view>

#include "base/status.h"
#include "proto/stayaway.pb.h"

namespace stayaway::daemon {

class CredentialBroadcast {
 public:
  virtual ~CredentialBroadcast() = default;
  // `credential` as issued, with its token digest; ok once every instance will have it.
  virtual Status Announce(const v1::Credential& credential) = 0;
  // The credential `id` is revoked; ok once every instance will drop it.
  virtual Status Withdraw(std::string_view id) = 0;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_CREDENTIAL_BROADCAST_H_
