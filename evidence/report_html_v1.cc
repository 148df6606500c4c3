#include "evidence/report_html_v1.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <tuple>

#include "base/time.h"
#include "evidence/derived_files.h"

namespace stayaway::evidence {
namespace {

// Own copies of the helpers the first report was written with: a change to the current
// report's helpers must not change a byte of this one.
std::string Number(double value, int decimals = 2) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string ReportHtmlV1(const BundleContent& content) {
  const v1::Order* order = OrderOf(content);
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Evidence: "
    << Escape(content.subject) << "</title>\n<style>body{font-family:serif;max-width:60em;"
    << "margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #999;padding:"
    << "2px 6px;font-size:90%}h1{font-size:140%}svg{border:1px solid #999}</style></head><body>\n";
  h << "<h1>Evidence report: " << Escape(content.subject) << "</h1>\n";
  if (order == nullptr) {
    h << "<p>No order in the bundle.</p></body></html>\n";
    return h.str();
  }
  h << "<h2>Order</h2><table>"
    << "<tr><th>Order</th><td>" << Escape(order->id()) << " version " << order->version()
    << "</td></tr>"
    << "<tr><th>Case</th><td>" << Escape(order->case_reference()) << "</td></tr>"
    << "<tr><th>Issued by</th><td>" << Escape(order->issuing_authority()) << "</td></tr>"
    << "<tr><th>Supervised person</th><td>" << Escape(order->supervised().id()) << " (devices ";
  for (const std::string& d : order->supervised().devices()) h << Escape(d) << " ";
  h << ")</td></tr>";
  for (const v1::Party& p : order->protected_()) {
    h << "<tr><th>Protected person</th><td>" << Escape(p.id()) << " " << Escape(p.relation())
      << " (devices ";
    for (const std::string& d : p.devices()) h << Escape(d) << " ";
    h << ")</td></tr>";
  }
  h << "<tr><th>Violation distance</th><td>" << Number(order->violation_distance_m(), 0)
    << " m</td></tr><tr><th>Warning distance</th><td>" << Number(order->warning_distance_m(), 0)
    << " m</td></tr></table>\n";

  // Timeline with response times.
  h << "<h2>Alert timeline</h2><table><tr><th>#</th><th>Event time</th><th>Detected</th>"
    << "<th>Transition</th><th>Kind</th><th>Certainty</th><th>Distance [lower, upper]</th>"
    << "<th>Operator</th></tr>\n";
  TimeMs opened_at = 0;
  for (const v1::EventRecord& r : content.events) {
    const v1::Event& e = r.event();
    const TimeMs detected = TimestampToMs(e.detected_at());
    if (e.transition() == v1::Event::opened) opened_at = detected;
    std::string response;
    if (e.transition() == v1::Event::acknowledged && opened_at != 0) {
      response = " (response time " + std::to_string((detected - opened_at) / 1000) + " s)";
    }
    if (e.transition() == v1::Event::resolved) {
      // Only resolved rows say this, so reports of bundles without one are unchanged.
      response += " (disposition: " + v1::AlertResolve::Disposition_Name(e.disposition()) + ")";
    }
    if (e.transition() == v1::Event::received) {
      response +=
          "shown to protected person " + Escape(e.received_by()) + " (event " +
          std::to_string(e.received_seq()) +
          (e.has_shown_at() ? ", on her device at " + FormatRfc3339(TimestampToMs(e.shown_at()))
                            : std::string()) +
          ")";
    }
    h << "<tr><td>" << r.seq() << "</td><td>" << FormatRfc3339(TimestampToMs(e.time()))
      << (e.late() ? " (late)" : "") << "</td><td>" << FormatRfc3339(detected) << "</td><td>"
      << v1::Event::Transition_Name(e.transition()) << "</td><td>" << v1::Event::Kind_Name(e.kind())
      << "</td><td>" << (e.has_certainty() ? v1::Event::Certainty_Name(e.certainty()) : "")
      << "</td><td>"
      << (e.has_distance_m()
              ? Number(e.distance_m(), 1) + " m [" + Number(e.distance_lower_m(), 1) + ", " +
                    Number(e.distance_upper_m(), 1) + "]"
              : "")
      << "</td><td>" << Escape(e.ack_by()) << " " << Escape(e.ack_note()) << response
      << "</td></tr>\n";
  }
  h << "</table>\n";

  // The map: an equirectangular view of everything in the bundle.
  double min_lat = 90, max_lat = -90, min_lon = 180, max_lon = -180;
  auto extend = [&](double lat, double lon) {
    min_lat = std::min(min_lat, lat);
    max_lat = std::max(max_lat, lat);
    min_lon = std::min(min_lon, lon);
    max_lon = std::max(max_lon, lon);
  };
  for (const v1::Input& in : content.inputs) {
    if (in.has_fix() && !in.fix().no_position()) extend(in.fix().lat(), in.fix().lon());
  }
  for (const v1::Zone& z : order->zones()) {
    if (z.has_circle()) extend(z.circle().lat(), z.circle().lon());
  }
  if (min_lat <= max_lat) {
    const double mid_lat = (min_lat + max_lat) / 2;
    const double cos_lat = std::cos(mid_lat * M_PI / 180);
    const double pad = 0.002;
    min_lat -= pad, max_lat += pad, min_lon -= pad / cos_lat, max_lon += pad / cos_lat;
    const double width_m = (max_lon - min_lon) * cos_lat * 111320,
                 height_m = (max_lat - min_lat) * 110574;
    const double scale = std::min(640 / width_m, 480 / height_m);  // px per metre
    auto x = [&](double lon) { return Number((lon - min_lon) * cos_lat * 111320 * scale, 1); };
    auto y = [&](double lat) { return Number((max_lat - lat) * 110574 * scale, 1); };
    h << "<h2>Map</h2><svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
      << Number(width_m * scale, 0) << "\" height=\"" << Number(height_m * scale, 0) << "\">\n";
    for (const v1::Zone& z : order->zones()) {
      if (z.has_circle()) {
        h << "<circle cx=\"" << x(z.circle().lon()) << "\" cy=\"" << y(z.circle().lat())
          << "\" r=\"" << Number((z.circle().radius_m() + z.buffer_m()) * scale, 1)
          << "\" fill=\"#fc9\" fill-opacity=\"0.4\" stroke=\"#c60\"><title>" << Escape(z.id())
          << "</title></circle>\n";
      }
    }
    auto track = [&](const v1::Party& party, const char* colour) {
      const std::vector<TimedFix> fixes = FixesOf(content, party);
      h << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
      for (const TimedFix& f : fixes) h << x(f.fix->lon()) << "," << y(f.fix->lat()) << " ";
      h << "\"/>\n";
      for (const TimedFix& f : fixes) {
        h << "<circle cx=\"" << x(f.fix->lon()) << "\" cy=\"" << y(f.fix->lat()) << "\" r=\""
          << Number(std::max(1.5, f.fix->accuracy_m() * scale), 1) << "\" fill=\"" << colour
          << "\" fill-opacity=\"0.25\"><title>" << Escape(f.fix->device()) << " #" << f.fix->seq()
          << " " << FormatRfc3339(f.time) << "</title></circle>\n";
      }
      return fixes;
    };
    track(order->supervised(), "#c00");
    for (const v1::Party& p : order->protected_()) {
      const std::vector<TimedFix> fixes = track(p, "#06c");
      if (!fixes.empty()) {  // the rings around the protected person's last position
        const v1::Fix& at = *fixes.back().fix;
        for (double ring : {order->violation_distance_m(), order->warning_distance_m()}) {
          if (ring <= 0) continue;
          h << "<circle cx=\"" << x(at.lon()) << "\" cy=\"" << y(at.lat()) << "\" r=\""
            << Number(ring * scale, 1)
            << "\" fill=\"none\" stroke=\"#06c\" stroke-dasharray=\"4\"/>\n";
        }
      }
    }
    h << "</svg>\n<p>Red: supervised person's fixes and track. Blue: protected persons'. Circles "
         "around fixes: their accuracy radius. Dashed: violation and warning distances around "
         "the protected person's last position. Orange: zones with their buffer.</p>\n";
  }

  // Distance over time, with its uncertainty band and the thresholds.
  const std::vector<PairedDistance> rows = PairedDistances(content);
  if (!rows.empty()) {
    const TimeMs t0 = rows.front().time, t1 = std::max(rows.back().time, t0 + 1);
    double top = std::max(order->warning_distance_m(), order->violation_distance_m());
    for (const PairedDistance& r : rows) top = std::max(top, r.upper_m);
    top *= 1.1;
    auto cx = [&](TimeMs t) {
      return Number(40 + 600.0 * static_cast<double>(t - t0) / static_cast<double>(t1 - t0), 1);
    };
    auto cy = [&](double m) { return Number(10 + 280 * (1 - m / top), 1); };
    h << "<h2>Distance over time</h2><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"660\" "
         "height=\"320\">\n";
    for (const PairedDistance& r : rows) {
      h << "<line x1=\"" << cx(r.time) << "\" x2=\"" << cx(r.time) << "\" y1=\"" << cy(r.lower_m)
        << "\" y2=\"" << cy(r.upper_m) << "\" stroke=\"#999\"/>\n<circle cx=\"" << cx(r.time)
        << "\" cy=\"" << cy(r.distance_m) << "\" r=\"2\" fill=\"#000\"><title>"
        << FormatRfc3339(r.time) << " " << Escape(r.person) << " " << Number(r.distance_m, 1)
        << " m</title></circle>\n";
    }
    for (const auto& [limit, colour, name] :
         {std::tuple{order->violation_distance_m(), "#c00", "violation"},
          std::tuple{order->warning_distance_m(), "#f90", "warning"}}) {
      if (limit <= 0) continue;
      h << "<line x1=\"40\" x2=\"640\" y1=\"" << cy(limit) << "\" y2=\"" << cy(limit)
        << "\" stroke=\"" << colour << "\" stroke-dasharray=\"6\"/><text x=\"645\" y=\""
        << cy(limit) << "\" font-size=\"10\">" << name << " " << Number(limit, 0) << " m</text>\n";
    }
    h << "<text x=\"40\" y=\"310\" font-size=\"10\">" << FormatRfc3339(t0)
      << "</text><text x=\"520\" "
         "y=\"310\" font-size=\"10\">"
      << FormatRfc3339(t1)
      << "</text>\n</svg>\n<p>Each bar spans "
         "the distance's lower and upper bound (both accuracy radii); the dot is the measured "
         "geodesic distance.</p>\n";
  }

  h << "<h2>Fixes</h2><table><tr><th>Device</th><th>Seq</th><th>Time</th><th>Received</th>"
       "<th>Lat</th><th>Lon</th><th>Accuracy</th><th>Source</th></tr>\n";
  for (const v1::Input& in : content.inputs) {
    if (!in.has_fix()) continue;
    const v1::Fix& f = in.fix();
    h << "<tr><td>" << Escape(f.device()) << "</td><td>" << f.seq() << "</td><td>"
      << FormatRfc3339(TimestampToMs(f.time())) << "</td><td>"
      << FormatRfc3339(TimestampToMs(f.received())) << "</td>";
    if (f.no_position()) {
      h << "<td colspan=\"3\">no position</td>";
    } else {
      h << "<td>" << Number(f.lat(), 6) << "</td><td>" << Number(f.lon(), 6) << "</td><td>"
        << Number(f.accuracy_m(), 1) << " m</td>";
    }
    h << "<td>" << v1::Fix::Source_Name(f.source()) << "</td></tr>\n";
  }
  h << "</table>\n<h2>How to verify</h2><p>Run <code>stayaway verify</code> on this directory. "
       "It checks the centre's signature (key "
    << Escape(content.key_id)
    << ") over the manifest "
       "and the checkpoint, the SHA-256 of every file, the Merkle inclusion proof of every fix, "
       "order and event against the signed checkpoint (RFC 6962 hashing), recomputes this report "
       "and re-runs the engine on the bundled inputs to reproduce the alert.</p>\n</body></html>\n";
  return h.str();
}

}  // namespace stayaway::evidence
