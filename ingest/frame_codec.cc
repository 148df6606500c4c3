#include "ingest/frame_codec.h"

#include <cstdint>
#include <limits>
#include <utility>

namespace stayaway::ingest {
namespace {

// Protobuf itself refuses delimited messages whose length does not fit 32 bits; so do we,
// whatever the configured limit, so that a garbage prefix reads as garbage.
constexpr std::uint64_t kMaxEncodableLength = std::numeric_limits<std::uint32_t>::max();

enum class PrefixState { kComplete, kIncomplete, kMalformed };

// Decodes the varint at the front of `bytes`. kComplete sets *length and *prefix_bytes.
PrefixState DecodeLengthPrefix(std::string_view bytes, std::uint64_t* length,
                               std::size_t* prefix_bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    if (i == bytes.size()) return PrefixState::kIncomplete;
    const auto byte = static_cast<unsigned char>(bytes[i]);
    const std::uint64_t payload = byte & 0x7fu;
    const unsigned shift = 7 * static_cast<unsigned>(i);
    // Bits at 2^35 and above can only make the value too long to be a length; checking
    // here also keeps the shift below 64.
    if (payload != 0 && shift >= 35) return PrefixState::kMalformed;
    value |= payload << shift;
    if (value > kMaxEncodableLength) return PrefixState::kMalformed;
    if ((byte & 0x80u) == 0) {
      *length = value;
      *prefix_bytes = i + 1;
      return PrefixState::kComplete;
    }
  }
  return PrefixState::kMalformed;  // still continuing after 10 bytes
}

void AppendVarint(std::uint64_t value, std::string* out) {
  while (value >= 0x80u) {
    out->push_back(static_cast<char>((value & 0x7fu) | 0x80u));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

}  // namespace

FrameReader::FrameReader(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

void FrameReader::Feed(std::string_view bytes) {
  if (failed() || bytes.empty()) return;
  // Drop what was handed out before growing, so the buffer stays about one frame long.
  if (consumed_ > 0) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

FrameReader::Result FrameReader::Next(std::string* frame) {
  if (failed()) return Result::kError;
  const std::string_view unread = std::string_view(buffer_).substr(consumed_);
  std::uint64_t length = 0;
  std::size_t prefix_bytes = 0;
  switch (DecodeLengthPrefix(unread, &length, &prefix_bytes)) {
    case PrefixState::kIncomplete:
      return Result::kNeedMore;
    case PrefixState::kMalformed:
      return Fail(Error::kMalformedLength, "malformed length prefix");
    case PrefixState::kComplete:
      break;
  }
  if (length > max_frame_bytes_) {
    return Fail(Error::kFrameTooLarge, "frame of " + std::to_string(length) +
                                           " bytes exceeds the limit of " +
                                           std::to_string(max_frame_bytes_) + " bytes");
  }
  if (unread.size() - prefix_bytes < length) return Result::kNeedMore;
  frame->assign(unread.substr(prefix_bytes, static_cast<std::size_t>(length)));
  consumed_ += prefix_bytes + static_cast<std::size_t>(length);
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  }
  return Result::kFrame;
}

std::string_view FrameReader::error_code() const {
  switch (error_) {
    case Error::kNone:
      return "";
    case Error::kFrameTooLarge:
      return "frame_too_large";
    case Error::kMalformedLength:
      return "malformed_frame";
  }
  return "";
}

FrameReader::Result FrameReader::Fail(Error error, std::string message) {
  error_ = error;
  error_message_ = std::move(message);
  // Nothing after a broken prefix can be read, so keep none of it.
  buffer_.clear();
  buffer_.shrink_to_fit();
  consumed_ = 0;
  return Result::kError;
}

void AppendFrame(const google::protobuf::MessageLite& message, std::string* out) {
  AppendVarint(message.ByteSizeLong(), out);
  message.AppendToString(out);
}

std::string EncodeFrame(const google::protobuf::MessageLite& message) {
  std::string out;
  AppendFrame(message, &out);
  return out;
}

}  // namespace stayaway::ingest
