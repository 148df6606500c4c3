// The words of a message to a protected person through the centre's SMS or voice gateway
// (victim_gateway.h): her view of an alert (ingest/protected_view.h, never more than her
// app is told) turned into one short text. The order's gateway may give its own
// text_template; otherwise the daemon's text for the alert's level in the gateway's
// language (en, ru) is used. Placeholders, each replaced wherever it appears:
//   {status}    the level's sentence: "Move to a safe place now. ..." (as her app says it)
//   {distance}  "About 120 m away." under victim_notification distance, else empty
//   {time}      the event's detection time, HH:MM in the centre's time zone
//   {alert}     the alert id;  {order}  the order id
// Any other text in braces is left as it is. Pure; thread-safe.
#ifndef STAYAWAY_DAEMON_VICTIM_TEXT_H_
#define STAYAWAY_DAEMON_VICTIM_TEXT_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "proto/stayaway.pb.h"

namespace date {
class time_zone;
}

namespace stayaway::daemon {

// What her app would notify for this alert ("near", "violation", "sos", "tamper"), the
// same rule as console/me/app.js; empty for alerts she is not notified of (device
// health, location unknown).
std::string_view VictimLevelOf(const v1::ProtectedAlert& alert);

// The text for `alert` (VictimLevelOf must not be empty), times in `zone`.
std::string VictimText(const v1::VictimGateway& gateway, const v1::ProtectedAlert& alert,
                       const date::time_zone& zone);

// The time zone named `name` (IANA); InvalidArgument for an unknown one (geo::FindTimeZone,
// under the name the daemon has always called it by).
StatusOr<const date::time_zone*> FindTimeZone(const std::string& name);

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_VICTIM_TEXT_H_
