// Frame codec: the stock Protobuf varint-delimited framing of the TCP ingest port.
//
// A frame is a base-128 varint holding the message's length in bytes, then the message
// bytes. It is exactly what Java's `writeDelimitedTo`, Python's
// `_VarintBytes(len(data)) + data` and C++'s `google::protobuf::util::
// SerializeDelimitedToOstream` write, so an integrator needs nothing but their Protobuf
// library to talk to stayawayd.
//
//   FrameReader reader;                       // frames up to kDefaultMaxFrameBytes
//   reader.Feed(bytes_from_socket);
//   std::string frame;
//   while (reader.Next(&frame) == FrameReader::Result::kFrame) Handle(frame);
//   if (reader.failed()) Reply(reader.error_code(), reader.error_message());
//
// The length is checked against the limit as soon as the prefix is complete, before any
// room for the message is set aside, so a peer cannot make us allocate what it announces.
// An error is final: after a bad prefix the stream cannot be resynchronised.
//
// Thread-safety: a FrameReader is a plain value (thread-compatible); the encoders are pure.
#ifndef STAYAWAY_INGEST_FRAME_CODEC_H_
#define STAYAWAY_INGEST_FRAME_CODEC_H_

#include <cstddef>
#include <string>
#include <string_view>

#include <google/protobuf/message_lite.h>

namespace stayaway::ingest {

// The largest message a peer may send unless configured otherwise.
inline constexpr std::size_t kDefaultMaxFrameBytes = 4 * 1024 * 1024;
// A varint longer than this is not a Protobuf varint at all.
inline constexpr std::size_t kMaxVarintBytes = 10;

class FrameReader {
 public:
  enum class Result { kFrame, kNeedMore, kError };
  enum class Error { kNone, kFrameTooLarge, kMalformedLength };

  explicit FrameReader(std::size_t max_frame_bytes = kDefaultMaxFrameBytes);

  // Appends bytes received from the peer. Ignored once the reader has failed.
  void Feed(std::string_view bytes);

  // Takes the next complete frame's message bytes into *frame (replacing its contents).
  // kNeedMore: the buffered bytes hold no complete frame yet. kError: the stream is
  // broken (see error()); every later call returns kError too.
  Result Next(std::string* frame);

  bool failed() const { return error_ != Error::kNone; }
  Error error() const { return error_; }
  // Stable label for replies and metrics: "frame_too_large" or "malformed_frame".
  std::string_view error_code() const;
  // One line for the peer: "frame of 5000000 bytes exceeds the limit of 4194304 bytes".
  const std::string& error_message() const { return error_message_; }

  // Bytes fed but not yet returned as frames.
  std::size_t buffered_bytes() const { return buffer_.size() - consumed_; }
  std::size_t max_frame_bytes() const { return max_frame_bytes_; }

 private:
  Result Fail(Error error, std::string message);

  std::size_t max_frame_bytes_;
  std::string buffer_;
  std::size_t consumed_ = 0;  // bytes at the front of buffer_ already handed out
  Error error_ = Error::kNone;
  std::string error_message_;
};

// Appends `message` as one frame (varint length, then its bytes) to *out.
void AppendFrame(const google::protobuf::MessageLite& message, std::string* out);
// `message` as one frame.
std::string EncodeFrame(const google::protobuf::MessageLite& message);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_FRAME_CODEC_H_
