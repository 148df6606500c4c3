// EngineSettings: every threshold the rules use, resolved from the v1::EngineConfig
// message (a field left at 0 takes the default written here). Plain value, thread-safe.
#ifndef STAYAWAY_ENGINE_ENGINE_CONFIG_H_
#define STAYAWAY_ENGINE_ENGINE_CONFIG_H_

#include <array>
#include <cstdint>

#include "base/status.h"
#include "base/time.h"

namespace stayaway::v1 {
class EngineConfig;
}

namespace stayaway::engine {

// How a level is corroborated (engine.h, "Corroboration"): this many distinct fixes of
// the side that moved into it, or two of them at least dwell_ms apart (event time; 0: off).
// Also how long a lower level must be borne out before an alert is downgraded.
struct Debounce {
  uint32_t confirm_fixes;
  TimeMs dwell_ms;
};

struct EngineSettings {
  // Debounce per alert kind. A proximity level uses the one of its kind (warning or
  // violation). Defaults: {2 fixes, 30 s} each.
  Debounce proximity_warning{2, 30'000};
  Debounce proximity_violation{2, 30'000};
  Debounce exclusion_zone{2, 30'000};
  Debounce inclusion_zone{2, 30'000};
  void SetProximityDebounce(Debounce d) { proximity_warning = proximity_violation = d; }
  // An open proximity or zone alert closes only when the distance's lower bound clears the
  // limit by this much. Default: 50 m.
  double close_margin_m = 50;
  // An `updated` event needs the closest approach to improve by this much, so a pursuit at
  // driving speed does not turn every fix into an event. Default: 100 m.
  double update_step_m = 100;
  // A counterpart position older than this (relative to the evaluated event time) is
  // unknown: the order raises protected_location_unknown / supervised_location_unknown.
  // A person who has never reported gets the same patience, counted from the first
  // evaluation that looked for them. Default: 10 min.
  TimeMs counterpart_stale_ms = 10 * 60'000;
  // Bracketing fixes further apart than this are not interpolated. Default: 5 min.
  TimeMs max_interpolation_gap_ms = 5 * 60'000;
  // An older counterpart position grows its accuracy radius at this speed, or at its own
  // reported speed when higher. Default: 2 m/s (brisk walking).
  double stale_growth_mps = 2.0;
  // Movement faster than this between fixes (after accuracy) marks a fix suspect.
  // Default: 70 m/s (252 km/h).
  double max_plausible_speed_mps = 70;
  // No fix received for this long (tick-driven): comms_lost. Default: 10 min.
  TimeMs comms_lost_ms = 10 * 60'000;
  // Fixes coarser than this (or from cell towers) do not count as a location. Default: 200 m.
  double coarse_accuracy_m = 200;
  // Only coarse fixes for this long: location_lost. Default: 5 min.
  TimeMs location_lost_ms = 5 * 60'000;
  // Battery below this: low_battery; it closes at low_battery_pct + clear margin.
  // Defaults: 15 %, 5 %.
  double low_battery_pct = 15;
  double battery_clear_margin_pct = 5;
  // A situation detected this long after its event time is reported as late. Default: 2 min.
  TimeMs late_after_ms = 2 * 60'000;
  // Fixes kept per person for interpolation and late evaluation. Default: 16.
  uint32_t history_fixes = 16;
  // Fixes whose accuracy radius exceeds this are refused. Default: 50 km.
  double max_accuracy_m = 50'000;
  // Fixes whose event time is this far after their received time are refused. Default: 5 min.
  TimeMs max_future_ms = 5 * 60'000;

  // Acknowledgement deadlines, counted from the detection of an alert's opening (or of an
  // escalation to a kind with a tighter deadline). An alert still unacknowledged then gets
  // an `ack_overdue` event. Indexed by v1::Event::Kind, for confirmed alerts (and alerts
  // without certainty) and for possible ones; 0 means no deadline. Defaults: 2 min
  // (possible: 5 min) for violations, zones, SOS, tamper, jamming and an unseen protected
  // person; 15 min for everything else.
  static constexpr int kKinds = 16;
  std::array<TimeMs, kKinds> ack_deadline_confirmed_ms = DefaultAckDeadlines(false);
  std::array<TimeMs, kKinds> ack_deadline_possible_ms = DefaultAckDeadlines(true);

  static std::array<TimeMs, kKinds> DefaultAckDeadlines(bool possible);
};

// Takes every non-zero field of `config` over the defaults; refuses negative or NaN values.
StatusOr<EngineSettings> ResolveSettings(const v1::EngineConfig& config);

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_ENGINE_CONFIG_H_
