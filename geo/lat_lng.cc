#include "geo/lat_lng.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace stayaway::geo {
namespace {

// Metres to degrees must never understate the angle, so we divide by a radius no larger
// than any radius of curvature of WGS84: the smallest is the meridional radius at the
// equator, a(1 - e^2) = 6,335,439 m; 6,335,000 m stays below it.
constexpr double kSafeRadiusM = 6335000.0;
constexpr double kRadToDeg = 180.0 / std::numbers::pi;
// Rounding slack added to every computed half-width, on the safe side.
constexpr double kSlackDeg = 1e-9;

// The band between two latitudes, all the way round.
constexpr GeoBox AllLongitudes(double min_lat, double max_lat) {
  return GeoBox{min_lat, -180.0, max_lat, 180.0};
}

// Degrees of latitude (along any path) covered by `m` metres.
double LatSpanDeg(double m) { return m / kSafeRadiusM * kRadToDeg * (1 + 1e-12) + kSlackDeg; }

// Builds a box from a latitude band and a longitude interval [lo, hi] that may run past
// +-180 (it is wrapped) or cover the whole circle.
GeoBox MakeBox(double min_lat, double max_lat, double lo, double hi) {
  if (hi - lo >= 360.0) return AllLongitudes(min_lat, max_lat);
  if (lo < -180.0) lo += 360.0;
  if (hi > 180.0) hi -= 360.0;
  return GeoBox{min_lat, lo, max_lat, hi};
}

// Longitude half-width covered by `m` metres from any point of the band [min_lat, max_lat]:
// an east-west step of ds changes longitude by ds / (N cos(lat)) with N >= a > kSafeRadiusM,
// and every point of a path that stays in the band has cos(lat) >= cos(most poleward lat).
// Returns >= 180 when the band reaches a pole.
double LngHalfWidthDeg(double m, double min_lat, double max_lat) {
  const double poleward = std::max(std::fabs(min_lat), std::fabs(max_lat));
  if (poleward >= 90.0) return 360.0;
  const double cos_lat = std::cos(poleward / kRadToDeg);
  const double half = m / (kSafeRadiusM * cos_lat) * kRadToDeg * (1 + 1e-12) + kSlackDeg;
  return std::isfinite(half) ? half : 360.0;
}

}  // namespace

bool GeoBox::Contains(LatLng p) const {
  if (!(p.lat_deg >= min_lat_deg && p.lat_deg <= max_lat_deg)) return false;
  auto in_lng = [this](double lng) {
    if (CrossesAntimeridian()) return lng >= min_lng_deg || lng <= max_lng_deg;
    return lng >= min_lng_deg && lng <= max_lng_deg;
  };
  if (in_lng(p.lng_deg)) return true;
  // -180 and 180 are the same meridian.
  if (p.lng_deg == 180.0) return in_lng(-180.0);
  if (p.lng_deg == -180.0) return in_lng(180.0);
  return false;
}

GeoBox BoxAround(LatLng center, double radius_m) {
  // NaN or infinite radii get the whole world: the safe side.
  if (!(radius_m < HUGE_VAL)) return AllLongitudes(-90.0, 90.0);
  radius_m = std::max(radius_m, 0.0);
  const double dlat = LatSpanDeg(radius_m);
  const double min_lat = std::max(center.lat_deg - dlat, -90.0);
  const double max_lat = std::min(center.lat_deg + dlat, 90.0);
  const double dlng = LngHalfWidthDeg(radius_m, min_lat, max_lat);
  if (dlng >= 180.0) return AllLongitudes(min_lat, max_lat);
  return MakeBox(min_lat, max_lat, center.lng_deg - dlng, center.lng_deg + dlng);
}

GeoBox ExpandBox(const GeoBox& box, double margin_m) {
  if (!(margin_m < HUGE_VAL)) return AllLongitudes(-90.0, 90.0);
  margin_m = std::max(margin_m, 0.0);
  const double dlat = LatSpanDeg(margin_m);
  const double min_lat = std::max(box.min_lat_deg - dlat, -90.0);
  const double max_lat = std::min(box.max_lat_deg + dlat, 90.0);
  const double dlng = LngHalfWidthDeg(margin_m, min_lat, max_lat);
  if (dlng >= 180.0) return AllLongitudes(min_lat, max_lat);
  // Unwrap a box crossing the antimeridian so that hi >= lo.
  const double lo = box.min_lng_deg;
  const double hi = box.CrossesAntimeridian() ? box.max_lng_deg + 360.0 : box.max_lng_deg;
  return MakeBox(min_lat, max_lat, lo - dlng, hi + dlng);
}

}  // namespace stayaway::geo
