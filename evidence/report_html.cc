#include "evidence/report_html.h"

#include <map>
#include <sstream>
#include <vector>

#include "evidence/report_chart.h"
#include "evidence/report_html_v1.h"
#include "evidence/report_map.h"
#include "evidence/report_text.h"

namespace stayaway::evidence {
namespace {

// Screen and print. A4 with 15 mm margins leaves 180 mm (680 CSS px) of width: the figures
// are drawn at most that wide, and tables wrap long words rather than overflow.
constexpr char kStyle[] =
    "@page{size:A4;margin:15mm}"
    "body{font-family:serif;font-size:11pt;max-width:680px;margin:1em auto;color:#000}"
    "h1{font-size:16pt;margin:0 0 .3em}h2{font-size:13pt;margin:1em 0 .3em;break-after:avoid}"
    "table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #999;padding:2px 4px;font-size:8pt;vertical-align:top;"
    "text-align:left;overflow-wrap:anywhere}"
    "table.terms th{width:9.5em}thead{display:table-header-group}tr{break-inside:avoid}"
    "table.timeline,table.fixes{table-layout:fixed}td.num{white-space:nowrap}"
    "td.n{text-align:right}td.t{font-size:7.5pt}.local{color:#333}"
    "figure{margin:0;break-inside:avoid}figcaption{font-size:9pt;margin-top:.3em}"
    "svg{max-width:100%;height:auto;display:block;box-sizing:border-box}"
    "svg.map{border:1px solid #999}"
    ".map-legend{margin-bottom:.3em}.map-legend .key{white-space:nowrap;margin-right:1em}"
    ".map-legend svg{display:inline;vertical-align:middle}"
    "p.note{font-size:9.5pt}"
    "@media print{body{margin:0;max-width:none}}";

std::string Devices(const v1::Party& party) {
  std::string out;
  for (const std::string& d : party.devices()) out += (out.empty() ? "" : ", ") + HtmlEscape(d);
  return out;
}

std::string ZoneTerms(const v1::Zone& zone) {
  if (zone.redacted()) return HtmlEscape(zone.id()) + " (withheld)";
  std::string out = HtmlEscape(zone.name().empty() ? zone.id() : zone.name());
  if (!zone.name().empty()) out += " (" + HtmlEscape(zone.id()) + ")";
  out += ": " + Words(v1::Zone::Kind_Name(zone.kind()));
  if (zone.has_circle()) out += ", a circle of " + Metres(zone.circle().radius_m());
  if (zone.buffer_m() > 0) {
    out += zone.kind() == v1::Zone::inclusion ? ", tolerance " : ", buffer ";
    out += Metres(zone.buffer_m());
  }
  if (zone.has_schedule()) {
    out += ", applies ";
    for (int i = 0; i < zone.schedule().windows_size(); ++i) {
      const auto& w = zone.schedule().windows(i);
      out += (i ? "; " : "");
      for (int d = 0; d < w.days_size(); ++d) {
        out += (d ? "," : "") + v1::WeeklySchedule::Day_Name(w.days(d));
      }
      out += (w.days_size() ? " " : "daily ") + HtmlEscape(w.start()) + "-" + HtmlEscape(w.end());
    }
    out += " (" + HtmlEscape(zone.schedule().time_zone()) + ")";
  }
  return out;
}

void OrderTable(const v1::Order& order, const ReportClock& clock, std::ostringstream& h) {
  h << "<h2>Order</h2><table class=\"terms\">"
    << "<tr><th>Order</th><td>" << HtmlEscape(order.id()) << ", version " << order.version()
    << "</td></tr><tr><th>Case</th><td>" << HtmlEscape(order.case_reference())
    << "</td></tr><tr><th>Issued by</th><td>" << HtmlEscape(order.issuing_authority())
    << "</td></tr><tr><th>In force</th><td>"
    << (order.has_valid_from()
            ? "from " + clock.Utc(TimestampToMs(order.valid_from())) +
                  (clock.HasLocal() ? " (" + clock.Local(TimestampToMs(order.valid_from())) + ")"
                                    : std::string())
            : std::string("from its issue"))
    << (order.has_valid_until()
            ? ", until " + clock.Utc(TimestampToMs(order.valid_until())) +
                  (clock.HasLocal() ? " (" + clock.Local(TimestampToMs(order.valid_until())) + ")"
                                    : std::string())
            : std::string(", with no end date"))
    << "</td></tr><tr><th>Time zone</th><td class=\"time-zone\">"
    << (order.time_zone().empty() ? std::string("UTC (the order names none)")
                                  : HtmlEscape(order.time_zone()))
    << "</td></tr><tr><th>Supervised person</th><td>" << HtmlEscape(order.supervised().id())
    << " (devices " << Devices(order.supervised()) << ")</td></tr>";
  for (const v1::Party& p : order.protected_()) {
    h << "<tr><th>Protected person</th><td>" << HtmlEscape(p.id())
      << (p.relation().empty() ? "" : ", " + HtmlEscape(p.relation())) << " (devices " << Devices(p)
      << ")</td></tr>";
  }
  h << "<tr><th>Violation distance</th><td>" << Fixed(order.violation_distance_m(), 0)
    << " m</td></tr><tr><th>Warning distance</th><td>"
    << (order.warning_distance_m() > 0 ? Fixed(order.warning_distance_m(), 0) + " m"
                                       : std::string("none"))
    << "</td></tr>";
  for (const v1::Zone& z : order.zones())
    h << "<tr><th>Zone</th><td>" << ZoneTerms(z) << "</td></tr>";
  h << "</table>\n";
}

void Timeline(const BundleContent& content, const ReportClock& clock, std::ostringstream& h) {
  // Column widths in px of the 680 an A4 page has: a time fits on one line.
  h << "<h2>Alert timeline</h2><table class=\"timeline\"><colgroup><col style=\"width:22px\">"
       "<col style=\"width:150px\"><col style=\"width:150px\"><col style=\"width:88px\">"
       "<col style=\"width:66px\"><col style=\"width:76px\"><col><col style=\"width:36px\">"
       "</colgroup><thead><tr><th>#</th><th>Event "
       "time</th><th>Detected by the centre</th><th>What happened</th><th>Certainty</th>"
       "<th>Distance [lower, upper]</th><th>Operator, notes</th><th>Log no.</th></tr></thead>"
       "<tbody>\n";
  std::map<std::string, TimeMs> opened_at;  // per alert (an order's period has several)
  int number = 0;
  for (const v1::EventRecord& r : content.events) {
    const v1::Event& e = r.event();
    const TimeMs detected = TimestampToMs(e.detected_at());
    if (e.transition() == v1::Event::opened) opened_at[e.alert_id()] = detected;
    std::string notes = HtmlEscape(e.ack_by());
    if (!e.ack_note().empty()) notes += (notes.empty() ? "" : ": ") + HtmlEscape(e.ack_note());
    auto add = [&](const std::string& more) { notes += (notes.empty() ? "" : "; ") + more; };
    if (e.transition() == v1::Event::acknowledged && opened_at.count(e.alert_id())) {
      add("response time " + std::to_string((detected - opened_at[e.alert_id()]) / 1000) + " s");
    }
    if (e.transition() == v1::Event::resolved) {
      add("disposition: " + Words(v1::AlertResolve::Disposition_Name(e.disposition())));
    }
    if (e.transition() == v1::Event::received) {
      add("shown to protected person " + HtmlEscape(e.received_by()) + " (event " +
          std::to_string(e.received_seq()) +
          (e.has_shown_at() ? ", on her device at " + clock.Utc(TimestampToMs(e.shown_at()))
                            : std::string()) +
          ")");
    }
    h << "<tr><td class=\"n\">" << ++number << "</td><td class=\"t\">"
      << clock.BothHtml(TimestampToMs(e.time())) << (e.late() ? " (late)" : "")
      << "</td><td class=\"t\">" << clock.BothHtml(detected) << "</td><td>"
      << Words(v1::Event::Transition_Name(e.transition())) << ": "
      << Words(v1::Event::Kind_Name(e.kind())) << "</td><td>"
      << (e.has_certainty() ? Words(v1::Event::Certainty_Name(e.certainty())) : "") << "</td><td>"
      << (e.has_distance_m() ? Fixed(e.distance_m(), 1) + " m [" + Fixed(e.distance_lower_m(), 1) +
                                   ", " + Fixed(e.distance_upper_m(), 1) + "]"
                             : "")
      << "</td><td>" << notes << "</td><td>" << r.seq() << "</td></tr>\n";
  }
  h << "</tbody></table>\n<p class=\"note\">Rows are numbered 1 to " << number
    << " in the order of the centre's event log; \"Log no.\" is the event's number in that log "
       "(events.ndjson), which also counts the events of other alerts.</p>\n";
}

void FixTable(const BundleContent& content, const v1::Order& order, const ReportClock& clock,
              std::ostringstream& h) {
  std::map<std::string, std::string> person_of;
  for (const std::string& d : order.supervised().devices()) person_of[d] = order.supervised().id();
  for (const v1::Party& p : order.protected_()) {
    for (const std::string& d : p.devices()) person_of[d] = p.id();
  }
  h << "<h2>Fixes</h2><table class=\"fixes\"><colgroup><col><col style=\"width:34px\">"
       "<col style=\"width:150px\"><col style=\"width:150px\"><col style=\"width:64px\">"
       "<col style=\"width:70px\"><col style=\"width:64px\"><col style=\"width:68px\">"
       "</colgroup><thead><tr><th>Device (person)</th><th>Seq</th>"
       "<th>Time</th><th>Received</th><th>Latitude</th><th>Longitude</th><th>Accuracy</th>"
       "<th>Source</th></tr></thead><tbody>\n";
  for (const v1::Input& in : content.inputs) {
    if (!in.has_fix()) continue;
    const v1::Fix& f = in.fix();
    const auto person = person_of.find(f.device());
    h << "<tr><td>" << HtmlEscape(f.device())
      << (person == person_of.end() ? "" : " (" + HtmlEscape(person->second) + ")") << "</td><td>"
      << f.seq() << "</td><td class=\"t\">" << clock.BothHtml(TimestampToMs(f.time()))
      << "</td><td class=\"t\">" << clock.BothHtml(TimestampToMs(f.received())) << "</td>";
    if (f.no_position()) {
      h << "<td colspan=\"3\">no position</td>";
    } else {
      h << "<td class=\"num\">" << Fixed(f.lat(), 6) << "</td><td class=\"num\">"
        << Fixed(f.lon(), 6) << "</td><td class=\"num\">" << Fixed(f.accuracy_m(), 1) << " m</td>";
    }
    h << "<td>" << SourceName(f.source()) << "</td></tr>\n";
  }
  h << "</tbody></table>\n";
}

}  // namespace

std::string ReportHtml(const BundleContent& content) {
  const v1::Order* order = OrderOf(content);
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
       "content=\"width=device-width\"><title>Evidence: "
    << HtmlEscape(content.subject) << "</title>\n<style>" << kStyle << "</style></head><body>\n"
    << "<h1>Evidence report: " << HtmlEscape(content.subject) << "</h1>\n";
  if (order == nullptr) {
    h << "<p>No order in the bundle.</p></body></html>\n";
    return h.str();
  }
  const ReportClock clock(order->time_zone());
  h << "<p class=\"note time-note\">" << clock.Note() << "</p>\n";
  OrderTable(*order, clock, h);
  Timeline(content, clock, h);
  const std::vector<PairedDistance> distances = PairedDistances(content);
  const ChartEpisode episode = EpisodeOf(distances, content.events);
  MapFocus focus{episode.from, episode.to, nullptr};
  for (const PairedDistance& d : distances) {
    if (focus.closest == nullptr || d.distance_m < focus.closest->distance_m) focus.closest = &d;
  }
  const std::string map = MapHtml(content, *order, focus);
  if (!map.empty()) h << "<h2>Map</h2>" << map;
  const std::string chart = DistanceChartHtml(*order, distances, content.events, clock);
  if (!chart.empty()) h << "<h2>Distance over time</h2>" << chart;
  FixTable(content, *order, clock, h);
  h << "<h2>How to verify</h2><p>Run <code>stayaway verify</code> on this directory. It checks "
       "the centre's signature (key "
    << HtmlEscape(content.key_id)
    << ") over the manifest and the checkpoint, the SHA-256 of every file, the Merkle inclusion "
       "proof of every fix, order and event against the signed checkpoint (RFC 6962 hashing), "
       "recomputes this report (format "
    << kReportFormat
    << ") and re-runs the engine on the bundled inputs to reproduce the "
       "alert.</p>\n</body></html>\n";
  return h.str();
}

std::optional<std::string> ReportHtmlOfFormat(const std::string& report_format,
                                              const BundleContent& content) {
  if (report_format.empty()) return ReportHtmlV1(content);
  if (report_format == kReportFormat) return ReportHtml(content);
  return std::nullopt;
}

}  // namespace stayaway::evidence
