// CompiledZone: one zone of an order (or a global shelter) made ready for evaluation: its
// validated shape, kind, buffer and schedule, plus the rule comparisons of engine.h.
// Thread-compatible (ZoneShape owns a GEOS context).
#ifndef STAYAWAY_ENGINE_COMPILED_ZONE_H_
#define STAYAWAY_ENGINE_COMPILED_ZONE_H_

#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "base/time.h"
#include "engine/rule_level.h"
#include "geo/weekly_schedule.h"
#include "geo/zone_shape.h"

namespace stayaway::v1 {
class Zone;
}

namespace stayaway::engine {

struct CompiledZone {
  std::string id;
  bool exclusion = true;  // false: inclusion
  double buffer_m = 0;
  std::unique_ptr<geo::ZoneShape> shape;
  std::optional<geo::WeeklySchedule> schedule;

  bool AppliesAt(TimeMs t) const { return !schedule || schedule->IsActive(t); }
  // Classifies a position with accuracy radius r at time t (see engine.h); fills the
  // signed distance. Outside the schedule: level none and clear.
  Classification Classify(geo::LatLng p, double r, TimeMs t, double close_margin_m,
                          geo::ZoneDistance* distance) const;
};

// Validates and compiles a zone; `context` prefixes error messages ("zones[1] (home)").
StatusOr<CompiledZone> CompileZone(const v1::Zone& zone, const std::string& context);

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_COMPILED_ZONE_H_
