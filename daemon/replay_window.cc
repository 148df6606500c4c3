#include "daemon/replay_window.h"

#include <string>

namespace stayaway::daemon {

Status CheckReplayWindow(const engine::SeqSet& applied, uint64_t seq) {
  const std::optional<uint64_t> newest = applied.newest();
  if (!newest) return Status::Ok();
  if (seq<*newest&& * newest - seq> kReplayWindowSeqs) {
    return FailedPrecondition(
        "seq " + std::to_string(seq) + " is more than " + std::to_string(kReplayWindowSeqs) +
        " behind the newest seq applied for the device (" + std::to_string(*newest) + ")");
  }
  if (applied.range_count() == engine::SeqSet::kMaxRanges && seq < *applied.oldest()) {
    return FailedPrecondition("seq " + std::to_string(seq) +
                              " is older than the device's duplicate memory reaches (" +
                              std::to_string(*applied.oldest()) + ")");
  }
  return Status::Ok();
}

}  // namespace stayaway::daemon
