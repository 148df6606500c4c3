#include "engine/order_validation.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "base/time.h"
#include "geo/time_zone.h"
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
  if (order.victim_gateways_size() > kMaxVictimGateways) {
    return fail("more than " + std::to_string(kMaxVictimGateways) + " victim_gateways");
  }
  for (int i = 0; i < order.victim_gateways_size(); ++i) {
    const v1::VictimGateway& gateway = order.victim_gateways(i);
    const std::string where = "victim_gateways[" + std::to_string(i) + "]";
    const bool protects =
        std::any_of(order.protected_().begin(), order.protected_().end(),
                    [&](const v1::Party& p) { return p.id() == gateway.person(); });
    if (!protects)
      return fail(where + ": person \"" + gateway.person() + "\" is not protected by the order");
    // The daemon's client checks the rest when it posts (daemon/webhook_post.h).
    const std::string& url = gateway.url();
    const size_t scheme = url.starts_with("http://") ? 7 : url.starts_with("https://") ? 8 : 0;
    if (scheme == 0 || url.size() <= scheme || url.size() > 2048) {
      return fail(where + ": url must be an http:// or https:// URL of at most 2048 bytes");
    }
    if (gateway.to().empty() || gateway.to().size() > 256) {
      return fail(where + ": to (her number or address) must have 1 to 256 bytes");
    }
    if (!gateway.channel().empty() && gateway.channel() != "sms" && gateway.channel() != "voice") {
      return fail(where + ": channel must be sms or voice");
    }
    if (!gateway.language().empty() && gateway.language() != "en" && gateway.language() != "ru") {
      return fail(where + ": language must be en or ru");
    }
    if (gateway.text_template().size() > 1000) {
      return fail(where + ": text_template is longer than 1000 bytes");
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
  if (!order.time_zone().empty() && !geo::FindTimeZone(order.time_zone()).ok()) {
    return fail("time_zone \"" + order.time_zone() +
                "\" is not an IANA time zone name (such as \"Asia/Bishkek\"); leave it empty "
                "for UTC");
  }
  if (order.has_valid_from() && order.has_valid_until() &&
      TimestampToMs(order.valid_until()) <= TimestampToMs(order.valid_from())) {
    return fail("valid_until must be after valid_from");
  }
  return Status::Ok();
}

}  // namespace stayaway::engine
