// The query parameters of GET /v1/alerts (http_api.h) turned into an AlertQuery, and the
// paging cursor it answers with. Every bad value is refused with InvalidArgument naming
// the parameter and what it takes:
//
//   order=ID            the order's alerts
//   state=open|closed|all                    (default open)
//   kind=KIND           an event kind name (proximity_violation, sos, ...): the alert's
//                       kind now
//   device=ID           alerts any of whose events names the device
//   certainty=confirmed|possible             the alert's certainty now
//   since=RFC3339       its newest event was detected at or after this
//   until=RFC3339       it opened (was first detected) at or before this
//   limit=N             page size, 1 to 1000 (default 100; page_limit.h)
//   cursor=C            the next_cursor of the previous page
//
// The cursor is opaque to clients; inside it is the log seq of the last alert's first
// event, and pages are in first-event order, so an alert opened while a client pages
// comes after every page it has read: paging walks each alert at most once, and every
// alert that matches throughout exactly once. Pure functions; thread-safe.
#ifndef STAYAWAY_INGEST_ALERT_LIST_PARAMS_H_
#define STAYAWAY_INGEST_ALERT_LIST_PARAMS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "base/status.h"
#include "ingest/monitoring_service.h"

namespace stayaway::ingest {

// The query the parameters ask for, its `limit` the page size (never 0).
StatusOr<AlertQuery> ParseAlertListParams(const std::map<std::string, std::string>& params);

// The cursor of the page after the alert whose first event has log seq `first_seq`.
std::string AlertCursorAfter(uint64_t first_seq);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_ALERT_LIST_PARAMS_H_
