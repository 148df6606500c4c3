#include "evidence/statistics_json.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "base/json_quote.h"

namespace stayaway::evidence {
namespace {

using Members = std::vector<std::pair<std::string, std::string>>;

// An object whose member values are already written for depth `depth + 1`.
std::string Object(const Members& members, int depth) {
  if (members.empty()) return "{}";
  const std::string inner(2 * (depth + 1), ' ');
  std::string out = "{\n";
  for (size_t i = 0; i < members.size(); ++i) {
    out += inner + JsonQuote(members[i].first) + ": " + members[i].second;
    out += i + 1 < members.size() ? ",\n" : "\n";
  }
  return out + std::string(2 * depth, ' ') + "}";
}

std::string Number(uint64_t n) { return std::to_string(n); }
std::string Number(int64_t n) { return std::to_string(n); }
std::string Time(TimeMs t) { return JsonQuote(FormatRfc3339(t)); }

template <typename Value, typename Render>
std::string Table(const std::map<std::string, Value>& table, int depth, Render render) {
  Members members;
  for (const auto& [key, value] : table) members.emplace_back(key, render(value, depth + 1));
  return Object(members, depth);
}

std::string Count(uint64_t n, int) { return Number(n); }

uint64_t Total(const std::map<std::string, uint64_t>& table) {
  uint64_t total = 0;
  for (const auto& [key, n] : table) total += n;
  return total;
}

std::string Times(const ResponseTimes& t, int depth) {
  return Object({{"count", Number(t.count)},
                 {"p50_ms", Number(t.p50_ms)},
                 {"p90_ms", Number(t.p90_ms)},
                 {"max_ms", Number(t.max_ms)}},
                depth);
}

std::string Response(const ResponseFigures& f, const char* answered, const char* unanswered,
                     int depth) {
  return Object({{"alerts", Number(f.alerts)},
                 {answered, Number(f.answered)},
                 {unanswered, Number(f.alerts - f.answered)},
                 {"by_kind", Table(f.by_kind, depth + 1, Times)},
                 {"by_credential", Table(f.by_credential, depth + 1, Times)}},
                depth);
}

std::string Device(const DeviceHealth& d, int depth) {
  return Object({{"comms_lost_episodes", Number(d.comms_lost_episodes)},
                 {"without_comms_ms", Number(d.without_comms_ms)},
                 {"hours_without_comms", HoursText(d.without_comms_ms)},
                 {"strap_tampers", Number(d.strap_tampers)},
                 {"case_tampers", Number(d.case_tampers)}},
                depth);
}

// A member of `object` of the wanted kind, or InvalidArgument naming `path`.
StatusOr<const google::protobuf::Value*> Member(const google::protobuf::Struct& object,
                                                const std::string& name, const std::string& path,
                                                google::protobuf::Value::KindCase kind) {
  const auto it = object.fields().find(name);
  if (it == object.fields().end() || it->second.kind_case() != kind) {
    return InvalidArgument("the report has no valid " + path + name);
  }
  return &it->second;
}

StatusOr<TimeMs> TimeMember(const google::protobuf::Struct& object, const std::string& name,
                            const std::string& path) {
  auto value = Member(object, name, path, google::protobuf::Value::kStringValue);
  if (!value.ok()) return value.status();
  google::protobuf::Timestamp ts;
  if (!google::protobuf::util::TimeUtil::FromString((*value)->string_value(), &ts)) {
    return InvalidArgument("the report's " + path + name + " is not an RFC 3339 time");
  }
  return TimestampToMs(ts);
}

StatusOr<std::string> StringMember(const google::protobuf::Struct& object, const std::string& name,
                                   const std::string& path) {
  auto value = Member(object, name, path, google::protobuf::Value::kStringValue);
  if (!value.ok()) return value.status();
  return (*value)->string_value();
}

}  // namespace

std::string HoursText(TimeMs ms) {
  const TimeMs hundredths = (std::max<TimeMs>(ms, 0) + 18'000) / 36'000;
  const TimeMs cents = hundredths % 100;
  return std::to_string(hundredths / 100) + (cents < 10 ? ".0" : ".") + std::to_string(cents);
}

std::string StatisticsJson(const Statistics& s) {
  uint64_t opened = 0;
  for (const auto& [kind, by_certainty] : s.alerts_opened) opened += Total(by_certainty);
  DeviceHealth all;
  for (const auto& [device, d] : s.devices) {
    all.comms_lost_episodes += d.comms_lost_episodes;
    all.without_comms_ms += d.without_comms_ms;
    all.strap_tampers += d.strap_tampers;
    all.case_tampers += d.case_tampers;
  }
  const StatisticsCheckpoint& c = s.checkpoint;
  const Members top = {
      {"format", JsonQuote(kStatisticsFormat)},
      {"period", Object({{"from", Time(s.from_ms)}, {"to", Time(s.to_ms)}}, 1)},
      {"checkpoint", Object({{"tree_size", Number(c.tree_size)},
                             {"root_hash", JsonQuote(c.root_hash_hex)},
                             {"time", Time(c.time_ms)},
                             {"key_id", JsonQuote(c.key_id)},
                             {"public_key", JsonQuote(c.public_key_hex)},
                             {"signature", JsonQuote(c.signature_hex)}},
                            1)},
      {"counted", Object({{"first_record", Number(s.first_record)},
                          {"inputs", Number(s.inputs)},
                          {"events", Number(s.events)},
                          {"events_in_period", Number(s.events_in_period)},
                          {"data_until", Time(s.data_until_ms)}},
                         1)},
      {"orders_in_force", Object({{"total", Number(Total(s.orders_in_force))},
                                  {"by_issuing_authority", Table(s.orders_in_force, 2, Count)}},
                                 1)},
      {"alerts_opened",
       Object({{"total", Number(opened)},
               {"by_kind", Table(s.alerts_opened, 2,
                                 [](const std::map<std::string, uint64_t>& by_certainty,
                                    int depth) { return Table(by_certainty, depth, Count); })}},
              1)},
      {"confirmed_violations", Object({{"total", Number(Total(s.confirmed_violations))},
                                       {"by_kind", Table(s.confirmed_violations, 2, Count)}},
                                      1)},
      {"time_to_acknowledge", Response(s.time_to_acknowledge, "acknowledged", "unacknowledged", 1)},
      {"time_to_resolve", Response(s.time_to_resolve, "resolved", "unresolved", 1)},
      {"overdue_acknowledgements",
       Object({{"total", Number(Total(s.overdue_acknowledgements))},
               {"by_kind", Table(s.overdue_acknowledgements, 2, Count)}},
              1)},
      {"resolutions", Object({{"total", Number(Total(s.resolutions))},
                              {"by_disposition", Table(s.resolutions, 2, Count)}},
                             1)},
      {"device_health", Object({{"devices", Number(static_cast<uint64_t>(s.devices.size()))},
                                {"comms_lost_episodes", Number(all.comms_lost_episodes)},
                                {"hours_without_comms", HoursText(all.without_comms_ms)},
                                {"strap_tampers", Number(all.strap_tampers)},
                                {"case_tampers", Number(all.case_tampers)},
                                {"by_device", Table(s.devices, 2, Device)}},
                               1)},
  };
  return Object(top, 0) + "\n";
}

StatusOr<StatedReport> ReadStatedReport(std::string_view json) {
  google::protobuf::Struct report;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &report).ok()) {
    return InvalidArgument("the report is not a JSON object");
  }
  auto format = StringMember(report, "format", "");
  if (!format.ok()) return format.status();
  if (*format != kStatisticsFormat) {
    return InvalidArgument("the report's format is \"" + *format + "\", not " + kStatisticsFormat);
  }
  using Kind = google::protobuf::Value::KindCase;
  auto period = Member(report, "period", "", Kind::kStructValue);
  auto checkpoint = Member(report, "checkpoint", "", Kind::kStructValue);
  if (!period.ok()) return period.status();
  if (!checkpoint.ok()) return checkpoint.status();
  StatedReport out;
  const auto& p = (*period)->struct_value();
  const auto& c = (*checkpoint)->struct_value();
  auto from = TimeMember(p, "from", "period.");
  auto to = TimeMember(p, "to", "period.");
  auto time = TimeMember(c, "time", "checkpoint.");
  auto size = Member(c, "tree_size", "checkpoint.", Kind::kNumberValue);
  for (const Status& s : {from.status(), to.status(), time.status(), size.status()}) {
    if (!s.ok()) return s;
  }
  const double tree_size = (*size)->number_value();
  if (!(tree_size >= 0 && tree_size <= 9007199254740992.0) || std::floor(tree_size) != tree_size) {
    return InvalidArgument("the report's checkpoint.tree_size is not a whole number of leaves");
  }
  out.from_ms = *from;
  out.to_ms = *to;
  out.checkpoint.tree_size = static_cast<uint64_t>(tree_size);
  out.checkpoint.time_ms = *time;
  for (auto [name, field] : {std::pair{"root_hash", &out.checkpoint.root_hash_hex},
                             std::pair{"key_id", &out.checkpoint.key_id},
                             std::pair{"public_key", &out.checkpoint.public_key_hex},
                             std::pair{"signature", &out.checkpoint.signature_hex}}) {
    auto text = StringMember(c, name, "checkpoint.");
    if (!text.ok()) return text.status();
    *field = *text;
  }
  return out;
}

}  // namespace stayaway::evidence
