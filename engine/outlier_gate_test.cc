#include "engine/outlier_gate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

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

// The gate as it was before it kept its verdicts as bits: every remembered fix a GateFix,
// outlier flag and all, in a plain vector. The oracle for the packed gate below.
class ReferenceGate {
 public:
  bool JudgeAndRemember(const GateFix& fix, double unknown_speed_mps, double plausible_speed_mps) {
    const auto at = std::lower_bound(recent_.begin(), recent_.end(), fix.time,
                                     [](const GateFix& f, TimeMs t) { return f.time < t; });
    size_t before = static_cast<size_t>(at - recent_.begin());
    std::array<size_t, OutlierGate::kWindow> window{};
    size_t count = 0;
    for (size_t i = before; i-- > 0 && count < OutlierGate::kWindow;) {
      if (!recent_[i].outlier) window[count++] = i;
    }
    if (count > 0 && fix.time - recent_[window[0]].time > OutlierGate::kMaxGapMs) {
      recent_.erase(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(before));
      before = 0;
      count = 0;
    }
    GateFix judged = fix;
    judged.outlier = false;
    if (count >= OutlierGate::kMinFixes) {
      // The medoid of the window (newest first; a tie goes to the newer), by brute force.
      size_t medoid = window[0];
      double best = INFINITY;
      for (size_t a = 0; a < count; ++a) {
        double sum = 0;
        for (size_t b = 0; b < count; ++b) {
          if (a != b) sum += geo::ChordMeters(recent_[window[a]].ecef, recent_[window[b]].ecef);
        }
        if (sum < best) {
          best = sum;
          medoid = window[a];
        }
      }
      judged.outlier = !Consistent(fix, recent_[medoid], unknown_speed_mps);
    }
    if (judged.outlier && before + 1 >= OutlierGate::kReanchor) {
      const size_t first = before + 1 - OutlierGate::kReanchor;
      bool moved = true;
      for (size_t i = first; i < before && moved; ++i) {
        moved = recent_[i].outlier && !TooFast(recent_[i], fix, plausible_speed_mps);
        for (size_t j = first; j < i && moved; ++j) {
          moved = !TooFast(recent_[i], recent_[j], plausible_speed_mps);
        }
      }
      if (moved) {
        for (size_t i = first; i < before; ++i) recent_[i].outlier = false;
        judged.outlier = false;
      }
    }
    if (recent_.size() == OutlierGate::kCapacity) {
      if (before == 0) return judged.outlier;
      recent_.erase(recent_.begin());
    }
    const auto place = std::upper_bound(recent_.begin(), recent_.end(), fix.time,
                                        [](TimeMs t, const GateFix& f) { return t < f.time; });
    recent_.insert(place, judged);
    return judged.outlier;
  }
  const std::vector<GateFix>& fixes() const { return recent_; }

 private:
  static double SpeedOf(const GateFix& f, double unknown) {
    return f.speed_mps < 0 ? unknown : static_cast<double>(f.speed_mps);
  }
  static bool Consistent(const GateFix& a, const GateFix& b, double unknown) {
    const double dt_s = std::fabs(static_cast<double>(a.time - b.time)) / 1000.0;
    const double v = 1.5 * std::max(SpeedOf(a, unknown), SpeedOf(b, unknown)) + 0.5;
    const double gate =
        3 * std::hypot(static_cast<double>(a.accuracy_m), static_cast<double>(b.accuracy_m)) +
        v * dt_s + OutlierGate::kSlackM;
    return geo::ChordMeters(a.ecef, b.ecef) <= gate;
  }
  static bool TooFast(const GateFix& a, const GateFix& b, double limit) {
    return MovesImplausiblyFast(a.ecef, a.accuracy_m, a.time, b.ecef, b.accuracy_m, b.time, limit);
  }
  std::vector<GateFix> recent_;
};

void ExpectSameFixes(const std::vector<GateFix>& packed, const std::vector<GateFix>& reference) {
  ASSERT_EQ(packed.size(), reference.size());
  for (size_t i = 0; i < packed.size(); ++i) {
    EXPECT_EQ(packed[i].time, reference[i].time) << i;
    EXPECT_EQ(packed[i].ecef.x_m, reference[i].ecef.x_m) << i;
    EXPECT_EQ(packed[i].ecef.y_m, reference[i].ecef.y_m) << i;
    EXPECT_EQ(packed[i].ecef.z_m, reference[i].ecef.z_m) << i;
    EXPECT_EQ(packed[i].accuracy_m, reference[i].accuracy_m) << i;
    EXPECT_EQ(packed[i].speed_mps, reference[i].speed_mps) << i;
    EXPECT_EQ(packed[i].outlier, reference[i].outlier) << i;
  }
}

// The gate keeps its verdicts as bits beside the fixes; on random streams (a person
// walking and standing, canyon bursts, jumps, gaps, late and repeated times, devices
// without speed) it judges and remembers exactly what the plain version does, and a gate
// rebuilt from its fixes goes on the same way.
TEST(OutlierGate, KeepsTheVerdictsOfThePlainGateOnRandomStreams) {
  size_t outliers = 0, fixes = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(0, 1);
    OutlierGate gate;
    ReferenceGate reference;
    double east = 0, north = 0;
    TimeMs t = 0;
    for (int i = 0; i < 300; ++i) {
      const double r = unit(rng);
      TimeMs when = t;
      if (r < 0.05) {
        when = t + 200'000;  // a gap: the gate starts over
      } else if (r < 0.15) {
        when = t - static_cast<TimeMs>(unit(rng) * 200'000);  // late
      } else if (r < 0.2) {
        when = t;  // the same time again
      } else {
        when = t + 5'000 + static_cast<TimeMs>(unit(rng) * 20'000);
      }
      t = std::max(t, when);
      east += (unit(rng) - 0.5) * 20;
      north += (unit(rng) - 0.5) * 20;
      double e = east, n = north;
      if (unit(rng) < 0.15) {  // a bad fix, or the start of a real move
        e += (unit(rng) - 0.5) * 600;
        n += (unit(rng) - 0.5) * 600;
        if (unit(rng) < 0.3) {
          east = e;
          north = n;
        }
      }
      const float accuracy = static_cast<float>(3 + unit(rng) * 30);
      const float speed = unit(rng) < 0.2 ? -1.0f : static_cast<float>(unit(rng) * 3);
      const GateFix fix = At(when, e, n, accuracy, speed);
      const bool outlier = gate.JudgeAndRemember(fix, kUnknownSpeed, kPlausible);
      ASSERT_EQ(outlier, reference.JudgeAndRemember(fix, kUnknownSpeed, kPlausible)) << "fix " << i;
      outliers += outlier ? 1 : 0;
      ++fixes;
      ExpectSameFixes(gate.fixes(), reference.fixes());
      if (i % 50 == 49) {
        std::optional<OutlierGate> rebuilt = OutlierGate::FromFixes(gate.fixes());
        ASSERT_TRUE(rebuilt.has_value());
        gate = *rebuilt;
      }
    }
  }
  // The streams exercise both verdicts.
  EXPECT_GT(outliers, fixes / 20);
  EXPECT_LT(outliers, fixes / 2);
  std::printf("%zu outliers of %zu fixes\n", outliers, fixes);
}

}  // namespace
}  // namespace stayaway::engine
