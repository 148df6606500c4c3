// Small builders the daemon-level suites share: an order pairing one tag with one phone,
// and a fix as a device sends it (5 m accuracy). Header-only test support.
#ifndef STAYAWAY_TESTS_WIRE_FIXTURES_H_
#define STAYAWAY_TESTS_WIRE_FIXTURES_H_

#include <cstdint>
#include <string>

#include "access/credential_store.h"
#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace stayaway::testing_fixtures {

// Order `id`: the wearer of `tag` must stay 300 m from the carrier of `phone`.
inline v1::Order PairOrder(const std::string& id, const std::string& tag, const std::string& phone) {
  v1::Order order;
  order.set_id(id);
  order.set_version(1);
  order.mutable_supervised()->set_id("supervised-" + id);
  order.mutable_supervised()->add_devices(tag);
  v1::Party* victim = order.add_protected_();
  victim->set_id("protected-" + id);
  victim->add_devices(phone);
  order.set_violation_distance_m(300);
  return order;
}

inline v1::Fix MakeFix(const std::string& device, uint64_t seq, TimeMs time, double lat,
                       double lon) {
  v1::Fix fix;
  fix.set_device(device);
  fix.set_seq(seq);
  MsToTimestamp(time, fix.mutable_time());
  fix.set_lat(lat);
  fix.set_lon(lon);
  fix.set_accuracy_m(5);
  return fix;
}

// Issues "everything" (all five roles, every device) in `store` and returns its token, for
// the in-process suites that are about something other than access.
inline std::string IssueEverythingCredential(access::CredentialStore& store, TimeMs now) {
  v1::Credential everything;
  everything.set_name("everything");
  for (auto role : {v1::Credential::ingest, v1::Credential::operator_, v1::Credential::admin,
                    v1::Credential::auditor, v1::Credential::evidence}) {
    everything.add_roles(role);
  }
  everything.add_devices("*");
  return store.Issue(everything, now).value().token();
}

}  // namespace stayaway::testing_fixtures

#endif  // STAYAWAY_TESTS_WIRE_FIXTURES_H_
