#include "evidence/proto_json.h"

#include <google/protobuf/util/json_util.h>

namespace stayaway::evidence {

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

}  // namespace stayaway::evidence
