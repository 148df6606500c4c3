#include "tools/score_command.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <istream>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <tuple>
#include <utility>

#include "proto/stayaway.pb.h"
#include "tools/command_line.h"
#include "tools/sim/scenario_json.h"
#include "tools/simulate_command.h"

namespace stayaway::tools {
namespace {

namespace pb = google::protobuf;

constexpr int kOk = 0;
constexpr int kUsage = 2;
constexpr TimeMs kNever = std::numeric_limits<TimeMs>::max();
constexpr TimeMs kDeviceEventSlackMs = 1000;
constexpr size_t kMaxListed = 100;

const pb::Value* Field(const pb::Struct& s, const char* name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? nullptr : &it->second;
}

bool GetString(const pb::Struct& s, const char* name, std::string* out) {
  const pb::Value* v = Field(s, name);
  if (v == nullptr || v->kind_case() != pb::Value::kStringValue) return false;
  *out = v->string_value();
  return true;
}

void GetNumber(const pb::Struct& s, const char* name, double* out) {
  const pb::Value* v = Field(s, name);
  if (v != nullptr && v->kind_case() == pb::Value::kNumberValue) *out = v->number_value();
}

bool GetTime(const pb::Struct& s, const char* name, TimeMs* out) {
  std::string text;
  pb::Timestamp ts;
  if (!GetString(s, name, &text) || !pb::util::TimeUtil::FromString(text, &ts)) return false;
  *out = TimestampToMs(ts);
  return true;
}

// One proximity or zone alert, folded from its events.
struct Alert {
  std::string order;
  std::string rule;
  bool zone = false;
  TimeMs first_ms = kNever;           // event time of its first event
  TimeMs first_detected_ms = kNever;  // detected_at of its first event
  TimeMs violation_ms = kNever;       // event time of its first proximity_violation event
  TimeMs violation_detected_ms = kNever;
  TimeMs closed_ms = kNever;
  TimeMs confirmed_detected_ms = kNever;            // detected_at of its first confirmed event
  TimeMs violation_confirmed_detected_ms = kNever;  // ... of its first confirmed violation
  bool confirmed = false;                           // some event was confirmed
  bool violation_confirmed = false;                 // some proximity_violation event was confirmed
  // The alert's level after each of its level-setting events, in stream order: a level
  // can be confirmed, stepped down and confirmed again within one alert.
  struct Mark {
    TimeMs time = 0;
    TimeMs detected = 0;
    bool violation = false;  // kind proximity_violation
    bool confirmed = false;
  };
  std::vector<Mark> marks;
};

// When `a` was first seen confirmed at the episode's level (a violation, for a violation
// episode) within the window [w0, w1] of event time: detected_at of the first such event in
// the window, or `already` when the alert was confirmed at that level when the window
// opened; kNever when neither.
TimeMs ConfirmedWithin(const Alert& a, bool violation, TimeMs w0, TimeMs w1, TimeMs already) {
  auto at_level = [&](const Alert::Mark& m) { return m.confirmed && (!violation || m.violation); };
  const Alert::Mark* before = nullptr;
  TimeMs first = kNever;
  for (const Alert::Mark& m : a.marks) {
    if (m.time < w0) {
      if (before == nullptr || m.time >= before->time) before = &m;
    } else if (m.time <= w1 && at_level(m)) {
      first = std::min(first, m.detected);
    }
  }
  if (before != nullptr && at_level(*before)) return already;
  return first;
}

bool Intersects(TimeMs a0, TimeMs a1, TimeMs b0, TimeMs b1) { return a0 <= b1 && b0 <= a1; }

DelayStats Summarize(std::vector<TimeMs> delays) {
  DelayStats stats;
  stats.count = delays.size();
  if (delays.empty()) return stats;
  std::sort(delays.begin(), delays.end());
  auto rank = [&](double p) {
    const auto k = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(delays.size())));
    return static_cast<double>(delays[std::max<size_t>(k, 1) - 1]) / 1000.0;
  };
  stats.p50_s = rank(50);
  stats.p90_s = rank(90);
  stats.max_s = static_cast<double>(delays.back()) / 1000.0;
  return stats;
}

std::optional<v1::Event> ParseEventLine(const std::string& line) {
  // ignore_unknown_fields also lets an unknown enum value through (the field keeps its
  // default): a transition newer than this scorer, such as "downgraded", leaves the
  // event readable with its kind, certainty and times (ScoreTest checks it).
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  v1::Event event;
  if (pb::util::JsonStringToMessage(line, &event, options).ok() && !event.alert_id().empty()) {
    return event;
  }
  v1::EventRecord record;  // `stayaway watch --format json`: {"seq": N, "event": {...}}
  if (pb::util::JsonStringToMessage(line, &record, options).ok() &&
      !record.event().alert_id().empty()) {
    return record.event();
  }
  return std::nullopt;
}

// A number with up to `decimals` decimals, trailing zeros dropped.
std::string Num(double v, int decimals = 3) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, v);
  std::string s = buffer;
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// Rates per device-day: the targets are in thousandths, so six decimals.
std::string Rate(double v) { return Num(v, 6); }

std::string DelayJson(const DelayStats& d) {
  if (d.count == 0) return "{\"p50\": null, \"p90\": null, \"max\": null}";
  return "{\"p50\": " + Num(d.p50_s) + ", \"p90\": " + Num(d.p90_s) + ", \"max\": " + Num(d.max_s) +
         "}";
}

std::string EpisodeJson(const TruthEpisodeRecord& e) {
  std::string json = "{\"order\": " + sim::JsonQuote(e.order) +
                     ", \"kind\": " + sim::JsonQuote(e.kind) +
                     ", \"rule\": " + sim::JsonQuote(e.rule) +
                     ", \"start\": " + sim::JsonQuote(FormatRfc3339(e.start_ms)) +
                     ", \"end\": " + sim::JsonQuote(FormatRfc3339(e.end_ms));
  if (!std::isnan(e.limit_m)) json += ", \"limit_m\": " + Num(e.limit_m);
  if (!std::isnan(e.closest_m)) json += ", \"closest_m\": " + Num(e.closest_m);
  return json + "}";
}

}  // namespace

StatusOr<Truth> ParseTruthJson(std::string_view text) {
  pb::Struct root;
  if (!pb::util::JsonStringToMessage(std::string(text), &root).ok()) {
    return InvalidArgument("truth: not a JSON object");
  }
  Truth truth;
  const pb::Value* devices = Field(root, "devices");
  if (!GetTime(root, "start", &truth.start_ms) || !GetTime(root, "end", &truth.end_ms) ||
      devices == nullptr || devices->kind_case() != pb::Value::kNumberValue ||
      truth.end_ms <= truth.start_ms) {
    return InvalidArgument("truth: needs start, end (RFC 3339, end after start) and devices");
  }
  truth.devices = static_cast<uint64_t>(devices->number_value());
  const pb::Value* episodes = Field(root, "episodes");
  if (episodes == nullptr || episodes->kind_case() != pb::Value::kListValue) {
    return InvalidArgument("truth: needs an episodes array");
  }
  for (int i = 0; i < episodes->list_value().values_size(); ++i) {
    const pb::Value& v = episodes->list_value().values(i);
    TruthEpisodeRecord e;
    if (v.kind_case() != pb::Value::kStructValue ||
        !GetString(v.struct_value(), "order", &e.order) ||
        !GetString(v.struct_value(), "kind", &e.kind) ||
        !GetString(v.struct_value(), "rule", &e.rule) ||
        !GetTime(v.struct_value(), "start", &e.start_ms) ||
        !GetTime(v.struct_value(), "end", &e.end_ms)) {
      return InvalidArgument("truth: episodes[" + std::to_string(i) +
                             "] needs order, kind, rule, start and end");
    }
    GetString(v.struct_value(), "protected", &e.protected_person);
    GetString(v.struct_value(), "zone", &e.zone);
    GetNumber(v.struct_value(), "limit_m", &e.limit_m);
    GetNumber(v.struct_value(), "closest_m", &e.closest_m);
    truth.episodes.push_back(std::move(e));
  }
  if (const pb::Value* events = Field(root, "device_events");
      events != nullptr && events->kind_case() == pb::Value::kListValue) {
    for (int i = 0; i < events->list_value().values_size(); ++i) {
      const pb::Value& v = events->list_value().values(i);
      TruthDeviceEvent e;
      if (v.kind_case() != pb::Value::kStructValue ||
          !GetString(v.struct_value(), "order", &e.order) ||
          !GetString(v.struct_value(), "device", &e.device) ||
          !GetString(v.struct_value(), "kind", &e.kind) ||
          !GetTime(v.struct_value(), "time", &e.time_ms)) {
        return InvalidArgument("truth: device_events[" + std::to_string(i) +
                               "] needs order, device, kind and time");
      }
      truth.device_events.push_back(std::move(e));
    }
  }
  return truth;
}

ScoreReport ScoreEvents(const Truth& truth, std::istream& events, TimeMs tolerance_ms) {
  ScoreReport report;
  report.tolerance_ms = tolerance_ms;
  std::map<std::string, Alert> alerts;  // by alert id
  // Safety-signal events: (device, kind) -> event times of opened/updated events.
  std::map<std::pair<std::string, std::string>, std::vector<TimeMs>> signals;

  std::string line;
  while (std::getline(events, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::optional<v1::Event> event = ParseEventLine(line);
    if (!event) {
      ++report.unreadable_lines;
      continue;
    }
    ++report.events_read;
    const v1::Event::Kind kind = event->kind();
    const TimeMs t = TimestampToMs(event->time());
    if (kind == v1::Event::sos || kind == v1::Event::strap_tamper) {
      if (event->transition() == v1::Event::opened || event->transition() == v1::Event::updated) {
        signals[{event->device(), v1::Event::Kind_Name(kind)}].push_back(t);
      }
      continue;
    }
    if (kind != v1::Event::proximity_warning && kind != v1::Event::proximity_violation &&
        kind != v1::Event::exclusion_zone) {
      continue;
    }
    if (event->transition() == v1::Event::acknowledged ||
        event->transition() == v1::Event::ack_overdue ||
        event->transition() == v1::Event::resolved || event->transition() == v1::Event::received) {
      continue;  // operator actions and deadlines, not readings
    }
    Alert& alert = alerts[event->alert_id()];
    alert.order = event->order_id();
    alert.rule = event->rule();
    alert.zone = kind == v1::Event::exclusion_zone;
    const TimeMs detected = TimestampToMs(event->detected_at());
    if (alert.first_ms == kNever) {
      alert.first_ms = t;
      alert.first_detected_ms = detected;
    }
    if (kind == v1::Event::proximity_violation && alert.violation_ms == kNever) {
      alert.violation_ms = t;
      alert.violation_detected_ms = detected;
    }
    if (event->transition() == v1::Event::closed) alert.closed_ms = t;
    if (event->transition() != v1::Event::closed) {
      alert.marks.push_back({t, detected, kind == v1::Event::proximity_violation,
                             event->has_certainty() && event->certainty() == v1::Event::confirmed});
    }
    if (event->has_certainty() && event->certainty() == v1::Event::confirmed) {
      alert.confirmed = true;
      alert.confirmed_detected_ms = std::min(alert.confirmed_detected_ms, detected);
      if (kind == v1::Event::proximity_violation) {
        alert.violation_confirmed = true;
        alert.violation_confirmed_detected_ms =
            std::min(alert.violation_confirmed_detected_ms, detected);
      }
    }
  }

  // Alerts by key, for matching.
  std::map<std::pair<std::string, std::string>, std::vector<const Alert*>> by_key;
  for (const auto& [id, alert] : alerts) by_key[{alert.order, alert.rule}].push_back(&alert);
  std::map<const Alert*, bool> true_alert;

  const char* const kKinds[] = {"proximity_violation", "proximity_warning", "exclusion_zone"};
  std::map<std::string, std::vector<TimeMs>> delays_by_kind, confirmed_delays_by_kind;
  std::map<std::string, KindScore> kind_scores;
  std::vector<TimeMs> all_delays;
  for (const TruthEpisodeRecord& e : truth.episodes) {
    KindScore& ks = kind_scores[e.kind];
    ++ks.true_episodes;
    ++report.true_episodes;
    const TimeMs w0 = e.start_ms - tolerance_ms, w1 = e.end_ms + tolerance_ms;
    const bool violation = e.kind == "proximity_violation";
    TimeMs detection = kNever, confirmation = kNever;
    auto it = by_key.find({e.order, e.rule});
    if (it != by_key.end()) {
      for (const Alert* a : it->second) {
        const TimeMs from = violation ? a->violation_ms : a->first_ms;
        if (from == kNever || !Intersects(from, a->closed_ms, w0, w1)) continue;
        detection =
            std::min(detection, violation ? a->violation_detected_ms : a->first_detected_ms);
        confirmation = std::min(confirmation, ConfirmedWithin(*a, violation, w0, w1, e.start_ms));
        // True at its highest level: violation alerts by violation episodes, warning-only
        // alerts by warning episodes, zone alerts by zone episodes.
        const bool highest_violation = a->violation_ms != kNever;
        if ((violation && highest_violation) ||
            (e.kind == "proximity_warning" && !highest_violation && !a->zone) ||
            (e.kind == "exclusion_zone" && a->zone)) {
          true_alert[a] = true;
        }
      }
    }
    if (detection == kNever) {
      report.missed.push_back(e);
      continue;
    }
    ++ks.detected;
    ++report.detected;
    const TimeMs delay = std::max<TimeMs>(0, detection - e.start_ms);
    delays_by_kind[e.kind].push_back(delay);
    if (confirmation != kNever) {
      confirmed_delays_by_kind[e.kind].push_back(std::max<TimeMs>(0, confirmation - e.start_ms));
    } else if (violation) {
      report.unconfirmed_violations.push_back(e);
    }
    all_delays.push_back(delay);
  }
  for (const char* kind : kKinds) {
    KindScore ks = kind_scores[kind];
    ks.kind = kind;
    ks.delay = Summarize(delays_by_kind[kind]);
    ks.confirmed_delay = Summarize(confirmed_delays_by_kind[kind]);
    ks.never_confirmed = ks.true_episodes - ks.confirmed_delay.count;
    report.by_kind.push_back(ks);
  }
  report.delay = Summarize(all_delays);

  report.alerts = alerts.size();
  for (const auto& [id, alert] : alerts) {
    if (true_alert.count(&alert)) continue;
    report.false_alerts.push_back(FalseAlert{
        id, alert.order,
        alert.zone ? "exclusion_zone"
                   : (alert.violation_ms != kNever ? "proximity_violation" : "proximity_warning"),
        alert.rule, alert.first_ms,
        alert.violation_ms != kNever ? alert.violation_confirmed : alert.confirmed});
  }
  std::sort(report.false_alerts.begin(), report.false_alerts.end(),
            [](const FalseAlert& a, const FalseAlert& b) {
              return std::tie(a.opened_ms, a.alert_id) < std::tie(b.opened_ms, b.alert_id);
            });
  report.devices = truth.devices;
  report.device_days = static_cast<double>(truth.devices) *
                       static_cast<double>(truth.end_ms - truth.start_ms) / 86'400'000.0;
  auto per_device_day = [&](uint64_t n) {
    return report.device_days > 0 ? static_cast<double>(n) / report.device_days : 0;
  };
  report.false_alerts_per_device_day = per_device_day(report.false_alerts.size());
  for (const char* kind : kKinds) {
    FalseByKind f;
    f.kind = kind;
    for (const FalseAlert& a : report.false_alerts) {
      if (a.kind != kind) continue;
      ++(a.confirmed ? f.confirmed : f.possible);
    }
    f.confirmed_per_device_day = per_device_day(f.confirmed);
    f.possible_per_device_day = per_device_day(f.possible);
    report.false_by_kind.push_back(f);
  }
  report.false_confirmed_violations_per_device_day =
      report.false_by_kind[0].confirmed_per_device_day;

  for (const TruthDeviceEvent& d : truth.device_events) {
    ++report.device_events;
    bool alerted = false;
    auto it = signals.find({d.device, d.kind});
    if (it != signals.end()) {
      for (TimeMs t : it->second)
        alerted = alerted || std::llabs(t - d.time_ms) <= kDeviceEventSlackMs;
    }
    if (alerted) {
      ++report.device_events_alerted;
    } else {
      report.device_events_missed.push_back(d);
    }
  }
  return report;
}

std::string ScoreReportToJson(const ScoreReport& r) {
  std::ostringstream out;
  out << "{\"tolerance_s\": " << Num(static_cast<double>(r.tolerance_ms) / 1000.0)
      << ", \"true_episodes\": " << r.true_episodes << ", \"detected\": " << r.detected
      << ", \"missed\": " << r.missed.size() << ",\n \"by_kind\": {";
  for (size_t i = 0; i < r.by_kind.size(); ++i) {
    const KindScore& k = r.by_kind[i];
    out << (i == 0 ? "" : ", ") << sim::JsonQuote(k.kind) << ": {\"true\": " << k.true_episodes
        << ", \"detected\": " << k.detected << ", \"missed\": " << k.true_episodes - k.detected
        << ", \"delay_s\": " << DelayJson(k.delay) << ", \"confirmed\": " << k.confirmed_delay.count
        << ", \"confirmed_delay_s\": " << DelayJson(k.confirmed_delay)
        << ", \"never_confirmed\": " << k.never_confirmed << "}";
  }
  out << "},\n \"violation_confirmed_delay_s\": " << DelayJson(r.by_kind[0].confirmed_delay)
      << ", \"violations_never_confirmed\": " << r.by_kind[0].never_confirmed;
  out << ",\n \"missed_episodes\": [";
  for (size_t i = 0; i < r.missed.size(); ++i) {
    out << (i == 0 ? "" : ",\n   ") << EpisodeJson(r.missed[i]);
  }
  out << "],\n \"unconfirmed_violations\": [";
  for (size_t i = 0; i < r.unconfirmed_violations.size(); ++i) {
    out << (i == 0 ? "" : ",\n   ") << EpisodeJson(r.unconfirmed_violations[i]);
  }
  out << "],\n \"alerts\": " << r.alerts << ", \"false_alerts\": " << r.false_alerts.size()
      << ", \"false_alerts_confirmed\": "
      << std::count_if(r.false_alerts.begin(), r.false_alerts.end(),
                       [](const FalseAlert& f) { return f.confirmed; })
      << ", \"devices\": " << r.devices << ", \"device_days\": " << Num(r.device_days)
      << ", \"false_alerts_per_device_day\": " << Rate(r.false_alerts_per_device_day)
      << ",\n \"false_confirmed_violations_per_device_day\": "
      << Rate(r.false_confirmed_violations_per_device_day) << ",\n \"false_by_kind\": {";
  for (size_t i = 0; i < r.false_by_kind.size(); ++i) {
    const FalseByKind& f = r.false_by_kind[i];
    out << (i == 0 ? "" : ", ") << sim::JsonQuote(f.kind) << ": {\"confirmed\": " << f.confirmed
        << ", \"possible\": " << f.possible
        << ", \"confirmed_per_device_day\": " << Rate(f.confirmed_per_device_day)
        << ", \"possible_per_device_day\": " << Rate(f.possible_per_device_day) << "}";
  }
  out << "},\n \"false_alert_list\": [";
  for (size_t i = 0; i < r.false_alerts.size() && i < kMaxListed; ++i) {
    const FalseAlert& f = r.false_alerts[i];
    out << (i == 0 ? "" : ",\n   ") << "{\"alert_id\": " << sim::JsonQuote(f.alert_id)
        << ", \"order\": " << sim::JsonQuote(f.order) << ", \"kind\": " << sim::JsonQuote(f.kind)
        << ", \"rule\": " << sim::JsonQuote(f.rule) << ", \"certainty\": \""
        << (f.confirmed ? "confirmed" : "possible") << "\""
        << ", \"opened\": " << sim::JsonQuote(FormatRfc3339(f.opened_ms)) << "}";
  }
  out << "],\n \"detection_delay_s\": " << DelayJson(r.delay)
      << ",\n \"device_events\": {\"true\": " << r.device_events
      << ", \"alerted\": " << r.device_events_alerted << ", \"missed\": [";
  for (size_t i = 0; i < r.device_events_missed.size(); ++i) {
    const TruthDeviceEvent& d = r.device_events_missed[i];
    out << (i == 0 ? "" : ", ") << "{\"device\": " << sim::JsonQuote(d.device)
        << ", \"kind\": " << sim::JsonQuote(d.kind)
        << ", \"time\": " << sim::JsonQuote(FormatRfc3339(d.time_ms)) << "}";
  }
  out << "]},\n \"events_read\": " << r.events_read
      << ", \"unreadable_lines\": " << r.unreadable_lines << "}\n";
  return out.str();
}

namespace {

struct ScoreFlags {
  std::string truth, events, tolerance;
};

CommandLine ScoreCommandLine(ScoreFlags* flags) {
  CommandLine line(
      "stayaway score", "--truth DIR/truth.json --events EVENTS.ndjson [--tolerance 5m]",
      "Compares the events of `stayaway replay` (or `stayaway watch --format json`) with\n"
      "the simulator's ground truth and prints a JSON summary: true episodes, detected,\n"
      "missed, false alerts, false alerts per device-day, detection delays. The matching\n"
      "rules are in tools/score_command.h.");
  line.Required("--truth", &flags->truth, "FILE", "truth.json of `stayaway simulate`");
  line.Required("--events", &flags->events, "FILE", "the events, one JSON object a line");
  line.Option("--tolerance", &flags->tolerance, "DURATION",
              "how far a detection may be from the truth, like 30s or 5m (5m)");
  line.Footer("Exit status: 0 scored, 2 usage error or unreadable file.");
  return line;
}

}  // namespace

void PrintScoreUsage(std::ostream& out) {
  ScoreFlags flags;
  CommandLine line = ScoreCommandLine(&flags);
  out << line.Help();
}

int RunScoreCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  ScoreFlags flags;
  CommandLine line = ScoreCommandLine(&flags);
  if (auto exit = line.Parse(args, out, err)) return *exit;
  TimeMs tolerance_ms = 5 * 60'000;
  if (!flags.tolerance.empty()) {
    const std::optional<TimeMs> t = ParseDurationMs(flags.tolerance);
    if (!t) return line.UsageError(err, "--tolerance must be like 30s or 5m");
    tolerance_ms = *t;
  }
  std::ifstream truth_file(flags.truth, std::ios::binary);
  if (!truth_file) {
    err << "stayaway score: cannot read " << flags.truth << "\n";
    return kUsage;
  }
  std::ostringstream text;
  text << truth_file.rdbuf();
  StatusOr<Truth> truth = ParseTruthJson(text.str());
  if (!truth.ok()) {
    err << "stayaway score: " << flags.truth << ": " << truth.status().message() << "\n";
    return kUsage;
  }
  std::ifstream events(flags.events, std::ios::binary);
  if (!events) {
    err << "stayaway score: cannot read " << flags.events << "\n";
    return kUsage;
  }
  out << ScoreReportToJson(ScoreEvents(*truth, events, tolerance_ms));
  return kOk;
}

}  // namespace stayaway::tools
