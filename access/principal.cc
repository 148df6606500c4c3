#include "access/principal.h"

#include <algorithm>

namespace stayaway::access {

bool DevicePatternMatches(std::string_view pattern, std::string_view device) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return device.substr(0, pattern.size()) == pattern;
  }
  return pattern == device;
}

Principal::Principal(std::string id, std::string name, std::vector<Role> roles,
                     std::vector<std::string> devices,
                     std::shared_ptr<const std::atomic<bool>> revoked, std::string person)
    : id_(std::move(id)),
      name_(std::move(name)),
      roles_(std::move(roles)),
      revoked_(std::move(revoked)),
      person_(std::move(person)) {
  devices_ = devices;
  for (std::string& pattern : devices) {
    if (!pattern.empty() && pattern.back() == '*') {
      pattern.pop_back();
      device_prefixes_.push_back(std::move(pattern));
    } else {
      exact_devices_.insert(std::move(pattern));
    }
  }
}

bool Principal::Has(Permission permission) const {
  return std::any_of(roles_.begin(), roles_.end(),
                     [permission](Role role) { return RoleGrants(role, permission); });
}

bool Principal::MayReportFor(std::string_view device) const {
  if (!Has(Permission::kSubmitFixes)) return false;
  if (exact_devices_.count(std::string(device)) != 0) return true;
  return std::any_of(device_prefixes_.begin(), device_prefixes_.end(),
                     [device](const std::string& prefix) { return device.starts_with(prefix); });
}

std::string Principal::Describe() const {
  std::string out = "'" + name_ + "' (" + id_;
  for (std::size_t i = 0; i < roles_.size(); ++i) {
    out += i == 0 ? ", " : "+";
    out += RoleName(roles_[i]);
  }
  return out + ")";
}

}  // namespace stayaway::access
