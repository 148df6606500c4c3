#include "geo/lat_lng.h"

#include <gtest/gtest.h>

#include <GeographicLib/Geodesic.hpp>
#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <random>

#include "geo/geodesic.h"

namespace stayaway::geo {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(LatLngTest, IsValidAcceptsRangeEndsAndRejectsTheRest) {
  EXPECT_TRUE((LatLng{90, 180}).IsValid());
  EXPECT_TRUE((LatLng{-90, -180}).IsValid());
  EXPECT_TRUE((LatLng{42.87, 74.59}).IsValid());
  EXPECT_FALSE((LatLng{90.0000001, 0}).IsValid());
  EXPECT_FALSE((LatLng{0, -180.0000001}).IsValid());
  EXPECT_FALSE((LatLng{kNaN, 0}).IsValid());
  EXPECT_FALSE((LatLng{0, kNaN}).IsValid());
  EXPECT_FALSE((LatLng{kInf, 0}).IsValid());
  EXPECT_FALSE((LatLng{0, -kInf}).IsValid());
}

TEST(GeoBoxTest, ContainsHandlesTheAntimeridian) {
  const GeoBox plain{10, 20, 11, 21};
  EXPECT_TRUE(plain.Contains({10.5, 20.5}));
  EXPECT_TRUE(plain.Contains({10, 21}));  // edges count
  EXPECT_FALSE(plain.Contains({10.5, 21.1}));
  EXPECT_FALSE(plain.Contains({11.1, 20.5}));

  const GeoBox crossing{-18, 179, -16, -179};
  ASSERT_TRUE(crossing.CrossesAntimeridian());
  EXPECT_TRUE(crossing.Contains({-17, 179.5}));
  EXPECT_TRUE(crossing.Contains({-17, -179.5}));
  EXPECT_TRUE(crossing.Contains({-17, 180}));
  EXPECT_TRUE(crossing.Contains({-17, -180}));
  EXPECT_FALSE(crossing.Contains({-17, 0}));
  EXPECT_FALSE(crossing.Contains({-17, 178.9}));

  const GeoBox east_edge{0, 170, 1, 180};  // -180 is the same meridian as 180
  EXPECT_TRUE(east_edge.Contains({0.5, -180}));
}

// Walks s metres from `from` at azimuth az (degrees) along the geodesic.
LatLng Step(LatLng from, double az, double s) {
  LatLng to;
  GeographicLib::Geodesic::WGS84().Direct(from.lat_deg, from.lng_deg, az, s, to.lat_deg,
                                          to.lng_deg);
  return to;
}

// Brute force: every point within the radius, including exactly on it, is in the box.
TEST(BoxAroundTest, ContainsRandomPointsWithinTheRadius) {
  const uint64_t seed = 777;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1), azimuth(-180, 180);
  const double special_lats[] = {89.9, -89.95, 88.0, -87.5, 0.0, 60.0, 90.0, -90.0};
  const double special_lngs[] = {180.0, -180.0, 179.99, -179.99, 0.0};
  for (int c = 0; c < 3000; ++c) {
    LatLng center{-90 + 180 * unit(rng), -180 + 360 * unit(rng)};
    if (c % 3 == 0) center.lat_deg = special_lats[c / 3 % std::size(special_lats)];
    if (c % 5 == 0) center.lng_deg = special_lngs[c / 5 % std::size(special_lngs)];
    const double radius = c % 7 == 0 ? 3000000 * unit(rng) : 200000 * unit(rng);
    const GeoBox box = BoxAround(center, radius);
    ASSERT_TRUE(box.Contains(center)) << "seed " << seed << " centre " << c;
    for (int i = 0; i < 40; ++i) {
      // Every tenth point is exactly on the circle, where a tight box is most at risk.
      const double s = i % 10 == 0 ? radius : radius * std::sqrt(unit(rng));
      const LatLng p = Step(center, i < 4 ? 90.0 * i : azimuth(rng), s);
      ASSERT_TRUE(box.Contains(p))
          << "seed " << seed << " centre " << c << " (" << center.lat_deg << ", " << center.lng_deg
          << ") radius " << radius << " point (" << p.lat_deg << ", " << p.lng_deg << ") box ["
          << box.min_lat_deg << ", " << box.min_lng_deg << ", " << box.max_lat_deg << ", "
          << box.max_lng_deg << "]";
    }
  }
}

// The box is conservative, but not wastefully so.
TEST(BoxAroundTest, IsNearlyTight) {
  const LatLng bishkek{42.87, 74.59};
  const GeoBox box = BoxAround(bishkek, 10000);
  const double north = GeodesicDistanceMeters(bishkek, {box.max_lat_deg, bishkek.lng_deg});
  const double east = GeodesicDistanceMeters(bishkek, {bishkek.lat_deg, box.max_lng_deg});
  EXPECT_GT(north, 10000);
  EXPECT_LT(north, 10100);
  EXPECT_GT(east, 10000);
  EXPECT_LT(east, 10200);
  EXPECT_FALSE(box.CrossesAntimeridian());
}

TEST(BoxAroundTest, NearPolesSpansAllLongitudesAndClampsLatitude) {
  const GeoBox north = BoxAround({89.99, 10}, 5000);
  EXPECT_EQ(north.max_lat_deg, 90.0);
  EXPECT_EQ(north.min_lng_deg, -180.0);
  EXPECT_EQ(north.max_lng_deg, 180.0);
  EXPECT_LT(north.min_lat_deg, 89.99 - 0.04);
  const GeoBox south = BoxAround({-90, 0}, 1000);
  EXPECT_EQ(south.min_lat_deg, -90.0);
  EXPECT_EQ(south.min_lng_deg, -180.0);
  EXPECT_EQ(south.max_lng_deg, 180.0);
}

TEST(BoxAroundTest, CrossesTheAntimeridianWhenTheCircleDoes) {
  const GeoBox box = BoxAround({-17.0, 179.99}, 10000);
  EXPECT_TRUE(box.CrossesAntimeridian());
  EXPECT_GT(box.min_lng_deg, 179.8);
  EXPECT_LT(box.max_lng_deg, -179.8);
  EXPECT_FALSE(BoxAround({-17.0, 179.0}, 10000).CrossesAntimeridian());
}

TEST(BoxAroundTest, NonFiniteRadiusGivesTheWholeWorld) {
  for (double r : {kInf, kNaN}) {
    const GeoBox box = BoxAround({10, 10}, r);
    EXPECT_EQ(box.min_lat_deg, -90.0);
    EXPECT_EQ(box.max_lat_deg, 90.0);
    EXPECT_EQ(box.min_lng_deg, -180.0);
    EXPECT_EQ(box.max_lng_deg, 180.0);
  }
}

// Brute force: points within the margin of a random point of a random box are inside.
TEST(ExpandBoxTest, ContainsRandomPointsWithinTheMargin) {
  const uint64_t seed = 31337;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1), azimuth(-180, 180);
  for (int c = 0; c < 3000; ++c) {
    const double lat0 = -89 + 178 * unit(rng), lat1 = std::min(90.0, lat0 + 2 * unit(rng));
    const double lng0 = -180 + 360 * unit(rng);
    double lng1 = lng0 + 5 * unit(rng);
    if (lng1 > 180) lng1 -= 360;  // sometimes crosses the antimeridian
    const GeoBox box{lat0, lng0, lat1, lng1};
    const double margin = 100000 * unit(rng);
    const GeoBox grown = ExpandBox(box, margin);
    for (int i = 0; i < 30; ++i) {
      double lng = lng0 + (lng1 - lng0 + (box.CrossesAntimeridian() ? 360 : 0)) * unit(rng);
      if (lng > 180) lng -= 360;
      const LatLng inside{lat0 + (lat1 - lat0) * unit(rng), lng};
      ASSERT_TRUE(box.Contains(inside));
      const double s = i % 10 == 0 ? margin : margin * unit(rng);
      const LatLng p = Step(inside, azimuth(rng), s);
      ASSERT_TRUE(grown.Contains(p)) << "seed " << seed << " box " << c << " point " << i;
    }
  }
}

}  // namespace
}  // namespace stayaway::geo
