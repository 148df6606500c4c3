// The identifier rule (base/identifier.h) applied to the schema's messages as they enter
// from outside: every id an order, a zone or a fix carries, and the device patterns of a
// credential. Used by the decoders of outside text (json_codec, the OsmAnd and Traccar
// codecs), the TCP ingest port and the HTTP API; never on records read back from the
// journal, so a history from before the rule still replays.
//
// Messages name the field by its path, with `path` ("orders[1]") in front:
//   orders[1].protected[0].devices[0] "ph one" is not a valid id: character 3 is a space; ...
//
// Pure; thread-safe.
#ifndef STAYAWAY_INGEST_ID_CHECKS_H_
#define STAYAWAY_INGEST_ID_CHECKS_H_

#include <string_view>

#include "base/identifier.h"
#include "base/status.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

// The order's id (an empty one is left to the caller: the HTTP API takes it from the
// path, and the engine refuses an order without one), its parties' ids and devices, and
// its zones' ids.
Status CheckOrderIds(const v1::Order& order, std::string_view path);

// The zone's id; an empty one is left to the caller, as for orders.
Status CheckZoneIds(const v1::Zone& zone, std::string_view path);

// The fix's device, which may not be empty.
Status CheckFixIds(const v1::Fix& fix);

// A credential's device pattern: "*", an id, or an id's first characters followed by
// '*' ("tag-*").
Status CheckDevicePattern(std::string_view pattern, std::string_view what);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_ID_CHECKS_H_
