// The evidence report as bundles of report format 1 hold it: every bundle written before
// manifest.json named a "report_format" (stayaway before issue 16). Frozen: `stayaway
// verify` re-derives report.html byte for byte, so this code must keep producing exactly
// the bytes those bundles hold; never edit its output. New bundles get the current report
// (report_html.h). Pure, thread-safe.
#ifndef STAYAWAY_EVIDENCE_REPORT_HTML_V1_H_
#define STAYAWAY_EVIDENCE_REPORT_HTML_V1_H_

#include <string>

namespace stayaway::evidence {

struct BundleContent;

std::string ReportHtmlV1(const BundleContent& content);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_REPORT_HTML_V1_H_
