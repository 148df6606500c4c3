#include "geo/zone_shape.h"

#include <geos_c.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/Gnomonic.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <vector>

#include "base/number_text.h"
#include "geo/geodesic.h"

namespace stayaway::geo {
namespace {

using GeographicLib::Geodesic;

// Beyond this distance from a polygon's centre the gnomonic plane is too distorted (and
// beyond 90 degrees undefined), so SignedDistance reports a lower bound instead.
constexpr double kFarFromCentreM = 1000000.0;
// Hostile input: even 10,000 pretty-printed vertices fit well inside this.
constexpr size_t kMaxGeoJsonBytes = 4 << 20;
constexpr double kDegToRad = std::numbers::pi / 180.0;

using Ring = std::vector<LatLng>;   // closed: the last position repeats the first
using Polygon = std::vector<Ring>;  // shell first, then holes

// Computed measures (extents, crossings); a refused input value is printed with
// NumberText instead, every digit it was refused for.
std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void CaptureGeosError(const char* message, void* userdata) {
  *static_cast<std::string*>(userdata) = message;
}

// Finds the first unclosed ring, e.g. "ring 0 of polygon 0", for a clear refusal: the GEOS
// reader only says that some ring is not closed. Empty when it cannot tell.
std::string LocateUnclosedRing(const std::string& geojson) {
  google::protobuf::Struct root;
  if (!google::protobuf::util::JsonStringToMessage(geojson, &root).ok()) return "";
  const auto type = root.fields().find("type");
  const auto coordinates = root.fields().find("coordinates");
  if (type == root.fields().end() || coordinates == root.fields().end()) return "";
  std::vector<const google::protobuf::Value*> polygons;
  if (type->second.string_value() == "Polygon") {
    polygons.push_back(&coordinates->second);
  } else {
    for (const auto& p : coordinates->second.list_value().values()) polygons.push_back(&p);
  }
  for (size_t p = 0; p < polygons.size(); ++p) {
    const auto& rings = polygons[p]->list_value().values();
    for (int r = 0; r < rings.size(); ++r) {
      const auto& positions = rings[r].list_value().values();
      if (positions.empty()) continue;
      const auto& first = positions[0].list_value().values();
      const auto& last = positions[positions.size() - 1].list_value().values();
      bool same = first.size() >= 2 && last.size() >= 2;
      for (int i = 0; same && i < 2; ++i) same = first[i].number_value() == last[i].number_value();
      if (!same) return "ring " + std::to_string(r) + " of polygon " + std::to_string(p);
    }
  }
  return "";
}

// The most northern and southern latitudes reached by the geodesic from a to b. By
// Clairaut's relation cos(beta) sin(azimuth) is constant along a geodesic (beta the reduced
// latitude), so when the geodesic turns from heading north to heading south (or back) it
// peaks where the azimuth is +-90 degrees.
void EdgeLatRange(LatLng a, LatLng b, double* min_lat, double* max_lat) {
  *min_lat = std::min(a.lat_deg, b.lat_deg);
  *max_lat = std::max(a.lat_deg, b.lat_deg);
  if (a == b) return;
  const Geodesic& wgs84 = Geodesic::WGS84();
  double s12 = 0, azi1 = 0, azi2 = 0;
  wgs84.Inverse(a.lat_deg, a.lng_deg, b.lat_deg, b.lng_deg, s12, azi1, azi2);
  const bool north_at_start = std::fabs(azi1) < 90.0, north_at_end = std::fabs(azi2) < 90.0;
  if (north_at_start == north_at_end) return;
  const double one_minus_f = 1.0 - wgs84.Flattening();
  const double beta1 = std::atan(one_minus_f * std::tan(a.lat_deg * kDegToRad));
  const double beta_peak =
      std::acos(std::min(1.0, std::fabs(std::cos(beta1) * std::sin(azi1 * kDegToRad))));
  const double peak_deg = std::atan(std::tan(beta_peak) / one_minus_f) / kDegToRad + 1e-9;
  if (north_at_start)
    *max_lat = std::max(*max_lat, std::min(peak_deg, 90.0));
  else
    *min_lat = std::min(*min_lat, std::max(-peak_deg, -90.0));
}

}  // namespace

struct ZoneShape::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (ctx == nullptr) return;
    if (prepared_area) GEOSPreparedGeom_destroy_r(ctx, prepared_area);
    if (prepared_boundary) GEOSPreparedGeom_destroy_r(ctx, prepared_boundary);
    if (planar) GEOSGeom_destroy_r(ctx, planar);
    if (boundary) GEOSGeom_destroy_r(ctx, boundary);
    GEOS_finish_r(ctx);
  }

  // Circles need no GEOS context.
  bool is_circle = false;
  LatLng center;        // circle centre, or the polygon's gnomonic centre
  double radius_m = 0;  // circle radius, or a bound on the polygon's distance from center

  GEOSContextHandle_t ctx = nullptr;
  std::string geos_error;            // the last message GEOS reported on ctx
  GEOSGeometry* planar = nullptr;    // the polygon in the gnomonic plane, metres
  GEOSGeometry* boundary = nullptr;  // its rings, for the nearest point from inside
  const GEOSPreparedGeometry* prepared_area = nullptr;
  const GEOSPreparedGeometry* prepared_boundary = nullptr;
  GeographicLib::Gnomonic gnomonic{Geodesic::WGS84()};

  void InitGeos() {
    ctx = GEOS_init_r();
    GEOSContext_setErrorMessageHandler_r(ctx, &CaptureGeosError, &geos_error);
  }

  // Builds a GEOS (Multi)Polygon from the rings with each vertex mapped by `xy`; nullptr
  // (with geos_error set) on failure.
  template <typename Transform>
  GEOSGeometry* Build(const std::vector<Polygon>& polygons, bool multi, Transform xy) {
    std::vector<GEOSGeometry*> parts;
    auto free_parts = [&] {
      for (GEOSGeometry* g : parts) GEOSGeom_destroy_r(ctx, g);
    };
    for (const Polygon& polygon : polygons) {
      std::vector<GEOSGeometry*> rings;
      for (const Ring& ring : polygon) {
        GEOSCoordSequence* seq = GEOSCoordSeq_create_r(ctx, static_cast<unsigned>(ring.size()), 2);
        for (size_t i = 0; i < ring.size(); ++i) {
          double x = 0, y = 0;
          xy(ring[i], &x, &y);
          GEOSCoordSeq_setXY_r(ctx, seq, static_cast<unsigned>(i), x, y);
        }
        GEOSGeometry* linear_ring = GEOSGeom_createLinearRing_r(ctx, seq);  // owns seq
        if (linear_ring == nullptr) {
          for (GEOSGeometry* g : rings) GEOSGeom_destroy_r(ctx, g);
          free_parts();
          return nullptr;
        }
        rings.push_back(linear_ring);
      }
      GEOSGeometry** holes = rings.size() > 1 ? &rings[1] : nullptr;
      parts.push_back(
          GEOSGeom_createPolygon_r(ctx, rings[0], holes, static_cast<unsigned>(rings.size() - 1)));
    }
    if (!multi) return parts[0];
    return GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, parts.data(),
                                       static_cast<unsigned>(parts.size()));
  }

  // Empty when valid, else GEOS's reason with its location mapped back by `to_lat_lng`.
  template <typename ToLatLng>
  std::string InvalidReason(const GEOSGeometry* g, ToLatLng to_lat_lng) {
    char* reason = nullptr;
    GEOSGeometry* location = nullptr;
    const char valid = GEOSisValidDetail_r(ctx, g, 0, &reason, &location);
    std::string out;
    if (valid == 2) {
      out = "GEOS could not check validity: " + geos_error;
    } else if (valid == 0) {
      out = reason != nullptr ? reason : "invalid";
      double x = 0, y = 0;
      if (location != nullptr && GEOSGeomGetX_r(ctx, location, &x) == 1 &&
          GEOSGeomGetY_r(ctx, location, &y) == 1) {
        const LatLng at = to_lat_lng(x, y);
        out += " at lat " + Num(at.lat_deg) + ", lng " + Num(at.lng_deg);
      }
    }
    if (reason != nullptr) GEOSFree_r(ctx, reason);
    if (location != nullptr) GEOSGeom_destroy_r(ctx, location);
    return out;
  }

  // Reads the rings of a GEOS Polygon into `out`, checking ranges and the vertex budget.
  Status ReadPolygon(const GEOSGeometry* g, size_t index, int* vertices, Polygon* out) {
    const std::string where = "polygon " + std::to_string(index);
    const GEOSGeometry* shell = GEOSGetExteriorRing_r(ctx, g);
    if (shell == nullptr || GEOSisEmpty_r(ctx, shell) != 0)
      return InvalidArgument(where + " is empty");
    const int holes = GEOSGetNumInteriorRings_r(ctx, g);
    for (int r = 0; r <= holes; ++r) {
      const GEOSGeometry* ring_geom = r == 0 ? shell : GEOSGetInteriorRingN_r(ctx, g, r - 1);
      const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, ring_geom);
      unsigned size = 0;
      if (seq == nullptr || GEOSCoordSeq_getSize_r(ctx, seq, &size) == 0) {
        return Status(StatusCode::kInternal, "GEOS: " + geos_error);
      }
      const std::string ring_where = "ring " + std::to_string(r) + " of " + where;
      if (size == 0) return InvalidArgument(ring_where + " is empty");
      if (size < 4) {
        return InvalidArgument(ring_where + " has " + std::to_string(size) +
                               " positions, fewer than 4 (3 corners and the closing position)");
      }
      *vertices += static_cast<int>(size) - 1;  // the closing position repeats the first
      if (*vertices > kMaxVertices) {
        return InvalidArgument("zone has more than " + std::to_string(kMaxVertices) + " vertices");
      }
      Ring ring(size);
      for (unsigned i = 0; i < size; ++i) {
        GEOSCoordSeq_getXY_r(ctx, seq, i, &ring[i].lng_deg, &ring[i].lat_deg);
        if (!ring[i].IsValid()) {
          return InvalidArgument("position " + std::to_string(i) + " of " + ring_where + " [" +
                                 NumberText(ring[i].lng_deg) + ", " + NumberText(ring[i].lat_deg) +
                                 "] is not a valid [lng, lat]: lng must be in [-180, 180] "
                                 "and lat in [-90, 90]");
        }
      }
      out->push_back(std::move(ring));
    }
    return Status::Ok();
  }
};

ZoneShape::ZoneShape(std::unique_ptr<Impl> impl, GeoBox bounds)
    : impl_(std::move(impl)), bounds_(bounds) {}
ZoneShape::~ZoneShape() = default;

StatusOr<std::unique_ptr<ZoneShape>> ZoneShape::FromCircle(LatLng center, double radius_m) {
  if (!center.IsValid()) {
    return InvalidArgument("circle centre lat " + NumberText(center.lat_deg) + ", lng " +
                           NumberText(center.lng_deg) + " is out of range");
  }
  if (!(radius_m > 0 && radius_m <= kMaxExtentM / 2)) {
    return InvalidArgument("circle radius " + NumberText(radius_m) + " m is not in (0, " +
                           Num(kMaxExtentM / 2) + "]");
  }
  auto impl = std::make_unique<Impl>();
  impl->is_circle = true;
  impl->center = center;
  impl->radius_m = radius_m;
  const GeoBox bounds = BoxAround(center, radius_m);
  return std::unique_ptr<ZoneShape>(new ZoneShape(std::move(impl), bounds));
}

StatusOr<std::unique_ptr<ZoneShape>> ZoneShape::FromGeoJson(std::string_view geojson) {
  if (geojson.size() > kMaxGeoJsonBytes) {
    return InvalidArgument("zone GeoJSON is " + std::to_string(geojson.size()) +
                           " bytes, more than " + std::to_string(kMaxGeoJsonBytes));
  }
  auto impl = std::make_unique<Impl>();
  impl->InitGeos();
  GEOSContextHandle_t ctx = impl->ctx;

  // Parse with GEOS's GeoJSON reader.
  const std::string text(geojson);
  GEOSGeoJSONReader* reader = GEOSGeoJSONReader_create_r(ctx);
  GEOSGeometry* read = GEOSGeoJSONReader_readGeometry_r(ctx, reader, text.c_str());
  GEOSGeoJSONReader_destroy_r(ctx, reader);
  if (read == nullptr) {
    const std::string& e = impl->geos_error;
    if (e.find("closed") != std::string::npos) {
      const std::string ring = LocateUnclosedRing(text);
      return InvalidArgument((ring.empty() ? std::string("a ring") : ring) +
                             " is not closed: its last position must repeat the first");
    }
    if (e.find("Invalid number of points in LinearRing") != std::string::npos) {
      return InvalidArgument(
          "a ring has fewer than 4 positions (3 corners and the closing "
          "position): " +
          e);
    }
    return InvalidArgument("zone is not readable GeoJSON: " + e);
  }

  // Copy out the rings: type, emptiness, ranges and size checks.
  const int type = GEOSGeomTypeId_r(ctx, read);
  std::vector<Polygon> polygons;
  Status status;
  if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) {
    char* name = GEOSGeomType_r(ctx, read);
    status = InvalidArgument(std::string("zone geometry must be a Polygon or MultiPolygon, not ") +
                             (name != nullptr ? name : "unknown"));
    if (name != nullptr) GEOSFree_r(ctx, name);
  } else if (GEOSisEmpty_r(ctx, read) != 0) {
    status = InvalidArgument("zone geometry has no coordinates");
  } else {
    const bool multi = type == GEOS_MULTIPOLYGON;
    const int count = multi ? GEOSGetNumGeometries_r(ctx, read) : 1;
    int vertices = 0;
    for (int i = 0; i < count && status.ok(); ++i) {
      const GEOSGeometry* g = multi ? GEOSGetGeometryN_r(ctx, read, i) : read;
      polygons.emplace_back();
      status = impl->ReadPolygon(g, static_cast<size_t>(i), &vertices, &polygons.back());
    }
  }
  GEOSGeom_destroy_r(ctx, read);
  if (!status.ok()) return status;
  const bool multi = type == GEOS_MULTIPOLYGON;

  // Longitudes are unwrapped next to the first vertex so that a zone near the antimeridian
  // stays contiguous; a zone still spanning more than 180 degrees is refused.
  const double ref_lng = polygons[0][0][0].lng_deg;
  double min_lat = 90, max_lat = -90, min_lng = ref_lng, max_lng = ref_lng;
  for (Polygon& polygon : polygons) {
    for (Ring& ring : polygon) {
      for (LatLng& v : ring) {
        v.lng_deg = ref_lng + std::remainder(v.lng_deg - ref_lng, 360.0);
        min_lat = std::min(min_lat, v.lat_deg);
        max_lat = std::max(max_lat, v.lat_deg);
        min_lng = std::min(min_lng, v.lng_deg);
        max_lng = std::max(max_lng, v.lng_deg);
      }
    }
  }
  if (max_lng - min_lng > 180.0) {
    return InvalidArgument("zone spans " + Num(max_lng - min_lng) +
                           " degrees of longitude; zones must span less than 180");
  }
  // The diagonal of the bounding box measures how far the zone reaches across.
  const double extent_m = std::max(GeodesicDistanceMeters({min_lat, min_lng}, {max_lat, max_lng}),
                                   GeodesicDistanceMeters({min_lat, max_lng}, {max_lat, min_lng}));
  if (!(extent_m <= kMaxExtentM)) {
    return InvalidArgument("zone is " + Num(extent_m / 1000) + " km across, more than " +
                           Num(kMaxExtentM / 1000) + " km");
  }

  // Validity in [lng, lat], so the location in the reason is in the sender's terms.
  auto identity = [](LatLng v, double* x, double* y) {
    *x = v.lng_deg;
    *y = v.lat_deg;
  };
  auto identity_back = [](double x, double y) { return LatLng{y, x}; };
  GEOSGeometry* geographic = impl->Build(polygons, multi, identity);
  if (geographic == nullptr)
    return InvalidArgument("zone polygon is not valid: " + impl->geos_error);
  std::string reason = impl->InvalidReason(geographic, identity_back);
  GEOSGeom_destroy_r(ctx, geographic);
  if (!reason.empty()) return InvalidArgument("zone polygon is not valid: " + reason);

  // Project into the gnomonic plane around the box centre.
  Impl& z = *impl;
  z.center = LatLng{(min_lat + max_lat) / 2, (min_lng + max_lng) / 2};
  z.center.lng_deg = std::remainder(z.center.lng_deg, 360.0);
  for (const Polygon& polygon : polygons) {
    for (const Ring& ring : polygon) {
      for (const LatLng& v : ring) {
        z.radius_m = std::max(z.radius_m, GeodesicDistanceMeters(z.center, v));
      }
    }
  }
  // Edges may bulge slightly past their vertices' distance; keep a generous margin.
  z.radius_m = z.radius_m * 1.01 + 1.0;
  auto project = [&z](LatLng v, double* x, double* y) {
    z.gnomonic.Forward(z.center.lat_deg, z.center.lng_deg, v.lat_deg, v.lng_deg, *x, *y);
  };
  auto unproject = [&z](double x, double y) {
    LatLng p;
    z.gnomonic.Reverse(z.center.lat_deg, z.center.lng_deg, x, y, p.lat_deg, p.lng_deg);
    return p;
  };
  z.planar = z.Build(polygons, multi, project);
  if (z.planar == nullptr) return InvalidArgument("zone polygon is not valid: " + z.geos_error);
  // Straight lines in the plane are geodesics, not the [lng, lat] lines checked above; a
  // polygon whose edges nearly touch could differ.
  reason = z.InvalidReason(z.planar, unproject);
  if (!reason.empty())
    return InvalidArgument("zone polygon is not valid along geodesic edges: " + reason);
  z.boundary = GEOSBoundary_r(ctx, z.planar);
  if (z.boundary == nullptr) return Status(StatusCode::kInternal, "GEOS: " + z.geos_error);
  z.prepared_area = GEOSPrepare_r(ctx, z.planar);
  z.prepared_boundary = GEOSPrepare_r(ctx, z.boundary);
  if (z.prepared_area == nullptr || z.prepared_boundary == nullptr) {
    return Status(StatusCode::kInternal, "GEOS: " + z.geos_error);
  }

  // Bounds: vertex longitudes (longitude is monotonic along each geodesic edge) and
  // latitudes including each edge's poleward bulge, plus a margin for the small difference
  // between gnomonic straight lines and geodesics.
  for (const Polygon& polygon : polygons) {
    const Ring& shell = polygon[0];  // holes lie inside the shell
    for (size_t i = 0; i + 1 < shell.size(); ++i) {
      double lo = 0, hi = 0;
      EdgeLatRange(shell[i], shell[i + 1], &lo, &hi);
      min_lat = std::min(min_lat, lo);
      max_lat = std::max(max_lat, hi);
    }
  }
  GeoBox box{min_lat, min_lng, max_lat, max_lng};
  if (box.min_lng_deg < -180.0) box.min_lng_deg += 360.0;
  if (box.max_lng_deg > 180.0) box.max_lng_deg -= 360.0;
  const GeoBox bounds = ExpandBox(box, 1.0 + 1e-4 * z.radius_m);
  return std::unique_ptr<ZoneShape>(new ZoneShape(std::move(impl), bounds));
}

ZoneDistance ZoneShape::SignedDistance(LatLng p) const {
  const Impl& z = *impl_;
  const Geodesic& wgs84 = Geodesic::WGS84();
  if (z.is_circle) {
    double to_center = 0, azi1 = 0, azi2 = 0;
    wgs84.Inverse(z.center.lat_deg, z.center.lng_deg, p.lat_deg, p.lng_deg, to_center, azi1, azi2);
    ZoneDistance d;
    d.signed_m = to_center - z.radius_m;
    wgs84.Direct(z.center.lat_deg, z.center.lng_deg, azi1, z.radius_m, d.nearest_boundary.lat_deg,
                 d.nearest_boundary.lng_deg);
    return d;
  }

  // Far away the gnomonic plane is useless; the triangle inequality still gives a lower
  // bound of the distance to the boundary, measured to the centre.
  const double to_center = GeodesicDistanceMeters(z.center, p);
  double x = 0, y = 0;
  if (to_center <= kFarFromCentreM) {
    z.gnomonic.Forward(z.center.lat_deg, z.center.lng_deg, p.lat_deg, p.lng_deg, x, y);
  }
  if (to_center > kFarFromCentreM || !std::isfinite(x) || !std::isfinite(y)) {
    return ZoneDistance{std::max(to_center - z.radius_m, 0.0), z.center};
  }

  GEOSContextHandle_t ctx = z.ctx;
  GEOSGeometry* point = GEOSGeom_createPointFromXY_r(ctx, x, y);
  // Intersects rather than Contains: a point on the boundary counts as inside (distance 0).
  const bool inside = GEOSPreparedIntersects_r(ctx, z.prepared_area, point) == 1;
  GEOSCoordSequence* nearest = GEOSPreparedNearestPoints_r(ctx, z.prepared_boundary, point);
  GEOSGeom_destroy_r(ctx, point);
  double nx = x, ny = y;
  if (nearest != nullptr) {
    GEOSCoordSeq_getXY_r(ctx, nearest, 0, &nx, &ny);  // index 0 lies on the boundary
    GEOSCoordSeq_destroy_r(ctx, nearest);
  }
  ZoneDistance d;
  z.gnomonic.Reverse(z.center.lat_deg, z.center.lng_deg, nx, ny, d.nearest_boundary.lat_deg,
                     d.nearest_boundary.lng_deg);
  const double dist = GeodesicDistanceMeters(p, d.nearest_boundary);
  d.signed_m = inside && dist > 0 ? -dist : dist;
  return d;
}

}  // namespace stayaway::geo
