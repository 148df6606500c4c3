// The common shapes of a JSON request body (the Traccar and OsmAnd JSON formats,
// traccar_codec.h and osmand_codec.h) decoded into a google::protobuf::Struct without
// Protobuf's JSON mapping, which is most of the time those decoders spend on a request.
// codec::ParseJsonObject tries this first and falls back to the mapping for anything
// else, so, like replay_line_fast.h, this decoder only ever accepts: it never refuses and
// never explains. What it accepts it decodes to exactly the Struct the mapping gives (the
// oracle test and the traccar and osmand fuzz targets compare the two byte for byte);
// anything it is not sure of, it leaves to the mapping, which accepts or refuses as it
// always did.
//
// Accepted: one JSON object, JSON whitespace between tokens, nested at most 32 deep,
// whose values are
//   objects              keys as strings below, each key at most once per object
//   arrays
//   strings              printable ASCII (0x20-0x7e) and the escapes \" \\ \/ \b \f \n
//                        \r \t
//   numbers              as JSON writes them (-?int[.frac][e[+-]exp]), finite as doubles
//   true, false, null
// Left to the mapping: \u escapes, bytes outside printable ASCII, duplicate keys, numbers
// that overflow a double, anything that is not JSON.
//
// Pure; thread-safe.
#ifndef STAYAWAY_INGEST_JSON_OBJECT_FAST_H_
#define STAYAWAY_INGEST_JSON_OBJECT_FAST_H_

#include <google/protobuf/struct.pb.h>

#include <string_view>

namespace stayaway::ingest {

// True when `text` has the shape above; `out` then holds the object as the mapping
// decodes it. False: `out` is unspecified and the caller uses the mapping.
bool ParseCommonJsonObject(std::string_view text, google::protobuf::Struct* out);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_JSON_OBJECT_FAST_H_
