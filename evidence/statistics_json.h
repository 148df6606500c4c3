// The statistics report as JSON (statistics.h says what each figure is): canonical text
// written by our own code, byte for byte the same for the same figures, so that whoever
// recomputes a report from the same records compares bytes (statistics_report.h).
//
// Canonical form: UTF-8, two-space indentation, one member per line, members of each
// object in the fixed order below, the members of a table (by kind, by device, ...) sorted
// by their key's bytes, integers in decimal, hours with exactly two decimals, times in
// RFC 3339 UTC with milliseconds only when not whole seconds, a final newline.
//
//   {
//     "format": "stayaway-statistics-1",
//     "period": {"from", "to"},
//     "checkpoint": {"tree_size", "root_hash", "time", "key_id", "public_key", "signature"},
//     "counted": {"first_record", "inputs", "events", "events_in_period", "data_until"},
//     "orders_in_force": {"total", "by_issuing_authority": {authority: n}},
//     "alerts_opened": {"total", "by_kind": {kind: {certainty: n}}},
//     "confirmed_violations": {"total", "by_kind": {kind: n}},
//     "time_to_acknowledge": {"alerts", "acknowledged", "unacknowledged",
//                             "by_kind": {kind: {"count", "p50_ms", "p90_ms", "max_ms"}},
//                             "by_credential": {credential: {...}}},
//     "time_to_resolve": {"alerts", "resolved", "unresolved", "by_kind", "by_credential"},
//     "overdue_acknowledgements": {"total", "by_kind": {kind: n}},
//     "resolutions": {"total", "by_disposition": {disposition: n}},
//     "device_health": {"devices", "comms_lost_episodes", "hours_without_comms",
//                       "strap_tampers", "case_tampers",
//                       "by_device": {device: {"comms_lost_episodes", "without_comms_ms",
//                                              "hours_without_comms", "strap_tampers",
//                                              "case_tampers"}}}
//   }
//
// Pure; thread-safe.
#ifndef STAYAWAY_EVIDENCE_STATISTICS_JSON_H_
#define STAYAWAY_EVIDENCE_STATISTICS_JSON_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "evidence/statistics.h"

namespace stayaway::evidence {

inline constexpr char kStatisticsFormat[] = "stayaway-statistics-1";

std::string StatisticsJson(const Statistics& statistics);

// Hours with two decimals ("1.25"), rounded half up from milliseconds (>= 0).
std::string HoursText(TimeMs ms);

// What a report says it was computed against: its period and its checkpoint.
struct StatedReport {
  TimeMs from_ms = 0;
  TimeMs to_ms = 0;
  StatisticsCheckpoint checkpoint;
};

// Reads the period and checkpoint of a report's JSON. InvalidArgument naming the member
// that is missing or malformed, or a format other than kStatisticsFormat.
StatusOr<StatedReport> ReadStatedReport(std::string_view json);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_STATISTICS_JSON_H_
