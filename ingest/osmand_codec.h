// OsmAnd protocol decoder: the HTTP protocol the Traccar Client phone app (and OsmAnd,
// GPSLogger and many small trackers) report with, so a protected person's phone can feed
// stayaway with an app they can install today. One request carries one fix.
//
//   GET /?id=phone-1&timestamp=1740823200&lat=42.87&lon=74.59&speed=0.0&bearing=0.0
//       &altitude=760.0&accuracy=12.0&batt=87.0&charge=false&alarm=sos
//   StatusOr<v1::Fix> fix = ingest::ParseOsmAndQuery(request_target_or_form_body);
//
// The same parameters come as the query string of a GET or as an
// application/x-www-form-urlencoded POST body. Newer Traccar Client versions POST JSON
// instead (Content-Type: application/json, see ParseOsmAndJson).
//
// Parameters (as Traccar's own OsmAnd decoder reads them; unknown ones are ignored):
//   id | deviceid        -> device (required; an id by base/identifier.h's rule)
//   timestamp            -> time (required): Unix seconds ("1740823200", or with a
//                           fraction "1740823200.5"), Unix milliseconds (an integer of
//                           2^31 or more, as Traccar tells them apart), or ISO 8601
//                           ("2025-03-01T10:00:00Z", "2025-03-01 10:00:00"; no offset
//                           means UTC)
//   lat, lon | location=lat,lon -> lat, lon (required, degrees)
//   accuracy             -> accuracy_m (metres); absent or 0 (Android's "unknown"):
//                           hdop x 5 m when hdop is given (a typical 5 m user range
//                           error), else kUnknownAccuracyM (50 m, see traccar_codec.h)
//   speed                -> speed_mps (the app sends knots; converted)
//   bearing | heading    -> heading_deg (360 becomes 0)
//   batt                 -> battery_pct ("battery" is not an alias: Traccar stores
//                           that name as volts)
//   alarm                -> flags: Traccar alarm names, see AddTraccarAlarmFlags
//                           ("sos" -> sos; unknown names are ignored, never an error)
//   valid                -> "false"/"0": no current fix; accuracy becomes at least
//                           kNoFixAccuracyM (forwarded, so an alarm is never lost)
//   altitude, hdop       -> checked to be numbers; altitude is not used
//   charge               -> not used
// Negative speed, bearing and accuracy are "unknown" sentinels and read as absent.
//
// seq: OsmAnd has no sequence number. It is derived from the event time in Unix
// milliseconds and the alarm flags (codec::DerivedSeq, traccar_codec.h), so a repeat of
// the same device, timestamp and alarm is a duplicate, which is exactly what a phone
// retrying an unacknowledged request sends; an SOS sent with the time of the last
// reported location is a new fix.
// received is left unset: the daemon stamps it with its own clock. A missing timestamp
// is refused rather than filled with "now": the decoder is a pure function.
//
// URL decoding: %XX and '+' (space) in names and values; a malformed % escape is refused.
// A parameter given twice (or under two aliases, or lat/lon together with location) is
// refused: the two values may disagree, and a fix is evidence, so no silent choice is
// made. Unknown parameters (cell, wifi, which repeat by design) are never checked.
// Ranges (latitude, battery, ...) are the engine's business, as for every ingest path.
//
// Thread-safety: every function is pure and thread-safe.
#ifndef STAYAWAY_INGEST_OSMAND_CODEC_H_
#define STAYAWAY_INGEST_OSMAND_CODEC_H_

#include <cstddef>
#include <string_view>

#include "base/status.h"
#include "ingest/traccar_codec.h"  // kUnknownAccuracyM, kNoFixAccuracyM, codec helpers
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

// A query or form body longer than this is refused before any parsing; the app's
// requests are about 200 bytes.
inline constexpr std::size_t kMaxOsmAndQueryBytes = 8 * 1024;
// A JSON body longer than this, or nested deeper, is refused before any parsing.
inline constexpr std::size_t kMaxOsmAndJsonBytes = 64 * 1024;
inline constexpr int kMaxOsmAndJsonDepth = 16;
// accuracy = hdop x this, when only hdop is given.
inline constexpr double kUereM = 5;

// Decodes the parameters of one OsmAnd request. Takes the query string
// ("id=..&lat=.."), the same with a leading '?', a whole request target
// ("/?id=..&lat=.."), or a form POST body. Returns the fix, or InvalidArgument naming
// the parameter: input over kMaxOsmAndQueryBytes, a bad % escape, a missing id,
// timestamp, lat or lon, a value that is not a finite number ("nan", "inf", "12abc"),
// an unparseable timestamp or one before 1970, a parameter given twice.
StatusOr<v1::Fix> ParseOsmAndQuery(std::string_view query_or_form_body);

// Decodes the JSON that newer Traccar Client versions POST to the same port (the
// background-geolocation location object):
//   {"device_id": "phone-1",
//    "location": {"timestamp": "2025-03-01T10:00:00.000Z",
//                 "coords": {"latitude": 42.87, "longitude": 74.59, "accuracy": 12,
//                            "speed": 1.4, "heading": 90, "altitude": 760},
//                 "battery": {"level": 0.87, "is_charging": false},
//                 "is_moving": true, "event": "motionchange", "extras": {}}}
// Differences from the query form: speed is already m/s; battery.level is a fraction
// 0..1 (converted to percent); -1 in speed, heading, accuracy or battery.level means
// unknown (absent); an alarm is location.alarm or location.extras.alarm. Refuses (with
// InvalidArgument naming the field) a body over kMaxOsmAndJsonBytes or nested deeper than
// kMaxOsmAndJsonDepth, bad JSON, a missing device_id, location, location.timestamp or
// location.coords with its latitude and longitude, a field of the wrong type.
StatusOr<v1::Fix> ParseOsmAndJson(std::string_view body);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_OSMAND_CODEC_H_
