#include "engine/order_validation.h"

#include <cmath>
#include <set>
#include <string>

#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace stayaway::engine {

Status ValidateOrder(const v1::Order& order) {
  if (order.id().empty()) return InvalidArgument("order has no id");
  const std::string prefix = "order " + order.id() + ": ";
  auto fail = [&](const std::string& why) { return InvalidArgument(prefix + why); };

  if (!order.has_supervised()) return fail("supervised person missing");
  if (order.has_victim_notification() &&
      !v1::Order::VictimNotification_IsValid(order.victim_notification())) {
    return fail("victim_notification " + std::to_string(order.victim_notification()) +
                " is not band, distance or none");
  }
  if (order.protected_().empty()) return fail("no protected person");
  if (order.protected__size() > kMaxProtectedPersons) {
    return fail("more than " + std::to_string(kMaxProtectedPersons) + " protected persons");
  }
  std::set<std::string> persons;
  std::set<std::string> devices;
  auto check_party = [&](const v1::Party& party, const std::string& where) -> Status {
    if (party.id().empty()) return fail(where + " has no id");
    if (!persons.insert(party.id()).second) return fail(where + " repeats person " + party.id());
    if (party.devices().empty()) return fail(where + " has no devices");
    for (const std::string& device : party.devices()) {
      if (device.empty()) return fail(where + " has an empty device id");
      if (!devices.insert(device).second) return fail(where + " repeats device " + device);
    }
    return Status::Ok();
  };
  if (Status s = check_party(order.supervised(), "supervised"); !s.ok()) return s;
  for (int i = 0; i < order.protected__size(); ++i) {
    if (Status s = check_party(order.protected_(i), "protected[" + std::to_string(i) + "]");
        !s.ok()) {
      return s;
    }
  }
  const double violation = order.violation_distance_m();
  if (!std::isfinite(violation) || violation <= 0 || violation > 100'000) {
    return fail("violation_distance_m must be in (0, 100000] metres");
  }
  const double warning = order.warning_distance_m();
  if (!std::isfinite(warning) || warning < 0 || warning > 200'000 ||
      (warning > 0 && warning <= violation)) {
    return fail("warning_distance_m must be 0 (no warning ring) or above violation_distance_m");
  }
  if (order.has_valid_from() && order.has_valid_until() &&
      TimestampToMs(order.valid_until()) <= TimestampToMs(order.valid_from())) {
    return fail("valid_until must be after valid_from");
  }
  return Status::Ok();
}

}  // namespace stayaway::engine
