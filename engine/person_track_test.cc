#include "engine/person_track.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "geo/geodesic.h"

namespace stayaway::engine {
namespace {

TrackFix At(TimeMs t, double lat, double lng, float accuracy = 10) {
  TrackFix f;
  f.time = t;
  f.position = {lat, lng};
  f.accuracy_m = accuracy;
  f.seq = static_cast<uint64_t>(t);
  return f;
}

TEST(PersonTrack, KeepsTimeOrderAndCapacity) {
  PersonTrack track;
  for (TimeMs t : {5, 1, 3, 4, 2}) track.Insert(At(t * 1000, 42.87, 74.59), 4);
  ASSERT_EQ(track.size(), 4u);
  EXPECT_EQ(track.Newest()->time, 5000);
  EXPECT_EQ(track.Neighbour(1500)->time, 2000);  // 1000 was dropped as the oldest
  track.Insert(At(500, 42.87, 74.59), 4);       // older than a full track: not kept
  EXPECT_EQ(track.Neighbour(0)->time, 2000);
}

TrackFix Resting(TimeMs t, double lat, double lng, float accuracy = 20) {
  TrackFix f = At(t, lat, lng, accuracy);
  f.speed_mps = 0;
  return f;
}

TEST(PersonTrack, APersonAtRestIsPlacedAtTheMedianOfTheRestRun) {
  PersonTrack track;
  const EngineSettings settings;
  // Five fixes a minute apart, scattered by a few metres, one of them 40 m off.
  const double lat[] = {42.87000, 42.87003, 42.86998, 42.87036, 42.87001};
  for (int i = 0; i < 5; ++i) track.Insert(Resting(i * 60'000, lat[i], 74.59), 16);
  const std::optional<Placement> p = track.PlaceAt(4 * 60'000 + 30'000, settings);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->basis, PlacementBasis::kAtRest);
  EXPECT_EQ(p->rest_fixes, 5u);
  EXPECT_DOUBLE_EQ(p->position.lat_deg, 42.87001);  // the median, not pulled by the 40 m one
  // 1.25 * 20 / sqrt(5) + 0.5 m/s * 30 s.
  EXPECT_NEAR(p->radius_m, 1.25 * 20 / std::sqrt(5.0) + 15, 1e-9);
  // Past 90 s without a fix, the radius grows as any stale counterpart's: 2 m/s.
  const std::optional<Placement> quiet = track.PlaceAt(4 * 60'000 + 150'000, settings);
  ASSERT_TRUE(quiet.has_value());
  EXPECT_NEAR(quiet->radius_m, 1.25 * 20 / std::sqrt(5.0) + 45 + 2.0 * 60, 1e-9);
}

// A device that reports speed 0 while its wearer creeps 30 m a minute: its fixes do not
// agree, so it is no rest and the person is placed by the newest fix.
TEST(PersonTrack, ARunWhoseFixesDisagreeIsNoRest) {
  PersonTrack track;
  const EngineSettings settings;
  for (int i = 0; i < 8; ++i) {
    track.Insert(Resting(i * 60'000, 42.87 + i * 30 / 110'574.0, 74.59, 8), 16);
  }
  const std::optional<Placement> p = track.PlaceAt(7 * 60'000, settings);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->basis, PlacementBasis::kFix);
}

TEST(PersonTrack, ARestRunAstrideTheAntimeridianHasItsMedianThere) {
  PersonTrack track;
  const EngineSettings settings;
  const double lng[] = {179.99995, -179.99995, 179.99996, -179.99996};
  for (int i = 0; i < 4; ++i) track.Insert(Resting(i * 60'000, -16.5, lng[i]), 16);
  const std::optional<Placement> p = track.PlaceAt(3 * 60'000, settings);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->basis, PlacementBasis::kAtRest);
  EXPECT_GT(std::abs(p->position.lng_deg), 179.9999) << p->position.lng_deg;
}

TEST(PersonTrack, InterpolatesBetweenCloseBrackets) {
  PersonTrack track;
  EngineSettings settings;
  track.Insert(At(0, 42.87, 74.59, 10), 16);
  track.Insert(At(60'000, 42.88, 74.59, 30), 16);
  auto p = track.PlaceAt(30'000, settings);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->basis, PlacementBasis::kInterpolated);
  EXPECT_DOUBLE_EQ(p->radius_m, 20);
  const double to_a = geo::GeodesicDistanceMeters(p->position, {42.87, 74.59});
  const double to_b = geo::GeodesicDistanceMeters(p->position, {42.88, 74.59});
  EXPECT_NEAR(to_a, to_b, 0.01);
}

TEST(PersonTrack, ExtrapolatesWithGrowthAndGoesStale) {
  PersonTrack track;
  EngineSettings settings;
  TrackFix f = At(0, 42.87, 74.59, 10);
  track.Insert(f, 16);
  auto p = track.PlaceAt(60'000, settings);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->basis, PlacementBasis::kExtrapolated);
  EXPECT_DOUBLE_EQ(p->radius_m, 10 + settings.stale_growth_mps * 60);
  EXPECT_FALSE(track.PlaceAt(settings.counterpart_stale_ms + 1, settings).has_value());
  EXPECT_TRUE(track.PlaceAt(settings.counterpart_stale_ms, settings).has_value());
}

TEST(PersonTrack, ReportedSpeedGrowsFasterThanWalking) {
  PersonTrack track;
  EngineSettings settings;
  TrackFix f = At(0, 42.87, 74.59, 10);
  f.speed_mps = 20;
  track.Insert(f, 16);
  auto p = track.PlaceAt(10'000, settings);
  ASSERT_TRUE(p.has_value());
  EXPECT_DOUBLE_EQ(p->radius_m, 10 + 20 * 10);
}

TEST(PersonTrack, WideBracketUsesNearestFix) {
  PersonTrack track;
  EngineSettings settings;
  track.Insert(At(0, 42.87, 74.59), 16);
  track.Insert(At(600'000, 42.90, 74.59), 16);
  auto p = track.PlaceAt(590'000, settings);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->basis, PlacementBasis::kExtrapolated);
  EXPECT_EQ(p->source_time, 600'000);
}

// The track is a ring buffer with a shortcut for in-order fixes; the oracle is the plain
// sorted vector it replaced. Mostly in-order fixes with late ones, ties and full tracks.
TEST(PersonTrack, RingMatchesSortedVectorOracle) {
  for (const uint32_t capacity : {1u, 4u, 16u}) {
    const unsigned seed = 977 + capacity;
    SCOPED_TRACE("seed " + std::to_string(seed) + ", capacity " + std::to_string(capacity));
    std::mt19937 rng(seed);
    PersonTrack track;
    std::vector<TrackFix> oracle;  // ascending time, equal times in arrival order
    EngineSettings settings;
    TimeMs clock = 0;
    for (int i = 0; i < 3000; ++i) {
      clock += static_cast<TimeMs>(rng() % 20'000);
      const int roll = static_cast<int>(rng() % 10);
      // 20% late (up to 2 min back), 10% at exactly the newest time, else live.
      const TimeMs t = roll < 2   ? clock - static_cast<TimeMs>(rng() % 120'000)
                       : roll < 3 ? clock
                                  : clock + 1;
      clock = std::max(clock, t);
      TrackFix fix = At(t, 42.87 + (rng() % 1000) * 1e-5, 74.59 + (rng() % 1000) * 1e-5);
      fix.seq = static_cast<uint64_t>(i);
      track.Insert(fix, capacity);
      auto at = std::upper_bound(oracle.begin(), oracle.end(), t,
                                 [](TimeMs v, const TrackFix& f) { return v < f.time; });
      if (oracle.size() >= capacity) {
        if (at != oracle.begin()) {
          const auto index = (at - oracle.begin()) - 1;
          oracle.erase(oracle.begin());
          oracle.insert(oracle.begin() + index, fix);
        }
      } else {
        oracle.insert(at, fix);
      }
      const std::vector<TrackFix> kept = track.fixes();
      ASSERT_EQ(kept.size(), oracle.size()) << "after fix " << i;
      for (size_t k = 0; k < kept.size(); ++k) ASSERT_EQ(kept[k].seq, oracle[k].seq) << i;
      const geo::Ecef cached = track.EcefOf(*track.Newest());
      const geo::Ecef computed = geo::ToEcef(track.Newest()->position);
      ASSERT_EQ(cached.x_m, computed.x_m);
      ASSERT_EQ(cached.y_m, computed.y_m);
      ASSERT_EQ(cached.z_m, computed.z_m);
      const TimeMs probe = clock - static_cast<TimeMs>(rng() % 400'000);
      const TrackFix* neighbour = track.Neighbour(probe);
      auto after = std::upper_bound(oracle.begin(), oracle.end(), probe,
                                    [](TimeMs v, const TrackFix& f) { return v < f.time; });
      const TrackFix& expected = after != oracle.begin() ? *std::prev(after) : *after;
      ASSERT_EQ(neighbour->seq, expected.seq) << "probe " << probe;
      const auto placed = track.PlaceAt(probe, settings);
      if (placed && placed->basis != PlacementBasis::kInterpolated) {
        ASSERT_EQ(placed->position, placed->from->position);
      }
    }
  }
}

}  // namespace
}  // namespace stayaway::engine
