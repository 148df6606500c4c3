// Tests of report.html (report_html.h, report_chart.h, report_map.h, report_text.h): what a
// clerk reads on paper is there as text (times in UTC and the order's zone, a legend entry
// per protected person, the thresholds in full, zone names, scale bar, north arrow,
// readable sources, a timeline numbered 1..n); the chart is scaled to the episode, not to
// the farthest reading; the page is byte-stable; and bundles of the first report format
// get that format's page back (old bundles keep verifying).
#include "evidence/report_html.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "evidence/report_chart.h"
#include "evidence/report_html_v1.h"
#include "evidence/report_map.h"
#include "evidence/report_text.h"

namespace stayaway::evidence {
namespace {

template <typename Message>
Message Parse(const std::string& json) {
  Message message;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &message).ok()) << json;
  return message;
}

constexpr TimeMs kStart = 1'740'823'200'000;  // 2025-03-01T10:00:00Z: 16:00 in Asia/Bishkek

std::string OrderJson(const std::string& time_zone) {
  return R"({"order": {"id": "KG-16", "version": 2, "case_reference": "2-1616/2025",
    "time_zone": ")" +
         time_zone + R"(",
    "supervised": {"id": "p1", "devices": ["tag-1"]},
    "protected": [{"id": "p2", "devices": ["phone-2"], "relation": "victim"},
                  {"id": "p3", "devices": ["phone-3"], "relation": "child"}],
    "violation_distance_m": 300, "warning_distance_m": 500,
    "zones": [{"id": "school", "name": "School No. 61", "kind": "exclusion",
               "circle": {"lat": 42.8805, "lon": 74.6195, "radius_m": 120}},
              {"id": "home", "name": "Victim's home", "kind": "exclusion", "buffer_m": 50,
               "geometry": {"type": "Polygon", "coordinates": [[[74.6118, 42.8740],
                 [74.6128, 42.8740], [74.6128, 42.8746], [74.6118, 42.8746], [74.6118, 42.8740]]]}}]}})";
}

std::string FixJson(const std::string& device, int seq, TimeMs t, double lat, double lon,
                    const std::string& source = "") {
  return R"({"fix": {"device": ")" + device + R"(", "seq": )" + std::to_string(seq) +
         R"(, "time": ")" + FormatRfc3339(t) + R"(", "received": ")" + FormatRfc3339(t + 2000) +
         R"(", "lat": )" + std::to_string(lat) + R"(, "lon": )" + std::to_string(lon) +
         R"(, "accuracy_m": 8)" + (source.empty() ? "" : R"(, "source": ")" + source + "\"") + "}}";
}

// The tag comes in from 8.4 km east of her to 135 m and leaves again; the child stays
// 700 m away. An alert opens and is acknowledged, with event log numbers that jump (other
// alerts' events lie between).
BundleContent Approach(const std::string& time_zone) {
  BundleContent content;
  content.subject = "alert 945d1ae535da1823";
  content.alert_id = "945d1ae535da1823";
  content.key_id = "k1";
  content.inputs.push_back(Parse<v1::Input>(OrderJson(time_zone)));
  const double metres_per_degree_lon = 111'320 * std::cos(42.8743 * std::numbers::pi / 180);
  const std::vector<double> east = {8400, 6000, 4000, 2000, 900, 450, 250, 135, 300, 700, 1500};
  for (size_t i = 0; i < east.size(); ++i) {
    const TimeMs t = kStart + static_cast<TimeMs>(i) * 60'000;
    const int seq = static_cast<int>(i) + 1;
    content.inputs.push_back(
        Parse<v1::Input>(FixJson("phone-2", seq, t - 10'000, 42.8743, 74.6123)));
    content.inputs.push_back(
        Parse<v1::Input>(FixJson("phone-3", seq, t - 5'000, 42.8800, 74.6190, "wifi")));
    content.inputs.push_back(Parse<v1::Input>(
        FixJson("tag-1", seq, t, 42.8743, 74.6123 + east[i] / metres_per_degree_lon)));
  }
  content.events.push_back(Parse<v1::EventRecord>(
      R"({"seq": 17, "event": {"alert_id": "945d1ae535da1823", "order_id": "KG-16",
      "kind": "proximity_violation", "transition": "opened", "certainty": "confirmed",
      "time": ")" +
      FormatRfc3339(kStart + 6 * 60'000) + R"(", "detected_at": ")" +
      FormatRfc3339(kStart + 6 * 60'000 + 900) + R"(", "distance_m": 250.4,
      "distance_lower_m": 234.4, "distance_upper_m": 266.4}})"));
  content.events.push_back(Parse<v1::EventRecord>(
      R"({"seq": 40, "event": {"alert_id": "945d1ae535da1823", "order_id": "KG-16",
      "kind": "proximity_violation", "transition": "acknowledged", "ack_by": "operator-7",
      "ack_note": "patrol sent", "time": ")" +
      FormatRfc3339(kStart + 7 * 60'000) + R"(", "detected_at": ")" +
      FormatRfc3339(kStart + 7 * 60'000 + 30'000) + R"("}})"));
  return content;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportHtml, ShowsTimesInUtcAndInTheOrdersZone) {
  const std::string html = ReportHtml(Approach("Asia/Bishkek"));
  EXPECT_NE(html.find("<td class=\"time-zone\">Asia/Bishkek</td>"), std::string::npos);
  // The opening: 10:06:00 UTC is 16:06:00 in Bishkek (UTC+6, no DST).
  EXPECT_NE(html.find("2025-03-01 10:06:00 UTC<br><span class=\"local\">16:06:00 +06:00</span>"),
            std::string::npos);
  // The local date is written when it is not the UTC date.
  const ReportClock bishkek("Asia/Bishkek");
  EXPECT_EQ(bishkek.BothHtml(kStart + 14 * 3'600'000),
            "2025-03-02 00:00:00 UTC<br><span class=\"local\">06:00:00 +06:00</span>");
  EXPECT_EQ(bishkek.BothHtml(kStart + 9 * 3'600'000),
            "2025-03-01 19:00:00 UTC<br><span class=\"local\">2025-03-02 01:00:00 +06:00</span>");
  EXPECT_NE(html.find("in the order's time zone Asia/Bishkek"), std::string::npos);
  EXPECT_NE(html.find("Time: upper row Asia/Bishkek, lower row UTC"), std::string::npos);
}

TEST(ReportHtml, AnOrderWithoutAZoneIsInUtcOnly) {
  const std::string html = ReportHtml(Approach(""));
  EXPECT_NE(html.find("UTC (the order names none)"), std::string::npos);
  EXPECT_NE(html.find("Times are in UTC (the order names no time zone)."), std::string::npos);
  EXPECT_EQ(html.find("class=\"local\""), std::string::npos);
  EXPECT_EQ(html.find("+00:00"), std::string::npos);
}

TEST(ReportHtml, DaylightSavingTimeGivesTheOffsetInForceThen) {
  const ReportClock berlin("Europe/Berlin");
  EXPECT_EQ(berlin.Local(kStart), "2025-03-01 11:00:00 +01:00");
  EXPECT_EQ(berlin.Local(kStart + 120LL * 86'400'000), "2025-06-29 12:00:00 +02:00");
  EXPECT_EQ(berlin.Utc(kStart + 250), "2025-03-01 10:00:00 UTC");
  const ReportClock unknown("Mars/Olympus_Mons");
  EXPECT_FALSE(unknown.HasLocal());
  EXPECT_NE(unknown.Note().find("Mars/Olympus_Mons, is not in this computer's time zone database"),
            std::string::npos);
}

TEST(ReportHtml, TimelineIsNumberedOneToNWhateverTheLogNumbers) {
  const std::string html = ReportHtml(Approach("Asia/Bishkek"));
  EXPECT_NE(html.find("<tr><td class=\"n\">1</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr><td class=\"n\">2</td>"), std::string::npos);
  EXPECT_EQ(html.find("<td class=\"n\">17</td>"), std::string::npos);
  EXPECT_EQ(Count(html, "<td class=\"n\">"), 2u);
  // The log numbers are kept, in their own column.
  EXPECT_NE(html.find("<td>17</td></tr>"), std::string::npos);
  EXPECT_NE(html.find("<td>40</td></tr>"), std::string::npos);
  EXPECT_NE(html.find("operator-7: patrol sent; response time 89 s"), std::string::npos);
  EXPECT_NE(html.find("opened: proximity violation"), std::string::npos);
}

TEST(ReportHtml, SourcesAndEnumsAreWords) {
  const std::string html = ReportHtml(Approach("Asia/Bishkek"));
  EXPECT_EQ(html.find("source_unspecified"), std::string::npos);
  EXPECT_EQ(html.find("proximity_violation"), std::string::npos);
  EXPECT_EQ(Count(html, "<td>GNSS (not stated)</td>"), 22u);  // her phone and the tag
  EXPECT_EQ(Count(html, "<td>Wi-Fi</td>"), 11u);
  EXPECT_EQ(SourceName(v1::Fix::cell), "cell tower");
}

TEST(ReportChart, HasALegendPerProtectedPersonAnAxisAndFullThresholdLabels) {
  const std::string html = ReportHtml(Approach("Asia/Bishkek"));
  EXPECT_NE(html.find(">p2 (victim)</text>"), std::string::npos);
  EXPECT_NE(html.find(">p3 (child)</text>"), std::string::npos);
  EXPECT_NE(html.find(">distance between the persons</text>"), std::string::npos);
  EXPECT_NE(html.find(">violation distance 300 m</text>"), std::string::npos);
  EXPECT_NE(html.find(">warning distance 500 m</text>"), std::string::npos);
  EXPECT_NE(html.find(">closest approach 135 m (p2) at 16:07:00 (10:07:00 UTC)</text>"),
            std::string::npos);
}

TEST(ReportChart, IsScaledToTheEpisodeNotToTheFarthestReading) {
  const BundleContent content = Approach("Asia/Bishkek");
  const std::string html = ReportHtml(content);
  // The main chart's distance axis: its labels are the text of <g class="y-axis">.
  const size_t axis = html.find("<g class=\"y-axis\">");
  ASSERT_NE(axis, std::string::npos);
  const std::string y_axis = html.substr(axis, html.find("</g>", axis) - axis);
  double top = 0;
  for (size_t at = y_axis.find("text-anchor=\"end\">"); at != std::string::npos;
       at = y_axis.find("text-anchor=\"end\">", at + 1)) {
    const std::string label = y_axis.substr(at + 18, y_axis.find('<', at) - at - 18);
    const double value = std::stod(label);
    top = std::max(top, label.ends_with(" km") ? value * 1000 : value);
  }
  EXPECT_GE(top, 625);   // the 500 m warning line with room above it
  EXPECT_LE(top, 1500);  // not the 8.4 km the tag started at
  EXPECT_NE(html.find(">0 m</text>"), std::string::npos);
  // The overview shows the whole window at full scale.
  EXPECT_NE(html.find("class=\"overview-chart\""), std::string::npos);
  EXPECT_NE(html.find(">10 km</text>"), std::string::npos);
  // The episode: the events (10:06, 10:07) and the closest approach (10:07), padded by 5
  // minutes, within the readings (10:00 to 10:10).
  const ChartEpisode episode = EpisodeOf(PairedDistances(content), content.events);
  EXPECT_EQ(episode.from, kStart + 60'000);
  EXPECT_EQ(episode.to, kStart + 10 * 60'000);
}

TEST(ReportMap, HasAScaleBarANorthArrowAndPrintedZoneNames) {
  const std::string html = ReportHtml(Approach("Asia/Bishkek"));
  EXPECT_NE(html.find("<g class=\"scale-bar\">"), std::string::npos);
  EXPECT_NE(html.find("<g class=\"north-arrow\">"), std::string::npos);
  EXPECT_NE(html.find(">N</text>"), std::string::npos);
  EXPECT_NE(html.find("class=\"zone-name\""), std::string::npos);
  EXPECT_NE(html.find(">School No. 61 (exclusion zone)</text>"), std::string::npos);
  EXPECT_NE(html.find(">Victim's home (exclusion zone)</text>"), std::string::npos);
  EXPECT_NE(html.find("<path fill-rule=\"evenodd\""), std::string::npos);  // the polygon zone
  EXPECT_NE(html.find("protected person p3 (child)"), std::string::npos);  // the map's legend
  EXPECT_EQ(ScaleBarMetres(1.0, 200), 200);
  EXPECT_EQ(ScaleBarMetres(3.0, 200), 500);
  EXPECT_EQ(ScaleBarMetres(0.3, 200), 50);
}

TEST(ReportHtml, NothingIsDrawnWiderThanA4) {
  const std::string html = ReportHtml(Approach("Asia/Bishkek"));
  EXPECT_NE(html.find("@page{size:A4;margin:15mm}"), std::string::npos);
  int svgs = 0;
  const std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"";
  for (size_t at = html.find(svg); at != std::string::npos; at = html.find(svg, at + 1), ++svgs) {
    const size_t width = html.find("width=\"", at) + 7;
    EXPECT_LE(std::stod(html.substr(width, html.find('"', width) - width)), 680.0)
        << html.substr(at, 120);
  }
  EXPECT_EQ(svgs, 3);  // map, chart, overview
}

TEST(ReportHtml, IsByteStableAndEscapesWhatItQuotes) {
  BundleContent content = Approach("Asia/Bishkek");
  content.subject = "alert <script>";
  const std::string html = ReportHtml(content);
  EXPECT_EQ(html, ReportHtml(content));
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("alert &lt;script&gt;"), std::string::npos);
}

TEST(ReportFormats, BundlesWithoutAReportFormatGetTheFirstFormatBack) {
  const BundleContent content = Approach("");
  EXPECT_EQ(ReportHtmlOfFormat("", content), ReportHtmlV1(content));
  EXPECT_EQ(ReportHtmlOfFormat(kReportFormat, content), ReportHtml(content));
  EXPECT_FALSE(ReportHtmlOfFormat("stayaway-report-99", content).has_value());
  // The first format as it was: UTC only, log numbers in the first column.
  const std::string v1 = ReportHtmlV1(content);
  EXPECT_NE(v1.find("<tr><td>17</td><td>2025-03-01T10:06:00Z</td>"), std::string::npos);
  EXPECT_NE(v1.find("source_unspecified"), std::string::npos);
}

}  // namespace
}  // namespace stayaway::evidence
