#include "evidence/statistics_html.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "evidence/report_text.h"
#include "evidence/statistics_json.h"

namespace stayaway::evidence {
namespace {

constexpr char kStyle[] =
    "@page{size:A4;margin:15mm}"
    "body{font-family:serif;font-size:11pt;max-width:680px;margin:1em auto;color:#000}"
    "h1{font-size:16pt;margin:0 0 .3em}h2{font-size:13pt;margin:1em 0 .3em;break-after:avoid}"
    "table{border-collapse:collapse;width:100%;margin-bottom:.5em}"
    "td,th{border:1px solid #999;padding:2px 4px;font-size:8.5pt;vertical-align:top;"
    "text-align:left;overflow-wrap:anywhere}"
    "table.terms th{width:11em}thead{display:table-header-group}tr{break-inside:avoid}"
    "td.n{text-align:right;white-space:nowrap}"
    "figure{margin:0 0 .5em;break-inside:avoid}figcaption{font-size:9pt;margin-top:.3em}"
    "svg{max-width:100%;height:auto;display:block}"
    "p.note{font-size:9.5pt}code{font-size:9pt}"
    "@media print{body{margin:0;max-width:none}}";

// The charts: A4's width inside the margins, labels on the left, values on the right.
constexpr double kWidth = 680;
constexpr double kPlotLeft = 190;
constexpr double kPlotRight = 590;
constexpr double kLegendHeight = 22;
constexpr double kAxisHeight = 18;
constexpr size_t kMostBars = 30;  // a chart beyond this shows the first 30, and says so

struct Bar {
  std::string label;
  std::vector<double> values;  // one per series
};
struct Series {
  std::string name;
  std::string colour;
};

std::string N(double value) { return Fixed(value, 1); }

// Horizontal bars, one row per bar: stacked (the series add up) or grouped (one thin bar
// per series). `text` writes a value for people.
// The axis step: the first of `steps` (ascending) that lets four steps reach `top`, or the
// last one times a power of ten.
double AxisStep(double top, const std::vector<double>& steps) {
  for (double scale = 1;; scale *= 10) {
    for (double step : steps) {
      if (4 * step * scale >= top) return step * scale;
    }
  }
}

// Steps for counts, durations (milliseconds) and hours (in milliseconds too).
const std::vector<double> kCountSteps = {1, 2, 5, 10};
const std::vector<double> kDurationSteps = {
    1,       2,       5,         10,        20,        50,         100,        200,       500,
    1'000,   2'000,   5'000,     10'000,    15'000,    30'000,     60'000,     120'000,   300'000,
    600'000, 900'000, 1'800'000, 3'600'000, 7'200'000, 21'600'000, 43'200'000, 86'400'000};
const std::vector<double> kHourSteps = {360'000,   900'000,    1'800'000,  3'600'000,
                                        7'200'000, 21'600'000, 43'200'000, 86'400'000};

std::string BarChart(const std::string& caption, std::vector<Bar> bars,
                     const std::vector<Series>& series, bool stacked,
                     const std::vector<double>& steps,
                     const std::function<std::string(double)>& text) {
  if (bars.empty()) return "";
  const size_t all = bars.size();
  if (bars.size() > kMostBars) bars.resize(kMostBars);
  const double row = stacked ? 20 : 8.0 * static_cast<double>(series.size()) + 8;
  double top = 0;
  for (const Bar& bar : bars) {
    double sum = 0;
    for (double v : bar.values) {
      sum += v;
      if (!stacked) top = std::max(top, v);
    }
    if (stacked) top = std::max(top, sum);
  }
  top = 4 * AxisStep(top, steps);
  const double scale = (kPlotRight - kPlotLeft) / top;
  const double height = kLegendHeight + row * static_cast<double>(bars.size()) + kAxisHeight;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" +
                    N(kWidth) + "\" height=\"" + N(height) + "\" viewBox=\"0 0 " + N(kWidth) + " " +
                    N(height) + "\" font-family=\"sans-serif\" font-size=\"10\">";
  svg += "<title>" + HtmlEscape(caption) + "</title>";
  // Legend.
  double x = kPlotLeft;
  for (const Series& s : series) {
    svg += "<rect x=\"" + N(x) + "\" y=\"5\" width=\"10\" height=\"10\" fill=\"" + s.colour +
           "\"/><text x=\"" + N(x + 14) + "\" y=\"14\">" + HtmlEscape(s.name) + "</text>";
    x += 24 + 6.0 * static_cast<double>(s.name.size());
  }
  // Gridlines at quarters of the axis, labelled below.
  const double plot_bottom = kLegendHeight + row * static_cast<double>(bars.size());
  for (int q = 0; q <= 4; ++q) {
    const double gx = kPlotLeft + (kPlotRight - kPlotLeft) * q / 4;
    svg += "<line x1=\"" + N(gx) + "\" y1=\"" + N(kLegendHeight) + "\" x2=\"" + N(gx) + "\" y2=\"" +
           N(plot_bottom) + "\" stroke=\"#ccc\"/>";
    svg += "<text x=\"" + N(gx) + "\" y=\"" + N(plot_bottom + 13) + "\" text-anchor=\"middle\">" +
           HtmlEscape(text(top * q / 4)) + "</text>";
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const double y = kLegendHeight + row * static_cast<double>(i);
    svg += "<text x=\"" + N(kPlotLeft - 6) + "\" y=\"" + N(y + row / 2 + 3.5) +
           "\" text-anchor=\"end\">" + HtmlEscape(bars[i].label) + "</text>";
    double left = kPlotLeft, sum = 0;
    for (size_t k = 0; k < bars[i].values.size() && k < series.size(); ++k) {
      const double v = bars[i].values[k];
      const double w = v * scale;
      if (stacked) {
        svg += "<rect x=\"" + N(left) + "\" y=\"" + N(y + 4) + "\" width=\"" + N(w) +
               "\" height=\"12\" fill=\"" + series[k].colour + "\"/>";
        left += w;
        sum += v;
      } else {
        const double by = y + 4 + 8.0 * static_cast<double>(k);
        svg += "<rect x=\"" + N(kPlotLeft) + "\" y=\"" + N(by) + "\" width=\"" + N(w) +
               "\" height=\"7\" fill=\"" + series[k].colour + "\"/>";
        svg += "<text x=\"" + N(kPlotLeft + w + 3) + "\" y=\"" + N(by + 6.5) +
               "\" font-size=\"7\">" + HtmlEscape(text(v)) + "</text>";
      }
    }
    if (stacked) {
      svg += "<text x=\"" + N(left + 4) + "\" y=\"" + N(y + 14) + "\">" + HtmlEscape(text(sum)) +
             "</text>";
    }
  }
  svg += "</svg>";
  std::string note = all > bars.size() ? " (the first " + std::to_string(bars.size()) + " of " +
                                             std::to_string(all) + "; the table lists all)"
                                       : "";
  return "<figure>" + svg + "<figcaption>" + HtmlEscape(caption + note) +
         "</figcaption></figure>\n";
}

std::string Count(double v) { return Fixed(v, 0); }
std::string Duration(double ms) { return DurationText(static_cast<TimeMs>(ms)); }
std::string Hours(double ms) { return HoursText(static_cast<TimeMs>(ms)) + " h"; }

std::string Cell(const std::string& text) { return "<td>" + HtmlEscape(text) + "</td>"; }
std::string NumberCell(const std::string& text) { return "<td class=\"n\">" + text + "</td>"; }

std::string CountTable(const std::string& key_header, const std::string& count_header,
                       const std::map<std::string, uint64_t>& table) {
  if (table.empty()) return "<p>None.</p>\n";
  uint64_t total = 0;
  std::string out = "<table><thead><tr><th>" + key_header + "</th><th>" + count_header +
                    "</th></tr></thead><tbody>";
  for (const auto& [key, n] : table) {
    out += "<tr>" + Cell(key) + NumberCell(std::to_string(n)) + "</tr>";
    total += n;
  }
  return out + "<tr><th>total</th>" + NumberCell(std::to_string(total)) + "</tr></tbody></table>\n";
}

std::string TimesTable(const std::string& key_header,
                       const std::map<std::string, ResponseTimes>& table) {
  if (table.empty()) return "<p>None.</p>\n";
  std::string out = "<table><thead><tr><th>" + key_header +
                    "</th><th>alerts</th><th>p50</th><th>p90</th><th>max</th></tr></thead><tbody>";
  for (const auto& [key, t] : table) {
    out += "<tr>" + Cell(key) + NumberCell(std::to_string(t.count)) +
           NumberCell(DurationText(t.p50_ms)) + NumberCell(DurationText(t.p90_ms)) +
           NumberCell(DurationText(t.max_ms)) + "</tr>";
  }
  return out + "</tbody></table>\n";
}

const std::vector<Series>& PercentileSeries() {
  static const std::vector<Series> series = {
      {"p50", "#1f5fa8"}, {"p90", "#d07000"}, {"max", "#c00000"}};
  return series;
}

std::vector<Bar> PercentileBars(const std::map<std::string, ResponseTimes>& table) {
  std::vector<Bar> bars;
  for (const auto& [key, t] : table) {
    bars.push_back({Words(key),
                    {static_cast<double>(t.p50_ms), static_cast<double>(t.p90_ms),
                     static_cast<double>(t.max_ms)}});
  }
  return bars;
}

std::string Response(const char* title, const char* verb, const ResponseFigures& f,
                     const char* answered) {
  std::string out = "<h2>" + std::string(title) + "</h2>\n<p>" + std::to_string(f.alerts) +
                    " alerts opened in the period; " + std::to_string(f.answered) + " " + answered +
                    ", " + std::to_string(f.alerts - f.answered) +
                    " not. Times run from the detection of the opening to the " + verb +
                    "; nearest-rank percentiles.</p>\n";
  out += BarChart(std::string(title) + " by kind: p50, p90 and max", PercentileBars(f.by_kind),
                  PercentileSeries(), false, kDurationSteps, Duration);
  out += TimesTable("kind the alert opened with", f.by_kind);
  out += TimesTable("credential", f.by_credential);
  return out;
}

}  // namespace

std::string DurationText(TimeMs ms) {
  if (ms < 1'000) return std::to_string(ms) + " ms";
  if (ms < 60'000) return Fixed(static_cast<double>(ms) / 1000, ms < 10'000 ? 1 : 0) + " s";
  if (ms < 3'600'000) return Fixed(static_cast<double>(ms) / 60'000, 1) + " min";
  return Fixed(static_cast<double>(ms) / 3'600'000, 1) + " h";
}

std::string StatisticsHtml(const Statistics& s) {
  const std::string period = FormatRfc3339(s.from_ms) + " to " + FormatRfc3339(s.to_ms);
  const StatisticsCheckpoint& c = s.checkpoint;
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
      "stayaway statistics, " +
      HtmlEscape(period) + "</title>\n<style>" + kStyle + "</style></head><body>\n";
  h += "<h1>Monitoring centre statistics</h1>\n<p>" + HtmlEscape(period) +
       " (UTC, both ends included; events by when the centre detected them).</p>\n";

  h += "<h2>What the figures were computed from</h2>\n<table class=\"terms\"><tbody>";
  for (const auto& [name, value] :
       {std::pair{"checkpoint tree size", std::to_string(c.tree_size) + " leaves"},
        std::pair{"root hash", c.root_hash_hex}, std::pair{"signed at", FormatRfc3339(c.time_ms)},
        std::pair{"key id", c.key_id}, std::pair{"public key (Ed25519)", c.public_key_hex},
        std::pair{"signature", c.signature_hex},
        std::pair{
            "records counted",
            std::to_string(s.inputs) +
                (s.first_record == 0 ? std::string(" (the whole journal)")
                                     : " (from journal record " + std::to_string(s.first_record) +
                                           ": retention deleted those before)")},
        std::pair{"events counted", std::to_string(s.events) + " (" +
                                        std::to_string(s.events_in_period) + " in the period)"},
        std::pair{"data until", FormatRfc3339(s.data_until_ms)}}) {
    h += "<tr><th>" + std::string(name) + "</th>" + Cell(value) + "</tr>";
  }
  h += "</tbody></table>\n<p class=\"note\">Every figure is computed from the records under "
       "this signed checkpoint. Anyone holding them recomputes and compares the JSON form of "
       "this report: <code>stayaway verify --report REPORT.json --data-dir DIR</code> (or "
       "<code>--export DIR</code>) says VERIFIED only when the signature holds, the records "
       "reproduce the root and every figure is equal.</p>\n";

  h += "<h2>Orders in force</h2>\n";
  h += CountTable("issuing authority", "orders", s.orders_in_force);

  h += "<h2>Alerts opened</h2>\n";
  std::vector<Bar> opened;
  std::map<std::string, uint64_t> opened_by_kind;
  for (const auto& [kind, by_certainty] : s.alerts_opened) {
    Bar& bar = opened.emplace_back(Bar{Words(kind), {0, 0, 0}});
    for (const auto& [certainty, n] : by_certainty) {
      const size_t k = certainty == "confirmed" ? 0 : certainty == "possible" ? 1 : 2;
      bar.values[k] += static_cast<double>(n);
      opened_by_kind[kind] += n;
    }
  }
  h += BarChart("Alerts opened by kind and certainty", opened,
                {{"confirmed", "#c00000"}, {"possible", "#d07000"}, {"no certainty", "#888888"}},
                true, kCountSteps, Count);
  if (s.alerts_opened.empty()) {
    h += "<p>None.</p>\n";
  } else {
    h += "<table><thead><tr><th>kind</th><th>certainty</th><th>alerts</th></tr></thead><tbody>";
    for (const auto& [kind, by_certainty] : s.alerts_opened) {
      for (const auto& [certainty, n] : by_certainty) {
        h += "<tr>" + Cell(kind) + Cell(certainty) + NumberCell(std::to_string(n)) + "</tr>";
      }
    }
    h += "</tbody></table>\n";
  }

  h += "<h2>Confirmed violations</h2>\n";
  h += CountTable("kind", "alerts", s.confirmed_violations);

  h += Response("Time to acknowledge", "first acknowledgement", s.time_to_acknowledge,
                "acknowledged");
  h += Response("Time to resolve", "resolution", s.time_to_resolve, "resolved");

  h += "<h2>Overdue acknowledgements</h2>\n<p>Alerts still unacknowledged when their "
       "deadline passed.</p>\n";
  h += CountTable("kind", "alerts", s.overdue_acknowledgements);

  h += "<h2>Resolutions</h2>\n";
  std::vector<Bar> resolutions;
  for (const auto& [disposition, n] : s.resolutions) {
    resolutions.push_back({Words(disposition), {static_cast<double>(n)}});
  }
  h += BarChart("Resolutions by disposition", resolutions, {{"resolutions", "#1f5fa8"}}, true,
                kCountSteps, Count);
  h += CountTable("disposition", "resolutions", s.resolutions);

  h += "<h2>Device health</h2>\n<p>Time without communications runs from a device's last "
       "contact to the fix that ended the silence, within the period.</p>\n";
  std::vector<Bar> silent;
  for (const auto& [device, d] : s.devices) {
    if (d.without_comms_ms > 0)
      silent.push_back({device, {static_cast<double>(d.without_comms_ms)}});
  }
  h += BarChart("Hours without communications by device", silent,
                {{"without communications", "#555555"}}, true, kHourSteps, Hours);
  if (s.devices.empty()) {
    h += "<p>None.</p>\n";
  } else {
    h += "<table><thead><tr><th>device</th><th>silences</th><th>hours without "
         "communications</th><th>strap tampers</th><th>case tampers</th></tr></thead><tbody>";
    for (const auto& [device, d] : s.devices) {
      h += "<tr>" + Cell(device) + NumberCell(std::to_string(d.comms_lost_episodes)) +
           NumberCell(HoursText(d.without_comms_ms)) + NumberCell(std::to_string(d.strap_tampers)) +
           NumberCell(std::to_string(d.case_tampers)) + "</tr>";
    }
    h += "</tbody></table>\n";
  }
  return h + "</body></html>\n";
}

}  // namespace stayaway::evidence
