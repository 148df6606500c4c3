#include "engine/replay_window.h"

#include <string>

namespace stayaway::engine {

Status CheckWithinWindow(std::optional<uint64_t> newest, uint64_t seq) {
  if (newest && *newest > seq && *newest - seq > kReplayWindowSeqs) {
    return FailedPrecondition(
        "seq " + std::to_string(seq) + " is more than " + std::to_string(kReplayWindowSeqs) +
        " behind the newest seq applied for the device (" + std::to_string(*newest) + ")");
  }
  return Status::Ok();
}

Status CheckReplayWindow(const SeqSet& applied, uint64_t seq) {
  if (Status s = CheckWithinWindow(applied.newest(), seq); !s.ok()) return s;
  if (applied.Find(seq) == SeqSet::Seen::kClosed) {
    return FailedPrecondition("seq " + std::to_string(seq) +
                              " is below the device's closed sequence numbers (all below " +
                              std::to_string(applied.closed_below()) +
                              " are refused: too many gaps, or too old)");
  }
  return Status::Ok();
}

}  // namespace stayaway::engine
