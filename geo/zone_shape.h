// ZoneShape: the compiled, validated geometry of one zone, polygonal or circular, and the
// signed geodesic distance from a position to its boundary.
//
// Polygons come as GeoJSON Polygon or MultiPolygon (RFC 7946: [lng, lat] order, first ring
// the shell, the rest holes). They are validated with GEOS through its C API (geos_c.h,
// reentrant _r calls): unclosed rings, self-intersections, too few or too many vertices
// and out-of-range coordinates are refused with a message that says which.
//
// Distance: a polygon is projected once into a gnomonic projection centred on it
// (GeographicLib), where geodesics are close to straight lines; a position is projected
// into the same plane, GEOS finds the nearest boundary point, and the distance reported is
// the WGS84 geodesic distance from the position to that boundary point. For zones up to
// 50 km across the result is within 0.1 m of the exact geodesic distance to the boundary.
// Circles are exact: geodesic distance to the centre minus the radius.
// Positions more than 1,000 km from a polygon's centre are beyond the useful reach of the
// gnomonic plane: for them signed_m is a lower bound (the geodesic distance to the centre
// minus the zone's largest distance from it) and nearest_boundary is the centre.
//
// SignedDistance is negative inside the zone, zero on the boundary, positive outside.
//
// Thread-safety: a ZoneShape owns its own GEOS context and is thread-compatible: const
// methods may not be called concurrently on one object (GEOS contexts are not
// thread-safe); distinct objects are independent.
#ifndef STAYAWAY_GEO_ZONE_SHAPE_H_
#define STAYAWAY_GEO_ZONE_SHAPE_H_

#include <memory>
#include <string_view>

#include "base/status.h"
#include "geo/lat_lng.h"

namespace stayaway::geo {

struct ZoneDistance {
  double signed_m = 0;       // < 0 inside, > 0 outside, metres (geodesic)
  LatLng nearest_boundary;   // the boundary point the distance was measured to
};

class ZoneShape {
 public:
  // Limits on what a GeoJSON zone may hold, against hostile or broken input.
  static constexpr int kMaxVertices = 10000;
  static constexpr double kMaxExtentM = 200000;  // 200 km across at most

  // `geojson` is the text of a GeoJSON geometry object of type Polygon or MultiPolygon.
  static StatusOr<std::unique_ptr<ZoneShape>> FromGeoJson(std::string_view geojson);
  static StatusOr<std::unique_ptr<ZoneShape>> FromCircle(LatLng center, double radius_m);

  ~ZoneShape();
  ZoneShape(const ZoneShape&) = delete;
  ZoneShape& operator=(const ZoneShape&) = delete;

  ZoneDistance SignedDistance(LatLng p) const;
  // A box containing the whole zone, in degrees.
  const GeoBox& Bounds() const { return bounds_; }

 private:
  struct Impl;
  explicit ZoneShape(std::unique_ptr<Impl> impl, GeoBox bounds);
  std::unique_ptr<Impl> impl_;
  GeoBox bounds_;
};

}  // namespace stayaway::geo

#endif  // STAYAWAY_GEO_ZONE_SHAPE_H_
