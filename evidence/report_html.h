// report.html, the evidence bundle's page for people (bundle.h): the order's terms, the
// alert timeline numbered 1..n with response times, the map (report_map.h), the distance
// chart (report_chart.h), every fix, and how to verify the bundle. Times in UTC and in the
// order's time zone (Order.time_zone; report_text.h). Made to be printed: on A4 with
// 15 mm margins nothing is wider than the page, and figures and table rows are not split
// across pages (tests/browser/report_test.mjs prints it with chromium).
//
// Like every derived file it is computed from the bundled, proven inputs and events only,
// and `stayaway verify` recomputes it and compares bytes. Its format is therefore a promise:
// manifest.json names the report format a bundle was written with ("report_format"), and
// the verifier re-derives the report of that format. Bundles without the field hold the
// first format (report_html_v1.h), which is kept byte for byte. A change to the page's
// bytes is a new format: add it here, keep the old one.
//
// Local times come from the system's tz database (date-tz); a verifier whose database
// gives another offset for the bundle's times (a rule corrected after the fact) re-derives
// another page and says the report does not match. Pure, thread-safe.
#ifndef STAYAWAY_EVIDENCE_REPORT_HTML_H_
#define STAYAWAY_EVIDENCE_REPORT_HTML_H_

#include <optional>
#include <string>

#include "evidence/derived_files.h"

namespace stayaway::evidence {

// The format new bundles are written with, as manifest.json's "report_format" names it.
inline constexpr char kReportFormat[] = "stayaway-report-2";

// The report in the current format.
std::string ReportHtml(const BundleContent& content);

// The report as bundles of `report_format` hold it: "" (no "report_format" in the
// manifest: the first format) or kReportFormat. nullopt for a format this version does not
// know (a bundle from a newer stayaway).
std::optional<std::string> ReportHtmlOfFormat(const std::string& report_format,
                                              const BundleContent& content);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_REPORT_HTML_H_
