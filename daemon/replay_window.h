// ReplayWindow: which sequence numbers of a device that signs its fixes (access/fix_mac.h)
// the core still lets through to the journal and the engine.
//
// A valid MAC proves that the device made a fix, not that the fix is new: whoever
// captured it (a gateway, an eavesdropper) can send it again at any time. The engine
// applies each (device, seq) at most once, exactly (engine/seq_set.h): a repeat it
// remembers is a duplicate, and a number its bounded memory has closed is refused as
// stale, never applied again. So nothing here is needed to stop a second application;
// it keeps old captures out of the journal and answers them before they queue. For a
// keyed device the core refuses, before the journal:
//
//   - a seq more than kReplayWindowSeqs below the newest seq applied for the device
//     (exactly kReplayWindowSeqs below is still taken);
//   - a seq the device's duplicate memory has closed (the engine would refuse it too).
//
// Everything else goes on to the engine, where an exact repeat is the harmless duplicate
// it always was. Both come from the engine's own state, so they survive a restart with
// the journal and snapshots; nothing else is stored.
//
// Pure function; thread-compatible (call it where the SeqSet lives: the engine thread).
#ifndef STAYAWAY_DAEMON_REPLAY_WINDOW_H_
#define STAYAWAY_DAEMON_REPLAY_WINDOW_H_

#include <cstdint>

#include "base/status.h"
#include "engine/seq_set.h"

namespace stayaway::daemon {

// How far a keyed device's fix may lag behind its newest: 4096 numbers is over an hour
// of backlog at one fix a second, far more than a device stores and forwards while out of
// coverage, and small enough that no old capture is ever worth replaying.
inline constexpr uint64_t kReplayWindowSeqs = 4096;

// Ok when `seq` may go on to the engine, given the seqs already applied for the device;
// FailedPrecondition saying why it is stale otherwise.
Status CheckReplayWindow(const engine::SeqSet& applied, uint64_t seq);

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_REPLAY_WINDOW_H_
