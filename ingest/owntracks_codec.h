// OwnTracks decoder: the JSON the OwnTracks phone app (Android, iOS) publishes, over MQTT
// to owntracks/USER/DEVICE or in its HTTP mode as a POST body, turned into a v1::Fix of
// device DEVICE, so a protected person's phone can report through the app she may already
// use, and through the centre's own MQTT broker.
//
//   StatusOr<OwnTracksMessage> message = ingest::ParseOwnTracks(payload, "phone-17");
//   if (!message.ok()) count_refused(message.status());
//   else if (message->fix) submit(*message->fix);   // else: another _type, ignored
//
// A location message (https://owntracks.org/booklet/tech/json/):
//   {"_type": "location", "lat": 42.87, "lon": 74.59, "tst": 1740823200, "acc": 12,
//    "batt": 87, "bs": 1, "vel": 5, "cog": 90, "alt": 760, "vac": 3, "tid": "p1",
//    "t": "u", "conn": "m", "created_at": 1740823201, "topic": "owntracks/anna/phone-17"}
// Fields, and what they become (the same rules as the OsmAnd and Traccar decoders,
// osmand_codec.h and traccar_codec.h):
//   _type       "location" -> a fix; any other type (transition, waypoint, waypoints,
//               lwt, card, status, cmd, beacon, steps, configuration, request, ...) is
//               returned without a fix: ignored, not an error. "encrypted" is refused:
//               the centre cannot read it (turn the app's encryption off; MQTT over TLS
//               protects the payload on the wire).
//   lat, lon    -> lat, lon (required, degrees)
//   tst         -> time (required): Unix seconds, an integer as the app sends it (a
//               fraction is kept to the millisecond); before 1970 or after 2286 refused
//   acc         -> accuracy_m (metres); absent, 0 or negative: kUnknownAccuracyM (50 m)
//   vel         -> speed_mps (the app sends km/h; converted); negative: absent
//   cog         -> heading_deg (degrees; 360 becomes 0); negative: absent
//   batt        -> battery_pct (percent); negative (unknown): absent
//   alt, vac, created_at, bs, rad, p
//               checked to be numbers when present; not used. created_at is when the
//               message was made, not when the position was measured (tst).
//   tid, t, conn, m, topic, SSID, BSSID, inregions, inrids, tag, poi, _id, ...
//               not used (topic names the device in HTTP mode, see below); unknown
//               fields are ignored, so newer app versions keep working.
// Ranges (latitude, battery, accuracy) are the engine's business, as for every ingest
// path: an impossible coordinate is refused by the engine with its reason.
//
// The device: the topic's last level (owntracks/USER/DEVICE), given by the caller; in HTTP
// mode the X-Limit-D header, else the last level of the payload's own "topic" field. It
// must follow the identifier rule (base/identifier.h), so set the app's Device ID to the
// device id the order names. USER is not part of the device id: who may publish as which
// device is the broker's ACL's business (README, "MQTT and OwnTracks").
//
// seq: OwnTracks has no sequence number; it is codec::DerivedSeq(time in ms, flags), so a
// message the app resends (it does, after a lost connection) is a duplicate.
// received is left unset: the daemon stamps it with its own clock.
//
// Thread-safety: every function is pure and thread-safe.
#ifndef STAYAWAY_INGEST_OWNTRACKS_CODEC_H_
#define STAYAWAY_INGEST_OWNTRACKS_CODEC_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

// A payload longer than this is refused before any parsing; the app's locations are a few
// hundred bytes (a waypoints export can be larger, and is not a location anyway).
inline constexpr std::size_t kMaxOwnTracksBytes = 64 * 1024;
inline constexpr int kMaxOwnTracksJsonDepth = 16;
// One km/h in m/s.
inline constexpr double kKmhToMps = 1000.0 / 3600.0;

// One decoded OwnTracks message.
struct OwnTracksMessage {
  std::string type;            // the message's _type, as sent
  std::optional<v1::Fix> fix;  // set exactly when type is "location"
};

// Decodes one OwnTracks JSON payload as a message of `device` (empty: the last level of
// the payload's "topic" field). Returns InvalidArgument, with a message starting
// "owntracks: " and naming the field: a payload over kMaxOwnTracksBytes or nested deeper
// than kMaxOwnTracksJsonDepth, not a JSON object, no _type or one that is not a string,
// an encrypted payload; for a location: a missing or non-numeric lat, lon or tst, a tst out
// of range, a field above of the wrong type, no device or one outside the identifier rule.
StatusOr<OwnTracksMessage> ParseOwnTracks(std::string_view payload, std::string_view device);

// The device of an OwnTracks topic: its last level ("owntracks/anna/phone-17" ->
// "phone-17"). InvalidArgument when the topic has fewer than two levels or its last level
// is empty.
StatusOr<std::string> OwnTracksTopicDevice(std::string_view topic);

// A bounded label for a message type in metrics: the OwnTracks type names the app sends
// (location, transition, waypoint, waypoints, lwt, card, status, cmd, beacon, steps,
// configuration, request, encrypted) as they are, anything else "other".
std::string_view OwnTracksTypeLabel(std::string_view type);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_OWNTRACKS_CODEC_H_
