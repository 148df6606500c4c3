// CredentialStore: the daemon's credentials: who may connect, with which roles, and for
// ingest credentials which devices. Kept in one file in the data directory
// (credentials.json, mode 0600, the JSON mapping of v1::CredentialList) that holds each
// token's SHA-256 digest, never a token (token.h). Every change is written atomically
// before it is answered; the store is not part of the journal, since credentials are not
// evidence and must be revocable outright.
//
//   auto store = CredentialStore::Open(data_dir + "/credentials.json");
//   store->EnsureBootstrapAdmin(token_from_file, now);
//   std::shared_ptr<const Principal> who = store->Authenticate(token);  // null: refused
//
// Deny by default: a store without credentials authenticates nobody. The bootstrap admin
// (named "bootstrap-admin") is how the first admin gets in; issuing the others is an
// admin's job (HTTP /v1/credentials). The last admin credential cannot be revoked.
//
// Thread-safe: Authenticate takes a shared lock (many io threads), changes an exclusive one.
#ifndef STAYAWAY_ACCESS_CREDENTIAL_STORE_H_
#define STAYAWAY_ACCESS_CREDENTIAL_STORE_H_

#include <atomic>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "access/principal.h"
#include "base/status.h"
#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace stayaway::access {

inline constexpr std::string_view kBootstrapAdminName = "bootstrap-admin";

class CredentialStore {
 public:
  // Loads the file, or starts empty when it does not exist. An unreadable or damaged file
  // is an error naming it: the daemon must not start with an access list it cannot read.
  // An empty path keeps the store in memory only (tests and tools).
  static StatusOr<std::unique_ptr<CredentialStore>> Open(std::string path);

  // The principal of a token; null when no credential has it.
  std::shared_ptr<const Principal> Authenticate(std::string_view token) const;

  // Issues a credential: `request` gives name, roles and (ingest) devices; the store picks
  // the id, the creation time and a new token, shown only in the answer.
  // InvalidArgument for a bad request, AlreadyExists for a name in use. `shared` (Kafka
  // mode): the credential is the cluster's, held in memory like Put's, never in the file.
  StatusOr<v1::IssuedCredential> Issue(const v1::Credential& request, TimeMs now,
                                       bool shared = false);
  // Removes the credential; its open connections see it revoked. NotFound for an unknown
  // id, FailedPrecondition for the last admin. Answers what was revoked.
  StatusOr<v1::Credential> Revoke(std::string_view id);
  // Whether Revoke(id) would succeed now: the credential (without its digest), or
  // Revoke's error.
  StatusOr<v1::Credential> CheckRevocable(std::string_view id) const;

  // The cluster's credentials (Kafka mode, daemon/kafka_credentials.h). They are held in
  // memory only, never written to the file: an instance learns them again from the
  // cluster at every start, so a revocation made while it was down cannot be undone by
  // its file. Until SetSharedReady(true) (the cluster's record read to its end since
  // start) none of them authenticates: a token revoked in the record is never taken
  // between reading its issue and its revocation.
  // Put holds `credential` as an instance issued it, its digest included, in place of
  // one with its id. InvalidArgument for a bad one (no id, a digest that is not 64 hex
  // digits, a bad request), AlreadyExists for a name another id holds.
  Status Put(const v1::Credential& credential);
  // Remove drops the credential if held (its open connections see it revoked), with no
  // last-admin check: that was made where it was revoked.
  Status Remove(std::string_view id);
  // Whether the cluster's credentials authenticate (default true: a store without a
  // cluster has none).
  void SetSharedReady(bool ready);

  // Makes `token` the bootstrap admin's token, creating that credential if needed.
  // InvalidArgument for a token shorter than kMinTokenLength.
  Status EnsureBootstrapAdmin(std::string_view token, TimeMs now);

  // Every credential, by id, without token digests.
  std::vector<v1::Credential> List() const;
  std::size_t size() const;

 private:
  struct Entry {
    v1::Credential credential;  // with its digest
    bool shared = false;        // the cluster's: in memory only, never in the file
    std::shared_ptr<std::atomic<bool>> revoked = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<const Principal> principal;
  };

  explicit CredentialStore(std::string path) : path_(std::move(path)) {}
  // Rebuilds the digest index and principals after a change. Exclusive lock held.
  void Index();
  // Writes every credential to the file. Exclusive lock held.
  Status Save() const;
  Status Add(v1::Credential credential, bool shared = false);
  bool IsLastAdmin(const std::string& id) const;

  const std::string path_;
  mutable std::shared_mutex mu_;
  std::map<std::string, Entry> by_id_;                          // guarded by mu_
  std::unordered_map<std::string, const Entry*> by_digest_;     // guarded by mu_
  bool shared_ready_ = true;                                    // guarded by mu_
};

// Checks what a request for a new credential asks for: a name (1-128 printable
// characters), at least one role, each once, and devices exactly when it has the ingest
// role (patterns of 1-256 characters, "*" only at the end).
Status ValidateCredentialRequest(const v1::Credential& request);

}  // namespace stayaway::access

#endif  // STAYAWAY_ACCESS_CREDENTIAL_STORE_H_
