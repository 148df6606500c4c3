#include "geo/zone_shape.h"

#include <gtest/gtest.h>

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/GeodesicLine.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "geo/geodesic.h"

namespace stayaway::geo {
namespace {

using Ring = std::vector<LatLng>;
using Polygon = std::vector<Ring>;

// A closed ring for the box [lat0, lat1] x [lng0, lng1], counter-clockwise.
Ring BoxRing(double lat0, double lng0, double lat1, double lng1) {
  return {{lat0, lng0}, {lat0, lng1}, {lat1, lng1}, {lat1, lng0}, {lat0, lng0}};
}

std::string RingJson(const Ring& ring) {
  std::string out = "[";
  for (size_t i = 0; i < ring.size(); ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s[%.12g,%.12g]", i ? "," : "", ring[i].lng_deg,
                  ring[i].lat_deg);
    out += buf;
  }
  return out + "]";
}

std::string PolygonCoords(const Polygon& polygon) {
  std::string out = "[";
  for (size_t i = 0; i < polygon.size(); ++i) out += (i ? "," : "") + RingJson(polygon[i]);
  return out + "]";
}

std::string PolygonJson(const Polygon& polygon) {
  return R"({"type":"Polygon","coordinates":)" + PolygonCoords(polygon) + "}";
}

std::string MultiPolygonJson(const std::vector<Polygon>& polygons) {
  std::string out = R"({"type":"MultiPolygon","coordinates":[)";
  for (size_t i = 0; i < polygons.size(); ++i) out += (i ? "," : "") + PolygonCoords(polygons[i]);
  return out + "]}";
}

std::unique_ptr<ZoneShape> MustParse(const std::string& json) {
  auto zone = ZoneShape::FromGeoJson(json);
  EXPECT_TRUE(zone.ok()) << zone.status().ToString();
  return zone.ok() ? std::move(zone).value() : nullptr;
}

// The oracle: the exact geodesic distance from p to the geodesic edge a-b, by dense sampling
// and then golden-section refinement along the edge, with GeographicLib directly.
double DistanceToEdge(LatLng p, LatLng a, LatLng b) {
  const GeographicLib::Geodesic& wgs84 = GeographicLib::Geodesic::WGS84();
  const GeographicLib::GeodesicLine line =
      wgs84.InverseLine(a.lat_deg, a.lng_deg, b.lat_deg, b.lng_deg);
  const double length = line.Distance();
  auto at = [&](double s) {
    double lat = 0, lng = 0, d = 0;
    line.Position(s, lat, lng);
    wgs84.Inverse(p.lat_deg, p.lng_deg, lat, lng, d);
    return d;
  };
  constexpr int kSamples = 400;
  int best = 0;
  for (int i = 1; i <= kSamples; ++i) {
    if (at(length * i / kSamples) < at(length * best / kSamples)) best = i;
  }
  double lo = length * std::max(best - 1, 0) / kSamples;
  double hi = length * std::min(best + 1, kSamples) / kSamples;
  const double phi = (std::sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 100 && hi - lo > 1e-7; ++it) {
    const double m1 = hi - phi * (hi - lo), m2 = lo + phi * (hi - lo);
    if (at(m1) < at(m2))
      hi = m2;
    else
      lo = m1;
  }
  return std::min({at(lo), at(hi), at(0), at(length)});
}

double DistanceToBoundary(LatLng p, const std::vector<Polygon>& polygons) {
  double best = std::numeric_limits<double>::infinity();
  for (const Polygon& polygon : polygons) {
    for (const Ring& ring : polygon) {
      for (size_t i = 0; i + 1 < ring.size(); ++i) {
        best = std::min(best, DistanceToEdge(p, ring[i], ring[i + 1]));
      }
    }
  }
  return best;
}

// A 1.6 km x 2.2 km square in Bishkek whose west and east edges are meridians.
const Polygon kBishkekSquare = {BoxRing(42.86, 74.58, 42.88, 74.61)};

TEST(ZoneShapePolygonTest, InsideIsNegativeOutsideIsPositive) {
  auto zone = MustParse(PolygonJson(kBishkekSquare));
  ASSERT_NE(zone, nullptr);
  const LatLng centre{42.87, 74.595};
  const ZoneDistance in = zone->SignedDistance(centre);
  EXPECT_LT(in.signed_m, 0);
  EXPECT_NEAR(-in.signed_m, DistanceToBoundary(centre, {kBishkekSquare}), 0.1);

  // Due east of the east edge (a meridian): about 500 m out.
  const LatLng east{42.87, 74.61 + 500 / (111319.49 * std::cos(42.87 * std::numbers::pi / 180))};
  const ZoneDistance out = zone->SignedDistance(east);
  EXPECT_GT(out.signed_m, 0);
  EXPECT_NEAR(out.signed_m, DistanceToBoundary(east, {kBishkekSquare}), 0.1);
  EXPECT_NEAR(out.signed_m, 500, 2);
  // The nearest boundary point lies on the east edge, and the distance is measured to it.
  EXPECT_NEAR(out.nearest_boundary.lng_deg, 74.61, 1e-7);
  EXPECT_NEAR(out.nearest_boundary.lat_deg, 42.87, 1e-4);
  EXPECT_NEAR(GeodesicDistanceMeters(east, out.nearest_boundary), out.signed_m, 1e-9);
}

TEST(ZoneShapePolygonTest, MatchesTheGeodesicOracleOnRandomPoints) {
  auto zone = MustParse(PolygonJson(kBishkekSquare));
  ASSERT_NE(zone, nullptr);
  const uint64_t seed = 9001;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lat(42.84, 42.90), lng(74.55, 74.64);
  for (int i = 0; i < 300; ++i) {
    const LatLng p{lat(rng), lng(rng)};
    const double expected = DistanceToBoundary(p, {kBishkekSquare});
    const ZoneDistance d = zone->SignedDistance(p);
    ASSERT_NEAR(std::fabs(d.signed_m), expected, 0.1) << "seed " << seed << " point " << i;
    // Away from the edges (whose parallels bulge by centimetres) inside is the lat/lng box.
    if (expected > 1.0) {
      const bool inside =
          p.lat_deg > 42.86 && p.lat_deg < 42.88 && p.lng_deg > 74.58 && p.lng_deg < 74.61;
      ASSERT_EQ(d.signed_m < 0, inside) << "seed " << seed << " point " << i;
    }
  }
}

// The header promises 0.1 m for zones up to 50 km across; try a 35 km square at 60 N.
TEST(ZoneShapePolygonTest, LargeZoneAtHighLatitudeStaysWithinATenthOfAMetre) {
  const Polygon square = {BoxRing(60.0, 24.8, 60.22, 25.25)};
  auto zone = MustParse(PolygonJson(square));
  ASSERT_NE(zone, nullptr);
  const uint64_t seed = 60;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lat(59.9, 60.32), lng(24.6, 25.45);
  for (int i = 0; i < 100; ++i) {
    const LatLng p{lat(rng), lng(rng)};
    ASSERT_NEAR(std::fabs(zone->SignedDistance(p).signed_m), DistanceToBoundary(p, {square}), 0.1)
        << "seed " << seed << " point " << i;
  }
}

TEST(ZoneShapePolygonTest, HoleIsOutside) {
  const Polygon with_hole = {BoxRing(42.80, 74.50, 42.94, 74.68),
                             BoxRing(42.86, 74.58, 42.88, 74.61)};
  auto zone = MustParse(PolygonJson(with_hole));
  ASSERT_NE(zone, nullptr);
  const LatLng in_hole{42.87, 74.595};
  const ZoneDistance hole = zone->SignedDistance(in_hole);
  EXPECT_GT(hole.signed_m, 0);
  EXPECT_NEAR(hole.signed_m, DistanceToBoundary(in_hole, {with_hole}), 0.1);
  EXPECT_NEAR(hole.signed_m, DistanceToBoundary(in_hole, {kBishkekSquare}), 0.1);

  const LatLng in_ring{42.83, 74.595};  // between the shell and the hole
  const ZoneDistance ring = zone->SignedDistance(in_ring);
  EXPECT_LT(ring.signed_m, 0);
  EXPECT_NEAR(-ring.signed_m, DistanceToBoundary(in_ring, {with_hole}), 0.1);
}

TEST(ZoneShapePolygonTest, MultiPolygon) {
  const std::vector<Polygon> two = {{BoxRing(42.86, 74.58, 42.88, 74.61)},
                                    {BoxRing(42.86, 74.65, 42.88, 74.68)}};
  auto zone = MustParse(MultiPolygonJson(two));
  ASSERT_NE(zone, nullptr);
  const LatLng in_second{42.87, 74.66};
  EXPECT_LT(zone->SignedDistance(in_second).signed_m, 0);
  EXPECT_NEAR(-zone->SignedDistance(in_second).signed_m, DistanceToBoundary(in_second, two), 0.1);
  const LatLng between{42.87, 74.625};
  EXPECT_GT(zone->SignedDistance(between).signed_m, 0);
  EXPECT_NEAR(zone->SignedDistance(between).signed_m, DistanceToBoundary(between, two), 0.1);
  // Bounds cover both parts.
  EXPECT_TRUE(zone->Bounds().Contains({42.87, 74.59}));
  EXPECT_TRUE(zone->Bounds().Contains({42.87, 74.67}));
  EXPECT_FALSE(zone->Bounds().Contains({42.87, 74.75}));
}

TEST(ZoneShapePolygonTest, BoundsContainTheWholeZone) {
  // Long east-west edges at high latitude bulge poleward between their vertices.
  const Polygon wide = {BoxRing(69.0, 18.0, 69.3, 21.0)};
  auto zone = MustParse(PolygonJson(wide));
  ASSERT_NE(zone, nullptr);
  const GeoBox& b = zone->Bounds();
  for (const Ring& ring : wide) {
    for (size_t i = 0; i + 1 < ring.size(); ++i) {
      for (double f = 0; f <= 1.0; f += 0.01) {
        const LatLng p = GeodesicInterpolate(ring[i], ring[i + 1], f);
        ASSERT_TRUE(b.Contains(p)) << p.lat_deg << ", " << p.lng_deg;
      }
    }
  }
  // The northern edge's midpoint lies north of its vertices.
  EXPECT_GT(GeodesicInterpolate({69.3, 18.0}, {69.3, 21.0}, 0.5).lat_deg, 69.3);
  EXPECT_LT(b.max_lat_deg, 69.35);
}

TEST(ZoneShapePolygonTest, SmallZoneAcrossTheAntimeridian) {
  auto zone = MustParse(PolygonJson({BoxRing(-17.01, 179.99, -17.0, -179.99)}));
  ASSERT_NE(zone, nullptr);
  EXPECT_TRUE(zone->Bounds().CrossesAntimeridian());
  EXPECT_LT(zone->SignedDistance({-17.005, 180.0}).signed_m, 0);
  EXPECT_LT(zone->SignedDistance({-17.005, -179.995}).signed_m, 0);
  EXPECT_GT(zone->SignedDistance({-17.005, 179.98}).signed_m, 0);
}

TEST(ZoneShapePolygonTest, FarPointGetsAConservativePositiveDistance) {
  auto zone = MustParse(PolygonJson(kBishkekSquare));
  ASSERT_NE(zone, nullptr);
  const LatLng moscow{55.7558, 37.6173};
  const ZoneDistance d = zone->SignedDistance(moscow);
  const double exact = DistanceToBoundary(moscow, {kBishkekSquare});
  EXPECT_GT(d.signed_m, 0);
  EXPECT_LE(d.signed_m, exact);
  EXPECT_GT(d.signed_m, exact - 3000);  // the zone is only ~2 km across
}

TEST(ZoneShapeCircleTest, IsExact) {
  const LatLng centre{42.87, 74.59};
  auto made = ZoneShape::FromCircle(centre, 300);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  const ZoneShape& zone = **made;
  const GeographicLib::Geodesic& wgs84 = GeographicLib::Geodesic::WGS84();
  for (double azimuth : {0.0, 37.0, 90.0, -135.0}) {
    for (double s : {0.0, 100.0, 300.0, 800.0, 5000.0}) {
      LatLng p, edge;
      wgs84.Direct(centre.lat_deg, centre.lng_deg, azimuth, s, p.lat_deg, p.lng_deg);
      wgs84.Direct(centre.lat_deg, centre.lng_deg, azimuth, 300, edge.lat_deg, edge.lng_deg);
      const ZoneDistance d = zone.SignedDistance(p);
      EXPECT_NEAR(d.signed_m, s - 300, 1e-6) << azimuth << " " << s;
      if (s > 0) {
        EXPECT_NEAR(d.nearest_boundary.lat_deg, edge.lat_deg, 1e-9);
        EXPECT_NEAR(d.nearest_boundary.lng_deg, edge.lng_deg, 1e-9);
      }
    }
  }
  EXPECT_TRUE(zone.Bounds().Contains({42.87, 74.59}));
  EXPECT_FALSE(zone.Bounds().Contains({42.88, 74.59}));  // ~1.1 km north
}

TEST(ZoneShapeCircleTest, RefusesBadCentreOrRadius) {
  EXPECT_FALSE(ZoneShape::FromCircle({91, 0}, 100).ok());
  EXPECT_FALSE(ZoneShape::FromCircle({std::nan(""), 0}, 100).ok());
  for (double r : {0.0, -5.0, std::nan(""), std::numeric_limits<double>::infinity(),
                   ZoneShape::kMaxExtentM / 2 + 1}) {
    auto made = ZoneShape::FromCircle({42.87, 74.59}, r);
    ASSERT_FALSE(made.ok()) << r;
    EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(made.status().message().find("radius"), std::string::npos);
  }
  EXPECT_TRUE(ZoneShape::FromCircle({42.87, 74.59}, ZoneShape::kMaxExtentM / 2).ok());
}

// Each refusal is InvalidArgument and its message names the problem.
void ExpectRefused(const std::string& json, const std::string& message_part) {
  auto zone = ZoneShape::FromGeoJson(json);
  ASSERT_FALSE(zone.ok()) << json;
  EXPECT_EQ(zone.status().code(), StatusCode::kInvalidArgument) << zone.status().ToString();
  EXPECT_NE(zone.status().message().find(message_part), std::string::npos)
      << "message: " << zone.status().message() << "\nexpected to contain: " << message_part;
}

TEST(ZoneShapeRefusalTest, SelfIntersectingBowTie) {
  ExpectRefused(
      PolygonJson(
          {{{42.86, 74.58}, {42.88, 74.60}, {42.86, 74.60}, {42.88, 74.58}, {42.86, 74.58}}}),
      "Self-intersection at lat 42.87");
}

TEST(ZoneShapeRefusalTest, UnclosedRing) {
  Ring open = BoxRing(42.86, 74.58, 42.88, 74.61);
  open.pop_back();
  ExpectRefused(PolygonJson({open}), "ring 0 of polygon 0 is not closed");
  ExpectRefused(MultiPolygonJson({kBishkekSquare, {BoxRing(42.80, 74.50, 42.84, 74.55), open}}),
                "ring 1 of polygon 1 is not closed");
}

TEST(ZoneShapeRefusalTest, WrongGeometryTypes) {
  ExpectRefused(R"({"type":"Point","coordinates":[74.59,42.87]})", "not Point");
  ExpectRefused(R"({"type":"LineString","coordinates":[[74.59,42.87],[74.6,42.88]]})",
                "not LineString");
}

TEST(ZoneShapeRefusalTest, TooManyVertices) {
  Ring ring;
  const int n = ZoneShape::kMaxVertices + 1;
  for (int i = 0; i < n; ++i) {
    const double a = 2 * std::numbers::pi * i / n;
    ring.push_back({42.87 + 0.01 * std::sin(a), 74.59 + 0.01 * std::cos(a)});
  }
  ring.push_back(ring.front());
  ExpectRefused(PolygonJson({ring}), "more than 10000 vertices");
  ring.erase(ring.begin() + 1, ring.begin() + 2);  // exactly at the limit is fine
  EXPECT_TRUE(ZoneShape::FromGeoJson(PolygonJson({ring})).ok());
}

TEST(ZoneShapeRefusalTest, CoordinatesOutOfRange) {
  ExpectRefused(PolygonJson({{{42.86, 74.58}, {42.86, 74.60}, {91.0, 74.60}, {42.86, 74.58}}}),
                "position 2 of ring 0 of polygon 0 [74.6, 91]");
  ExpectRefused(PolygonJson({{{42.86, 74.58}, {42.86, 181}, {42.88, 74.60}, {42.86, 74.58}}}),
                "is not a valid [lng, lat]");
}

TEST(ZoneShapeRefusalTest, EmptyAndMalformed) {
  ExpectRefused(R"({"type":"Polygon","coordinates":[]})", "no coordinates");
  ExpectRefused(R"({"type":"MultiPolygon","coordinates":[]})", "no coordinates");
  ExpectRefused(R"({"type":"Polygon","coordinates":[[]]})", "no coordinates");
  ExpectRefused(R"({"type":"Polygon","coordinates":[[[74.5,42.8],[74.6,42.8],)", "GeoJSON");
  ExpectRefused("not json at all", "GeoJSON");
  ExpectRefused("", "GeoJSON");
  ExpectRefused(R"({"type":"Polygon","coordinates":[[[74.5,42.8],[74.6,42.8],[74.5,42.8]]]})",
                "fewer than 4 (3 corners");
}

TEST(ZoneShapeRefusalTest, TooLarge) {
  ExpectRefused(PolygonJson({BoxRing(42.0, 74.0, 44.0, 76.0)}), "km across");
  ExpectRefused(PolygonJson({BoxRing(0.0, -100.0, 0.5, 100.0)}), "km across");
  // A small cap around the pole spans every longitude.
  ExpectRefused(PolygonJson({{{89.9, 0}, {89.9, 120}, {89.9, -120}, {89.9, 0}}}),
                "degrees of longitude");
}

}  // namespace
}  // namespace stayaway::geo
