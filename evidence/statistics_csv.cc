#include "evidence/statistics_csv.h"

#include <tuple>
#include <utility>

#include "evidence/statistics_json.h"

namespace stayaway::evidence {
namespace {

std::string Field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

class Sheet {
 public:
  void Row(const std::string& section, const std::string& group, const std::string& item,
           const std::string& figure, const std::string& value) {
    text_ += Field(section) + "," + Field(group) + "," + Field(item) + "," + Field(figure) + "," +
             Field(value) + "\n";
  }
  void Whole(const std::string& section, const std::string& figure, const std::string& value) {
    Row(section, "", "", figure, value);
  }
  void Times(const std::string& section, const std::string& group,
             const std::map<std::string, ResponseTimes>& table) {
    for (const auto& [key, t] : table) {
      Row(section, group, key, "count", std::to_string(t.count));
      Row(section, group, key, "p50_ms", std::to_string(t.p50_ms));
      Row(section, group, key, "p90_ms", std::to_string(t.p90_ms));
      Row(section, group, key, "max_ms", std::to_string(t.max_ms));
    }
  }
  void Counts(const std::string& section, const std::string& group, const std::string& figure,
              const std::map<std::string, uint64_t>& table) {
    uint64_t total = 0;
    for (const auto& [key, n] : table) total += n;
    Whole(section, "total", std::to_string(total));
    for (const auto& [key, n] : table) Row(section, group, key, figure, std::to_string(n));
  }
  std::string text() && { return std::move(text_); }

 private:
  std::string text_ = "section,group,item,figure,value\n";
};

}  // namespace

std::string StatisticsCsv(const Statistics& s) {
  Sheet sheet;
  sheet.Whole("report", "format", kStatisticsFormat);
  sheet.Whole("period", "from", FormatRfc3339(s.from_ms));
  sheet.Whole("period", "to", FormatRfc3339(s.to_ms));
  const StatisticsCheckpoint& c = s.checkpoint;
  sheet.Whole("checkpoint", "tree_size", std::to_string(c.tree_size));
  sheet.Whole("checkpoint", "root_hash", c.root_hash_hex);
  sheet.Whole("checkpoint", "time", FormatRfc3339(c.time_ms));
  sheet.Whole("checkpoint", "key_id", c.key_id);
  sheet.Whole("checkpoint", "public_key", c.public_key_hex);
  sheet.Whole("checkpoint", "signature", c.signature_hex);
  sheet.Whole("counted", "first_record", std::to_string(s.first_record));
  sheet.Whole("counted", "inputs", std::to_string(s.inputs));
  sheet.Whole("counted", "events", std::to_string(s.events));
  sheet.Whole("counted", "events_in_period", std::to_string(s.events_in_period));
  sheet.Whole("counted", "data_until", FormatRfc3339(s.data_until_ms));
  sheet.Counts("orders_in_force", "issuing_authority", "orders", s.orders_in_force);
  uint64_t opened = 0;
  for (const auto& [kind, by_certainty] : s.alerts_opened) {
    for (const auto& [certainty, n] : by_certainty) opened += n;
  }
  sheet.Whole("alerts_opened", "total", std::to_string(opened));
  for (const auto& [kind, by_certainty] : s.alerts_opened) {
    for (const auto& [certainty, n] : by_certainty) {
      sheet.Row("alerts_opened", kind, certainty, "alerts", std::to_string(n));
    }
  }
  sheet.Counts("confirmed_violations", "kind", "alerts", s.confirmed_violations);
  for (const auto& [section, figures, answered, unanswered] :
       {std::tuple{"time_to_acknowledge", &s.time_to_acknowledge, "acknowledged", "unacknowledged"},
        std::tuple{"time_to_resolve", &s.time_to_resolve, "resolved", "unresolved"}}) {
    sheet.Whole(section, "alerts", std::to_string(figures->alerts));
    sheet.Whole(section, answered, std::to_string(figures->answered));
    sheet.Whole(section, unanswered, std::to_string(figures->alerts - figures->answered));
    sheet.Times(section, "kind", figures->by_kind);
    sheet.Times(section, "credential", figures->by_credential);
  }
  sheet.Counts("overdue_acknowledgements", "kind", "alerts", s.overdue_acknowledgements);
  sheet.Counts("resolutions", "disposition", "resolutions", s.resolutions);
  sheet.Whole("device_health", "devices", std::to_string(s.devices.size()));
  for (const auto& [device, d] : s.devices) {
    sheet.Row("device_health", "device", device, "comms_lost_episodes",
              std::to_string(d.comms_lost_episodes));
    sheet.Row("device_health", "device", device, "without_comms_ms",
              std::to_string(d.without_comms_ms));
    sheet.Row("device_health", "device", device, "hours_without_comms",
              HoursText(d.without_comms_ms));
    sheet.Row("device_health", "device", device, "strap_tampers", std::to_string(d.strap_tampers));
    sheet.Row("device_health", "device", device, "case_tampers", std::to_string(d.case_tampers));
  }
  return std::move(sheet).text();
}

}  // namespace stayaway::evidence
