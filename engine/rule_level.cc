#include "engine/rule_level.h"

#include <algorithm>

namespace stayaway::engine {

Classification ClassifyProximity(double d, double u, double violation_m, double warning_m,
                                 double close_margin_m) {
  const double lower = std::max(0.0, d - u);
  const double upper = d + u;
  const bool has_warning_ring = warning_m > violation_m;
  const double outer_m = has_warning_ring ? warning_m : violation_m;
  Classification c;
  if (upper < violation_m) {
    c.level = Level::kViolationConfirmed;
  } else if (lower < violation_m) {
    c.level = Level::kViolationPossible;
  } else if (has_warning_ring && upper < warning_m) {
    c.level = Level::kWarningConfirmed;
  } else if (has_warning_ring && lower < warning_m) {
    c.level = Level::kWarningPossible;
  }
  c.clear = lower >= outer_m + close_margin_m;
  return c;
}

Classification ClassifyExclusion(double sd, double r, double b, double close_margin_m) {
  Classification c;
  if (sd + r < b) {
    c.level = Level::kViolationConfirmed;
  } else if (sd - r < b) {
    c.level = Level::kViolationPossible;
  }
  c.clear = sd - r >= b + close_margin_m;
  return c;
}

Classification ClassifyInclusion(double sd, double r, double b) {
  Classification c;
  if (sd - r > b) {
    c.level = Level::kViolationConfirmed;
  } else if (sd + r > b) {
    c.level = Level::kViolationPossible;
  }
  c.clear = sd + r <= b;
  return c;
}

}  // namespace stayaway::engine
