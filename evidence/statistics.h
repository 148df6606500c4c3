// Statistics of a monitoring centre over a period, computed from its signed log: how many
// orders were in force, what alerts the engine raised, how fast operators acknowledged and
// resolved them, which deadlines passed unanswered, how the centre disposed of alerts, and
// how the devices kept in touch. A ministry reads from these figures how a centre responds;
// because they are a pure function of the records under one signed checkpoint, anyone
// holding those records recomputes every figure and compares (statistics_report.h).
//
//   stayaway report --data-dir DIR --from T --to T --format json|csv|html
//   GET /v1/reports/summary?from=T&to=T
//
// THE FIGURES. The input is the history (history.h) cut at a checkpoint's tree size: only
// inputs whose leaf, and events whose leaf, is below it count. The period [from, to] is
// closed at both ends and read on the centre's clock: an event belongs to it when its
// detected_at (when the centre knew of it, the moment it could act) lies in it. So a late
// upload revealing last month's violation counts when the centre learned of it.
//
//   orders_in_force        orders in force at some instant of the period, by
//                          issuing_authority ("(not stated)" when empty). A version of an
//                          order is in effect from when the centre applied it (the centre's
//                          clock at that record, below) until the next accepted version; it
//                          is in force while in effect, active (or state unspecified) and
//                          within [valid_from, valid_until). Each order counts once,
//                          under the authority its newest version in force then names.
//   alerts_opened          alerts whose `opened` event is in the period, by the kind and
//                          certainty they opened with ("none" for kinds without certainty:
//                          SOS, tamper, communications, battery).
//   confirmed_violations   alerts that reached a confirmed violation (proximity_violation,
//                          exclusion_zone or inclusion_zone, certainty confirmed, on an
//                          opened, escalated or updated event) in the period, by kind; each
//                          alert counts once, in the period it first got there.
//   time_to_acknowledge    for the alerts opened in the period: from the detection of the
//                          opening (its detected_at) to the alert's first `acknowledged`
//                          event (its time: when the operator acted), whenever that came
//                          before the checkpoint; by the kind the alert opened with and by
//                          the credential of that acknowledgement (ack_credential, "(none)"
//                          when the record names none). count, p50, p90 and max in
//                          milliseconds, percentiles by nearest rank (the value at rank
//                          ceil(p/100 * count) of the sorted times). Alerts without an
//                          acknowledgement are counted as unacknowledged.
//   time_to_resolve        the same up to the alert's `resolved` event; by the resolving
//                          credential.
//   overdue_acknowledgements  the engine's ack_overdue events in the period (an alert still
//                          unacknowledged at its deadline), by kind.
//   resolutions            `resolved` events in the period, by disposition.
//   device_health          per device: comms_lost episodes that overlap the period and the
//                          time without communications inside it (from the device's last
//                          contact, which is the comms_lost event's time less the engine's
//                          comms_lost_ms, to the fix that ended the silence: the alert's
//                          `closed` event, or after an operator resolved it, the device's
//                          next accepted fix; a silence still going on ends at data_until),
//                          a device in several orders counted once; and strap_tamper and
//                          case_tamper events that opened in the period (once per device and
//                          time, however many orders the device is in).
//
// The centre's clock at a record is the newest of the times the records before it carry:
// tick times, accepted fixes' received times (their time when absent), and the times of
// acknowledgements, resolutions and receipts. data_until is that clock after the last
// counted record: the end of what the figures know.
//
// Pure, deterministic; thread-compatible (a Statistics is a plain value).
#ifndef STAYAWAY_EVIDENCE_STATISTICS_H_
#define STAYAWAY_EVIDENCE_STATISTICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"

namespace stayaway::evidence {

struct History;

// The signed checkpoint a report was computed against, as the report states it.
struct StatisticsCheckpoint {
  uint64_t tree_size = 0;
  std::string root_hash_hex;   // 64 lower-case hex digits
  TimeMs time_ms = 0;          // when it was signed
  std::string key_id;          // 16 hex digits (checkpoint.h)
  std::string public_key_hex;  // the Ed25519 key that signed it, 64 hex digits
  std::string signature_hex;   // 128 hex digits
};

// Response times of a group of alerts, milliseconds.
struct ResponseTimes {
  uint64_t count = 0;
  TimeMs p50_ms = 0;
  TimeMs p90_ms = 0;
  TimeMs max_ms = 0;
};

struct ResponseFigures {
  uint64_t alerts = 0;    // alerts opened in the period
  uint64_t answered = 0;  // of them, acknowledged (time_to_acknowledge) or resolved
                          // (time_to_resolve) before the checkpoint
  std::map<std::string, ResponseTimes> by_kind;        // the kind the alert opened with
  std::map<std::string, ResponseTimes> by_credential;  // who answered
};

struct DeviceHealth {
  uint64_t comms_lost_episodes = 0;  // silences overlapping the period
  TimeMs without_comms_ms = 0;       // of the period
  uint64_t strap_tampers = 0;
  uint64_t case_tampers = 0;
};

struct Statistics {
  StatisticsCheckpoint checkpoint;
  TimeMs from_ms = 0;  // the period, both ends included
  TimeMs to_ms = 0;
  // What was counted: the journal position of the first record the history holds (0, or
  // where retention cut the journal: what came before is gone and counts nowhere), records
  // and events under the checkpoint, events in the period, and the centre's clock after
  // the last counted record.
  uint64_t first_record = 0;
  uint64_t inputs = 0;
  uint64_t events = 0;
  uint64_t events_in_period = 0;
  TimeMs data_until_ms = 0;

  std::map<std::string, uint64_t> orders_in_force;                       // by issuing authority
  std::map<std::string, std::map<std::string, uint64_t>> alerts_opened;  // kind -> certainty
  std::map<std::string, uint64_t> confirmed_violations;                  // by kind
  ResponseFigures time_to_acknowledge;
  ResponseFigures time_to_resolve;
  std::map<std::string, uint64_t> overdue_acknowledgements;  // by kind
  std::map<std::string, uint64_t> resolutions;               // by disposition
  std::map<std::string, DeviceHealth> devices;               // by device id
};

// The key when a record names no issuing authority, and when an operator action names no
// credential.
inline constexpr char kNotStated[] = "(not stated)";
inline constexpr char kNoCredential[] = "(none)";

// The figures of `history` cut at `checkpoint.tree_size`, for [from_ms, to_ms];
// `comms_lost_ms` is the engine's setting the history was replayed with. The checkpoint is
// copied into the result as stated: checking it is the caller's (statistics_report.h).
// InvalidArgument when from_ms > to_ms or the tree size exceeds the history's leaves.
StatusOr<Statistics> ComputeStatistics(const History& history,
                                       const StatisticsCheckpoint& checkpoint, TimeMs from_ms,
                                       TimeMs to_ms, TimeMs comms_lost_ms);

// The value at nearest rank p (1..100) of `sorted` (ascending, not empty).
TimeMs NearestRank(const std::vector<TimeMs>& sorted, int percent);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_STATISTICS_H_
