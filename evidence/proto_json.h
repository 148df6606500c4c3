// A message as JSON with the proto field names, on one line: how evidence bundles and
// exports write records. Pure; thread-safe.
#ifndef STAYAWAY_EVIDENCE_PROTO_JSON_H_
#define STAYAWAY_EVIDENCE_PROTO_JSON_H_

#include <string>

namespace google::protobuf {
class Message;
}

namespace stayaway::evidence {

// Protobuf's JSON mapping with the proto field names, on one line.
std::string ToJson(const google::protobuf::Message& message);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_PROTO_JSON_H_
