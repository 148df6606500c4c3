// Distances on the WGS84 ellipsoid: the exact geodesic (GeographicLib) that every reported
// distance uses, and the chord screen that prunes pairs cheaply.
//
// The chord screen: the straight line through the Earth between two points (ECEF) is never
// longer than the geodesic between them, so `ChordMeters(a, b) > limit` proves the geodesic
// is beyond the limit too. The chord falls short of the geodesic by less than
// ChordShortfallBoundMeters(chord): about 1 mm at 10 km, 1.05 m at 100 km.
//
// All functions are pure and thread-safe (GeographicLib::Geodesic::WGS84() is immutable).
#ifndef STAYAWAY_GEO_GEODESIC_H_
#define STAYAWAY_GEO_GEODESIC_H_

#include "geo/lat_lng.h"

namespace stayaway::geo {

// Earth-centred, earth-fixed Cartesian coordinates in metres (WGS84, on the ellipsoid).
struct Ecef {
  double x_m = 0;
  double y_m = 0;
  double z_m = 0;
};

Ecef ToEcef(LatLng p);

// Squared and plain chord lengths in metres: lower bounds of the geodesic distance.
inline double ChordSquaredMeters2(const Ecef& a, const Ecef& b) {
  const double dx = a.x_m - b.x_m, dy = a.y_m - b.y_m, dz = a.z_m - b.z_m;
  return dx * dx + dy * dy + dz * dz;
}
double ChordMeters(const Ecef& a, const Ecef& b);

// An upper bound of (geodesic - chord) for a chord of chord_m metres, valid for chords up
// to 1,000 km; beyond that it returns +infinity (no claim).
double ChordShortfallBoundMeters(double chord_m);

// WGS84 geodesic distance in metres (GeographicLib::Geodesic::Inverse).
double GeodesicDistanceMeters(LatLng a, LatLng b);

// The point a fraction f in [0, 1] of the way along the geodesic from a to b.
LatLng GeodesicInterpolate(LatLng a, LatLng b, double fraction);

}  // namespace stayaway::geo

#endif  // STAYAWAY_GEO_GEODESIC_H_
