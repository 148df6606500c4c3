// Fuzzes the TCP framing: arbitrary bytes, fed in arbitrary slices, must give frames, a
// request for more, or a clear error, and every frame must parse or be refused cleanly.
#include <cstdint>
#include <string>

#include "ingest/frame_codec.h"
#include "proto/stayaway.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stayaway::ingest::FrameReader reader(1 << 16);
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const size_t step = size > 0 ? 1 + data[0] % 7 : 1;
  std::string frame;
  for (size_t at = 0; at < bytes.size(); at += step) {
    reader.Feed(bytes.substr(at, step));
    for (;;) {
      const auto result = reader.Next(&frame);
      if (result != stayaway::ingest::FrameReader::Result::kFrame) break;
      stayaway::v1::ClientFrame parsed;
      (void)parsed.ParseFromString(frame);
    }
    if (reader.failed()) break;
  }
  return 0;
}
