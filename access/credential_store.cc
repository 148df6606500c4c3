#include "access/credential_store.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>
#include <set>

#include "access/token.h"
#include "base/file_io.h"
#include "base/hex.h"
#include "base/random.h"
#include "base/sha256.h"

namespace stayaway::access {

namespace pbutil = google::protobuf::util;

namespace {

constexpr std::size_t kMaxNameLength = 128;
constexpr std::size_t kMaxPatternLength = 256;
constexpr std::size_t kMaxDevicePatterns = 100'000;

bool HasRole(const v1::Credential& credential, Role role) {
  return std::find(credential.roles().begin(), credential.roles().end(), role) !=
         credential.roles().end();
}

StatusOr<std::string> NewCredentialId() {
  std::array<uint8_t, 6> random{};
  if (Status s = RandomBytes(random); !s.ok()) return s;
  return "cred-" + HexEncode(random);
}

v1::Credential WithoutDigest(v1::Credential credential) {
  credential.clear_token_sha256();
  return credential;
}

// What TokenDigest writes: a SHA-256 in lower-case hex.
bool IsHexDigest(std::string_view text) { return IsLowerHex(text, kSha256Bytes); }

}  // namespace

Status ValidateCredentialRequest(const v1::Credential& request) {
  const std::string& name = request.name();
  if (name.empty() || name.size() > kMaxNameLength) {
    return InvalidArgument("a credential needs a name of 1 to " +
                           std::to_string(kMaxNameLength) + " characters");
  }
  if (!std::all_of(name.begin(), name.end(),
                   [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; })) {
    return InvalidArgument("a credential's name may not hold control characters");
  }
  if (request.roles().empty()) return InvalidArgument("a credential needs at least one role");
  std::set<int> seen;
  for (int role : request.roles()) {
    if (!ParseRole(RoleName(static_cast<Role>(role)))) {
      return InvalidArgument(
          "unknown role; the roles are ingest, operator, admin, auditor, evidence, protected");
    }
    if (!seen.insert(role).second) {
      return InvalidArgument("role " + std::string(RoleName(static_cast<Role>(role))) +
                             " is given twice");
    }
  }
  const bool ingest = HasRole(request, v1::Credential::ingest);
  const bool protected_person = HasRole(request, v1::Credential::protected_);
  if (protected_person) {
    // Her app's credential: one person, her own devices by exact id, nothing else.
    if (request.roles_size() != 1) {
      return InvalidArgument("a protected person's credential holds no other role");
    }
    if (request.person().empty()) {
      return InvalidArgument(
          "a protected person's credential needs the person it is for (\"person\": \"p2\", "
          "as her orders name her)");
    }
    for (const std::string& device : request.devices()) {
      if (device.find('*') != std::string::npos) {
        return InvalidArgument("a protected person's credential names her devices exactly; \"" +
                               device + "\" is a pattern");
      }
    }
  } else if (!request.person().empty()) {
    return InvalidArgument("only a protected person's credential has a person");
  }
  if (ingest && request.devices().empty()) {
    return InvalidArgument(
        "an ingest credential needs the devices it may send fixes for (\"devices\": [\"tag-1\", "
        "\"acme-*\"], or [\"*\"] for every device)");
  }
  if (!ingest && !protected_person && !request.devices().empty()) {
    return InvalidArgument("only an ingest or a protected person's credential has devices");
  }
  if (static_cast<std::size_t>(request.devices_size()) > kMaxDevicePatterns) {
    return InvalidArgument("at most " + std::to_string(kMaxDevicePatterns) + " device patterns");
  }
  for (const std::string& pattern : request.devices()) {
    if (pattern.empty() || pattern.size() > kMaxPatternLength) {
      return InvalidArgument("a device pattern has 1 to " + std::to_string(kMaxPatternLength) +
                             " characters");
    }
    const auto star = pattern.find('*');
    if (star != std::string::npos && star + 1 != pattern.size()) {
      return InvalidArgument("device pattern '" + pattern + "': '*' may only end a pattern");
    }
  }
  if (!request.token_sha256().empty() || !request.id().empty() || request.has_created()) {
    return InvalidArgument("id, created and token_sha256 are chosen by the daemon");
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<CredentialStore>> CredentialStore::Open(std::string path) {
  std::unique_ptr<CredentialStore> store(new CredentialStore(path));
  if (path.empty()) return store;
  auto bytes = ReadWholeFile(path);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return store;
    return bytes.status();
  }
  v1::CredentialList list;
  pbutil::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (auto parsed = pbutil::JsonStringToMessage(*bytes, &list, options); !parsed.ok()) {
    return FailedPrecondition("credentials file " + path + " is damaged: " +
                              std::string(parsed.message()));
  }
  std::unique_lock lock(store->mu_);
  for (v1::Credential& credential : *list.mutable_credentials()) {
    if (credential.id().empty() || !IsHexDigest(credential.token_sha256())) {
      return FailedPrecondition("credentials file " + path + " is damaged: credential '" +
                                credential.name() + "' has no id or no token digest");
    }
    if (store->by_id_.count(credential.id()) != 0) {
      return FailedPrecondition("credentials file " + path + " is damaged: id " +
                                credential.id() + " appears twice");
    }
    const std::string id = credential.id();
    store->by_id_[id].credential = std::move(credential);
  }
  store->Index();
  return store;
}

void CredentialStore::Index() {
  by_digest_.clear();
  for (auto& [id, entry] : by_id_) {
    const v1::Credential& c = entry.credential;
    std::vector<Role> roles;
    for (int role : c.roles()) roles.push_back(static_cast<Role>(role));
    entry.principal = std::make_shared<const Principal>(
        c.id(), c.name(), std::move(roles),
        std::vector<std::string>(c.devices().begin(), c.devices().end()), entry.revoked,
        c.person());
    by_digest_[c.token_sha256()] = &entry;
  }
}

Status CredentialStore::Save() const {
  if (path_.empty()) return Status::Ok();
  v1::CredentialList list;
  for (const auto& [id, entry] : by_id_) {
    if (!entry.shared) *list.add_credentials() = entry.credential;
  }
  std::string json;
  pbutil::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  if (auto printed = pbutil::MessageToJsonString(list, &json, options); !printed.ok()) {
    return Status(StatusCode::kInternal, "cannot encode credentials: " +
                                             std::string(printed.message()));
  }
  return WriteFileAtomically(path_, json);
}

std::shared_ptr<const Principal> CredentialStore::Authenticate(std::string_view token) const {
  if (token.empty()) return nullptr;
  const std::string digest = TokenDigest(token);
  std::shared_lock lock(mu_);
  const auto it = by_digest_.find(digest);
  if (it == by_digest_.end() || (it->second->shared && !shared_ready_)) return nullptr;
  return it->second->principal;
}

Status CredentialStore::Add(v1::Credential credential, bool shared) {
  const std::string id = credential.id();
  by_id_[id].credential = std::move(credential);
  by_id_[id].shared = shared;
  Index();
  if (Status saved = Save(); !saved.ok()) {
    by_id_.erase(id);
    Index();
    return saved;
  }
  return Status::Ok();
}

StatusOr<v1::IssuedCredential> CredentialStore::Issue(const v1::Credential& request, TimeMs now,
                                                      bool shared) {
  if (Status valid = ValidateCredentialRequest(request); !valid.ok()) return valid;
  auto token = NewToken();
  if (!token.ok()) return token.status();
  auto id = NewCredentialId();
  if (!id.ok()) return id.status();
  v1::Credential credential = request;
  credential.set_id(*id);
  MsToTimestamp(now, credential.mutable_created());
  credential.set_token_sha256(TokenDigest(*token));

  std::unique_lock lock(mu_);
  for (const auto& [other_id, entry] : by_id_) {
    if (entry.credential.name() == credential.name()) {
      return Status(StatusCode::kAlreadyExists,
                    "a credential named '" + credential.name() + "' exists (" + other_id + ")");
    }
  }
  if (by_id_.count(credential.id()) != 0) {  // 48 random bits: never in practice
    return Status(StatusCode::kInternal, "credential id collision; try again");
  }
  v1::IssuedCredential issued;
  *issued.mutable_credential() = WithoutDigest(credential);
  issued.set_token(std::move(*token));
  if (Status added = Add(std::move(credential), shared); !added.ok()) return added;
  return issued;
}

bool CredentialStore::IsLastAdmin(const std::string& id) const {
  const auto it = by_id_.find(id);
  if (it == by_id_.end() || !HasRole(it->second.credential, v1::Credential::admin)) return false;
  return std::none_of(by_id_.begin(), by_id_.end(), [&id](const auto& pair) {
    return pair.first != id && HasRole(pair.second.credential, v1::Credential::admin);
  });
}

StatusOr<v1::Credential> CredentialStore::Revoke(std::string_view id) {
  std::unique_lock lock(mu_);
  const auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) {
    return Status(StatusCode::kNotFound, "no credential " + std::string(id));
  }
  if (IsLastAdmin(it->first)) {
    return FailedPrecondition("'" + it->second.credential.name() +
                              "' is the last admin credential; issue another admin first");
  }
  Entry removed = std::move(it->second);
  by_id_.erase(it);
  Index();
  if (Status saved = Save(); !saved.ok()) {
    const std::string key(id);
    by_id_[key] = std::move(removed);
    Index();
    return saved;
  }
  removed.revoked->store(true);
  return WithoutDigest(removed.credential);
}

StatusOr<v1::Credential> CredentialStore::CheckRevocable(std::string_view id) const {
  std::shared_lock lock(mu_);
  const auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) return Status(StatusCode::kNotFound, "no credential " + std::string(id));
  if (IsLastAdmin(it->first)) {
    return FailedPrecondition("'" + it->second.credential.name() +
                              "' is the last admin credential; issue another admin first");
  }
  return WithoutDigest(it->second.credential);
}

Status CredentialStore::Put(const v1::Credential& credential) {
  if (credential.id().empty()) return InvalidArgument("a credential from the cluster has no id");
  const std::string& digest = credential.token_sha256();
  if (digest.size() != 64 || digest.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return InvalidArgument("credential " + credential.id() + " from the cluster has no digest");
  }
  // What was asked for is checked as a request; the rest the issuing instance chose.
  v1::Credential request = credential;
  request.clear_id();
  request.clear_created();
  request.clear_token_sha256();
  if (Status valid = ValidateCredentialRequest(request); !valid.ok()) return valid;
  std::unique_lock lock(mu_);
  for (const auto& [other_id, entry] : by_id_) {
    if (other_id != credential.id() && entry.credential.name() == credential.name()) {
      return Status(StatusCode::kAlreadyExists,
                    "credential " + credential.id() + " from the cluster is named '" +
                        credential.name() + "', which " + other_id + " holds here");
    }
  }
  if (auto held = by_id_.find(credential.id());
      held != by_id_.end() &&
      held->second.credential.SerializeAsString() == credential.SerializeAsString()) {
    return Status::Ok();  // this instance issued it, or has it already
  }
  std::optional<Entry> replaced;
  if (auto held = by_id_.find(credential.id()); held != by_id_.end()) {
    held->second.revoked->store(true);  // what it allowed before no longer holds
    replaced = std::move(held->second);
    by_id_.erase(held);
  }
  if (Status added = Add(credential, /*shared=*/true); !added.ok()) {
    if (replaced) {
      replaced->revoked->store(false);
      by_id_[credential.id()] = std::move(*replaced);
      Index();
    }
    return added;
  }
  return Status::Ok();
}

Status CredentialStore::Remove(std::string_view id) {
  std::unique_lock lock(mu_);
  const auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) return Status::Ok();
  Entry removed = std::move(it->second);
  by_id_.erase(it);
  Index();
  removed.revoked->store(true);
  // A shared one is gone whatever the file says; one of the file's must leave it too.
  if (!removed.shared) return Save();
  return Status::Ok();
}

void CredentialStore::SetSharedReady(bool ready) {
  std::unique_lock lock(mu_);
  shared_ready_ = ready;
}

Status CredentialStore::EnsureBootstrapAdmin(std::string_view token, TimeMs now) {
  if (token.size() < kMinTokenLength) {
    return InvalidArgument("the bootstrap admin token has " + std::to_string(token.size()) +
                           " characters; at least " + std::to_string(kMinTokenLength) +
                           " are needed");
  }
  const std::string digest = TokenDigest(token);
  std::unique_lock lock(mu_);
  for (auto& [id, entry] : by_id_) {
    if (entry.credential.name() != kBootstrapAdminName) continue;
    if (entry.credential.token_sha256() == digest) return Status::Ok();
    // A new bootstrap token replaces the old one: the old one stops working now.
    v1::Credential before = entry.credential;
    entry.revoked->store(true);
    entry.revoked = std::make_shared<std::atomic<bool>>(false);
    entry.credential.set_token_sha256(digest);
    Index();
    if (Status saved = Save(); !saved.ok()) {
      entry.credential = std::move(before);
      Index();
      return saved;
    }
    return Status::Ok();
  }
  auto id = NewCredentialId();
  if (!id.ok()) return id.status();
  v1::Credential credential;
  credential.set_id(*id);
  credential.set_name(std::string(kBootstrapAdminName));
  credential.add_roles(v1::Credential::admin);
  MsToTimestamp(now, credential.mutable_created());
  credential.set_token_sha256(digest);
  return Add(std::move(credential));
}

std::vector<v1::Credential> CredentialStore::List() const {
  std::shared_lock lock(mu_);
  std::vector<v1::Credential> out;
  out.reserve(by_id_.size());
  for (const auto& [id, entry] : by_id_) out.push_back(WithoutDigest(entry.credential));
  return out;
}

std::size_t CredentialStore::size() const {
  std::shared_lock lock(mu_);
  return by_id_.size();
}

}  // namespace stayaway::access
