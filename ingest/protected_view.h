// The protected person's view of an alert (GET /v1/me/alerts and /v1/me/events): the
// projection of the centre's alerts and events into v1.ProtectedAlert, as her order's
// victim_notification allows. What she is told is built field by field from an allow-list,
// never by deleting from the centre's record, so nothing about where the supervised
// person is (his position, a zone's place, a fix, the rule's key) can reach her:
//   band      kind, certainty, open, transition, times, and for a proximity alert the ring
//             it is in (within the warning ring, within the violation distance);
//   distance  the same, and the estimated distance rounded to 10 m, which says how near
//             he is but not in which direction;
//   none      nothing (the caller leaves such orders out).
// SECURITY.md ("The protected person's view") says why. Pure functions; thread-safe.
#ifndef STAYAWAY_INGEST_PROTECTED_VIEW_H_
#define STAYAWAY_INGEST_PROTECTED_VIEW_H_

#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

using VictimNotification = v1::Order::VictimNotification;

// An alert as the centre lists it, told as `told` allows.
v1::ProtectedAlert ProtectedAlertOf(const v1::AlertView& alert, VictimNotification told);

// Whether an event of this transition says if its alert is open after it. An
// acknowledgement, a missed deadline or a receipt does not: the alert may be open or
// closed then.
bool SaysWhetherOpen(v1::Event::Transition transition);

// One event of the log, told as `told` allows: the alert after that event. `open_now` is
// used for `open` only when the event does not say (SaysWhetherOpen): the caller looks the
// alert up.
v1::ProtectedAlert ProtectedAlertOf(const v1::EventRecord& record, VictimNotification told,
                                    bool open_now);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_PROTECTED_VIEW_H_
