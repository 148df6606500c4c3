// OpenLoopSchedule and RunOpenLoop: when a load generator must send, decided before it
// starts, so a slow server cannot slow the generator down and hide its own latency.
//
// A closed-loop generator sends the next request when the previous one returns; when the
// server stalls for a second it simply sends nothing for a second, and the thousands of
// requests that should have gone out meanwhile are never measured ("coordinated
// omission"). Here fix i of a run is due at start + i / rate, grouped into batches of
// `batch_size` consecutive fixes; batch b is due when its first fix is. Latency is
// measured from that intended time, never from the moment the bytes actually left: a
// stall delays every batch due during it, and each of them reports the delay.
//
//   OpenLoopSchedule schedule(/*rate_per_s=*/5000, /*batch_size=*/10, /*duration_s=*/10);
//   SteadySchedulerClock clock;
//   RunOpenLoop(schedule, clock, clock.Now(), /*give_up_at=*/..., [&](size_t b, Nanos due) {
//     return SendBatch(b, due);   // false stops the run
//   });
//   // and wherever the reply for batch b arrives: record(now - start - schedule.BatchOffset(b))
//
// Thread-safety: OpenLoopSchedule is an immutable value (thread-safe); RunOpenLoop runs on
// the calling thread.
#ifndef STAYAWAY_TOOLS_LOADGEN_OPEN_LOOP_SCHEDULE_H_
#define STAYAWAY_TOOLS_LOADGEN_OPEN_LOOP_SCHEDULE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace stayaway::loadgen {

using Nanos = std::chrono::nanoseconds;

class OpenLoopSchedule {
 public:
  // rate_per_s > 0 fixes per second, batch_size >= 1, duration_s > 0. The run holds
  // round(rate * duration) fixes (at least one).
  OpenLoopSchedule(double rate_per_s, std::size_t batch_size, double duration_s);

  double rate_per_s() const { return rate_per_s_; }
  std::size_t batch_size() const { return batch_size_; }
  std::size_t fix_count() const { return fix_count_; }
  std::size_t batch_count() const { return (fix_count_ + batch_size_ - 1) / batch_size_; }
  // Fixes [FirstFix(b), FirstFix(b) + FixesIn(b)) make up batch b; the last may be short.
  std::size_t FirstFix(std::size_t batch) const { return batch * batch_size_; }
  std::size_t FixesIn(std::size_t batch) const;
  std::size_t BatchOfFix(std::size_t fix) const { return fix / batch_size_; }
  // When batch b (and each of its fixes) is due, after the run's start.
  Nanos BatchOffset(std::size_t batch) const;

 private:
  double rate_per_s_;
  std::size_t batch_size_;
  std::size_t fix_count_;
};

// Where RunOpenLoop reads time and waits; tests substitute a simulated clock.
class SchedulerClock {
 public:
  virtual ~SchedulerClock() = default;
  // Monotonic time since an arbitrary origin.
  virtual Nanos Now() = 0;
  // Returns at or after `deadline` (immediately when it has passed).
  virtual void SleepUntil(Nanos deadline) = 0;
};

// std::chrono::steady_clock and std::this_thread::sleep_until.
class SteadySchedulerClock final : public SchedulerClock {
 public:
  Nanos Now() override;
  void SleepUntil(Nanos deadline) override;
};

struct OpenLoopResult {
  std::size_t batches_sent = 0;
  std::size_t fixes_sent = 0;
  // The largest delay between a batch's due time and the moment send() was called: how
  // far the generator itself fell behind (a blocked socket, a busy machine).
  Nanos max_send_lag{0};
  // True when give_up_at passed with batches unsent, or send() returned false.
  bool stopped_early = false;
};

// Calls send(b, due) for every batch in order: waits for a batch's due time when early,
// calls at once when late (never skips a batch and never re-bases the schedule, so lag
// shows up as latency). Stops before a batch when clock.Now() >= give_up_at (the
// generator cannot keep up at all) or when send returns false.
OpenLoopResult RunOpenLoop(const OpenLoopSchedule& schedule, SchedulerClock& clock, Nanos start,
                           Nanos give_up_at,
                           const std::function<bool(std::size_t batch, Nanos due)>& send);

// As RunOpenLoop, for a synchronous client that can merge work (a database committing
// several batches in one transaction, as stayawayd's group commit does): each call takes
// batch `first` and every later batch already due when it starts, up to
// max_batches_per_send, as send(first, end) for batches [first, end). The caller measures
// each batch's latency from its own due time. With a client that keeps up, every call
// carries one batch and this is RunOpenLoop.
OpenLoopResult RunOpenLoopCoalescing(
    const OpenLoopSchedule& schedule, SchedulerClock& clock, Nanos start, Nanos give_up_at,
    std::size_t max_batches_per_send,
    const std::function<bool(std::size_t first, std::size_t end)>& send);

}  // namespace stayaway::loadgen

#endif  // STAYAWAY_TOOLS_LOADGEN_OPEN_LOOP_SCHEDULE_H_
