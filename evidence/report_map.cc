#include "evidence/report_map.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

#include "evidence/report_text.h"

namespace stayaway::evidence {
namespace {

constexpr double kMaxWidth = 680, kMaxHeight = 470;  // CSS px
constexpr double kMargin = 10, kBottom = 34;         // room for the scale bar
constexpr double kMetresPerDegreeLat = 110'574, kMetresPerDegreeLonAtEquator = 111'320;

std::string N(double value) { return Fixed(value, 1); }

struct LatLon {
  double lat, lon;
};
using Ring = std::vector<LatLon>;
using Polygon = std::vector<Ring>;  // outer ring, then holes

// The polygons of a zone's GeoJSON Polygon or MultiPolygon (validated when the order was
// accepted; anything else yields none).
std::vector<Polygon> PolygonsOf(const v1::Zone& zone) {
  const auto& fields = zone.geometry().fields();
  const auto type = fields.find("type");
  const auto coordinates = fields.find("coordinates");
  if (type == fields.end() || coordinates == fields.end()) return {};
  auto polygon = [](const google::protobuf::Value& rings) {
    Polygon out;
    for (const auto& ring : rings.list_value().values()) {
      Ring points;
      for (const auto& position : ring.list_value().values()) {
        if (position.list_value().values_size() >= 2) {
          points.push_back({position.list_value().values(1).number_value(),
                            position.list_value().values(0).number_value()});
        }
      }
      out.push_back(std::move(points));
    }
    return out;
  };
  if (type->second.string_value() == "Polygon") return {polygon(coordinates->second)};
  std::vector<Polygon> out;
  if (type->second.string_value() == "MultiPolygon") {
    for (const auto& p : coordinates->second.list_value().values()) out.push_back(polygon(p));
  }
  return out;
}

std::string ZoneLabel(const v1::Zone& zone) {
  return (zone.name().empty() ? zone.id() : zone.name()) + " (" +
         Words(v1::Zone::Kind_Name(zone.kind())) + " zone)";
}

std::string PersonName(const v1::Party& party) {
  return party.relation().empty() ? party.id() : party.id() + " (" + party.relation() + ")";
}

std::string Swatch(const std::string& colour, bool dashed = false) {
  return "<svg width=\"22\" height=\"10\" viewBox=\"0 0 22 10\"><line x1=\"1\" x2=\"21\" y1=\"5\" "
         "y2=\"5\" stroke=\"" +
         colour + "\" stroke-width=\"2\"" + (dashed ? " stroke-dasharray=\"4 2\"" : "") +
         "/><circle cx=\"11\" cy=\"5\" r=\"3\" fill=\"" + colour + "\"/></svg>";
}

}  // namespace

double ScaleBarMetres(double metres_per_px, double max_px) {
  const double limit = metres_per_px * max_px;
  double power = std::pow(10.0, std::floor(std::log10(limit)));
  for (double step : {5.0, 2.0, 1.0}) {
    if (step * power <= limit) return step * power;
  }
  return power;
}

std::string MapHtml(const BundleContent& content, const v1::Order& order, const MapFocus& focus) {
  double min_lat = 90, max_lat = -90, min_lon = 180, max_lon = -180;
  auto extend = [&](double lat, double lon) {
    min_lat = std::min(min_lat, lat);
    max_lat = std::max(max_lat, lat);
    min_lon = std::min(min_lon, lon);
    max_lon = std::max(max_lon, lon);
  };
  auto in_focus = [&](const v1::Fix& fix) {
    const TimeMs t = TimestampToMs(fix.time());
    return focus.to <= focus.from || (t >= focus.from && t <= focus.to);
  };
  for (const v1::Input& in : content.inputs) {
    if (in.has_fix() && !in.fix().no_position() && in_focus(in.fix())) {
      extend(in.fix().lat(), in.fix().lon());
    }
  }
  if (min_lat > max_lat) {  // nothing in the period: every fix
    for (const v1::Input& in : content.inputs) {
      if (in.has_fix() && !in.fix().no_position()) extend(in.fix().lat(), in.fix().lon());
    }
  }
  if (min_lat > max_lat) return "";  // no position at all
  const double mid_lat = (min_lat + max_lat) / 2;
  const double cos_lat = std::max(0.01, std::cos(mid_lat * std::numbers::pi / 180));
  const double metres_per_degree_lon = kMetresPerDegreeLonAtEquator * cos_lat;
  // Zones whole, as far as they are near the tracks (a zone across the city is not worth
  // shrinking the tracks to a dot: the page says where it is).
  const double track_extent_m = std::max((max_lat - min_lat) * kMetresPerDegreeLat,
                                         (max_lon - min_lon) * metres_per_degree_lon);
  const double near_m = std::max(2000.0, 2 * track_extent_m);
  auto near = [&](double lat, double lon) {
    const double dy = (lat - mid_lat) * kMetresPerDegreeLat;
    const double dx = (lon - (min_lon + max_lon) / 2) * metres_per_degree_lon;
    return std::hypot(dx, dy) <= near_m;
  };
  for (const v1::Zone& z : order.zones()) {
    if (z.has_circle() && near(z.circle().lat(), z.circle().lon())) {
      const double r = z.circle().radius_m() + z.buffer_m();
      extend(z.circle().lat() - r / kMetresPerDegreeLat,
             z.circle().lon() - r / metres_per_degree_lon);
      extend(z.circle().lat() + r / kMetresPerDegreeLat,
             z.circle().lon() + r / metres_per_degree_lon);
    }
    for (const Polygon& polygon : PolygonsOf(z)) {
      for (const LatLon& p : polygon.empty() ? Ring{} : polygon.front()) {
        if (near(p.lat, p.lon)) extend(p.lat, p.lon);
      }
    }
  }
  // A margin of 8% (at least 60 m) so nothing sits on the frame, room for the labels.
  const double pad_m = std::max(60.0, 0.08 * std::max((max_lat - min_lat) * kMetresPerDegreeLat,
                                                      (max_lon - min_lon) * metres_per_degree_lon));
  min_lat -= pad_m / kMetresPerDegreeLat, max_lat += pad_m / kMetresPerDegreeLat;
  min_lon -= pad_m / metres_per_degree_lon, max_lon += pad_m / metres_per_degree_lon;
  const double width_m = (max_lon - min_lon) * metres_per_degree_lon;
  const double height_m = (max_lat - min_lat) * kMetresPerDegreeLat;
  const double scale = std::min((kMaxWidth - 2 * kMargin) / width_m,
                                (kMaxHeight - kMargin - kBottom) / height_m);  // px per metre
  const double width = width_m * scale + 2 * kMargin, height = height_m * scale + kMargin + kBottom;
  auto x = [&](double lon) { return kMargin + (lon - min_lon) * metres_per_degree_lon * scale; };
  auto y = [&](double lat) { return kMargin + (max_lat - lat) * kMetresPerDegreeLat * scale; };

  std::ostringstream h;
  h << "<figure class=\"map\"><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" width=\""
    << N(width) << "\" height=\"" << N(height) << "\" viewBox=\"0 0 " << N(width) << " "
    << N(height) << "\" font-family=\"sans-serif\">\n<rect width=\"" << N(width) << "\" height=\""
    << N(height)
    << "\" fill=\"#fff\"/>\n"
    // Tracks that leave the map stop at its frame, above the scale bar.
    << "<clipPath id=\"map-frame\"><rect width=\"" << N(width) << "\" height=\""
    << N(height - kBottom + kMargin) << "\"/></clipPath><g clip-path=\"url(#map-frame)\">\n";
  int off_map = 0;

  // Zones, then their names on top of everything else (below).
  std::ostringstream zone_labels;
  auto zone_label = [&](const v1::Zone& z, double cx, double top_y) {
    const std::string text = ZoneLabel(z);
    const double half = 2.9 * static_cast<double>(text.size());  // ~5.8 px a character at 10 px
    const double lx = std::clamp(cx, half + 4, std::max(half + 4, width - half - 4));
    const double ly = std::clamp(top_y - 4, 12.0, height - kBottom);
    zone_labels << "<text class=\"zone-name\" x=\"" << N(lx) << "\" y=\"" << N(ly)
                << "\" font-size=\"10\" text-anchor=\"middle\" fill=\"#803000\" stroke=\"#fff\" "
                   "stroke-width=\"3\" paint-order=\"stroke\">"
                << HtmlEscape(text) << "</text>\n";
  };
  for (const v1::Zone& z : order.zones()) {
    if (z.redacted()) continue;
    if (z.has_circle()) {
      const double cx = x(z.circle().lon()), cy = y(z.circle().lat());
      const double r = (z.circle().radius_m() + z.buffer_m()) * scale;
      h << "<circle cx=\"" << N(cx) << "\" cy=\"" << N(cy) << "\" r=\"" << N(r)
        << "\" fill=\"#fc9\" fill-opacity=\"0.4\" stroke=\"#c60\"><title>" << HtmlEscape(z.id())
        << "</title></circle>\n";
      if (z.buffer_m() > 0) {
        h << "<circle cx=\"" << N(cx) << "\" cy=\"" << N(cy) << "\" r=\""
          << N(z.circle().radius_m() * scale)
          << "\" fill=\"none\" stroke=\"#c60\" "
             "stroke-dasharray=\"2 2\"/>\n";
      }
      zone_label(z, cx, cy - r);
    }
    for (const Polygon& polygon : PolygonsOf(z)) {
      if (polygon.empty() || polygon.front().empty()) continue;
      h << "<path fill-rule=\"evenodd\" fill=\"#fc9\" fill-opacity=\"0.4\" stroke=\"#c60\" d=\"";
      for (const Ring& ring : polygon) {
        for (size_t i = 0; i < ring.size(); ++i) {
          h << (i == 0 ? "M" : "L") << N(x(ring[i].lon)) << "," << N(y(ring[i].lat)) << " ";
        }
        h << "Z ";
      }
      h << "\"><title>" << HtmlEscape(z.id()) << "</title></path>\n";
      double top = height, left = width, right = 0;
      for (const LatLon& p : polygon.front()) {
        top = std::min(top, y(p.lat));
        left = std::min(left, x(p.lon));
        right = std::max(right, x(p.lon));
      }
      zone_label(z, (left + right) / 2, top);
    }
  }

  auto track = [&](const v1::Party& party, const std::string& colour) {
    const std::vector<TimedFix> fixes = FixesOf(content, party);
    h << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
    for (const TimedFix& f : fixes) h << N(x(f.fix->lon())) << "," << N(y(f.fix->lat())) << " ";
    h << "\"/>\n";
    for (const TimedFix& f : fixes) {
      const double fx = x(f.fix->lon()), fy = y(f.fix->lat());
      if (fx < 0 || fx > width || fy < 0 || fy > height - kBottom + kMargin) ++off_map;
      h << "<circle cx=\"" << N(fx) << "\" cy=\"" << N(fy) << "\" r=\""
        << N(std::max(1.5, f.fix->accuracy_m() * scale)) << "\" fill=\"" << colour
        << "\" fill-opacity=\"0.25\"><title>" << HtmlEscape(f.fix->device()) << " #" << f.fix->seq()
        << " " << FormatRfc3339(f.time) << "</title></circle>\n";
    }
    return fixes;
  };
  track(order.supervised(), SupervisedColour());
  for (int i = 0; i < order.protected__size(); ++i) {
    const std::vector<TimedFix> fixes = track(order.protected_(i), ProtectedColour(i));
    if (fixes.empty()) continue;
    // The rings around her last position in the period.
    const v1::Fix* last = fixes.front().fix;
    for (const TimedFix& f : fixes) {
      if (in_focus(*f.fix)) last = f.fix;
    }
    const v1::Fix& at = *last;
    for (double ring : {order.violation_distance_m(), order.warning_distance_m()}) {
      if (ring <= 0) continue;
      h << "<circle cx=\"" << N(x(at.lon())) << "\" cy=\"" << N(y(at.lat())) << "\" r=\""
        << N(ring * scale) << "\" fill=\"none\" stroke=\"" << ProtectedColour(i)
        << "\" stroke-dasharray=\"4\"/>\n";
    }
  }
  if (focus.closest != nullptr) {  // the closest approach: a line between the two fixes
    const v1::Fix& a = *focus.closest->supervised;
    const v1::Fix& b = *focus.closest->protected_fix;
    const double ax = x(a.lon()), ay = y(a.lat()), bx = x(b.lon()), by = y(b.lat());
    const bool right = (ax + bx) / 2 > width / 2;
    h << "<g class=\"closest\"><line x1=\"" << N(ax) << "\" y1=\"" << N(ay) << "\" x2=\"" << N(bx)
      << "\" y2=\"" << N(by) << "\" stroke=\"#000\" stroke-width=\"1.5\"/><text x=\""
      << N((ax + bx) / 2 + (right ? -6 : 6)) << "\" y=\"" << N(std::max(ay, by) + 16)
      << "\" font-size=\"10\" text-anchor=\"" << (right ? "end" : "start")
      << "\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">closest approach "
      << Metres(focus.closest->distance_m) << "</text></g>\n";
  }
  h << zone_labels.str() << "</g>\n";

  // Scale bar: two halves, black and white, at the bottom left.
  const double bar_m = ScaleBarMetres(1 / scale, std::min(200.0, width / 3));
  const double bar_px = bar_m * scale, bar_y = height - 14;
  h << "<g class=\"scale-bar\"><rect x=\"" << N(kMargin) << "\" y=\"" << N(bar_y) << "\" width=\""
    << N(bar_px / 2) << "\" height=\"5\" fill=\"#000\" stroke=\"#000\"/><rect x=\""
    << N(kMargin + bar_px / 2) << "\" y=\"" << N(bar_y) << "\" width=\"" << N(bar_px / 2)
    << "\" height=\"5\" fill=\"#fff\" stroke=\"#000\"/><text x=\"" << N(kMargin) << "\" y=\""
    << N(bar_y - 4) << "\" font-size=\"10\">0</text><text x=\"" << N(kMargin + bar_px) << "\" y=\""
    << N(bar_y - 4) << "\" font-size=\"10\" text-anchor=\"middle\">" << Metres(bar_m)
    << "</text></g>\n";
  // North arrow at the top right.
  const double nx = width - 22, ny = 14;
  h << "<g class=\"north-arrow\"><circle cx=\"" << N(nx) << "\" cy=\"" << N(ny + 14)
    << "\" r=\"13\" fill=\"#fff\" fill-opacity=\"0.8\" stroke=\"#000\"/><polygon points=\"" << N(nx)
    << "," << N(ny + 4) << " " << N(nx + 6) << "," << N(ny + 24) << " " << N(nx) << ","
    << N(ny + 19) << " " << N(nx - 6) << "," << N(ny + 24) << "\" fill=\"#000\"/><text x=\""
    << N(nx) << "\" y=\"" << N(ny + 38)
    << "\" font-size=\"11\" font-weight=\"bold\" text-anchor=\"middle\">N</text></g>\n</svg>\n";

  // The legend, in text so that it prints.
  h << "<figcaption><div class=\"map-legend\"><span class=\"key\">" << Swatch(SupervisedColour())
    << " supervised person " << HtmlEscape(PersonName(order.supervised())) << "</span>";
  for (int i = 0; i < order.protected__size(); ++i) {
    h << " <span class=\"key\">" << Swatch(ProtectedColour(i)) << " protected person "
      << HtmlEscape(PersonName(order.protected_(i))) << "</span>";
  }
  h << "</div>Lines join each person's fixes in time order; the shaded circle around a fix is "
       "its accuracy radius. Dashed circles: the violation distance ("
    << Metres(order.violation_distance_m()) << ")"
    << (order.warning_distance_m() > 0
            ? " and the warning distance (" + Metres(order.warning_distance_m()) + ")"
            : std::string())
    << " around each protected person's last position. Orange: the order's zones"
    << " (a circle zone with its buffer; its own edge dotted). North is up; the bar shows "
    << Metres(bar_m) << "."
    << (off_map > 0 ? " The map shows the period of the chart below; " + std::to_string(off_map) +
                          " fixes from before or after it lie beyond its edges (see the table of "
                          "fixes)."
                    : std::string())
    << "</figcaption></figure>\n";
  return h.str();
}

}  // namespace stayaway::evidence
