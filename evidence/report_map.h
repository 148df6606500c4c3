// The map of the evidence report (report_html.h): the episode's tracks and fixes with
// their accuracy circles, the order's zones with their names printed beside them (not
// only as tooltips, which do not print), the violation and warning rings around each
// protected person's last position, a scale bar and a north arrow, and a legend.
//
// The projection is equirectangular about the middle latitude, north up, metres to px at
// one scale on both axes: true enough for the few kilometres an episode spans. Polygon
// zones are drawn as given (their buffer is in the caption); circles with their buffer.
//
// Units: degrees WGS84 and metres in; SVG user units (CSS px) out, at most 680 wide (A4
// inside 15 mm margins) and 470 high. Pure, thread-safe.
#ifndef STAYAWAY_EVIDENCE_REPORT_MAP_H_
#define STAYAWAY_EVIDENCE_REPORT_MAP_H_

#include <string>

#include "evidence/derived_files.h"

namespace stayaway::evidence {

// What the map centres on: the fixes of [from, to] (the chart's episode, report_chart.h)
// and the closest approach, drawn as a line between the two fixes with its distance.
// Fixes outside the period are drawn too, as far as they fall on the map; the caption says
// how many are off it. from == to: every fix.
struct MapFocus {
  TimeMs from = 0;
  TimeMs to = 0;
  const PairedDistance* closest = nullptr;
};

// The figure's HTML (SVG, legend and caption); empty when nothing in the bundle has a
// position.
std::string MapHtml(const BundleContent& content, const v1::Order& order, const MapFocus& focus);

// The scale bar's length for `metres_per_px` and a bar of at most `max_px`: 1, 2 or 5
// times a power of ten, in metres.
double ScaleBarMetres(double metres_per_px, double max_px);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_REPORT_MAP_H_
