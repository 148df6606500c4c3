#include "evidence/leaves.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "proto/stayaway.pb.h"

namespace stayaway::evidence {

std::string DeterministicBytes(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string InputLeafData(const v1::Input& input) { return "I" + DeterministicBytes(input); }

std::string EventLeafData(const v1::EventRecord& record) {
  return "E" + DeterministicBytes(record);
}

}  // namespace stayaway::evidence
