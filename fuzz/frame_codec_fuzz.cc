// Fuzzes the TCP framing: arbitrary bytes, fed in arbitrary slices, must give frames, a
// request for more, or a clear error, and every frame must parse or be refused cleanly.
// Each frame also goes through the port's ClientFrameDecoder, which must decode it exactly
// as ClientFrame::ParseFromString does, with the used fixes swapped in as the port does.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "ingest/client_frame_decoder.h"
#include "ingest/frame_codec.h"
#include "proto/stayaway.pb.h"

namespace {

void ExpectDecodedAsParsed(stayaway::ingest::ClientFrameDecoder& decoder,
                           std::vector<stayaway::v1::Fix>& used, const std::string& frame) {
  using Result = stayaway::ingest::ClientFrameDecoder::Result;
  stayaway::v1::ClientFrame parsed;
  const bool ok = parsed.ParseFromString(frame);
  const Result result = decoder.Decode(frame);
  if (ok != (result != Result::kMalformed)) std::abort();
  if (result == Result::kBatch) {
    if (parsed.frame_case() != stayaway::v1::ClientFrame::kBatch ||
        parsed.batch().SerializeAsString() != decoder.batch().SerializeAsString()) {
      std::abort();
    }
    auto& fixes = *decoder.batch().mutable_fixes();
    if (used.size() < static_cast<size_t>(fixes.size()))
      used.resize(static_cast<size_t>(fixes.size()));
    for (int i = 0; i < fixes.size(); ++i) fixes[i].Swap(&used[static_cast<size_t>(i)]);
  } else if (result == Result::kOther &&
             parsed.SerializeAsString() != decoder.frame().SerializeAsString()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stayaway::ingest::FrameReader reader(1 << 16);
  stayaway::ingest::ClientFrameDecoder decoder;
  std::vector<stayaway::v1::Fix> used;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const size_t step = size > 0 ? 1 + data[0] % 7 : 1;
  std::string frame;
  for (size_t at = 0; at < bytes.size(); at += step) {
    reader.Feed(bytes.substr(at, step));
    for (;;) {
      const auto result = reader.Next(&frame);
      if (result != stayaway::ingest::FrameReader::Result::kFrame) break;
      ExpectDecodedAsParsed(decoder, used, frame);
    }
    if (reader.failed()) break;
  }
  // The bytes as one frame too: most inputs never delimit a frame of their own.
  ExpectDecodedAsParsed(decoder, used, std::string(bytes));
  return 0;
}
