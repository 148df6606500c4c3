// The statistics report as a printable page (A4, 15 mm margins, like the evidence report:
// report_html.h): the period and the checkpoint the figures were computed against, then
// each group of figures as a table, with SVG bar charts drawn here: alerts opened by kind
// and certainty, time to acknowledge and to resolve by kind (p50, p90, max), resolutions
// by disposition, and hours without communications by device. The JSON (statistics_json.h)
// is what a verifier compares; the page says how. Deterministic, pure; thread-safe.
#ifndef STAYAWAY_EVIDENCE_STATISTICS_HTML_H_
#define STAYAWAY_EVIDENCE_STATISTICS_HTML_H_

#include <string>

#include "evidence/statistics.h"

namespace stayaway::evidence {

std::string StatisticsHtml(const Statistics& statistics);

// A duration for people: "18 ms", "4.5 s", "45 s", "12.5 min", "3.2 h" (milliseconds in).
std::string DurationText(TimeMs ms);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_STATISTICS_HTML_H_
