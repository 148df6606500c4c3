// Levels of concern and the uncertainty-aware comparisons that produce them.
//
// A rule's evaluation yields a Level (how bad, how certain) and whether it is clear enough
// to close an open alert. The comparisons are the ones documented in engine.h; all
// distances are metres, all comparisons strict as written. Pure functions, thread-safe.
#ifndef STAYAWAY_ENGINE_RULE_LEVEL_H_
#define STAYAWAY_ENGINE_RULE_LEVEL_H_

#include <cstdint>

namespace stayaway::engine {

// Ordered from harmless to worst; an alert moves up this scale when a level is corroborated
// and down it when a lower one is (rule_tracker.h).
enum class Level : uint8_t {
  kNone = 0,
  kWarningPossible = 1,
  kWarningConfirmed = 2,
  kViolationPossible = 3,
  kViolationConfirmed = 4,
};

inline bool IsViolation(Level level) { return level >= Level::kViolationPossible; }
inline bool IsConfirmed(Level level) {
  return level == Level::kWarningConfirmed || level == Level::kViolationConfirmed;
}

struct Classification {
  Level level = Level::kNone;
  bool clear = true;  // far enough from every limit to close an open alert
};

// Proximity between two positions d metres apart with combined radius u = ra + rb:
// violation ring violation_m, warning ring warning_m (<= violation_m: no warning ring).
// Clear when d - u >= max(violation_m, warning_m) + close_margin_m.
Classification ClassifyProximity(double d, double u, double violation_m, double warning_m,
                                 double close_margin_m);

// Exclusion zone: signed distance sd to the zone (< 0 inside), fix radius r, buffer b.
// Violation confirmed when sd + r < b, possible when sd - r < b <= sd + r;
// clear when sd - r >= b + close_margin_m.
Classification ClassifyExclusion(double sd, double r, double b, double close_margin_m);

// Inclusion zone with tolerance b: violation confirmed when sd - r > b, possible when
// sd - r <= b < sd + r; clear when sd + r <= b.
Classification ClassifyInclusion(double sd, double r, double b);

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_RULE_LEVEL_H_
