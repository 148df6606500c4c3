#include "tools/loadgen/run_report.h"
#include "base/json_quote.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace stayaway::loadgen {
namespace {

std::string Number(double value) {
  if (!std::isfinite(value)) return "0";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

std::string Fixed(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.2f", std::isfinite(value) ? value : 0.0);
  return buffer;
}

std::string LatencyJson(const LatencyHistogram& h) {
  std::ostringstream out;
  out << "{\"count\": " << h.count() << ", \"p50\": " << h.PercentileMicros(50)
      << ", \"p99\": " << h.PercentileMicros(99) << ", \"p99_9\": " << h.PercentileMicros(99.9)
      << ", \"max\": " << h.max_micros() << ", \"mean\": " << Number(h.mean_micros()) << "}";
  return out.str();
}

}  // namespace


bool RunReport::saturated() const {
  return rate_achieved < kSaturationShare * rate_asked || fixes_sent < fixes_scheduled;
}

std::string RunReport::ToJson() const {
  std::ostringstream out;
  out << "{\"target\": " << JsonQuote(target) << ", \"rate_asked\": " << Number(rate_asked)
      << ", \"rate_achieved\": " << Number(rate_achieved)
      << ", \"duration_s\": " << Number(duration_s) << ", \"devices\": " << devices
      << ", \"batch\": " << batch << ", \"fixes_scheduled\": " << fixes_scheduled
      << ", \"fixes_sent\": " << fixes_sent << ", \"fixes_acked\": " << fixes_acked
      << ", \"fixes_rejected\": " << fixes_rejected
      << ", \"fixes_unanswered\": " << fixes_unanswered
      << ", \"alerts_observed\": " << alerts_observed << ", \"events_by_transition\": {";
  bool first = true;
  for (const auto& [transition, count] : events_by_transition) {
    out << (first ? "" : ", ") << JsonQuote(transition) << ": " << count;
    first = false;
  }
  out << "}, \"ack_latency_us\": " << LatencyJson(ack_latency)
      << ", \"fix_to_alert_latency_us\": " << LatencyJson(fix_to_alert_latency)
      << ", \"max_send_lag_us\": " << max_send_lag_us
      << ", \"saturated\": " << (saturated() ? "true" : "false") << ", \"cpu\": {\"server_cores\": "
      << (server_cpu.known ? Fixed(server_cpu.process_cores) : "null")
      << ", \"server_busiest_thread_cores\": "
      << (server_cpu.known ? Fixed(server_cpu.busiest_thread_cores) : "null")
      << ", \"generator_cores\": "
      << (generator_cpu.known ? Fixed(generator_cpu.process_cores) : "null") << "}, \"notes\": [";
  for (size_t i = 0; i < notes.size(); ++i) out << (i ? ", " : "") << JsonQuote(notes[i]);
  out << "]}";
  return out.str();
}

std::string ReportsToJson(const std::vector<RunReport>& reports) {
  std::string out = "[";
  for (size_t i = 0; i < reports.size(); ++i) {
    out += (i ? ",\n " : "\n ") + reports[i].ToJson();
  }
  return out + "\n]";
}

}  // namespace stayaway::loadgen
