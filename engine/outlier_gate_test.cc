#include "engine/outlier_gate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "geo/geodesic.h"
#include "geo/lat_lng.h"

namespace stayaway::engine {
namespace {

constexpr double kUnknownSpeed = 2.0;
constexpr double kPlausible = 70.0;

// A point `east_m` metres east and `north_m` north of a fixed place (small offsets).
GateFix At(TimeMs t, double east_m, double north_m, float accuracy_m, float speed_mps) {
  constexpr double kLat = 42.87, kLon = 74.59, kEarth = 6'371'000;
  const double lat = kLat + north_m / kEarth * 180 / M_PI;
  const double lon = kLon + east_m / (kEarth * std::cos(kLat * M_PI / 180)) * 180 / M_PI;
  return GateFix{t, geo::ToEcef(geo::LatLng{lat, lon}), accuracy_m, speed_mps, false};
}

TEST(OutlierGate, NothingIsJudgedBeforeThreeFixes) {
  OutlierGate gate;
  EXPECT_FALSE(gate.JudgeAndRemember(At(0, 0, 0, 5, 0), kUnknownSpeed, kPlausible));
  EXPECT_FALSE(gate.JudgeAndRemember(At(15'000, 0, 0, 5, 0), kUnknownSpeed, kPlausible));
  EXPECT_FALSE(gate.JudgeAndRemember(At(30'000, 900, 0, 5, 0), kUnknownSpeed, kPlausible));
}

TEST(OutlierGate, AStandingPersonsCanyonBurstOfThreeIsCaughtAndAMoveIsFollowed) {
  OutlierGate gate;
  TimeMs t = 0;
  for (int i = 0; i < 5; ++i, t += 15'000) {
    EXPECT_FALSE(gate.JudgeAndRemember(At(t, i % 2 ? 4 : -4, 3, 6, 0), kUnknownSpeed, kPlausible));
  }
  // Three bad fixes 120 m north, stating 6 m, Doppler speed 0.
  for (int i = 0; i < 3; ++i, t += 15'000) {
    EXPECT_TRUE(gate.JudgeAndRemember(At(t, 5, 120 + 10 * i, 6, 0), kUnknownSpeed, kPlausible))
        << i;
  }
  // Back where he stands: consistent again.
  EXPECT_FALSE(gate.JudgeAndRemember(At(t, 0, 0, 6, 0), kUnknownSpeed, kPlausible));
  t += 15'000;
  // He really moves 150 m and stays: the first two fixes there are outliers, the window
  // then holds three of them and follows.
  int outliers = 0;
  for (int i = 0; i < 5; ++i, t += 15'000) {
    outliers += gate.JudgeAndRemember(At(t, 150, 0, 6, 0), kUnknownSpeed, kPlausible) ? 1 : 0;
  }
  EXPECT_LE(outliers, 3);
  EXPECT_FALSE(gate.JudgeAndRemember(At(t, 152, 2, 6, 0), kUnknownSpeed, kPlausible));
}

TEST(OutlierGate, AWalkerAndADriverAreNeverOutliers) {
  OutlierGate walker;
  for (int i = 0; i < 40; ++i) {
    EXPECT_FALSE(walker.JudgeAndRemember(At(i * 15'000, i * 15 * 1.5, 0, 5, 1.5f), kUnknownSpeed,
                                         kPlausible))
        << i;
  }
  OutlierGate driver;
  for (int i = 0; i < 40; ++i) {
    EXPECT_FALSE(
        driver.JudgeAndRemember(At(i * 60'000, 0, i * 60 * 14.0, 5, 14), kUnknownSpeed, kPlausible))
        << i;
  }
  // A device without speed is judged as moving at the caller's speed.
  OutlierGate silent;
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(
        silent.JudgeAndRemember(At(i * 60'000, i * 60 * 1.4, 0, 10, -1), kUnknownSpeed, kPlausible))
        << i;
  }
}

// A tag that reports speed 0 while its wearer drives: its fixes fail the gate, yet it is
// never lost: every fourth fix is accepted as a real move.
TEST(OutlierGate, ADeviceReportingNoMotionWhileDrivingIsStillFollowed) {
  OutlierGate gate;
  int accepted = 0;
  for (int i = 0; i < 40; ++i) {
    const bool outlier =
        gate.JudgeAndRemember(At(i * 15'000, 0, i * 15 * 14.0, 5, 0), kUnknownSpeed, kPlausible);
    accepted += outlier ? 0 : 1;
  }
  EXPECT_GE(accepted, 10);
  // Without a speed at all, fixes are judged at the caller's unknown speed: here the
  // plausible limit, which a car never exceeds.
  OutlierGate speedless;
  for (int i = 0; i < 40; ++i) {
    EXPECT_FALSE(
        speedless.JudgeAndRemember(At(i * 15'000, 0, i * 15 * 14.0, 5, -1), kPlausible, kPlausible))
        << i;
  }
}

TEST(OutlierGate, TheGateGrowsWithTheStatedAccuracy) {
  OutlierGate gate;
  for (int i = 0; i < 5; ++i)
    gate.JudgeAndRemember(At(i * 60'000, 0, 0, 30, 0), kUnknownSpeed, kPlausible);
  // 3 * hypot(30, 30) + 0.5 * 120 + 10 = 197 m from a medoid two minutes back at most.
  EXPECT_FALSE(gate.JudgeAndRemember(At(300'000, 150, 0, 30, 0), kUnknownSpeed, kPlausible));
  OutlierGate tight;
  for (int i = 0; i < 5; ++i)
    tight.JudgeAndRemember(At(i * 60'000, 0, 0, 4, 0), kUnknownSpeed, kPlausible);
  EXPECT_TRUE(tight.JudgeAndRemember(At(300'000, 150, 0, 4, 0), kUnknownSpeed, kPlausible));
}

TEST(OutlierGate, ALateFixIsJudgedByTheFixesBeforeItAndKeptInOrder) {
  OutlierGate gate;
  for (int i = 0; i < static_cast<int>(OutlierGate::kCapacity); ++i) {
    gate.JudgeAndRemember(At(i * 15000, 0, 0, 5, 0), kUnknownSpeed, kPlausible);
  }
  EXPECT_TRUE(gate.JudgeAndRemember(At(50'000, 300, 0, 5, 0), kUnknownSpeed, kPlausible));
  ASSERT_EQ(gate.fixes().size(), OutlierGate::kCapacity);
  for (size_t i = 1; i < gate.fixes().size(); ++i) {
    EXPECT_LE(gate.fixes()[i - 1].time, gate.fixes()[i].time);
  }
  // Older than everything in a full window: not judged, not kept.
  EXPECT_FALSE(gate.JudgeAndRemember(At(-1'000'000, 5'000, 0, 5, 0), kUnknownSpeed, kPlausible));
  EXPECT_GE(gate.fixes().front().time, 0);
  // Round trip.
  std::optional<OutlierGate> copy = OutlierGate::FromFixes(gate.fixes());
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(copy->JudgeAndRemember(At(200'000, 200, 0, 5, 0), kUnknownSpeed, kPlausible),
            gate.JudgeAndRemember(At(200'000, 200, 0, 5, 0), kUnknownSpeed, kPlausible));
  std::vector<GateFix> unordered = {At(10, 0, 0, 5, 0), At(5, 0, 0, 5, 0)};
  EXPECT_FALSE(OutlierGate::FromFixes(unordered).has_value());
}

}  // namespace
}  // namespace stayaway::engine
