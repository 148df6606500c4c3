#include "access/permission.h"

#include <array>

namespace stayaway::access {

namespace {

constexpr std::array<Role, 6> kRoles = {v1::Credential::ingest,   v1::Credential::operator_,
                                        v1::Credential::admin,    v1::Credential::auditor,
                                        v1::Credential::evidence, v1::Credential::protected_};

}  // namespace

bool RoleGrants(Role role, Permission permission) {
  switch (permission) {
    case Permission::kSubmitFixes:
      return role == v1::Credential::ingest || role == v1::Credential::protected_;
    case Permission::kReadOwnAlerts:
      return role == v1::Credential::protected_;
    case Permission::kReadAlerts:
    case Permission::kReadEvents:
      return role == v1::Credential::operator_ || role == v1::Credential::auditor;
    case Permission::kAckAlerts:
    case Permission::kResolveAlerts:
    case Permission::kSeeProtectedPositions:
      return role == v1::Credential::operator_;
    case Permission::kSeeProtectedPlaces:
      return role == v1::Credential::operator_ || role == v1::Credential::admin;
    case Permission::kReadOrders:
    case Permission::kReadMetrics:
      return role == v1::Credential::operator_ || role == v1::Credential::admin ||
             role == v1::Credential::auditor;
    case Permission::kWriteOrders:
    case Permission::kManageCredentials:
    case Permission::kManageDeviceKeys:
    case Permission::kRotateSigningKey:
      return role == v1::Credential::admin;
    case Permission::kExportEvidence:
      return role == v1::Credential::evidence;
    case Permission::kReadStatistics:
      return role == v1::Credential::admin || role == v1::Credential::auditor;
  }
  return false;
}

std::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kSubmitFixes: return "submit fixes";
    case Permission::kReadAlerts: return "read alerts";
    case Permission::kAckAlerts: return "acknowledge alerts";
    case Permission::kResolveAlerts: return "resolve alerts";
    case Permission::kReadEvents: return "read the event stream";
    case Permission::kSeeProtectedPositions: return "see protected persons' positions";
    case Permission::kSeeProtectedPlaces: return "see the places of orders' zones";
    case Permission::kReadOrders: return "read orders and zones";
    case Permission::kWriteOrders: return "change orders and zones";
    case Permission::kManageCredentials: return "manage credentials";
    case Permission::kManageDeviceKeys: return "manage device keys";
    case Permission::kRotateSigningKey:
      return "rotate the signing key";
    case Permission::kExportEvidence: return "export evidence";
    case Permission::kReadMetrics: return "read metrics";
    case Permission::kReadOwnAlerts:
      return "read her own alerts";
    case Permission::kReadStatistics:
      return "read the centre's statistics";
  }
  return "?";
}

std::string RolesGranting(Permission permission) {
  std::string out;
  for (Role role : kRoles) {
    if (!RoleGrants(role, permission)) continue;
    if (!out.empty()) out += " or ";
    out += RoleName(role);
  }
  return out;
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : kRoles) {
    if (RoleName(role) == name) return role;
  }
  return std::nullopt;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case v1::Credential::ingest: return "ingest";
    case v1::Credential::operator_: return "operator";
    case v1::Credential::admin: return "admin";
    case v1::Credential::auditor: return "auditor";
    case v1::Credential::evidence: return "evidence";
    case v1::Credential::protected_:
      return "protected";
    default: return "unspecified";
  }
}

}  // namespace stayaway::access
