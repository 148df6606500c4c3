// The common shape of an order (ORDERS.json elements, POST /v1/orders) decoded without
// Protobuf's JSON mapping, which is most of the time loading orders spends
// (`stayaway replay` of 100,000 orders, bulk loading through the API). ParseOrdersJson
// (json_codec.h) tries this on each element of the array and falls back to the mapping
// for anything else, so this decoder only ever accepts: it never refuses and never
// explains. What it accepts it decodes to exactly the Order the mapping gives (the oracle
// test and the orders_json fuzz target compare the two byte for byte); anything it is not
// sure of, it leaves to the mapping, which then accepts or refuses as it always did.
//
// Accepted: one JSON object (JSON whitespace anywhere between tokens) holding these keys
// by their proto names, each at most once:
//   id, case_reference, issuing_authority, time_zone
//                        strings of printable ASCII without escapes
//   version              a JSON integer 0 .. 2^32-1 without sign, fraction or exponent
//   state, victim_notification
//                        an enum value's name
//   valid_from, valid_until
//                        "YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z", years 1900-2199
//   violation_distance_m, warning_distance_m
//                        JSON numbers (at most 15 digits when integral), finite
//   supervised           a party: an object with "id" and "relation" (strings as above)
//   protected            and "devices" (an array of such strings), each at most once;
//                        protected is an array of parties
// Left to the mapping: zones, victim_gateways, camelCase names, enum numbers, quoted
// numbers, null, escapes, non-ASCII, offsets other than Z, duplicate and unknown keys,
// bad syntax.
//
// Pure; thread-safe.
#ifndef STAYAWAY_INGEST_ORDER_JSON_FAST_H_
#define STAYAWAY_INGEST_ORDER_JSON_FAST_H_

#include <string_view>

#include "ingest/json_fast_reader.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

// True when `object` (one element's text, nothing before or after it but whitespace) has
// the shape above; `out`, which must be empty, then holds the order as the mapping
// decodes it. False: `out` is unspecified and the caller uses the mapping.
bool ParseCommonOrder(std::string_view object, v1::Order* out);

// The same for the object at the reader's position, in a larger text (an array): true
// with the reader just past the object's closing brace; false with the reader anywhere.
bool ReadCommonOrder(FastJsonReader& reader, v1::Order* out);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_ORDER_JSON_FAST_H_
