// ClientFrameDecoder: decodes the ClientFrames of one TCP connection the way
// ClientFrame::ParseFromString does, keeping the messages of a batch for the next one.
//
// A gateway's frame is a ClientFrame holding a FixBatch and nothing else. Parsing it into a
// new ClientFrame made every fix, its device id and its time anew (3-4 allocations a fix).
// Such a frame is parsed here straight into a FixBatch the decoder keeps: parsing clears it
// first, and a cleared fix keeps its objects and buffers (Fix.time and Fix.received are
// `optional` for that), so a batch decoded into fixes used before allocates nothing. The
// port swaps the fixes it hands to the core for used ones it got back (FixSink::
// TakeUsedFixes), so the kept batch always holds used fixes.
// Any other frame (a subscribe, an authenticate, a batch written in some unusual shape) is
// parsed as a whole ClientFrame, as before. Either way the outcome is exactly
// ClientFrame::ParseFromString's (ingest/client_frame_decoder_test.cc holds it to that).
//
// Memory: a decoder keeps the fixes of its last batch, up to kKeptFixes of them (about
// 250 bytes each); the port calls Trim once it has handled a frame.
//
// Thread-compatible: one decoder per connection.
#ifndef STAYAWAY_INGEST_CLIENT_FRAME_DECODER_H_
#define STAYAWAY_INGEST_CLIENT_FRAME_DECODER_H_

#include <string_view>

#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

class ClientFrameDecoder {
 public:
  enum class Result {
    kMalformed,  // not a ClientFrame
    kBatch,      // batch() holds the frame's batch
    kOther,      // frame() holds the frame (a batch among them, in an unusual shape)
  };

  // Batches of up to this many fixes are kept for the next frame.
  static constexpr int kKeptFixes = 1024;

  Result Decode(std::string_view bytes);
  // Frees what is not worth keeping for the next frame: a batch of more than kKeptFixes
  // fixes, and a frame of another kind (rare: gateways send lone batches).
  void Trim() {
    if (batch_.fixes_size() > kKeptFixes) batch_ = v1::FixBatch();
    frame_.Clear();
  }

  // Valid until the next Decode; the caller may take the batch's fixes (swapping used
  // ones in keeps the next decode free of allocation).
  v1::FixBatch& batch() { return batch_; }
  v1::ClientFrame& frame() { return frame_; }

 private:
  v1::FixBatch batch_;
  v1::ClientFrame frame_;
};

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_CLIENT_FRAME_DECODER_H_
