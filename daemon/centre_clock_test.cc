#include "daemon/centre_clock.h"

#include <gtest/gtest.h>

#include <vector>

namespace stayaway::daemon {
namespace {

constexpr TimeMs kWall = 1741600800000;  // 2025-03-10T10:00:00Z
constexpr TimeMs kHour = 3'600'000;

struct Clocks {
  TimeMs wall = kWall;
  TimeMs steady = 5'000;
  std::vector<TimeMs> jumps;
  CentreClock Make() {
    return CentreClock([this] { return wall; }, [this] { return steady; },
                       [this](TimeMs step) { jumps.push_back(step); });
  }
  void Advance(TimeMs ms) {
    wall += ms;
    steady += ms;
  }
};

TEST(CentreClock, FollowsTheWallClockWhileItBehaves) {
  Clocks c;
  CentreClock clock = c.Make();
  EXPECT_EQ(clock.Now(), kWall);
  c.Advance(1500);
  EXPECT_EQ(clock.Now(), kWall + 1500);
  c.wall += 300;  // jitter between the clocks is no jump
  EXPECT_EQ(clock.Now(), kWall + 1800);
  EXPECT_TRUE(c.jumps.empty());
}

TEST(CentreClock, AStepBackKeepsTimeMovingAtHalfRateUntilTheWallClockCatchesUp) {
  Clocks c;
  CentreClock clock = c.Make();
  clock.Now();
  c.wall -= kHour;  // NTP steps the wall clock back an hour
  EXPECT_EQ(clock.Now(), kWall);
  c.Advance(20 * 60'000);  // twenty real minutes: the centre's time moved ten
  EXPECT_EQ(clock.Now(), kWall + 10 * 60'000);
  for (int i = 0; i < 1000; ++i) {  // frequent reads lose nothing to rounding
    c.Advance(1);
    clock.Now();
  }
  EXPECT_EQ(clock.Now(), kWall + 10 * 60'000 + 500);
  ASSERT_EQ(c.jumps.size(), 1u);  // reported once, not on every read
  EXPECT_EQ(c.jumps[0], -kHour);
  // Two hours after the step the wall clock has caught up and leads again, unreported.
  c.Advance(2 * kHour);
  EXPECT_EQ(clock.Now(), c.wall);
  c.Advance(1000);
  EXPECT_EQ(clock.Now(), c.wall);
  EXPECT_EQ(c.jumps.size(), 1u);
}

TEST(CentreClock, AStepForwardIsTakenAndReported) {
  Clocks c;
  CentreClock clock = c.Make();
  clock.Now();
  c.wall += kHour;
  c.steady += 1000;
  EXPECT_EQ(clock.Now(), kWall + kHour);
  ASSERT_EQ(c.jumps.size(), 1u);
  EXPECT_EQ(c.jumps[0], kHour - 1000);
}

TEST(CentreClock, NeverGoesBackEvenBySmallSteps) {
  Clocks c;
  CentreClock clock = c.Make();
  TimeMs last = clock.Now();
  for (int i = 0; i < 100; ++i) {
    c.wall += (i % 3 == 0) ? -1500 : 700;
    c.steady += 500;
    const TimeMs now = clock.Now();
    EXPECT_GE(now, last);
    last = now;
  }
}

}  // namespace
}  // namespace stayaway::daemon
