// The `stayaway score` command: compares the events an engine emitted for a simulated
// city (`stayaway replay` output, or `stayaway watch --format json` output) with the
// simulator's ground truth (truth.json, tools/sim/scenario_json.h), and prints a JSON
// summary: true episodes, detected, missed (listed), false alerts (listed), false alerts
// per device-day by kind and certainty, and the delays to each level (first alert at the
// episode's level, first confirmed one).
//
//   stayaway score --truth DIR/truth.json --events EVENTS.ndjson [--tolerance 5m]
//
// ## Matching, precisely
// Alerts: the events of kinds proximity_warning, proximity_violation and exclusion_zone,
// grouped by alert_id (one alert changes kind from warning to violation when it
// escalates). An alert's key is (order_id, rule); its span is [time of its first event,
// time of its `closed` event], or open-ended when it never closed; for a proximity alert
// that reached the violation kind, its violation span starts at the time of its first
// proximity_violation event instead. Times are event times (`time`), not detection times.
// An episode's window is [start - tolerance, end + tolerance] (tolerance default 5 min),
// both ends included.
//   - An alert matches a proximity_violation episode when the keys are equal and its
//     violation span intersects the episode's window; a proximity_warning or
//     exclusion_zone episode when the keys are equal and its span intersects the window.
//   - An episode is detected when at least one alert matches it; otherwise missed.
//     Its detection time is the earliest, over the matching alerts, `detected_at` of the
//     alert's first event at the episode's level (the first proximity_violation event for
//     a violation episode, the first event otherwise). Delay = max(0, detection time -
//     episode start): an alert raised before the true start (the error circles reached
//     the limit first) counts as delay 0.
//   - The confirmed delay (per kind) is the same with the first event, with its event time
//     inside the episode's window, of a matching alert at the episode's level (a
//     proximity_violation event for a violation episode) whose certainty is confirmed:
//     how long until the engine was sure of this episode. An alert already confirmed at
//     that level when the window opened (its last event before the window was) counts as
//     delay 0; a confirmation outside the window (an alert stepped down in between and
//     confirmed again for a later episode) does not count for this one. Episodes whose
//     matching alerts never were confirmed in their window are left out of it (and
//     `confirmed` counts those that were).
//   - An alert is a true alert when it matches an episode of its highest level: a
//     proximity alert that reached proximity_violation must match a violation episode,
//     one that stayed a warning must match a warning episode, a zone alert a zone
//     episode. Every other alert is a false alert (a violation claimed where the truth
//     has only a warning is false).
//   - An alert is judged at the HIGHEST level it ever reached, whatever came after: a
//     proximity alert that reached proximity_violation is a violation alert even when it
//     was later downgraded (a `downgraded` transition, or any later event of the warning
//     kind), and it is confirmed at that kind when any of its proximity_violation events
//     was confirmed. A false confirmed violation that the engine later corrected is
//     still a false confirmed violation: the operator was told it.
//   - false_alerts_confirmed counts the false alerts that were confirmed at their highest
//     kind; the rest were only ever "possible" there (the error circles straddled).
//   - false_by_kind splits the false alerts by their highest kind (proximity_violation,
//     proximity_warning, exclusion_zone) and certainty there (confirmed, possible), each
//     as a count and per device-day; false_confirmed_violations_per_device_day repeats
//     the confirmed proximity_violation rate at the top level.
//   - False alerts per device-day = false alerts / (truth devices x truth duration in
//     days).
//   - never_confirmed (per kind) = true episodes that no matching alert confirmed at the
//     episode's level, missed ones included; violation_confirmed_delay_s and
//     violations_never_confirmed repeat the proximity_violation figures at the top level;
//     unconfirmed_violations lists the detected ones among them (with the truth's limit_m
//     and closest_m, which say how far inside the limit the episode went).
//   - Percentiles are nearest-rank: p-th = the ceil(p/100 * n)-th smallest delay.
// Safety signals (truth device_events, sos and strap_tamper): alerted when an event of
// that kind for that device, opened or updated, has an event time within 1 s of the
// signalled fix's time.
//
// Exit status: 0 when scored (whatever the score), 2 for usage errors, unreadable files
// or a truth file that does not parse. Event lines that do not parse are counted in
// `unreadable_lines` and skipped. Unknown fields and enum values an engine newer than
// this scorer may write (a new transition, say) are ignored, not unreadable: the event
// still counts by its kind, certainty and times.
// Thread-safety: the functions are thread-compatible; they share no state.
#ifndef STAYAWAY_TOOLS_SCORE_COMMAND_H_
#define STAYAWAY_TOOLS_SCORE_COMMAND_H_

#include <cstdint>
#include <iosfwd>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"

namespace stayaway::tools {

struct TruthEpisodeRecord {
  std::string order;
  std::string kind;  // proximity_violation, proximity_warning, exclusion_zone
  std::string rule;
  std::string protected_person;
  std::string zone;
  TimeMs start_ms = 0;
  TimeMs end_ms = 0;
  // The rule's limit and the true closest approach (m), when the truth gives them.
  double limit_m = std::numeric_limits<double>::quiet_NaN();
  double closest_m = std::numeric_limits<double>::quiet_NaN();
};

struct TruthDeviceEvent {
  std::string order;
  std::string device;
  std::string kind;  // sos, strap_tamper
  TimeMs time_ms = 0;
};

struct Truth {
  TimeMs start_ms = 0;
  TimeMs end_ms = 0;
  uint64_t devices = 0;
  std::vector<TruthEpisodeRecord> episodes;
  std::vector<TruthDeviceEvent> device_events;
};

// Parses truth.json; InvalidArgument naming what is missing or malformed.
StatusOr<Truth> ParseTruthJson(std::string_view text);

struct DelayStats {
  uint64_t count = 0;
  double p50_s = 0;
  double p90_s = 0;
  double max_s = 0;
};

struct KindScore {
  std::string kind;
  uint64_t true_episodes = 0;
  uint64_t detected = 0;
  DelayStats delay;
  DelayStats confirmed_delay;    // over detected episodes whose alert was also confirmed
  uint64_t never_confirmed = 0;  // true_episodes - confirmed_delay.count (missed included)
};

struct FalseAlert {
  std::string alert_id;
  std::string order;
  std::string kind;  // the highest kind it reached
  std::string rule;
  TimeMs opened_ms = 0;
  bool confirmed = false;  // confirmed at its highest kind (else only ever possible there)
};

// False alerts of one kind (their highest), split by certainty at that kind.
struct FalseByKind {
  std::string kind;
  uint64_t confirmed = 0;
  uint64_t possible = 0;
  double confirmed_per_device_day = 0;
  double possible_per_device_day = 0;
};

struct ScoreReport {
  TimeMs tolerance_ms = 0;
  uint64_t true_episodes = 0;
  uint64_t detected = 0;
  std::vector<TruthEpisodeRecord> missed;
  // True violation episodes detected (a possible violation) but never confirmed.
  std::vector<TruthEpisodeRecord> unconfirmed_violations;
  std::vector<KindScore> by_kind;  // proximity_violation, proximity_warning, exclusion_zone
  uint64_t alerts = 0;             // distinct proximity and zone alerts
  std::vector<FalseAlert> false_alerts;
  uint64_t devices = 0;
  double device_days = 0;
  double false_alerts_per_device_day = 0;
  std::vector<FalseByKind> false_by_kind;  // the three kinds, in by_kind's order
  double false_confirmed_violations_per_device_day = 0;
  DelayStats delay;  // over every detected episode
  uint64_t device_events = 0;
  uint64_t device_events_alerted = 0;
  std::vector<TruthDeviceEvent> device_events_missed;
  uint64_t events_read = 0;
  uint64_t unreadable_lines = 0;
};

// Scores the events of `events` (one JSON event per line) against `truth`.
ScoreReport ScoreEvents(const Truth& truth, std::istream& events, TimeMs tolerance_ms);

// The report as one JSON object (with a trailing newline); lists of false alerts are cut
// after 100 entries (false_alerts keeps the full count).
std::string ScoreReportToJson(const ScoreReport& report);

int RunScoreCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);
void PrintScoreUsage(std::ostream& out);

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_SCORE_COMMAND_H_
