#include "daemon/centre_clock.h"

#include <chrono>
#include <utility>

namespace stayaway::daemon {

CentreClock::CentreClock(std::function<TimeMs()> wall, std::function<TimeMs()> steady,
                         std::function<void(TimeMs)> on_jump)
    : wall_(std::move(wall)), steady_(std::move(steady)), on_jump_(std::move(on_jump)) {}

TimeMs CentreClock::Now() {
  const TimeMs wall = wall_();
  const TimeMs steady = steady_();
  TimeMs jump = 0;
  TimeMs now = wall;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) {
      if (holding_) {
        // Half the monotonic rate until the wall clock catches up: time goes on (ticks,
        // timeouts) and the gap closes in twice the step.
        const TimeMs slewed = hold_now_ + (steady - hold_steady_) / 2;
        if (wall >= slewed) {
          holding_ = false;
        } else {
          now = slewed;
        }
      } else {
        const TimeMs expected = last_now_ + (steady - last_steady_);
        if (wall < expected - kJumpToleranceMs) {
          jump = wall - expected;
          holding_ = true;
          hold_now_ = last_now_;
          hold_steady_ = last_steady_;
          now = hold_now_ + (steady - hold_steady_) / 2;
        } else if (wall > expected + kJumpToleranceMs) {
          jump = wall - expected;
        }
      }
      if (now < last_now_) now = last_now_;
    }
    started_ = true;
    last_now_ = now;
    last_steady_ = steady;
  }
  if (jump != 0 && on_jump_) on_jump_(jump);
  return now;
}

TimeMs SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace stayaway::daemon
