#include "geo/geodesic.h"

#include <GeographicLib/Geocentric.hpp>
#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/GeodesicLine.hpp>
#include <algorithm>
#include <cmath>
#include <limits>

namespace stayaway::geo {
namespace {

using GeographicLib::Geocentric;
using GeographicLib::Geodesic;

// Why geodesic - chord <= ChordShortfallBoundMeters(chord):
//
// 1. Seen as a curve in space, a surface geodesic bends only along the surface normal, so
//    its curvature equals the normal curvature of the ellipsoid in its direction. That is
//    at most 1/R with R the smallest radius of curvature of WGS84, the meridional radius at
//    the equator a(1 - e^2) = 6,335,439 m. We use R = 6,335,000 m: a smaller R only makes
//    the bound larger.
// 2. Schur's comparison theorem: a curve of length s <= pi R whose curvature never exceeds
//    1/R has a chord at least as long as a circular arc of radius R and the same length,
//    c >= 2R sin(s / 2R). With sin(x) >= x - x^3/6 this gives s - c <= s^3 / (24 R^2).
// 3. The bound must be stated in terms of c, which is what the caller has. From step 2,
//    c >= s (1 - s^2/(24 R^2)). For c <= 1,000 km the shortest geodesic is far below pi R
//    (it is no longer than the chord's projection onto the surface), and solving gives
//    s <= 1.0011 c; we use s <= 1.002 c.
// So geodesic - chord <= (1.002 c)^3 / (24 R^2), plus 1 micrometre for the rounding of
// ECEF coordinates (~1e-9 m) and of GeographicLib's Inverse (~15 nm).
constexpr double kMinCurvatureRadiusM = 6335000.0;
constexpr double kMaxBoundedChordM = 1000000.0;
constexpr double kArcPerChord = 1.002;
constexpr double kRoundingSlackM = 1e-6;
constexpr double kChordRoundingM = 1e-7;

}  // namespace

Ecef ToEcef(LatLng p) {
  Ecef e;
  Geocentric::WGS84().Forward(p.lat_deg, p.lng_deg, 0.0, e.x_m, e.y_m, e.z_m);
  return e;
}

// Rounded down by 0.1 micrometre so that the computed chord stays below the computed
// geodesic even for pairs metres apart, where the true shortfall (~1e-13 m at 30 m) is
// smaller than the rounding of ECEF coordinates (~1e-9 m) and of Inverse (~15 nm).
double ChordMeters(const Ecef& a, const Ecef& b) {
  return std::max(std::sqrt(ChordSquaredMeters2(a, b)) - kChordRoundingM, 0.0);
}

double ChordShortfallBoundMeters(double chord_m) {
  if (!(chord_m <= kMaxBoundedChordM)) return std::numeric_limits<double>::infinity();
  const double s = kArcPerChord * std::max(chord_m, 0.0);
  return s * s * s / (24.0 * kMinCurvatureRadiusM * kMinCurvatureRadiusM) + kRoundingSlackM;
}

double GeodesicDistanceMeters(LatLng a, LatLng b) {
  double s12 = 0;
  Geodesic::WGS84().Inverse(a.lat_deg, a.lng_deg, b.lat_deg, b.lng_deg, s12);
  return s12;
}

LatLng GeodesicInterpolate(LatLng a, LatLng b, double fraction) {
  // The endpoints are returned exactly rather than through a round trip.
  if (!(fraction > 0.0)) return a;
  if (fraction >= 1.0) return b;
  const GeographicLib::GeodesicLine line =
      Geodesic::WGS84().InverseLine(a.lat_deg, a.lng_deg, b.lat_deg, b.lng_deg);
  LatLng p;
  line.Position(fraction * line.Distance(), p.lat_deg, p.lng_deg);
  return p;
}

}  // namespace stayaway::geo
