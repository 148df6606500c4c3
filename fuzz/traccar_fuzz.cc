// Fuzzes the Traccar position-forwarding decoder, and the fast JSON object decoder under
// it against its reference, the JSON mapping alone (ingest/json_object_fast.h): a
// different answer is a finding.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/traccar_codec.h"

namespace {

// Maps sorted and doubles bit for bit (-0.0 is not 0.0): equal Structs, equal bytes.
std::string Bytes(const google::protobuf::Struct& value) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    value.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)stayaway::ingest::ParseTraccarForward(body);

  namespace codec = stayaway::ingest::codec;
  const auto fast = codec::ParseJsonObject(body, 1 << 16, 16, "fuzz");
  const auto reference = codec::ParseJsonObjectByJsonMapping(body, 1 << 16, 16, "fuzz");
  if (fast.ok() != reference.ok()) __builtin_trap();
  if (fast.ok() && Bytes(*fast) != Bytes(*reference)) __builtin_trap();
  if (!fast.ok() && fast.status().message() != reference.status().message()) __builtin_trap();
  return 0;
}
