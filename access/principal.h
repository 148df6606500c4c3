// Principal: who a request speaks as, once its token was recognised: a credential's id,
// name, roles, the devices it may send fixes for (ingest, protected) and, for a protected
// person's app, the person it speaks for.
//
// Immutable, shared by every request of a connection. Revoking the credential marks it
// revoked (the flag is shared with the store), so a long-lived connection or event
// stream sees the revocation at its next frame or event and stops.
// Thread-safe.
#ifndef STAYAWAY_ACCESS_PRINCIPAL_H_
#define STAYAWAY_ACCESS_PRINCIPAL_H_

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "access/permission.h"

namespace stayaway::access {

// Whether a device pattern ("tag-7", "acme-*", "*") covers the device.
bool DevicePatternMatches(std::string_view pattern, std::string_view device);

class Principal {
 public:
  Principal(std::string id, std::string name, std::vector<Role> roles,
            std::vector<std::string> devices, std::shared_ptr<const std::atomic<bool>> revoked,
            std::string person = "");

  const std::string& id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::vector<Role>& roles() const { return roles_; }
  // The protected person it speaks for; empty for every other credential.
  const std::string& person() const { return person_; }
  // The device patterns as the credential names them (a protected person's: her devices).
  const std::vector<std::string>& devices() const { return devices_; }

  bool Has(Permission permission) const;
  // Whether it may send fixes for this device: the ingest or protected role and a matching
  // pattern (a protected person's are exact ids).
  bool MayReportFor(std::string_view device) const;
  bool Revoked() const { return revoked_->load(std::memory_order_relaxed); }

  // "'gateway-north' (cred-0a1b2c3d4e5f, ingest)" for logs and refusal messages.
  std::string Describe() const;

 private:
  std::string id_;
  std::string name_;
  std::vector<Role> roles_;
  std::vector<std::string> devices_;
  // The device patterns, split so a gateway registered for 100,000 devices by id costs
  // one hash lookup a fix: exact ids, and the prefixes of patterns ending in '*'.
  std::unordered_set<std::string> exact_devices_;
  std::vector<std::string> device_prefixes_;
  std::shared_ptr<const std::atomic<bool>> revoked_;
  std::string person_;
};

}  // namespace stayaway::access

#endif  // STAYAWAY_ACCESS_PRINCIPAL_H_
