// ValidateOrder: the structural checks an order must pass before the engine takes it
// (zones are checked when they are compiled). Messages name the offending field, e.g.
// "order KG-1: protected[0] has no devices". Pure, thread-safe.
#ifndef STAYAWAY_ENGINE_ORDER_VALIDATION_H_
#define STAYAWAY_ENGINE_ORDER_VALIDATION_H_

#include "base/status.h"

namespace stayaway::v1 {
class Order;
}

namespace stayaway::engine {

// Protected persons one order may name (a victim and her children; more is an input error).
constexpr int kMaxProtectedPersons = 32;

// Victim gateways one order may name (one per protected person is the usual case).
constexpr int kMaxVictimGateways = 32;

// Checks: an id; a supervised person and 1 to kMaxProtectedPersons protected persons, each with an
// id and at least one device; no person or device twice in the order; a finite violation distance
// in (0, 100 km]; a warning distance of 0 (none) or above the violation distance;
// valid_until after valid_from when both are given; a time_zone that is empty (UTC) or an
// IANA name the tz database knows (geo/time_zone.h); each victim gateway names a protected
// person of the order, an http:// url, a `to`, channel sms or voice (or none), language en
// or ru (or none) and a text_template of at most 1000 bytes.
Status ValidateOrder(const v1::Order& order);

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_ORDER_VALIDATION_H_
