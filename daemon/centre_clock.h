// CentreClock: the time stayawayd stamps fixes with and feeds the engine as ticks. It is
// the wall clock, except that it never goes back: when the wall clock steps backwards (an
// NTP correction, an operator's mistake), the centre's time keeps advancing at half the
// rate of the monotonic clock until the wall clock catches up (in twice the step).
// Without that, ticks would stop for as long as the step (no comms_lost, no
// acknowledgement deadlines for an hour after a one-hour step back) and receive stamps
// would run backwards; with it, timeouts take up to twice as long while the gap closes. A step forward is taken as it is (time did pass for the devices too) and
// reported, so an operator can tell a burst of comms_lost alerts from a real outage.
//
// Units: milliseconds since the epoch (wall) and of an arbitrary origin (steady).
// Thread-safe.
#ifndef STAYAWAY_DAEMON_CENTRE_CLOCK_H_
#define STAYAWAY_DAEMON_CENTRE_CLOCK_H_

#include <functional>
#include <mutex>

#include "base/time.h"

namespace stayaway::daemon {

class CentreClock {
 public:
  // Jumps smaller than this are ordinary jitter between the two clocks.
  static constexpr TimeMs kJumpToleranceMs = 2'000;

  // `on_jump(step_ms)`: the wall clock stepped by step_ms (negative: backwards) relative
  // to the monotonic clock; called outside any lock.
  CentreClock(std::function<TimeMs()> wall, std::function<TimeMs()> steady,
              std::function<void(TimeMs step_ms)> on_jump = {});

  TimeMs Now();

 private:
  std::function<TimeMs()> wall_;
  std::function<TimeMs()> steady_;
  std::function<void(TimeMs)> on_jump_;
  std::mutex mu_;
  bool started_ = false;   // guarded by mu_
  TimeMs last_now_ = 0;    // guarded by mu_
  TimeMs last_steady_ = 0; // guarded by mu_
  bool holding_ = false;   // guarded by mu_: the wall clock is behind us
  TimeMs hold_now_ = 0;    // guarded by mu_: centre time when the step back was seen
  TimeMs hold_steady_ = 0; // guarded by mu_: and the monotonic time then
};

// Milliseconds of std::chrono::steady_clock.
TimeMs SteadyNowMs();

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_CENTRE_CLOCK_H_
