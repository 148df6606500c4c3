// The distance-over-time figure of the evidence report (report_html.h): the distance
// between the supervised person and each protected person, with its uncertainty bars and
// the order's violation and warning distances.
//
// The main chart covers the episode: from a little before the first event of the bundle
// (or the closest approach, whichever is earlier) to a little after the last, and its
// distance axis is scaled to the order's thresholds and the closest approach, so a 135 m
// approach to a 300 m line is plainly inside it; readings above the axis are drawn as open
// triangles on its top edge. An overview below it shows the whole window at full scale,
// with the episode shaded. Each protected person has a colour and a marker shape, named in
// the legend; the time axis is labelled in the order's time zone and in UTC.
//
// Units: metres and milliseconds since the epoch in; SVG user units (CSS px) out, at most
// 680 wide, which is A4's width inside 15 mm margins. Pure, thread-safe.
#ifndef STAYAWAY_EVIDENCE_REPORT_CHART_H_
#define STAYAWAY_EVIDENCE_REPORT_CHART_H_

#include <string>
#include <vector>

#include "evidence/derived_files.h"
#include "evidence/report_text.h"

namespace stayaway::evidence {

// The chart's time span, chosen as described above; {0, 0} without distances.
struct ChartEpisode {
  TimeMs from = 0;
  TimeMs to = 0;
};
ChartEpisode EpisodeOf(const std::vector<PairedDistance>& distances,
                       const std::vector<v1::EventRecord>& events);

// The figure's HTML: both SVGs and a caption. Empty when `distances` is.
std::string DistanceChartHtml(const v1::Order& order, const std::vector<PairedDistance>& distances,
                              const std::vector<v1::EventRecord>& events, const ReportClock& clock);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_REPORT_CHART_H_
