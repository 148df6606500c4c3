// LatLng: a WGS84 position in degrees, and GeoBox: a latitude/longitude box.
//
// Plain constexpr value types, thread-safe. IsValid() checks the ranges; it is the only
// check the geometry code relies on, so every decoder must call it before a position
// reaches geo/ or engine/.
#ifndef STAYAWAY_GEO_LAT_LNG_H_
#define STAYAWAY_GEO_LAT_LNG_H_

#include <cmath>

namespace stayaway::geo {

struct LatLng {
  double lat_deg = 0;  // [-90, 90]
  double lng_deg = 0;  // [-180, 180]

  // False for NaN, infinities and out-of-range values.
  constexpr bool IsValid() const {
    return lat_deg >= -90.0 && lat_deg <= 90.0 && lng_deg >= -180.0 && lng_deg <= 180.0;
  }
  friend constexpr bool operator==(const LatLng&, const LatLng&) = default;
};

// A box in degrees. min_lng > max_lng means the box crosses the antimeridian.
struct GeoBox {
  double min_lat_deg = 0;
  double min_lng_deg = 0;
  double max_lat_deg = 0;
  double max_lng_deg = 0;

  constexpr bool CrossesAntimeridian() const { return min_lng_deg > max_lng_deg; }
  bool Contains(LatLng p) const;
};

// The smallest box (up to rounding, always on the safe side) that contains every point
// within radius_m metres (geodesic) of center. Near a pole the box spans all longitudes.
GeoBox BoxAround(LatLng center, double radius_m);

// A box that contains `box` and every point within margin_m metres of it.
GeoBox ExpandBox(const GeoBox& box, double margin_m);

}  // namespace stayaway::geo

#endif  // STAYAWAY_GEO_LAT_LNG_H_
