#include "ingest/http_json.h"

#include <google/protobuf/util/json_util.h>

#include "access/redaction.h"
#include "ingest/json_codec.h"

namespace stayaway::ingest {

namespace http = boost::beast::http;
namespace pbutil = google::protobuf::util;

namespace {

pbutil::JsonPrintOptions PrintOptions() {
  pbutil::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  return options;
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  if (!pbutil::MessageToJsonString(message, &out, PrintOptions()).ok()) {
    return "{\"encoding_error\":true}";  // only with corrupt strings (invalid UTF-8)
  }
  return out;
}

std::string JsonFor(bool whole, google::protobuf::Message* message) {
  if (whole) return ToJson(*message);
  access::RedactForAuditor(message);
  return RedactedToJson(*message);
}

http::status HttpStatusOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return http::status::ok;
    case StatusCode::kInvalidArgument:
      return http::status::bad_request;
    case StatusCode::kNotFound:
      return http::status::not_found;
    case StatusCode::kAlreadyExists:
      return http::status::conflict;
    case StatusCode::kFailedPrecondition:
      return http::status::conflict;
    case StatusCode::kInternal:
      return http::status::internal_server_error;
    case StatusCode::kUnauthenticated:
      return http::status::unauthorized;
    case StatusCode::kPermissionDenied:
      return http::status::forbidden;
  }
  return http::status::internal_server_error;
}

std::string LocationOf(std::string_view collection, const Identifier& id) {
  return "/v1/" + std::string(collection) + "/" + id.str();
}

}  // namespace stayaway::ingest
