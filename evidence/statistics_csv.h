// The statistics report as CSV (RFC 4180, "\n" line ends), for a spreadsheet: the same
// figures as the JSON (statistics_json.h), one figure a row under the header
//
//   section,group,item,figure,value
//
// e.g. "time_to_acknowledge,kind,sos,p90_ms,42000" or "orders_in_force,issuing_authority,
// Pervomaisky District Court,orders,3". Whole-report figures leave group and item empty.
// The checkpoint and the period come first, so the sheet says what it was computed against.
// A field holding a comma, a quote or a line break is quoted, quotes doubled. Pure;
// thread-safe.
#ifndef STAYAWAY_EVIDENCE_STATISTICS_CSV_H_
#define STAYAWAY_EVIDENCE_STATISTICS_CSV_H_

#include <string>

#include "evidence/statistics.h"

namespace stayaway::evidence {

std::string StatisticsCsv(const Statistics& statistics);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_STATISTICS_CSV_H_
