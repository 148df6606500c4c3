#include "tools/sim/scenario_json.h"

#include <cinttypes>
#include <cstdio>
#include <ostream>
#include <string>

namespace stayaway::sim {
namespace {

constexpr TimeMs kDay = 24 * 3'600'000LL;

std::string Number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.1f", value);
  std::string text = buffer;
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
  return text;
}

std::string Degrees(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.7f", value);
  return buffer;
}

std::string Time(TimeMs ms) { return JsonQuote(FormatRfc3339(ms)); }

const char* RelationName(Role role) { return role == Role::kChild ? "child" : "victim"; }

}  // namespace

void WriteOrdersJson(const Scenario& scenario, std::ostream& out) {
  const TimeMs start = scenario.options.start_ms;
  const TimeMs end = start + scenario.options.duration_ms;
  out << "[\n";
  for (size_t i = 0; i < scenario.orders.size(); ++i) {
    const SimOrder& order = scenario.orders[i];
    const SimPerson& supervised = scenario.persons[order.supervised];
    out << "  {\"id\": " << JsonQuote(order.id)
        << ", \"case_reference\": " << JsonQuote("Simulated case " + order.id)
        << ", \"issuing_authority\": \"stayaway simulator\", \"version\": 1, "
           "\"state\": \"active\", \"valid_from\": "
        << Time(start - 30 * kDay) << ", \"valid_until\": " << Time(end + 365 * kDay)
        << ",\n   \"supervised\": {\"id\": " << JsonQuote(supervised.id) << ", \"devices\": ["
        << JsonQuote(supervised.device) << "]},\n   \"protected\": [";
    for (size_t k = 0; k < order.protected_persons.size(); ++k) {
      const SimPerson& p = scenario.persons[order.protected_persons[k]];
      out << (k == 0 ? "" : ", ") << "{\"id\": " << JsonQuote(p.id) << ", \"devices\": ["
          << JsonQuote(p.device) << "], \"relation\": \"" << RelationName(p.role) << "\"}";
    }
    out << "],\n   \"violation_distance_m\": " << Number(order.violation_m);
    if (order.warning_m > 0) out << ", \"warning_distance_m\": " << Number(order.warning_m);
    if (!order.zones.empty()) {
      out << ",\n   \"zones\": [";
      for (size_t z = 0; z < order.zones.size(); ++z) {
        const SimZone& zone = order.zones[z];
        out << (z == 0 ? "" : ",\n             ") << "{\"id\": " << JsonQuote(zone.id)
            << ", \"name\": " << JsonQuote(zone.name)
            << ", \"kind\": \"exclusion\", \"buffer_m\": " << Number(zone.buffer_m)
            << ", \"geometry\": " << ZoneGeoJson(zone) << "}";
      }
      out << "]";
    }
    out << "}" << (i + 1 < scenario.orders.size() ? "," : "") << "\n";
  }
  out << "]\n";
}

void WriteZonesJson(const Scenario& scenario, std::ostream& out) {
  out << "[\n";
  const auto& shelters = scenario.city.shelters();
  for (size_t i = 0; i < shelters.size(); ++i) {
    const Shelter& s = shelters[i];
    const geo::LatLng c = scenario.city.ToLatLng(s.centre);
    out << "  {\"id\": " << JsonQuote(s.id) << ", \"name\": " << JsonQuote(s.name)
        << ", \"kind\": \"exclusion\", \"circle\": {\"lat\": " << Degrees(c.lat_deg)
        << ", \"lon\": " << Degrees(c.lng_deg) << ", \"radius_m\": " << Number(s.radius_m)
        << "}, \"buffer_m\": " << Number(s.buffer_m) << "}" << (i + 1 < shelters.size() ? "," : "")
        << "\n";
  }
  out << "]\n";
}

void WriteTruthJson(const Scenario& scenario, const std::vector<DeviceEventTruth>& device_events,
                    const SimulationStats& stats, std::ostream& out) {
  const TimeMs start = scenario.options.start_ms;
  out << "{\"format\": \"stayaway-sim-truth/1\", \"seed\": " << scenario.options.seed
      << ", \"orders\": " << scenario.orders.size() << ", \"devices\": " << scenario.devices.size()
      << ", \"start\": " << Time(start)
      << ", \"end\": " << Time(start + scenario.options.duration_ms) << ",\n \"episodes\": [";
  for (size_t i = 0; i < scenario.episodes.size(); ++i) {
    const TruthEpisode& e = scenario.episodes[i];
    out << (i == 0 ? "\n  " : ",\n  ") << "{\"order\": " << JsonQuote(e.order_id)
        << ", \"kind\": \"" << EpisodeKindName(e.kind) << "\", \"rule\": " << JsonQuote(e.rule)
        << ", \"protected\": " << JsonQuote(e.protected_person)
        << ", \"zone\": " << JsonQuote(e.zone_id) << ", \"start\": " << Time(e.start_ms)
        << ", \"end\": " << Time(e.end_ms) << ", \"limit_m\": " << Number(e.limit_m)
        << ", \"closest_m\": " << Number(e.closest_m) << ", \"script\": \""
        << ScriptKindName(e.script) << "\", \"late_upload\": " << (e.late_upload ? "true" : "false")
        << "}";
  }
  out << "],\n \"scripts\": [";
  bool first = true;
  for (const SimOrder& order : scenario.orders) {
    for (const TimeSpan& span : order.script_spans) {
      out << (first ? "\n  " : ",\n  ") << "{\"order\": " << JsonQuote(order.id)
          << ", \"script\": \"" << ScriptKindName(order.script)
          << "\", \"start\": " << Time(span.from_ms) << ", \"end\": " << Time(span.until_ms)
          << ", \"late_upload\": " << (order.late_upload ? "true" : "false") << "}";
      first = false;
    }
  }
  out << "],\n \"device_events\": [";
  for (size_t i = 0; i < device_events.size(); ++i) {
    const DeviceEventTruth& e = device_events[i];
    out << (i == 0 ? "\n  " : ",\n  ") << "{\"order\": " << JsonQuote(e.order_id)
        << ", \"device\": " << JsonQuote(e.device) << ", \"kind\": " << JsonQuote(e.kind)
        << ", \"time\": " << Time(e.time_ms) << ", \"seq\": " << e.seq
        << ", \"uploaded_late\": " << (e.uploaded_late ? "true" : "false") << "}";
  }
  out << "],\n \"stats\": {\"fixes\": " << stats.fixes << ", \"ticks\": " << stats.ticks
      << ", \"pursuit_fixes\": " << stats.pursuit_fixes << ", \"late_fixes\": " << stats.late_fixes
      << ", \"lost_fixes\": " << stats.lost_fixes
      << ", \"urban_canyon_fixes\": " << stats.urban_canyon_fixes
      << ", \"canyon_bursts\": " << stats.canyon_bursts << ", \"gaps\": " << stats.gaps << "}}\n";
}

}  // namespace stayaway::sim
