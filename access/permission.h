// Roles and what they permit. A credential holds one or more roles (proto: Credential.Role);
// every request is checked against exactly one Permission, deny by default: a permission
// no role of the caller grants is refused.
//
//   permission               ingest  operator  admin  auditor  evidence  protected
//   kSubmitFixes               x (its devices only)                          x (hers)
//   kReadAlerts                        x               x
//   kAckAlerts                         x
//   kResolveAlerts                     x
//   kReadEvents                        x               x
//   kSeeProtectedPositions             x
//   kSeeProtectedPlaces                x         x
//   kReadOrders                        x         x     x   (also the devices board)
//   kWriteOrders                                 x
//   kManageCredentials                           x
//   kManageDeviceKeys                            x
//   kRotateSigningKey                            x
//   kExportEvidence                                             x
//   kReadMetrics                       x         x     x
//   kReadOwnAlerts                                                           x
//   kReadStatistics                              x     x
//
// kReadOwnAlerts is the protected person's view (GET /v1/me/...): the alerts of the
// orders that protect the credential's person, as her order allows, without anybody's
// position. The protected role grants nothing else: no order, alert or event of the
// centre's, no metric.
// kSeeProtectedPositions and kSeeProtectedPlaces are never checked at a route's gate:
// they decide what a reader of alerts, events, orders and zones is shown. A reader
// without them gets the auditor's view (redaction.h): no position or distance of
// anybody, no zone's place. Evidence bundles hold every position, since a court needs
// them: exporting one is its own role, not the auditor's.
// kReadStatistics is the centre's statistics of a period (GET /v1/reports/summary,
// evidence/statistics.h): counts and response times by kind, authority, credential and
// device, never a position or a place, for inspectors and the centre's administration.
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
  kResolveAlerts,
  kReadEvents,
  kSeeProtectedPositions,
  kSeeProtectedPlaces,
  kReadOrders,
  kWriteOrders,
  kManageCredentials,
  kManageDeviceKeys,
  kRotateSigningKey,
  kExportEvidence,
  kReadMetrics,
  kReadOwnAlerts,
  kReadStatistics,
};

bool RoleGrants(Role role, Permission permission);

// "submit fixes", "read alerts", ... for refusal messages.
std::string_view PermissionName(Permission permission);
// The roles that grant it, for refusal messages: "operator or auditor".
std::string RolesGranting(Permission permission);

// "ingest", "operator", "admin", "auditor", "evidence", "protected"; nullopt for anything
// else.
std::optional<Role> ParseRole(std::string_view name);
std::string_view RoleName(Role role);

}  // namespace stayaway::access

#endif  // STAYAWAY_ACCESS_PERMISSION_H_
