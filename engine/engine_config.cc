#include "engine/engine_config.h"

#include <cmath>
#include <map>
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

std::array<TimeMs, EngineSettings::kKinds> EngineSettings::DefaultAckDeadlines(bool possible) {
  std::array<TimeMs, kKinds> deadlines;
  deadlines.fill(15 * 60'000);
  for (v1::Event::Kind urgent :
       {v1::Event::proximity_violation, v1::Event::exclusion_zone, v1::Event::inclusion_zone,
        v1::Event::sos, v1::Event::strap_tamper, v1::Event::case_tamper,
        v1::Event::body_contact_lost, v1::Event::jamming, v1::Event::protected_location_unknown}) {
    deadlines[static_cast<size_t>(urgent)] = possible ? 5 * 60'000 : 2 * 60'000;
  }
  deadlines[0] = 0;
  return deadlines;
}

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
  // "kind" or "kind/possible" -> deadline in ms; 0 turns the deadline off.
  // Sorted, so "sos" is applied before the more specific "sos/possible".
  const std::map<std::string, uint64_t> deadlines(config.ack_deadline_ms().begin(),
                                                  config.ack_deadline_ms().end());
  for (const auto& [key, ms] : deadlines) {
    const size_t slash = key.find('/');
    const std::string kind_name = key.substr(0, slash);
    const std::string severity = slash == std::string::npos ? "" : key.substr(slash + 1);
    v1::Event::Kind kind;
    if (!v1::Event::Kind_Parse(kind_name, &kind) || kind == v1::Event::kind_unspecified) {
      return InvalidArgument("ack_deadline_ms: unknown alert kind \"" + kind_name + "\"");
    }
    if (severity != "" && severity != "possible" && severity != "confirmed") {
      return InvalidArgument("ack_deadline_ms: severity must be possible or confirmed in \"" +
                             key + "\"");
    }
    const auto k = static_cast<size_t>(kind);
    if (severity != "possible") s.ack_deadline_confirmed_ms[k] = static_cast<TimeMs>(ms);
    if (severity != "confirmed") s.ack_deadline_possible_ms[k] = static_cast<TimeMs>(ms);
  }
  return s;
}

}  // namespace stayaway::engine
