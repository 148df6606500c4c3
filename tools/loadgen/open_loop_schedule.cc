#include "tools/loadgen/open_loop_schedule.h"

#include <algorithm>
#include <cmath>
#include <thread>

namespace stayaway::loadgen {

OpenLoopSchedule::OpenLoopSchedule(double rate_per_s, std::size_t batch_size, double duration_s)
    : rate_per_s_(rate_per_s),
      batch_size_(std::max<std::size_t>(batch_size, 1)),
      fix_count_(std::max<std::size_t>(
          1, static_cast<std::size_t>(std::llround(rate_per_s * duration_s)))) {}

std::size_t OpenLoopSchedule::FixesIn(std::size_t batch) const {
  const std::size_t first = FirstFix(batch);
  if (first >= fix_count_) return 0;
  return std::min(batch_size_, fix_count_ - first);
}

Nanos OpenLoopSchedule::BatchOffset(std::size_t batch) const {
  const double seconds = static_cast<double>(FirstFix(batch)) / rate_per_s_;
  return Nanos(static_cast<int64_t>(std::llround(seconds * 1e9)));
}

Nanos SteadySchedulerClock::Now() {
  return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now().time_since_epoch());
}

void SteadySchedulerClock::SleepUntil(Nanos deadline) {
  // No spinning: on a machine shared with the server under test a spinning generator
  // steals its CPU. The wake-up slack (tens of µs) counts as latency, which is honest.
  std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(deadline)));
}

OpenLoopResult RunOpenLoop(const OpenLoopSchedule& schedule, SchedulerClock& clock, Nanos start,
                           Nanos give_up_at,
                           const std::function<bool(std::size_t batch, Nanos due)>& send) {
  OpenLoopResult result;
  for (std::size_t b = 0; b < schedule.batch_count(); ++b) {
    const Nanos due = start + schedule.BatchOffset(b);
    clock.SleepUntil(due);
    const Nanos now = clock.Now();
    if (now >= give_up_at) {
      result.stopped_early = true;
      break;
    }
    result.max_send_lag = std::max(result.max_send_lag, now - due);
    if (!send(b, due)) {
      result.stopped_early = true;
      break;
    }
    ++result.batches_sent;
    result.fixes_sent += schedule.FixesIn(b);
  }
  return result;
}

OpenLoopResult RunOpenLoopCoalescing(
    const OpenLoopSchedule& schedule, SchedulerClock& clock, Nanos start, Nanos give_up_at,
    std::size_t max_batches_per_send,
    const std::function<bool(std::size_t first, std::size_t end)>& send) {
  OpenLoopResult result;
  const std::size_t count = schedule.batch_count();
  for (std::size_t first = 0; first < count;) {
    const Nanos due = start + schedule.BatchOffset(first);
    clock.SleepUntil(due);
    const Nanos now = clock.Now();
    if (now >= give_up_at) {
      result.stopped_early = true;
      break;
    }
    result.max_send_lag = std::max(result.max_send_lag, now - due);
    std::size_t end = first + 1;
    while (end < count && end - first < std::max<std::size_t>(max_batches_per_send, 1) &&
           start + schedule.BatchOffset(end) <= now) {
      ++end;
    }
    if (!send(first, end)) {
      result.stopped_early = true;
      break;
    }
    for (std::size_t b = first; b < end; ++b) result.fixes_sent += schedule.FixesIn(b);
    result.batches_sent += end - first;
    first = end;
  }
  return result;
}

}  // namespace stayaway::loadgen
