// process_cpu: a thread that spins shows up as about one busy core; a sleeping process as
// about none; an unknown process as unknown.
#include "tools/loadgen/process_cpu.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace stayaway::loadgen {
namespace {

TEST(ProcessCpu, ASpinningThreadIsOneBusyCore) {
  std::atomic<bool> stop{false};
  std::thread busy([&] {
    while (!stop.load()) {
    }
  });
  const ProcessCpuSample start = SampleProcessCpu(0);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const CpuUse use = CpuUseBetween(start, SampleProcessCpu(0));
  stop = true;
  busy.join();
  ASSERT_TRUE(use.known);
  // On a machine shared with other work the spinner may get well under a whole core.
  EXPECT_GT(use.busiest_thread_cores, 0.1);
  EXPECT_LT(use.busiest_thread_cores, 1.2);
  EXPECT_GE(use.process_cores, use.busiest_thread_cores);
}

TEST(ProcessCpu, SleepingIsNearlyNothingAndAnUnknownProcessIsUnknown) {
  // A full second: CPU time is counted in 10 ms ticks, so over 200 ms a single tick (reading
  // /proc, or a sanitizer's own thread) already read as 0.05 cores.
  const ProcessCpuSample start = SampleProcessCpu(0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const CpuUse idle = CpuUseBetween(start, SampleProcessCpu(0));
  ASSERT_TRUE(idle.known);
  EXPECT_LT(idle.process_cores, 0.05);

  const ProcessCpuSample missing = SampleProcessCpu(999'999'999);
  EXPECT_FALSE(missing.ok);
  EXPECT_FALSE(CpuUseBetween(missing, missing).known);
}

}  // namespace
}  // namespace stayaway::loadgen
