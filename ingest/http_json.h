// How the HTTP API (http_api.h) prints its answers and maps results onto HTTP: Protobuf's
// JSON mapping with the proto field names and every non-optional field printed, the
// auditor's view for readers who may not see positions or places, the HTTP status of a
// Status, and the Location header of a created resource. Pure functions; thread-safe.
#ifndef STAYAWAY_INGEST_HTTP_JSON_H_
#define STAYAWAY_INGEST_HTTP_JSON_H_

#include <google/protobuf/message.h>

#include <boost/beast/http/status.hpp>
#include <string>
#include <string_view>

#include "base/identifier.h"
#include "base/status.h"

namespace stayaway::ingest {

// `message` as one line of JSON (no newline): proto field names, every non-optional
// scalar printed even at its default, 64-bit integers as strings. {"encoding_error":true}
// only for a corrupt message (invalid UTF-8 in a string).
std::string ToJson(const google::protobuf::Message& message);

// `message` as JSON for a reader who sees it whole, or else reduced to the auditor's view
// (access/redaction.h, in place; withheld fields are absent, not 0: RedactedToJson).
std::string JsonFor(bool whole, google::protobuf::Message* message);

// The HTTP status that answers a Status of this code (400, 404, 409, 401, 403, 500).
boost::beast::http::status HttpStatusOf(StatusCode code);

// The Location of a created resource, "/v1/<collection>/<id>": built only from a checked
// id, whose characters are all safe in a header (base/identifier.h), so request text never
// reaches a header.
std::string LocationOf(std::string_view collection, const Identifier& id);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_HTTP_JSON_H_
