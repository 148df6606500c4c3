#include "base/work_crew.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace stayaway {
namespace {

TEST(WorkCrewTest, EveryLaneRunsEachJobOnceAndTheCallerIsLaneZero) {
  WorkCrew crew(3);
  EXPECT_EQ(crew.lanes(), 3u);
  for (int job = 0; job < 200; ++job) {
    std::vector<int> runs(3, 0);  // each lane writes its own element only
    std::vector<std::thread::id> threads(3);
    crew.Run([&](unsigned lane) {
      ++runs[lane];
      threads[lane] = std::this_thread::get_id();
    });
    // Run returned: every lane's writes are visible here.
    EXPECT_EQ(runs, std::vector<int>({1, 1, 1}));
    EXPECT_EQ(threads[0], std::this_thread::get_id());
    EXPECT_EQ(std::set<std::thread::id>(threads.begin(), threads.end()).size(), 3u);
  }
}

TEST(WorkCrewTest, WritesBeforeRunAreSeenByEveryLaneAndLanesShareTheWork) {
  WorkCrew crew(2);
  std::vector<uint64_t> data(10'000);
  for (int round = 1; round <= 50; ++round) {
    for (size_t i = 0; i < data.size(); ++i) data[i] = i * round;  // written by the caller
    std::vector<uint64_t> sums(2, 0);
    crew.Run([&](unsigned lane) {
      for (size_t i = lane; i < data.size(); i += 2) sums[lane] += data[i];
    });
    uint64_t expected = 0;
    for (uint64_t v : data) expected += v;
    EXPECT_EQ(sums[0] + sums[1], expected);
  }
}

TEST(WorkCrewTest, OneLaneRunsOnTheCallerAndZeroMeansOne) {
  WorkCrew crew(0);
  EXPECT_EQ(crew.lanes(), 1u);
  std::thread::id ran;
  crew.Run([&](unsigned lane) {
    EXPECT_EQ(lane, 0u);
    ran = std::this_thread::get_id();
  });
  EXPECT_EQ(ran, std::this_thread::get_id());
}

}  // namespace
}  // namespace stayaway
