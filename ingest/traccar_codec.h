// Traccar position-forwarding decoder: turns the JSON a Traccar server POSTs for each
// position (its `forward.type=json` position forwarding) into one v1::Fix, so any of the
// device protocols Traccar decodes can feed stayaway at POST /v1/traccar.
//
//   StatusOr<v1::Fix> fix = ingest::ParseTraccarForward(body);
//   if (!fix.ok()) reply_400(fix.status().message());
//
// The payload is Traccar's PositionData serialised by Jackson:
//   {"position": {"id": 0, "deviceId": 3, "protocol": "h02", "serverTime": "...",
//                 "deviceTime": "2025-03-01T10:00:00.000+00:00",
//                 "fixTime": "2025-03-01T10:00:00.000+00:00", "outdated": false,
//                 "valid": true, "latitude": 42.87, "longitude": 74.59, "altitude": 0,
//                 "speed": 1.2, "course": 90, "accuracy": 8,
//                 "attributes": {"alarm": "sos,tampering", "batteryLevel": 80, ...}},
//    "device": {"id": 3, "name": "Tag 1", "uniqueId": "tag-1", ...}}
//
// Units: Traccar speaks knots for speed (converted to m/s), degrees for course, metres
// for accuracy, percent for attributes.batteryLevel (attributes.battery is volts and is
// not used). Times are ISO 8601 with an offset ("+00:00", "+0000" or "Z"), or epoch
// milliseconds when Jackson is configured to write numbers.
//
// Decisions (see the comments in ParseTraccarForward for the reasons):
// - device: device.uniqueId (the identity the tracker itself reports, e.g. its IMEI),
//   not Traccar's database id.
// - time: position.fixTime; for an `outdated` position (Traccar repeated the last known
//   location because the message had none) position.deviceTime, when the report was made.
// - seq: position.id when it is a positive integer, else codec::DerivedSeq (event time
//   in milliseconds and alarm flags). Current Traccar forwards before it stores a
//   position, so id is 0 and the time is used: a retried forward of the same position is
//   then a duplicate, which is right, while an alarm packet repeating the last fix's time
//   is not.
// - accuracy_m: position.accuracy when > 0; 0 is Traccar's "unknown", which becomes
//   kUnknownAccuracyM. A position that is not a current measurement (`valid: false` or
//   `outdated: true`) is still forwarded, so its alarms are never lost, but with at least
//   kNoFixAccuracyM: coarser than the engine's coarse threshold, so it does not count as a
//   location (it feeds location_lost instead) while its flags and battery still apply.
// - alarms (attributes.alarm, comma-separated): see AddTraccarAlarmFlags.
// - received is left unset: the daemon stamps it with its own clock (Traccar's serverTime
//   is Traccar's receipt, not ours).
// Ranges (latitude, accuracy, battery) are the engine's business, as for every ingest
// path; this decoder checks shape, types, sizes and what it needs to convert.
//
// Thread-safety: every function is pure and thread-safe.
#ifndef STAYAWAY_INGEST_TRACCAR_CODEC_H_
#define STAYAWAY_INGEST_TRACCAR_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

// A forwarded body longer than this is refused before any parsing. Traccar's payloads
// are a few KiB; attributes of chatty protocols stay far below this.
inline constexpr std::size_t kMaxTraccarBodyBytes = 256 * 1024;
// JSON nesting allowed; a position with network.cellTowers needs 5. Checked before
// Protobuf's recursive parser sees the text.
inline constexpr int kMaxTraccarJsonDepth = 16;

// Accuracy used when the sender gives none (absent, 0, or negative). Not 0: a missing
// accuracy must not pass for an exact position. 50 m is above NIJ 1004's 30 m indoor
// bound for monitoring devices and typical urban phone fixes, and below the engine's
// default coarse threshold (200 m), so such a fix still counts as a location.
inline constexpr double kUnknownAccuracyM = 50;
// Minimum accuracy of a report that carries no current measurement (Traccar `valid:
// false` or `outdated: true`, OsmAnd `valid=false`): 1 km, well above the engine's
// coarse threshold and well below its refusal limit (max_accuracy_m, 50 km).
inline constexpr double kNoFixAccuracyM = 1000;
// One knot is one nautical mile (1852 m) per hour.
inline constexpr double kKnotsToMps = 1852.0 / 3600.0;
// Device identities follow the identifier rule (base/identifier.h): 1 to 64 characters
// from A-Z a-z 0-9 . _ : -, so a uniqueId (or an OsmAnd id) with a space, a control
// character or 65 characters is refused.

// Decodes one Traccar position-forwarding body. Returns the fix, or InvalidArgument
// naming the problem: a body over kMaxTraccarBodyBytes, nesting over
// kMaxTraccarJsonDepth, bad JSON, a missing `position` or `device` object, a missing or
// empty device.uniqueId, a missing or non-numeric position.latitude/longitude, a missing
// or unparseable position.fixTime (deviceTime for outdated positions), a time before
// 1970 (no sequence number can be derived), a field of the wrong JSON type.
StatusOr<v1::Fix> ParseTraccarForward(std::string_view body);

// Helpers shared with the OsmAnd decoder (osmand_codec.cc): Traccar's vocabulary is
// also what the Traccar Client phone app speaks.
namespace codec {

// Adds the flags for Traccar alarm names, comma-separated as Traccar joins them
// ("sos,tampering"); each flag at most once, in a fixed order (the v1::Fix::Flag
// order), whatever the order of the names:
//   sos                  -> sos
//   tampering, removing  -> strap_open (on an ankle tag, tampering and removal are both
//                           the strap being opened or cut; a false strap alarm costs an
//                           operator a look, a missed one can cost a life)
//   jamming              -> jamming_suspected
// Every other name (powerCut, lowBattery, geofenceEnter, ...) is ignored, never an
// error: battery is taken from the level, geofences are the engine's own business, and
// an unknown alarm must not make a whole fix (perhaps with an SOS) be refused.
void AddTraccarAlarmFlags(std::string_view alarms, v1::Fix* fix);

// The sequence number of a report that carries none: the event time in milliseconds
// times 8, plus one bit per alarm flag on the fix (strap_open 1, jamming_suspected 2,
// sos 4). A retry of the same report is then a duplicate, as it should be; but an alarm
// sent with the same time as an earlier plain report (phones and many trackers resend
// their last fix with the alarm) is a new fix, and is never dropped as a duplicate.
// Stays below 2^53 (exact in JSON) for any time before the year 2286.
uint64_t DerivedSeq(TimeMs time, const v1::Fix& fix);

// Parses ISO 8601 / RFC 3339 date-times as the senders write them:
//   2025-03-01T10:00:00Z, 2025-03-01T10:00:00.862Z, 2025-03-01T10:00:00.000+00:00,
//   2025-03-01T12:00:00+0200, 2025-03-01T10:00Z, 2025-03-01 10:00:00 (space separator).
// No offset means UTC (Traccar would use the server's zone; a daemon should not depend
// on the host's). Fractions beyond milliseconds are truncated towards the past.
// Returns InvalidArgument "invalid time ..." otherwise (including an impossible date
// such as 2025-02-30).
StatusOr<TimeMs> ParseIsoTime(std::string_view text);

// Parses a JSON object after checking its size and nesting without recursion; the
// message of an error starts with `what` ("traccar", "osmand"). Common bodies are decoded
// without Protobuf's JSON mapping (json_object_fast.h), to the same Struct.
StatusOr<google::protobuf::Struct> ParseJsonObject(std::string_view text,
                                                   std::size_t max_bytes, int max_depth,
                                                   std::string_view what);
// The same through the JSON mapping alone: the reference the fast decoder is tested and
// fuzzed against.
StatusOr<google::protobuf::Struct> ParseJsonObjectByJsonMapping(std::string_view text,
                                                                std::size_t max_bytes,
                                                                int max_depth,
                                                                std::string_view what);

// Reads typed fields out of a parsed JSON object and remembers the first type error, so
// a decoder reads every field it needs and checks status() once. An absent key and a JSON
// null both read as absent. Paths name fields in messages: prefix "position" and key
// "latitude" give "position.latitude". Thread-compatible (one per decode).
class JsonReader {
 public:
  std::optional<double> Number(const google::protobuf::Struct& object,
                               std::string_view prefix, std::string_view key);
  std::optional<std::string> String(const google::protobuf::Struct& object,
                                    std::string_view prefix, std::string_view key);
  std::optional<bool> Bool(const google::protobuf::Struct& object, std::string_view prefix,
                           std::string_view key);
  // nullptr when absent (or on a type error).
  const google::protobuf::Struct* Object(const google::protobuf::Struct& object,
                                         std::string_view prefix, std::string_view key);
  // The raw value, nullptr when absent or null; for fields that take several types.
  static const google::protobuf::Value* Find(const google::protobuf::Struct& object,
                                             std::string_view key);
  static std::string Path(std::string_view prefix, std::string_view key);

  // Ok, or InvalidArgument "<path>: expected a number, found a string".
  const Status& status() const { return status_; }
  void Fail(std::string message);  // keeps the first failure only

 private:
  const google::protobuf::Value* Typed(const google::protobuf::Struct& object,
                                       std::string_view prefix, std::string_view key,
                                       int kind, std::string_view expected);
  Status status_;
};

// Quotes a value from the input for an error message, cut to a readable length.
std::string Quote(std::string_view value);

}  // namespace codec
}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_TRACCAR_CODEC_H_
