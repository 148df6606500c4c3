#include "engine/engine_config.h"

#include <cmath>
#include <string>
#include <tuple>
#include <utility>

#include "proto/stayaway.pb.h"

namespace stayaway::engine {
namespace {

// Takes `value` over `*field` when it is set (non-zero); refuses negative or NaN values.
Status TakeDouble(const char* name, double value, double* field) {
  if (std::isnan(value) || value < 0 || std::isinf(value)) {
    return InvalidArgument(std::string(name) + " must be a finite number >= 0");
  }
  if (value > 0) *field = value;
  return Status::Ok();
}

template <typename Int, typename Field>
void TakeInt(Int value, Field* field) {
  if (value > 0) *field = static_cast<Field>(value);
}

}  // namespace

StatusOr<EngineSettings> ResolveSettings(const v1::EngineConfig& config) {
  EngineSettings s;
  for (const auto& [rule, field] : {
           std::pair{&config.proximity_warning(), &s.proximity_warning},
           std::pair{&config.proximity_violation(), &s.proximity_violation},
           std::pair{&config.exclusion_zone(), &s.exclusion_zone},
           std::pair{&config.inclusion_zone(), &s.inclusion_zone},
       }) {
    TakeInt(rule->confirm_fixes(), &field->confirm_fixes);
    TakeInt(rule->dwell_ms(), &field->dwell_ms);
  }
  for (const auto& [name, value, field] : {
           std::tuple{"close_margin_m", config.close_margin_m(), &s.close_margin_m},
           std::tuple{"update_step_m", config.update_step_m(), &s.update_step_m},
           std::tuple{"stale_growth_mps", config.stale_growth_mps(), &s.stale_growth_mps},
           std::tuple{"max_plausible_speed_mps", config.max_plausible_speed_mps(),
                      &s.max_plausible_speed_mps},
           std::tuple{"coarse_accuracy_m", config.coarse_accuracy_m(), &s.coarse_accuracy_m},
           std::tuple{"low_battery_pct", config.low_battery_pct(), &s.low_battery_pct},
           std::tuple{"battery_clear_margin_pct", config.battery_clear_margin_pct(),
                      &s.battery_clear_margin_pct},
           std::tuple{"max_accuracy_m", config.max_accuracy_m(), &s.max_accuracy_m},
       }) {
    Status status = TakeDouble(name, value, field);
    if (!status.ok()) return status;
  }
  TakeInt(config.counterpart_stale_ms(), &s.counterpart_stale_ms);
  TakeInt(config.max_interpolation_gap_ms(), &s.max_interpolation_gap_ms);
  TakeInt(config.comms_lost_ms(), &s.comms_lost_ms);
  TakeInt(config.location_lost_ms(), &s.location_lost_ms);
  TakeInt(config.late_after_ms(), &s.late_after_ms);
  TakeInt(config.history_fixes(), &s.history_fixes);
  TakeInt(config.max_future_ms(), &s.max_future_ms);
  if (s.history_fixes < 2) return InvalidArgument("history_fixes must be at least 2");
  return s;
}

}  // namespace stayaway::engine
