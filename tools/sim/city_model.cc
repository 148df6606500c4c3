#include "tools/sim/city_model.h"

#include <GeographicLib/LocalCartesian.hpp>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

namespace stayaway::sim {

double PlaneDistance(EnuPoint a, EnuPoint b) {
  return std::hypot(a.east_m - b.east_m, a.north_m - b.north_m);
}

EnuPoint Lerp(EnuPoint a, EnuPoint b, double f) {
  return {a.east_m + (b.east_m - a.east_m) * f, a.north_m + (b.north_m - a.north_m) * f};
}

double PlaneDistanceToSegment(EnuPoint p, EnuPoint a, EnuPoint b) {
  const double dx = b.east_m - a.east_m, dy = b.north_m - a.north_m;
  const double length2 = dx * dx + dy * dy;
  double f = 0;
  if (length2 > 0) {
    f = ((p.east_m - a.east_m) * dx + (p.north_m - a.north_m) * dy) / length2;
    f = std::clamp(f, 0.0, 1.0);
  }
  return PlaneDistance(p, Lerp(a, b, f));
}

CityModel CityModel::Default() {
  std::vector<Shelter> shelters = {
      {"shelter-1", "Crisis centre shelter", {2500, 1500}, 80, 200},
      {"shelter-2", "Women's shelter, Oktyabrsky district", {-4000, -2500}, 60, 200},
      {"shelter-3", "Family crisis centre", {6000, -5000}, 100, 200},
      {"shelter-4", "Temporary housing, Leninsky district", {-7000, 6000}, 80, 200},
  };
  return CityModel(geo::LatLng{42.8746, 74.6122}, 15000, std::move(shelters));
}

CityModel::CityModel(geo::LatLng centre, double radius_m, std::vector<Shelter> shelters)
    : centre_(centre),
      radius_m_(radius_m),
      shelters_(std::move(shelters)),
      plane_(std::make_shared<const GeographicLib::LocalCartesian>(centre.lat_deg, centre.lng_deg,
                                                                   0.0)) {}

geo::LatLng CityModel::ToLatLng(EnuPoint p) const {
  double lat = 0, lon = 0, h = 0;
  plane_->Reverse(p.east_m, p.north_m, 0.0, lat, lon, h);
  return {lat, lon};
}

EnuPoint CityModel::ToEnu(geo::LatLng p) const {
  double x = 0, y = 0, z = 0;
  plane_->Forward(p.lat_deg, p.lng_deg, 0.0, x, y, z);
  return {x, y};
}

bool CityModel::ClearOfShelters(EnuPoint p, double clearance_m) const {
  for (const Shelter& s : shelters_) {
    if (PlaneDistance(p, s.centre) < s.radius_m + s.buffer_m + clearance_m) return false;
  }
  return true;
}

EnuPoint CityModel::RandomPoint(SimRandom& rng, EnuPoint around, double radius_m,
                                double shelter_clearance_m) const {
  EnuPoint p = around;
  for (int attempt = 0; attempt < 64; ++attempt) {
    const double r = radius_m * std::sqrt(rng.Uniform01());
    const double a = rng.Uniform(0, 2 * std::numbers::pi);
    p = {around.east_m + r * std::cos(a), around.north_m + r * std::sin(a)};
    const bool inside = std::hypot(p.east_m, p.north_m) <= radius_m_;
    if (inside && (shelter_clearance_m <= 0 || ClearOfShelters(p, shelter_clearance_m))) {
      return p;
    }
  }
  return p;  // practically unreachable; callers tolerate an imperfect point
}

std::vector<EnuPoint> CityModel::Route(EnuPoint from, EnuPoint to, bool east_first, bool straight,
                                       double shelter_clearance_m) const {
  std::vector<EnuPoint> corners;
  if (!straight) {
    const EnuPoint corner =
        east_first ? EnuPoint{to.east_m, from.north_m} : EnuPoint{from.east_m, to.north_m};
    if (PlaneDistance(corner, from) > 1 && PlaneDistance(corner, to) > 1) {
      corners.push_back(corner);
    }
  }
  corners.push_back(to);
  if (shelter_clearance_m <= 0) return corners;
  std::vector<EnuPoint> out;
  EnuPoint previous = from;
  for (const EnuPoint& c : corners) {
    AppendAvoiding(previous, c, shelter_clearance_m, 0, &out);
    previous = c;
  }
  return out;
}

void CityModel::AppendAvoiding(EnuPoint from, EnuPoint to, double clearance_m, int depth,
                               std::vector<EnuPoint>* out) const {
  for (const Shelter& s : shelters_) {
    const double keep_out = s.radius_m + s.buffer_m + clearance_m;
    if (depth >= 4 || PlaneDistanceToSegment(s.centre, from, to) >= keep_out) continue;
    // Go round: a waypoint beside the shelter, perpendicular to the path, on the side of
    // the path's closest point, 1.5 keep-out radii from its centre.
    const double dx = to.east_m - from.east_m, dy = to.north_m - from.north_m;
    const double length = std::hypot(dx, dy);
    if (length < 1) continue;
    double nx = -dy / length, ny = dx / length;
    const double side =
        (s.centre.east_m - from.east_m) * nx + (s.centre.north_m - from.north_m) * ny;
    if (side > 0) {
      nx = -nx;
      ny = -ny;
    }
    const EnuPoint waypoint{s.centre.east_m + nx * 1.5 * keep_out,
                            s.centre.north_m + ny * 1.5 * keep_out};
    AppendAvoiding(from, waypoint, clearance_m, depth + 1, out);
    AppendAvoiding(waypoint, to, clearance_m, depth + 1, out);
    return;
  }
  out->push_back(to);
}

}  // namespace stayaway::sim
