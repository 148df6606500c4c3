// FixStateRecorder: what a retention base (retention_base.h) needs of the devices board
// (daemon/device_board.h) to carry its fix state: the newest fix of every device, as the
// daemon's own snapshots carry it. A base is made by replaying the journal
// (base_at_segment.h); the recorder is fed every fix the replay's engine accepts, in
// order, from the fix state of the base the replay started from. The evidence library
// does not depend on the daemon: the daemon's board implements this.
//
// Thread-safety: as the implementation says (the daemon's board is thread-safe).
#ifndef STAYAWAY_EVIDENCE_FIX_STATE_RECORDER_H_
#define STAYAWAY_EVIDENCE_FIX_STATE_RECORDER_H_

#include <vector>

#include "proto/stayaway.pb.h"

namespace stayaway::evidence {

class FixStateRecorder {
 public:
  virtual ~FixStateRecorder() = default;

  // Every fix the engine accepted (never a refused fix or a duplicate), in the engine's
  // order.
  virtual void RecordFix(const v1::Fix& fix) = 0;
  // The fix state of every device that has one, ascending by device id; LoadFixState
  // puts such a list back.
  virtual std::vector<v1::DeviceStatus> SaveFixState() const = 0;
  virtual void LoadFixState(const std::vector<v1::DeviceStatus>& devices) = 0;
};

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_FIX_STATE_RECORDER_H_
