#include "evidence/report_chart.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <tuple>

namespace stayaway::evidence {
namespace {

constexpr double kWidth = 680;    // the figure, CSS px: A4 inside 15 mm margins
constexpr double kPlotLeft = 64;  // room for "1000 m" and the axis title
constexpr double kPlotRight = 668;
constexpr double kPlotHeight = 230;  // the main chart's plot area
constexpr double kLegendEntryWidth = 200;
constexpr TimeMs kMinute = 60'000;

const char* const kViolationColour = "#c00000";
const char* const kWarningColour = "#d07000";

std::string N(double value) { return Fixed(value, 1); }

// The smallest of 1, 2, 2.5, 5 times a power of ten that is >= value (value > 0).
double NiceCeiling(double value) {
  const double power = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (step * power >= value * (1 - 1e-12)) return step * power;
  }
  return 10 * power;
}

// Distance axis ticks: a step of 1, 2 or 5 times a power of ten giving 4 to 8 ticks.
double TickStep(double top) {
  const double power = std::pow(10.0, std::floor(std::log10(top)));
  for (double step : {power / 10, power / 5, power / 4, power / 2, power, 2 * power}) {
    if (top / step <= 8) return step;
  }
  return 5 * power;
}

std::string TickLabel(double metres) {
  if (metres >= 1000) {
    const double km = metres / 1000;
    return (std::fabs(km - std::round(km)) < 1e-9 ? Fixed(km, 0) : Fixed(km, 1)) + " km";
  }
  return Fixed(metres, 0) + " m";
}

// Time axis: the first step from the list giving at most 7 ticks.
TimeMs TimeStep(TimeMs span) {
  for (TimeMs step :
       {kMinute, 2 * kMinute, 5 * kMinute, 10 * kMinute, 15 * kMinute, 30 * kMinute, 60 * kMinute,
        120 * kMinute, 180 * kMinute, 360 * kMinute, 720 * kMinute, 1440 * kMinute}) {
    if (span / step <= 6) return step;
  }
  return span / 6 / (1440 * kMinute) * (1440 * kMinute) + 1440 * kMinute;
}

// A marker of shape `shape` (circle, square, triangle, diamond, by protected person).
std::string Marker(int shape, double x, double y, double size, const std::string& colour,
                   bool filled) {
  const std::string paint = filled ? "fill=\"" + colour + "\" stroke=\"" + colour + "\""
                                   : "fill=\"#fff\" stroke=\"" + colour + "\"";
  std::ostringstream m;
  switch (shape % 4) {
    case 0:
      m << "<circle cx=\"" << N(x) << "\" cy=\"" << N(y) << "\" r=\"" << N(size) << "\" " << paint
        << "/>";
      break;
    case 1:
      m << "<rect x=\"" << N(x - size) << "\" y=\"" << N(y - size) << "\" width=\"" << N(2 * size)
        << "\" height=\"" << N(2 * size) << "\" " << paint << "/>";
      break;
    case 2:
      m << "<polygon points=\"" << N(x) << "," << N(y - 1.2 * size) << " " << N(x + 1.1 * size)
        << "," << N(y + size) << " " << N(x - 1.1 * size) << "," << N(y + size) << "\" " << paint
        << "/>";
      break;
    default:
      m << "<polygon points=\"" << N(x) << "," << N(y - 1.3 * size) << " " << N(x + 1.3 * size)
        << "," << N(y) << " " << N(x) << "," << N(y + 1.3 * size) << " " << N(x - 1.3 * size) << ","
        << N(y) << "\" " << paint << "/>";
  }
  return m.str();
}

// Text with a white halo, so it stays readable over lines and markers.
std::string Label(double x, double y, const std::string& text, const char* anchor,
                  const std::string& colour = "#000", double size = 10) {
  std::ostringstream t;
  t << "<text x=\"" << N(x) << "\" y=\"" << N(y) << "\" font-size=\"" << N(size)
    << "\" text-anchor=\"" << anchor << "\" fill=\"" << colour
    << "\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">" << HtmlEscape(text)
    << "</text>";
  return t.str();
}

std::string PersonName(const v1::Party& party) {
  return party.relation().empty() ? party.id() : party.id() + " (" + party.relation() + ")";
}

// "16:03:10" in the order's zone; "10:03:10 UTC" without one.
std::string TimeOfDay(const ReportClock& clock, TimeMs t) {
  if (!clock.HasLocal()) return clock.Utc(t).substr(11);
  return clock.Local(t).substr(11, 8) + " (" + clock.Utc(t).substr(11) + ")";
}

}  // namespace

ChartEpisode EpisodeOf(const std::vector<PairedDistance>& distances,
                       const std::vector<v1::EventRecord>& events) {
  if (distances.empty()) return {};
  const auto closest = std::min_element(
      distances.begin(), distances.end(),
      [](const PairedDistance& a, const PairedDistance& b) { return a.distance_m < b.distance_m; });
  TimeMs from = closest->time, to = closest->time;
  for (const v1::EventRecord& record : events) {
    const TimeMs t = TimestampToMs(record.event().time());
    from = std::min(from, t);
    to = std::max(to, t);
  }
  const TimeMs pad = std::max<TimeMs>((to - from) / 4, 5 * kMinute);
  from = std::max(distances.front().time, from - pad);
  to = std::min(distances.back().time, to + pad);
  if (to <= from) {  // one reading, or all at one instant
    from -= kMinute;
    to += kMinute;
  }
  return {from, to};
}

std::string DistanceChartHtml(const v1::Order& order, const std::vector<PairedDistance>& distances,
                              const std::vector<v1::EventRecord>& events,
                              const ReportClock& clock) {
  if (distances.empty()) return "";
  const ChartEpisode episode = EpisodeOf(distances, events);
  const double violation = order.violation_distance_m(), warning = order.warning_distance_m();
  const double threshold = std::max(violation, warning);
  const PairedDistance& closest = *std::min_element(
      distances.begin(), distances.end(),
      [](const PairedDistance& a, const PairedDistance& b) { return a.distance_m < b.distance_m; });
  double episode_upper = 0, window_upper = threshold;
  for (const PairedDistance& d : distances) {
    window_upper = std::max(window_upper, d.upper_m);
    if (d.time >= episode.from && d.time <= episode.to) {
      episode_upper = std::max(episode_upper, d.upper_m);
    }
  }
  // Up to twice the larger threshold is shown whole; farther readings go to the top edge,
  // so that the thresholds and the closest approach keep most of the height.
  const double top =
      NiceCeiling(std::max({threshold * 1.25, std::min(episode_upper * 1.05, 2 * threshold),
                            closest.upper_m * 1.1, 1.0}));

  std::ostringstream h;
  // --- The legend: one entry per protected person, then what a bar means.
  const int entries = order.protected__size() + 1;
  const int per_row = static_cast<int>((kPlotRight - kPlotLeft) / kLegendEntryWidth);
  const int legend_rows = (entries + per_row - 1) / per_row;
  const double plot_top = 12 + legend_rows * 16.0;
  const double plot_bottom = plot_top + kPlotHeight;
  const double height = plot_bottom + (clock.HasLocal() ? 46 : 34);
  const double plot_width = kPlotRight - kPlotLeft;
  auto x_of = [&](TimeMs t) {
    return kPlotLeft + plot_width * static_cast<double>(t - episode.from) /
                           static_cast<double>(episode.to - episode.from);
  };
  auto y_of = [&](double m) { return plot_bottom - kPlotHeight * std::clamp(m, 0.0, top) / top; };

  h << "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"distance-chart\" "
       "width=\""
    << N(kWidth) << "\" height=\"" << N(height) << "\" viewBox=\"0 0 " << N(kWidth) << " "
    << N(height) << "\" font-family=\"sans-serif\">\n";
  h << "<g class=\"legend\">";
  for (int i = 0; i < entries; ++i) {
    const double lx = kPlotLeft + (i % per_row) * kLegendEntryWidth;
    const double ly = 10 + (i / per_row) * 16.0;
    if (i < order.protected__size()) {
      const std::string colour = ProtectedColour(i);
      h << "<line x1=\"" << N(lx) << "\" x2=\"" << N(lx + 18) << "\" y1=\"" << N(ly) << "\" y2=\""
        << N(ly) << "\" stroke=\"" << colour << "\"/>" << Marker(i, lx + 9, ly, 3.5, colour, true)
        << "<text class=\"legend-person\" x=\"" << N(lx + 24) << "\" y=\"" << N(ly + 3.5)
        << "\" font-size=\"10\">" << HtmlEscape(PersonName(order.protected_(i))) << "</text>";
    } else {
      h << "<line x1=\"" << N(lx + 9) << "\" x2=\"" << N(lx + 9) << "\" y1=\"" << N(ly - 6)
        << "\" y2=\"" << N(ly + 6) << "\" stroke=\"#888\" stroke-width=\"2\"/><text x=\""
        << N(lx + 24) << "\" y=\"" << N(ly + 3.5)
        << "\" font-size=\"10\">bar: lower to upper bound</text>";
    }
  }
  h << "</g>\n";

  // --- Axes and grid.
  h << "<g class=\"y-axis\">";
  const double step = TickStep(top);
  for (double m = 0; m <= top * (1 + 1e-9); m += step) {
    h << "<line x1=\"" << N(kPlotLeft) << "\" x2=\"" << N(kPlotRight) << "\" y1=\"" << N(y_of(m))
      << "\" y2=\"" << N(y_of(m)) << "\" stroke=\"#ddd\"/><text x=\"" << N(kPlotLeft - 4)
      << "\" y=\"" << N(y_of(m) + 3.5) << "\" font-size=\"10\" text-anchor=\"end\">" << TickLabel(m)
      << "</text>";
  }
  h << "<line x1=\"" << N(kPlotLeft) << "\" x2=\"" << N(kPlotLeft) << "\" y1=\"" << N(plot_top)
    << "\" y2=\"" << N(plot_bottom) << "\" stroke=\"#000\"/><text x=\"11\" y=\""
    << N((plot_top + plot_bottom) / 2)
    << "\" font-size=\"10\" text-anchor=\"middle\" transform=\"rotate(-90 11 "
    << N((plot_top + plot_bottom) / 2) << ")\">distance between the persons</text></g>\n";
  h << "<g class=\"x-axis\"><line x1=\"" << N(kPlotLeft) << "\" x2=\"" << N(kPlotRight)
    << "\" y1=\"" << N(plot_bottom) << "\" y2=\"" << N(plot_bottom) << "\" stroke=\"#000\"/>";
  const TimeMs span = episode.to - episode.from;
  const TimeMs tick = TimeStep(span);
  const bool with_date = span > 20 * 60 * kMinute;
  for (TimeMs t = (episode.from + tick - 1) / tick * tick; t <= episode.to; t += tick) {
    const double x = x_of(t);
    const char* anchor = x < kPlotLeft + 30 ? "start" : x > kPlotRight - 30 ? "end" : "middle";
    h << "<line x1=\"" << N(x) << "\" x2=\"" << N(x) << "\" y1=\"" << N(plot_bottom) << "\" y2=\""
      << N(plot_bottom + 4) << "\" stroke=\"#000\"/><text x=\"" << N(x) << "\" y=\""
      << N(plot_bottom + 15) << "\" font-size=\"10\" text-anchor=\"" << anchor << "\">"
      << (clock.HasLocal() ? clock.LocalShort(t, with_date) : clock.UtcShort(t, with_date))
      << "</text>";
    if (clock.HasLocal()) {
      h << "<text x=\"" << N(x) << "\" y=\"" << N(plot_bottom + 27)
        << "\" font-size=\"9\" fill=\"#555\" text-anchor=\"" << anchor << "\">"
        << clock.UtcShort(t, with_date) << "</text>";
    }
  }
  h << "<text class=\"time-axis-title\" x=\"" << N(kPlotLeft) << "\" y=\"" << N(height - 4)
    << "\" font-size=\"9\">"
    << (clock.HasLocal() ? "Time: upper row " + HtmlEscape(clock.ZoneName()) + ", lower row UTC"
                         : std::string("Time: UTC"))
    << "</text></g>\n";

  // --- The thresholds, labelled in full inside the plot.
  double last_label_y = -100;
  for (const auto& [limit, colour, name] :
       {std::tuple{violation, kViolationColour, "violation distance"},
        std::tuple{warning, kWarningColour, "warning distance"}}) {
    if (limit <= 0) continue;
    const double y = y_of(limit);
    double label_y = y - 4;
    if (std::fabs(label_y - last_label_y) < 12) label_y = y + 12;
    last_label_y = label_y;
    h << "<line class=\"threshold\" x1=\"" << N(kPlotLeft) << "\" x2=\"" << N(kPlotRight)
      << "\" y1=\"" << N(y) << "\" y2=\"" << N(y) << "\" stroke=\"" << colour
      << "\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\"/>"
      << Label(kPlotLeft + 4, label_y, std::string(name) + " " + Metres(limit), "start", colour)
      << "\n";
  }

  // --- The readings of the episode, per protected person.
  for (int i = 0; i < order.protected__size(); ++i) {
    const std::string& person = order.protected_(i).id();
    const std::string colour = ProtectedColour(i);
    std::ostringstream line, marks;
    for (const PairedDistance& d : distances) {
      if (d.person != person || d.time < episode.from || d.time > episode.to) continue;
      const double x = x_of(d.time);
      line << N(x) << "," << N(y_of(d.distance_m)) << " ";
      marks << "<line x1=\"" << N(x) << "\" x2=\"" << N(x) << "\" y1=\"" << N(y_of(d.lower_m))
            << "\" y2=\"" << N(y_of(d.upper_m)) << "\" stroke=\"" << colour
            << "\" stroke-opacity=\"0.45\" stroke-width=\"2\"/>";
      if (d.distance_m > top) {  // off the scale: an open triangle on the top edge
        marks << Marker(2, x, plot_top + 4, 3, colour, false);
      } else {
        marks << Marker(i, x, y_of(d.distance_m), 2.5, colour, true);
      }
      marks << "<title>" << HtmlEscape(person) << " " << clock.Utc(d.time) << " "
            << Fixed(d.distance_m, 1) << " m</title>\n";
    }
    h << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"1\" points=\""
      << line.str() << "\"/>\n"
      << marks.str();
  }

  // --- The closest approach, marked and written out.
  {
    const double x = x_of(closest.time), y = y_of(closest.distance_m);
    const bool right_half = x > kPlotLeft + plot_width / 2;
    const double text_y = y + 20 < plot_bottom - 4 ? y + 20 : y - 12;
    h << "<circle class=\"closest\" cx=\"" << N(x) << "\" cy=\"" << N(y)
      << "\" r=\"7\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\"/>"
      << Label(right_half ? x - 4 : x + 4, text_y,
               "closest approach " + Metres(closest.distance_m) + " (" + closest.person + ") at " +
                   TimeOfDay(clock, closest.time),
               right_half ? "end" : "start")
      << "\n";
  }
  h << "</svg>\n";

  // --- The overview of the whole window, with the episode shaded.
  const TimeMs all_from = distances.front().time;
  const TimeMs all_to = std::max(distances.back().time, all_from + 1);
  const double overview_top = NiceCeiling(window_upper * 1.02);
  const double o_top = 18, o_height = 64, o_bottom = o_top + o_height;
  const double o_height_total = o_bottom + (clock.HasLocal() ? 28 : 16);
  auto ox = [&](TimeMs t) {
    return kPlotLeft +
           plot_width * static_cast<double>(t - all_from) / static_cast<double>(all_to - all_from);
  };
  auto oy = [&](double m) {
    return o_bottom - o_height * std::clamp(m, 0.0, overview_top) / overview_top;
  };
  h << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"overview-chart\" width=\"" << N(kWidth)
    << "\" height=\"" << N(o_height_total) << "\" viewBox=\"0 0 " << N(kWidth) << " "
    << N(o_height_total) << "\" font-family=\"sans-serif\">\n"
    << "<text x=\"" << N(kPlotLeft)
    << "\" y=\"11\" font-size=\"10\">Overview: the whole window "
       "at full scale (shaded: the period shown above)</text>\n"
    << "<rect x=\"" << N(ox(std::max(episode.from, all_from))) << "\" y=\"" << N(o_top)
    << "\" width=\""
    << N(std::max(1.0, ox(std::min(episode.to, all_to)) - ox(std::max(episode.from, all_from))))
    << "\" height=\"" << N(o_height) << "\" fill=\"#000\" fill-opacity=\"0.08\" stroke=\"#888\"/>\n"
    << "<line x1=\"" << N(kPlotLeft) << "\" x2=\"" << N(kPlotLeft) << "\" y1=\"" << N(o_top)
    << "\" y2=\"" << N(o_bottom) << "\" stroke=\"#000\"/><line x1=\"" << N(kPlotLeft) << "\" x2=\""
    << N(kPlotRight) << "\" y1=\"" << N(o_bottom) << "\" y2=\"" << N(o_bottom)
    << "\" stroke=\"#000\"/>"
    << "<text x=\"" << N(kPlotLeft - 4) << "\" y=\"" << N(o_top + 8)
    << "\" font-size=\"9\" text-anchor=\"end\">" << TickLabel(overview_top) << "</text><text x=\""
    << N(kPlotLeft - 4) << "\" y=\"" << N(o_bottom)
    << "\" font-size=\"9\" text-anchor=\"end\">0 m</text>\n";
  for (const auto& [limit, colour] :
       {std::pair{violation, kViolationColour}, std::pair{warning, kWarningColour}}) {
    if (limit <= 0) continue;
    h << "<line x1=\"" << N(kPlotLeft) << "\" x2=\"" << N(kPlotRight) << "\" y1=\"" << N(oy(limit))
      << "\" y2=\"" << N(oy(limit)) << "\" stroke=\"" << colour << "\" stroke-dasharray=\"4 2\"/>";
  }
  for (int i = 0; i < order.protected__size(); ++i) {
    h << "<polyline fill=\"none\" stroke=\"" << ProtectedColour(i) << "\" points=\"";
    for (const PairedDistance& d : distances) {
      if (d.person == order.protected_(i).id())
        h << N(ox(d.time)) << "," << N(oy(d.distance_m)) << " ";
    }
    h << "\"/>\n";
  }
  const bool overview_dates = all_to - all_from > 20 * 60 * kMinute;
  for (const auto& [t, anchor, x] :
       {std::tuple{all_from, "start", kPlotLeft}, std::tuple{all_to, "end", kPlotRight}}) {
    h << "<text x=\"" << N(x) << "\" y=\"" << N(o_bottom + 12)
      << "\" font-size=\"9\" text-anchor=\"" << anchor << "\">"
      << (clock.HasLocal() ? clock.LocalShort(t, overview_dates)
                           : clock.UtcShort(t, overview_dates))
      << "</text>";
    if (clock.HasLocal()) {
      h << "<text x=\"" << N(x) << "\" y=\"" << N(o_bottom + 23)
        << "\" font-size=\"9\" fill=\"#555\" text-anchor=\"" << anchor << "\">"
        << clock.UtcShort(t, overview_dates) << " UTC</text>";
    }
  }
  h << "\n</svg>\n";

  h << "<figcaption>Distance between the supervised person and each protected person, from "
    << clock.Utc(episode.from) << " to " << clock.Utc(episode.to)
    << ". Each marker is the geodesic distance between one supervised fix and the protected "
       "person's fix nearest in time (within 5 minutes); its bar spans the lower and upper "
       "bound (both accuracy radii). Dashed lines: the order's violation"
    << (warning > 0 ? " and warning" : "") << " distance. Readings beyond " << TickLabel(top)
    << " are drawn as open triangles on the top edge; the overview shows them at full scale."
    << " Closest approach: " << Fixed(closest.distance_m, 1) << " m (between "
    << Fixed(closest.lower_m, 1) << " m and " << Fixed(closest.upper_m, 1) << " m) to "
    << HtmlEscape(closest.person) << " at " << clock.Utc(closest.time)
    << (clock.HasLocal() ? ", " + clock.Local(closest.time) : std::string())
    << ".</figcaption></figure>\n";
  return h.str();
}

}  // namespace stayaway::evidence
