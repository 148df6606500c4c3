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

namespace {

// `prefix`, then the message's deterministic bytes, as DeterministicBytes writes them, in
// one allocation (a string stream grows its string a step at a time, and the prefix put
// before it copied the whole again): every event and every input other than a fix is a
// leaf.
std::string PrefixedDeterministicBytes(char prefix, const google::protobuf::MessageLite& message) {
  const size_t size = message.ByteSizeLong();
  std::string out(1 + size, '\0');
  out[0] = prefix;
  google::protobuf::io::ArrayOutputStream array(out.data() + 1, static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&array);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
  return out;
}

}  // namespace

std::string InputLeafData(const v1::Input& input) { return PrefixedDeterministicBytes('I', input); }

void AppendFixLeafData(const v1::Fix& fix, std::string* out) {
  // "I", then Input.fix as field 1, length-delimited: tag 0x0a, the length as a varint,
  // the fix.
  const size_t size = fix.ByteSizeLong();
  out->push_back('I');
  out->push_back('\x0a');
  for (uint64_t v = size;; v >>= 7) {
    if (v < 0x80) {
      out->push_back(static_cast<char>(v));
      break;
    }
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
  }
  const size_t header = out->size();
  out->resize(header + size);
  fix.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out->data() + header));
}

std::string FixLeafData(const v1::Fix& fix) {
  std::string out;
  out.reserve(fix.ByteSizeLong() + 7);
  AppendFixLeafData(fix, &out);
  return out;
}

std::string InputLeafDataFromBytes(std::string_view input_bytes) {
  std::string out;
  out.reserve(input_bytes.size() + 1);
  out.push_back('I');
  out.append(input_bytes);
  return out;
}

std::string EventLeafData(const v1::EventRecord& record) {
  return PrefixedDeterministicBytes('E', record);
}

}  // namespace stayaway::evidence
