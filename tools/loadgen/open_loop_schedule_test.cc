// The open-loop schedule: its arithmetic, and that a stall of the server shows up in the
// latency of every batch due during it (coordinated omission corrected), where a
// closed-loop measurement would report one slow request.
#include "tools/loadgen/open_loop_schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "tools/loadgen/latency_histogram.h"

namespace stayaway::loadgen {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// Simulated time: sleeping jumps forward; the simulated server advances it too.
class FakeClock final : public SchedulerClock {
 public:
  Nanos Now() override { return now_; }
  void SleepUntil(Nanos deadline) override { now_ = std::max(now_, deadline); }
  void Advance(Nanos d) { now_ += d; }

 private:
  Nanos now_{0};
};

TEST(OpenLoopSchedule, SpreadsFixesEvenlyInBatches) {
  const OpenLoopSchedule s(1000, 10, 2.5);
  EXPECT_EQ(s.fix_count(), 2500u);
  EXPECT_EQ(s.batch_count(), 250u);
  EXPECT_EQ(s.BatchOffset(0), Nanos(0));
  EXPECT_EQ(s.BatchOffset(1), milliseconds(10));
  EXPECT_EQ(s.BatchOffset(249), milliseconds(2490));
  EXPECT_EQ(s.FixesIn(249), 10u);
  EXPECT_EQ(s.BatchOfFix(2499), 249u);

  const OpenLoopSchedule short_last(100, 7, 1);
  EXPECT_EQ(short_last.batch_count(), 15u);
  EXPECT_EQ(short_last.FixesIn(14), 2u);
  EXPECT_EQ(short_last.FixesIn(15), 0u);
}

TEST(OpenLoopSchedule, SendsEachBatchAtItsDueTimeWhenTheServerKeepsUp) {
  const OpenLoopSchedule s(2000, 4, 1);
  FakeClock clock;
  std::vector<Nanos> sent_at;
  const OpenLoopResult r =
      RunOpenLoop(s, clock, milliseconds(5), Nanos::max(), [&](size_t b, Nanos due) {
        EXPECT_EQ(due, milliseconds(5) + s.BatchOffset(b));
        sent_at.push_back(clock.Now());
        return true;
      });
  EXPECT_EQ(r.batches_sent, 500u);
  EXPECT_EQ(r.fixes_sent, 2000u);
  EXPECT_FALSE(r.stopped_early);
  EXPECT_EQ(r.max_send_lag, Nanos(0));
  EXPECT_EQ(sent_at[1] - sent_at[0], milliseconds(2));
}

TEST(OpenLoopSchedule, StallOfTheServerShowsInTheLatencyOfEveryBatchDueDuringIt) {
  // 10,000 batches per second for 1 s; the server answers in 20 µs but stalls for 500 ms
  // on batch 2000 (t = 200 ms). The send blocks while the server is stalled, as a full
  // socket does.
  const OpenLoopSchedule s(10'000, 1, 1);
  FakeClock clock;
  LatencyHistogram from_intended;  // what the load generator reports
  LatencyHistogram from_actual;    // what a closed-loop client would report
  const OpenLoopResult r = RunOpenLoop(s, clock, Nanos(0), Nanos::max(), [&](size_t b, Nanos due) {
    const Nanos actual_send = clock.Now();
    clock.Advance(b == 2000 ? milliseconds(500) : microseconds(20));
    const Nanos reply = clock.Now();
    from_intended.RecordMicros(std::chrono::duration_cast<microseconds>(reply - due).count());
    from_actual.RecordMicros(std::chrono::duration_cast<microseconds>(reply - actual_send).count());
    return true;
  });
  EXPECT_EQ(r.batches_sent, 10'000u);
  EXPECT_GE(r.max_send_lag, milliseconds(499));

  // Closed-loop view: one slow request in 10,000; the p99 is the service time.
  EXPECT_EQ(from_actual.PercentileMicros(99), 20);
  EXPECT_GE(from_actual.max_micros(), 500'000);
  // Open-loop view: the ~5,000 batches due during the stall waited for it, from 500 ms
  // down to nothing, so the median is tens of ms and the p99 close to the stall.
  EXPECT_GE(from_intended.PercentileMicros(50), 1'000);
  EXPECT_GE(from_intended.PercentileMicros(99), 450'000);
  EXPECT_GE(from_intended.max_micros(), 500'000);
}

TEST(OpenLoopSchedule, GivesUpWhenTheGeneratorCannotKeepUp) {
  const OpenLoopSchedule s(1000, 1, 10);
  FakeClock clock;
  const OpenLoopResult r = RunOpenLoop(s, clock, Nanos(0), milliseconds(2000), [&](size_t, Nanos) {
    clock.Advance(milliseconds(4));  // 250/s at best
    return true;
  });
  EXPECT_TRUE(r.stopped_early);
  EXPECT_EQ(r.batches_sent, 500u);
  EXPECT_EQ(r.fixes_sent, 500u);
}

TEST(OpenLoopSchedule, CoalescingMergesTheBatchesThatFellDueDuringASlowCall) {
  // 1,000 batches per second; every call takes 10 ms whatever it carries (one commit).
  const OpenLoopSchedule s(1000, 1, 1);
  FakeClock clock;
  LatencyHistogram latency;
  size_t calls = 0;
  const OpenLoopResult r =
      RunOpenLoopCoalescing(s, clock, Nanos(0), Nanos::max(), 64, [&](size_t first, size_t end) {
        ++calls;
        EXPECT_LE(end - first, 64u);
        clock.Advance(milliseconds(10));
        for (size_t b = first; b < end; ++b) {
          latency.RecordMicros(
              std::chrono::duration_cast<microseconds>(clock.Now() - s.BatchOffset(b)).count());
        }
        return true;
      });
  EXPECT_EQ(r.batches_sent, 1000u);
  EXPECT_EQ(r.fixes_sent, 1000u);
  // About 100 calls of about 10 batches, each batch waiting at most two calls.
  EXPECT_LE(calls, 110u);
  EXPECT_LE(latency.max_micros(), 20'000);
  // The same client without coalescing falls further behind with every call.
  FakeClock slow_clock;
  LatencyHistogram uncoalesced;
  RunOpenLoop(s, slow_clock, Nanos(0), Nanos::max(), [&](size_t, Nanos due) {
    slow_clock.Advance(milliseconds(10));
    uncoalesced.RecordMicros(
        std::chrono::duration_cast<microseconds>(slow_clock.Now() - due).count());
    return true;
  });
  EXPECT_GE(uncoalesced.max_micros(), 9'000'000);
}

}  // namespace
}  // namespace stayaway::loadgen
