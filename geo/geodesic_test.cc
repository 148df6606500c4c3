#include "geo/geodesic.h"

#include <gtest/gtest.h>

#include <GeographicLib/Geodesic.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace stayaway::geo {
namespace {

// Published WGS84 reference values (a = 6378137 m, f = 1/298.257223563).
constexpr double kEquatorDegreeM = 111319.49079327357;  // a * pi / 180
constexpr double kMeridianQuadrantM = 10001965.7293127;

TEST(GeodesicDistanceTest, OneDegreeAlongTheEquator) {
  EXPECT_NEAR(GeodesicDistanceMeters({0, 0}, {0, 1}), kEquatorDegreeM, 1e-6);
  EXPECT_NEAR(GeodesicDistanceMeters({0, 179.5}, {0, -179.5}), kEquatorDegreeM, 1e-6);
}

TEST(GeodesicDistanceTest, MeridianQuadrantAndHalfMeridian) {
  EXPECT_NEAR(GeodesicDistanceMeters({0, 0}, {90, 0}), kMeridianQuadrantM, 1e-6);
  EXPECT_NEAR(GeodesicDistanceMeters({-90, 0}, {90, 0}), 2 * kMeridianQuadrantM, 1e-6);
  // Equatorial antipodes: the shortest path runs over a pole, so it is half a meridian.
  EXPECT_NEAR(GeodesicDistanceMeters({0, 0}, {0, 180}), 2 * kMeridianQuadrantM, 1e-6);
}

TEST(GeodesicDistanceTest, ZeroSymmetryAndTriangleInequality) {
  const uint64_t seed = 20250301;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lat(-90, 90), lng(-180, 180);
  for (int i = 0; i < 2000; ++i) {
    const LatLng a{lat(rng), lng(rng)}, b{lat(rng), lng(rng)}, c{lat(rng), lng(rng)};
    const double ab = GeodesicDistanceMeters(a, b), ba = GeodesicDistanceMeters(b, a);
    const double bc = GeodesicDistanceMeters(b, c), ac = GeodesicDistanceMeters(a, c);
    ASSERT_EQ(GeodesicDistanceMeters(a, a), 0.0) << "seed " << seed << " i " << i;
    ASSERT_NEAR(ab, ba, 1e-6) << "seed " << seed << " i " << i;
    ASSERT_LE(ac, ab + bc + 1e-6) << "seed " << seed << " i " << i;
    ASSERT_LE(ab, 2 * kMeridianQuadrantM + 1e-6) << "seed " << seed << " i " << i;
  }
}

TEST(ChordTest, EcefOfKnownPoints) {
  const Ecef on_equator = ToEcef({0, 0});
  EXPECT_NEAR(on_equator.x_m, 6378137.0, 1e-6);
  EXPECT_NEAR(on_equator.y_m, 0.0, 1e-6);
  const Ecef pole = ToEcef({90, 0});
  EXPECT_NEAR(pole.z_m, 6356752.314245179, 1e-6);  // b = a (1 - f)
  EXPECT_NEAR(ChordMeters(ToEcef({0, 0}), ToEcef({0, 90})), 6378137.0 * std::sqrt(2.0), 1e-6);
}

TEST(ChordTest, ShortfallBoundIsSmallWhereTheHeaderSaysAndInfiniteBeyondRange) {
  EXPECT_LT(ChordShortfallBoundMeters(10000), 1.1e-3);
  EXPECT_LT(ChordShortfallBoundMeters(100000), 1.1);
  EXPECT_GT(ChordShortfallBoundMeters(100000), 1.0);
  EXPECT_EQ(ChordShortfallBoundMeters(1000001), std::numeric_limits<double>::infinity());
  EXPECT_EQ(ChordShortfallBoundMeters(std::nan("")), std::numeric_limits<double>::infinity());
}

// The screen's two promises on random pairs at every latitude: the chord never exceeds the
// geodesic, and falls short of it by no more than the bound. The bound must also be tight
// enough to be useful: some pair gets close to it.
TEST(ChordTest, ScreenHoldsOnRandomPairsUpTo200Km) {
  const uint64_t seed = 4242;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lat(-90, 90), lng(-180, 180), azimuth(-180, 180),
      distance(0, 200000);
  const GeographicLib::Geodesic& wgs84 = GeographicLib::Geodesic::WGS84();
  double tightest = 0;
  for (int i = 0; i < 100000; ++i) {
    const LatLng a{lat(rng), lng(rng)};
    LatLng b;
    wgs84.Direct(a.lat_deg, a.lng_deg, azimuth(rng), distance(rng), b.lat_deg, b.lng_deg);
    const double geodesic = GeodesicDistanceMeters(a, b);
    const double chord = ChordMeters(ToEcef(a), ToEcef(b));
    ASSERT_LE(chord, geodesic) << "seed " << seed << " pair " << i << " a " << a.lat_deg << ","
                               << a.lng_deg << " b " << b.lat_deg << "," << b.lng_deg;
    const double bound = ChordShortfallBoundMeters(chord);
    ASSERT_LE(geodesic - chord, bound) << "seed " << seed << " pair " << i;
    if (chord > 10000) tightest = std::max(tightest, (geodesic - chord) / bound);
  }
  EXPECT_GT(tightest, 0.9) << "seed " << seed << ": the bound is looser than it needs to be";
}

TEST(GeodesicInterpolateTest, EndpointsAndMidpoint) {
  const LatLng bishkek{42.8746, 74.5698}, almaty{43.2220, 76.8512};
  EXPECT_EQ(GeodesicInterpolate(bishkek, almaty, 0.0), bishkek);
  EXPECT_EQ(GeodesicInterpolate(bishkek, almaty, 1.0), almaty);
  EXPECT_EQ(GeodesicInterpolate(bishkek, almaty, -0.5), bishkek);  // clamped
  EXPECT_EQ(GeodesicInterpolate(bishkek, almaty, 1.5), almaty);

  const double total = GeodesicDistanceMeters(bishkek, almaty);
  const LatLng mid = GeodesicInterpolate(bishkek, almaty, 0.5);
  EXPECT_NEAR(GeodesicDistanceMeters(bishkek, mid), total / 2, 1e-6);
  EXPECT_NEAR(GeodesicDistanceMeters(mid, almaty), total / 2, 1e-6);
  const LatLng quarter = GeodesicInterpolate(bishkek, almaty, 0.25);
  EXPECT_NEAR(GeodesicDistanceMeters(bishkek, quarter), total / 4, 1e-6);
  EXPECT_NEAR(GeodesicDistanceMeters(quarter, almaty), 3 * total / 4, 1e-6);
}

TEST(GeodesicInterpolateTest, AcrossTheAntimeridianStaysInRange) {
  const LatLng a{-17.0, 179.5}, b{-17.2, -179.5};
  const LatLng mid = GeodesicInterpolate(a, b, 0.5);
  EXPECT_TRUE(mid.IsValid());
  EXPECT_GT(std::fabs(mid.lng_deg), 179.9);  // the short way, not around the world
  EXPECT_NEAR(GeodesicDistanceMeters(a, mid), GeodesicDistanceMeters(mid, b), 1e-6);
}

}  // namespace
}  // namespace stayaway::geo
