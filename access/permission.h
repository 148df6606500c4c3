// Roles and what they permit. A credential holds one or more roles (proto: Credential.Role);
// every request is checked against exactly one Permission, deny by default: a permission
// no role of the caller grants is refused.
//
//   permission               ingest  operator  admin  auditor
//   kSubmitFixes               x (its devices only)
//   kReadAlerts                        x               x
//   kAckAlerts                         x
//   kReadEvents                        x               x
//   kSeeProtectedPositions             x
//   kReadOrders                        x         x     x
//   kWriteOrders                                 x
//   kManageCredentials                           x
//   kManageDeviceKeys                            x
//   kExportEvidence                                    x
//   kReadMetrics                       x         x     x
//
// An auditor reads alerts and events with protected persons' positions withheld
// (redaction.h); evidence bundles hold them, since a court needs them.
// Pure functions; thread-safe.
#ifndef STAYAWAY_ACCESS_PERMISSION_H_
#define STAYAWAY_ACCESS_PERMISSION_H_

#include <optional>
#include <string>
#include <string_view>

#include "proto/stayaway.pb.h"

namespace stayaway::access {

using Role = v1::Credential::Role;

enum class Permission {
  kSubmitFixes,
  kReadAlerts,
  kAckAlerts,
  kReadEvents,
  kSeeProtectedPositions,
  kReadOrders,
  kWriteOrders,
  kManageCredentials,
  kManageDeviceKeys,
  kExportEvidence,
  kReadMetrics,
};

bool RoleGrants(Role role, Permission permission);

// "submit fixes", "read alerts", ... for refusal messages.
std::string_view PermissionName(Permission permission);
// The roles that grant it, for refusal messages: "operator or auditor".
std::string RolesGranting(Permission permission);

// "ingest", "operator", "admin", "auditor"; nullopt for anything else.
std::optional<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);

}  // namespace stayaway::access

#endif  // STAYAWAY_ACCESS_PERMISSION_H_
