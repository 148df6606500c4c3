#include "engine/compiled_zone.h"

#include <google/protobuf/util/json_util.h>

#include <cmath>

#include "proto/stayaway.pb.h"

namespace stayaway::engine {

Classification CompiledZone::Classify(geo::LatLng p, double r, TimeMs t,
                                      double close_margin_m, geo::ZoneDistance* distance) const {
  if (!AppliesAt(t)) return Classification{};
  *distance = shape->SignedDistance(p);
  return exclusion ? ClassifyExclusion(distance->signed_m, r, buffer_m, close_margin_m)
                   : ClassifyInclusion(distance->signed_m, r, buffer_m);
}

StatusOr<CompiledZone> CompileZone(const v1::Zone& zone, const std::string& context) {
  auto fail = [&](const std::string& why) { return InvalidArgument(context + ": " + why); };
  if (zone.id().empty()) return fail("zone has no id");
  // The auditor's view of a zone (access/redaction.h) is not a zone: never take it back in.
  if (zone.has_redacted()) return fail("\"redacted\" is set by the daemon on what it serves");
  CompiledZone out;
  out.id = zone.id();
  switch (zone.kind()) {
    case v1::Zone::exclusion: out.exclusion = true; break;
    case v1::Zone::inclusion: out.exclusion = false; break;
    default: return fail("kind must be \"exclusion\" or \"inclusion\"");
  }
  if (!std::isfinite(zone.buffer_m()) || zone.buffer_m() < 0 || zone.buffer_m() > 100'000) {
    return fail("buffer_m must be between 0 and 100000 metres");
  }
  out.buffer_m = zone.buffer_m();
  if (zone.has_geometry() == zone.has_circle()) {
    return fail("give exactly one of geometry (GeoJSON) or circle");
  }
  StatusOr<std::unique_ptr<geo::ZoneShape>> shape = Status(StatusCode::kInternal, "unset");
  if (zone.has_circle()) {
    shape = geo::ZoneShape::FromCircle({zone.circle().lat(), zone.circle().lon()},
                                       zone.circle().radius_m());
  } else {
    std::string geojson;
    if (!google::protobuf::util::MessageToJsonString(zone.geometry(), &geojson).ok()) {
      return fail("geometry cannot be read as JSON");
    }
    shape = geo::ZoneShape::FromGeoJson(geojson);
  }
  if (!shape.ok()) return fail(shape.status().message());
  out.shape = std::move(shape).value();
  if (zone.has_schedule()) {
    auto schedule = geo::WeeklySchedule::FromProto(zone.schedule());
    if (!schedule.ok()) return fail("schedule: " + schedule.status().message());
    out.schedule = std::move(schedule).value();
  }
  return out;
}

}  // namespace stayaway::engine
