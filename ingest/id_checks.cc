#include "ingest/id_checks.h"

#include <string>

namespace stayaway::ingest {
namespace {

std::string Join(std::string_view path, std::string_view field) {
  return path.empty() ? std::string(field) : std::string(path) + "." + std::string(field);
}

Status CheckParty(const v1::Party& party, const std::string& path) {
  if (Status s = CheckIdentifier(party.id(), path + ".id"); !s.ok()) return s;
  for (int i = 0; i < party.devices_size(); ++i) {
    const std::string what = path + ".devices[" + std::to_string(i) + "]";
    if (Status s = CheckIdentifier(party.devices(i), what); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status CheckOrderIds(const v1::Order& order, std::string_view path) {
  if (!order.id().empty()) {
    if (Status s = CheckIdentifier(order.id(), Join(path, "id")); !s.ok()) return s;
  }
  if (order.has_supervised()) {
    if (Status s = CheckParty(order.supervised(), Join(path, "supervised")); !s.ok()) return s;
  }
  for (int i = 0; i < order.protected__size(); ++i) {
    const std::string where = Join(path, "protected[" + std::to_string(i) + "]");
    if (Status s = CheckParty(order.protected_(i), where); !s.ok()) return s;
  }
  for (int i = 0; i < order.zones_size(); ++i) {
    const std::string where = Join(path, "zones[" + std::to_string(i) + "]") + ".id";
    if (Status s = CheckIdentifier(order.zones(i).id(), where); !s.ok()) return s;
  }
  return Status::Ok();
}

Status CheckZoneIds(const v1::Zone& zone, std::string_view path) {
  if (zone.id().empty()) return Status::Ok();
  return CheckIdentifier(zone.id(), Join(path, "id"));
}

Status CheckFixIds(const v1::Fix& fix) { return CheckIdentifier(fix.device(), "device"); }

Status CheckDevicePattern(std::string_view pattern, std::string_view what) {
  if (pattern == "*") return Status::Ok();
  if (pattern.size() > 1 && pattern.back() == '*') {
    // The prefix need not be a whole id, but only id characters can ever match one.
    if (Status s = CheckIdentifier(pattern.substr(0, pattern.size() - 1), what); !s.ok()) {
      return InvalidArgument(s.message() +
                             "; a pattern is an id, \"*\", or an id's first "
                             "characters followed by \"*\"");
    }
    return Status::Ok();
  }
  return CheckIdentifier(pattern, what);
}

}  // namespace stayaway::ingest
