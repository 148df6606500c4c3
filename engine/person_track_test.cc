#include "engine/person_track.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace stayaway::engine
