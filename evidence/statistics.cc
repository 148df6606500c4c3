#include "evidence/statistics.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "evidence/history.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {
namespace {

using v1::Event;

constexpr TimeMs kForever = std::numeric_limits<TimeMs>::max();
constexpr TimeMs kSinceEver = std::numeric_limits<TimeMs>::min();

// The time a record carries for the centre's clock, when it carries one.
std::optional<TimeMs> ClockTimeOf(const v1::Input& input) {
  switch (input.input_case()) {
    case v1::Input::kTick:
      return TimestampToMs(input.tick().tick());
    case v1::Input::kFix:
      return TimestampToMs(input.fix().has_received() ? input.fix().received()
                                                      : input.fix().time());
    case v1::Input::kAck:
      return TimestampToMs(input.ack().time());
    case v1::Input::kResolve:
      return TimestampToMs(input.resolve().time());
    case v1::Input::kReceipt:
      return TimestampToMs(input.receipt().time());
    default:
      return std::nullopt;
  }
}

bool IsViolationKind(Event::Kind kind) {
  return kind == Event::proximity_violation || kind == Event::exclusion_zone ||
         kind == Event::inclusion_zone;
}

std::string CertaintyName(const Event& event) {
  return event.has_certainty() ? Event::Certainty_Name(event.certainty()) : "none";
}

std::string CredentialOf(const Event& event) {
  return event.ack_credential().empty() ? std::string(kNoCredential) : event.ack_credential();
}

// An order version as applied: from when, and its terms.
struct OrderVersion {
  TimeMs applied_at = kSinceEver;
  const v1::Order* terms = nullptr;
};

// What the walk remembers of one alert.
struct AlertState {
  bool opened = false;
  bool opened_in_period = false;
  TimeMs opened_at = 0;  // detected_at of its opening
  std::string kind;      // the kind it opened with
  bool acknowledged = false;
  bool resolved = false;
  bool reached_violation = false;
  // comms_lost alerts: the device and when its silence began.
  std::string device;
  TimeMs silence_start = 0;
};

// Response times collected per group.
struct TimesByGroup {
  std::map<std::string, std::vector<TimeMs>> by_kind, by_credential;
};

ResponseTimes Summarise(std::vector<TimeMs> times) {
  std::sort(times.begin(), times.end());
  ResponseTimes out;
  out.count = times.size();
  if (times.empty()) return out;
  out.p50_ms = NearestRank(times, 50);
  out.p90_ms = NearestRank(times, 90);
  out.max_ms = times.back();
  return out;
}

void Fill(const TimesByGroup& times, ResponseFigures* figures) {
  for (const auto& [kind, list] : times.by_kind) figures->by_kind[kind] = Summarise(list);
  for (const auto& [who, list] : times.by_credential) {
    figures->by_credential[who] = Summarise(list);
  }
}

// Whether [start, end) meets the closed period [from, to].
bool Meets(TimeMs start, TimeMs end, TimeMs from, TimeMs to) {
  return start < end && start <= to && end > from;
}

}  // namespace

TimeMs NearestRank(const std::vector<TimeMs>& sorted, int percent) {
  const size_t n = sorted.size();
  size_t rank = (static_cast<size_t>(percent) * n + 99) / 100;
  rank = std::clamp<size_t>(rank, 1, n);
  return sorted[rank - 1];
}

StatusOr<Statistics> ComputeStatistics(const History& history,
                                       const StatisticsCheckpoint& checkpoint, TimeMs from_ms,
                                       TimeMs to_ms, TimeMs comms_lost_ms) {
  if (from_ms > to_ms) {
    return InvalidArgument("the period's start " + FormatRfc3339(from_ms) + " is after its end " +
                           FormatRfc3339(to_ms));
  }
  if (checkpoint.tree_size > history.tree.size()) {
    return InvalidArgument("the checkpoint covers " + std::to_string(checkpoint.tree_size) +
                           " leaves but the log holds " + std::to_string(history.tree.size()));
  }
  const uint64_t size = checkpoint.tree_size;
  Statistics out;
  out.checkpoint = checkpoint;
  out.from_ms = from_ms;
  out.to_ms = to_ms;
  out.first_record = history.first_position;
  const auto in_period = [&](TimeMs t) { return t >= from_ms && t <= to_ms; };

  std::optional<TimeMs> clock;
  std::map<std::string, std::vector<OrderVersion>> orders;  // by order id, log order
  std::map<std::string, AlertState> alerts;
  TimesByGroup ack_times, resolve_times;
  // Silences by device: start -> end (nullopt while it goes on). Keyed by start, so the
  // comms_lost alerts of one silence in several orders make one episode.
  std::map<std::string, std::map<TimeMs, std::optional<TimeMs>>> silences;
  // Silences an operator resolved: they end at the device's next accepted fix.
  std::map<std::string, std::set<TimeMs>> awaiting_fix;
  std::map<std::string, std::set<TimeMs>> strap_tampers, case_tampers;  // device -> times

  for (const HistoryEntry& entry : history.entries) {
    if (entry.input_leaf >= size) break;
    ++out.inputs;
    const v1::Input& input = entry.input;
    if (input.has_order() && entry.accepted) {
      OrderVersion& version = orders[input.order().id()].emplace_back();
      version.applied_at = entry.retained ? kSinceEver : clock.value_or(kSinceEver);
      version.terms = &input.order();
    }
    if (entry.accepted) {
      if (const std::optional<TimeMs> t = ClockTimeOf(input)) {
        clock = clock ? std::max(*clock, *t) : *t;
      }
    }
    if (input.has_fix() && entry.accepted) {
      auto waiting = awaiting_fix.find(input.fix().device());
      if (waiting != awaiting_fix.end()) {
        const TimeMs received = *ClockTimeOf(input);
        auto& device_silences = silences[waiting->first];
        for (TimeMs start : waiting->second) {
          std::optional<TimeMs>& end = device_silences[start];
          if (!end) end = std::max(received, start);
        }
        awaiting_fix.erase(waiting);
      }
    }
    for (size_t i = 0; i < entry.events.size(); ++i) {
      if (entry.input_leaf + 1 + i >= size) break;
      ++out.events;
      const Event& e = entry.events[i].event();
      const TimeMs detected = TimestampToMs(e.detected_at());
      const bool now_in_period = in_period(detected);
      if (now_in_period) ++out.events_in_period;
      AlertState& alert = alerts[e.alert_id()];
      const std::string kind = Event::Kind_Name(e.kind());
      switch (e.transition()) {
        case Event::opened:
          alert.opened = true;
          alert.opened_in_period = now_in_period;
          alert.opened_at = detected;
          alert.kind = kind;
          if (now_in_period) {
            ++out.alerts_opened[kind][CertaintyName(e)];
            ++out.time_to_acknowledge.alerts;
            ++out.time_to_resolve.alerts;
            if (e.kind() == Event::strap_tamper) {
              strap_tampers[e.device()].insert(TimestampToMs(e.time()));
            }
            if (e.kind() == Event::case_tamper) {
              case_tampers[e.device()].insert(TimestampToMs(e.time()));
            }
          }
          if (e.kind() == Event::comms_lost) {
            alert.device = e.device();
            alert.silence_start = TimestampToMs(e.time()) - comms_lost_ms;
            silences[alert.device].emplace(alert.silence_start, std::nullopt);
          }
          break;
        case Event::acknowledged:
          if (alert.acknowledged) break;
          alert.acknowledged = true;
          if (alert.opened_in_period) {
            ++out.time_to_acknowledge.answered;
            const TimeMs took = std::max<TimeMs>(0, TimestampToMs(e.time()) - alert.opened_at);
            ack_times.by_kind[alert.kind].push_back(took);
            ack_times.by_credential[CredentialOf(e)].push_back(took);
          }
          break;
        case Event::resolved:
          if (now_in_period) ++out.resolutions[v1::AlertResolve::Disposition_Name(e.disposition())];
          if (alert.resolved) break;
          alert.resolved = true;
          if (alert.opened_in_period) {
            ++out.time_to_resolve.answered;
            const TimeMs took = std::max<TimeMs>(0, TimestampToMs(e.time()) - alert.opened_at);
            resolve_times.by_kind[alert.kind].push_back(took);
            resolve_times.by_credential[CredentialOf(e)].push_back(took);
          }
          if (!alert.device.empty()) {
            const std::optional<TimeMs>& end = silences[alert.device][alert.silence_start];
            if (!end) awaiting_fix[alert.device].insert(alert.silence_start);
          }
          break;
        case Event::ack_overdue:
          if (now_in_period) ++out.overdue_acknowledgements[kind];
          break;
        case Event::closed:
          // A silence ends with the fix that closed its alert; a close that a resolution
          // caused ends nothing (the device is still silent).
          if (!alert.device.empty() && !alert.resolved) {
            std::optional<TimeMs>& end = silences[alert.device][alert.silence_start];
            if (!end) end = std::max(TimestampToMs(e.time()), alert.silence_start);
          }
          break;
        default:
          break;
      }
      const bool level_event = e.transition() == Event::opened ||
                               e.transition() == Event::escalated ||
                               e.transition() == Event::updated;
      if (level_event && IsViolationKind(e.kind()) && e.has_certainty() &&
          e.certainty() == Event::confirmed && !alert.reached_violation) {
        alert.reached_violation = true;
        if (now_in_period) ++out.confirmed_violations[kind];
      }
    }
  }
  out.data_until_ms = clock.value_or(0);

  // Orders in force at some instant of the period.
  for (const auto& [id, versions] : orders) {
    const v1::Order* counted = nullptr;
    for (size_t i = 0; i < versions.size(); ++i) {
      const v1::Order& order = *versions[i].terms;
      if (order.state() != v1::Order::active && order.state() != v1::Order::state_unspecified) {
        continue;
      }
      const TimeMs effect_end = i + 1 < versions.size() ? versions[i + 1].applied_at : kForever;
      const TimeMs start =
          std::max(versions[i].applied_at,
                   order.has_valid_from() ? TimestampToMs(order.valid_from()) : kSinceEver);
      const TimeMs end = std::min(
          effect_end, order.has_valid_until() ? TimestampToMs(order.valid_until()) : kForever);
      if (Meets(start, end, from_ms, to_ms)) counted = &order;  // the newest such version
    }
    if (counted != nullptr) {
      ++out.orders_in_force[counted->issuing_authority().empty() ? kNotStated
                                                                 : counted->issuing_authority()];
    }
  }

  Fill(ack_times, &out.time_to_acknowledge);
  Fill(resolve_times, &out.time_to_resolve);

  // Device health.
  for (const auto& [device, episodes] : silences) {
    for (const auto& [start, end] : episodes) {
      const TimeMs until = std::max(start, end.value_or(out.data_until_ms));
      const TimeMs a = std::max(start, from_ms), b = std::min(until, to_ms);
      if (a > b || (a == b && start != until)) continue;  // outside, or touching an end
      DeviceHealth& health = out.devices[device];
      ++health.comms_lost_episodes;
      health.without_comms_ms += b - a;
    }
  }
  for (const auto& [device, times] : strap_tampers) {
    out.devices[device].strap_tampers = times.size();
  }
  for (const auto& [device, times] : case_tampers) {
    out.devices[device].case_tampers = times.size();
  }
  return out;
}

}  // namespace stayaway::evidence
