// CityModel: the simulated city. A disk of radius_m metres around a centre (by default
// Bishkek), a local east/north plane in metres for planning, a few secret shelters that
// every supervised person must keep out of, and the street routes people travel along.
//
// Planning happens in the plane (EnuPoint, metres east and north of the centre on the
// tangent plane of GeographicLib::LocalCartesian); positions leave the simulator as WGS84
// through ToLatLng, and every distance that decides ground truth is measured on the
// ellipsoid (geo::GeodesicDistanceMeters) or with geo::ZoneShape. Inside a 20 km city the
// plane and the ellipsoid differ by a few parts per million, far below any margin the
// simulator plans with.
//
// Routes: people move along "streets", an L-shaped path (one leg east-west, one
// north-south) from place to place, with a detour around any shelter the path would
// pass within a clearance of, when asked to avoid shelters.
//
// Thread-safety: immutable after construction; const methods are thread-safe.
#ifndef STAYAWAY_TOOLS_SIM_CITY_MODEL_H_
#define STAYAWAY_TOOLS_SIM_CITY_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "geo/lat_lng.h"
#include "tools/sim/random.h"

namespace GeographicLib {
class LocalCartesian;
}

namespace stayaway::sim {

// A point of the city's local plane: metres east and north of the centre.
struct EnuPoint {
  double east_m = 0;
  double north_m = 0;
  friend bool operator==(const EnuPoint&, const EnuPoint&) = default;
};

// Planar distance in metres.
double PlaneDistance(EnuPoint a, EnuPoint b);
// The point a fraction f of the way from a to b.
EnuPoint Lerp(EnuPoint a, EnuPoint b, double f);
// Planar distance in metres from p to the segment [a, b].
double PlaneDistanceToSegment(EnuPoint p, EnuPoint a, EnuPoint b);

// A global exclusion zone: a circle with a buffer (zones.json).
struct Shelter {
  std::string id;
  std::string name;
  EnuPoint centre;
  double radius_m = 80;
  double buffer_m = 200;
};

class CityModel {
 public:
  // The default city: centred on Bishkek, radius 15 km, four shelters.
  static CityModel Default();

  CityModel(geo::LatLng centre, double radius_m, std::vector<Shelter> shelters);

  geo::LatLng ToLatLng(EnuPoint p) const;
  EnuPoint ToEnu(geo::LatLng p) const;

  geo::LatLng centre() const { return centre_; }
  double radius_m() const { return radius_m_; }
  const std::vector<Shelter>& shelters() const { return shelters_; }

  // A point uniform in the disk of radius_m around `around`, clipped into the city (drawn
  // again, up to a bound, when it falls outside). With clearance_m > 0 the point is also
  // at least that far beyond every shelter's radius plus buffer.
  EnuPoint RandomPoint(SimRandom& rng, EnuPoint around, double radius_m,
                       double shelter_clearance_m) const;

  // True when p is at least clearance_m beyond every shelter's radius plus buffer.
  bool ClearOfShelters(EnuPoint p, double clearance_m) const;

  // The corner points of a street route from `from` to `to`, `to` included and `from`
  // not: the L-shaped path (east-west first when east_first), with detours so that no
  // part of it passes within clearance_m of a shelter's radius plus buffer when
  // clearance_m > 0. A straight route (no L) when straight is true.
  std::vector<EnuPoint> Route(EnuPoint from, EnuPoint to, bool east_first, bool straight,
                              double shelter_clearance_m) const;

 private:
  // Appends the route from `from` to `to` around shelters, recursing on detours.
  void AppendAvoiding(EnuPoint from, EnuPoint to, double clearance_m, int depth,
                      std::vector<EnuPoint>* out) const;

  geo::LatLng centre_;
  double radius_m_;
  std::vector<Shelter> shelters_;
  std::shared_ptr<const GeographicLib::LocalCartesian> plane_;
};

}  // namespace stayaway::sim

#endif  // STAYAWAY_TOOLS_SIM_CITY_MODEL_H_
