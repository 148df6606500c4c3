// ReplayWindow: which sequence numbers of a device that signs its fixes (access/fix_mac.h)
// are still taken.
//
// A valid MAC proves that the device made a fix, not that the fix is new: whoever
// captured it (a gateway, an eavesdropper) can send it again at any time. The engine
// applies each (device, seq) at most once, exactly (seq_set.h): a repeat it remembers is a
// duplicate, and a number its bounded memory has closed is refused as stale. A capture of
// a fix that never reached the centre would still be new to it, however old; so a signed
// fix is refused as stale when its seq is
//
//   - more than kReplayWindowSeqs below the newest seq applied for the device (exactly
//     kReplayWindowSeqs below is still taken), or
//   - a seq the device's duplicate memory has closed (the engine would refuse it too).
//
// The engine applies the rule to every fix that carries a MAC (engine_fixes.cc), from its
// own state and the fix alone, so a journal or a Kafka input log replays to the same
// answer on every instance whatever keys each holds. A daemon of its own also checks it
// before the journal (daemon/core_admission.cc), keeping old captures out of the journal
// and answering them before they queue.
//
// Pure function; thread-compatible (call it where the SeqSet lives: the engine thread).
#ifndef STAYAWAY_ENGINE_REPLAY_WINDOW_H_
#define STAYAWAY_ENGINE_REPLAY_WINDOW_H_

#include <cstdint>
#include <optional>

#include "base/status.h"
#include "engine/seq_set.h"

namespace stayaway::engine {

// How far a keyed device's fix may lag behind its newest: 4096 numbers is over an hour
// of backlog at one fix a second, far more than a device stores and forwards while out of
// coverage, and small enough that no old capture is ever worth replaying.
inline constexpr uint64_t kReplayWindowSeqs = 4096;

// Ok when `seq` may go on to the engine, given the seqs already applied for the device;
// FailedPrecondition saying why it is stale otherwise.
Status CheckReplayWindow(const SeqSet& applied, uint64_t seq);

// The first half of it, given only the newest seq applied for the device (nullopt: none):
// FailedPrecondition when `seq` is more than kReplayWindowSeqs behind it. For a check made
// away from the engine's memory (daemon/newest_signed_seqs.h).
Status CheckWithinWindow(std::optional<uint64_t> newest, uint64_t seq);

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_REPLAY_WINDOW_H_
