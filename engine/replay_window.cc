#include "engine/replay_window.h"

#include <string>

namespace stayaway::engine {

Status CheckReplayWindow(const SeqSet& applied, uint64_t seq) {
  const std::optional<uint64_t> newest = applied.newest();
  if (!newest) return Status::Ok();
  if (*newest > seq && *newest - seq > kReplayWindowSeqs) {
    return FailedPrecondition(
        "seq " + std::to_string(seq) + " is more than " + std::to_string(kReplayWindowSeqs) +
        " behind the newest seq applied for the device (" + std::to_string(*newest) + ")");
  }
  if (applied.Find(seq) == SeqSet::Seen::kClosed) {
    return FailedPrecondition("seq " + std::to_string(seq) +
                              " is below the device's closed sequence numbers (all below " +
                              std::to_string(applied.closed_below()) +
                              " are refused: too many gaps, or too old)");
  }
  return Status::Ok();
}

}  // namespace stayaway::engine
