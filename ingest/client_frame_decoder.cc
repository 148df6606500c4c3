#include "ingest/client_frame_decoder.h"

#include <google/protobuf/io/coded_stream.h>

#include <cstdint>

namespace stayaway::ingest {
namespace {

// ClientFrame's field 1 (batch), length-delimited: the tag byte every encoder writes.
constexpr uint8_t kBatchTag = (1 << 3) | 2;

// True, with the batch's bytes, when `frame` is exactly one field 1 record, tag and length
// in their shortest form, spanning the whole frame; false otherwise (the caller then parses
// the whole frame).
bool LoneBatch(std::string_view frame, std::string_view* batch) {
  if (frame.size() < 2 || static_cast<uint8_t>(frame[0]) != kBatchTag) return false;
  uint64_t length = 0;
  size_t at = 1;
  for (int shift = 0; at < frame.size() && at <= 5; shift += 7) {
    const auto byte = static_cast<uint8_t>(frame[at++]);
    length |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      // The shortest form only: a zero last byte after the first is a padded varint.
      if (byte == 0 && at > 2) return false;
      if (length != frame.size() - at) return false;
      *batch = frame.substr(at);
      return true;
    }
  }
  return false;
}

}  // namespace

ClientFrameDecoder::Result ClientFrameDecoder::Decode(std::string_view bytes) {
  std::string_view batch_bytes;
  if (LoneBatch(bytes, &batch_bytes)) {
    // One level below the frame, as the frame's parse would reach it: the same recursion
    // limit, so that deeply nested unknown fields are refused alike.
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(batch_bytes.data()),
                                              static_cast<int>(batch_bytes.size()));
    in.SetRecursionLimit(google::protobuf::io::CodedInputStream::GetDefaultRecursionLimit() - 1);
    if (!batch_.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) return Result::kMalformed;
    return Result::kBatch;
  }
  if (!frame_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return Result::kMalformed;
  return Result::kOther;
}

}  // namespace stayaway::ingest
