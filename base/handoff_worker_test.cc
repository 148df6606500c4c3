#include "base/handoff_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace stayaway {
namespace {

TEST(HandoffWorker, RunsEveryJobInOrderOnItsOwnThread) {
  std::vector<int> ran;  // written by the worker only; read after Wait
  std::thread::id worker_thread;
  {
    HandoffWorker worker("sa-test");
    for (int i = 0; i < 1000; ++i) {
      worker.Hand([&ran, &worker_thread, i] {
        worker_thread = std::this_thread::get_id();
        ran.push_back(i);
      });
    }
    worker.Wait();
    ASSERT_EQ(ran.size(), 1000u);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(ran[i], i);
    EXPECT_NE(worker_thread, std::this_thread::get_id());
  }
}

TEST(HandoffWorker, HandWaitsForTheJobInFlightSoNeverTwoRunAhead) {
  HandoffWorker worker("sa-test");
  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  std::atomic<bool> release{false};
  worker.Hand([&] {
    started = 1;
    while (!release) std::this_thread::yield();
    finished = 1;
  });
  while (started == 0) std::this_thread::yield();
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    release = true;
  });
  // Returns only once the first job has finished.
  worker.Hand([&] { finished = finished + 1; });
  EXPECT_GE(finished.load(), 1);
  worker.Wait();
  EXPECT_EQ(finished.load(), 2);
  releaser.join();
}

TEST(HandoffWorker, TheDestructorRunsTheJobInFlight) {
  std::atomic<bool> ran{false};
  {
    HandoffWorker worker("sa-test");
    worker.Hand([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ran = true;
    });
  }
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace stayaway
