// JSON decoders and the event encoder: the text forms of the one schema (proto/), through
// Protobuf's JSON mapping with the proto field names. Start reading here for ingest/.
//
// Used by the `stayaway replay` command (FIXES.ndjson, ORDERS.json, ZONES.json,
// CONFIG.json) and by anything else that reads or writes the same JSON.
//
//   StatusOr<v1::Input> input = ingest::ParseReplayLine(R"({"tick": "2025-03-01T10:05:00Z"})");
//   if (!input.ok()) report(input.status().message());
//
// Decoding checks the shape of the text only: JSON syntax, known field names, value types,
// size and nesting limits, and that every id follows the identifier rule
// (base/identifier.h, ingest/id_checks.h). Ranges (latitude, accuracy, ...) are the
// engine's business, so that every ingest path refuses the same fixes with the same
// messages. Error messages are one line, meant for the sender of the bad input.
//
// Thread-safety: every function is pure and thread-safe.
#ifndef STAYAWAY_INGEST_JSON_CODEC_H_
#define STAYAWAY_INGEST_JSON_CODEC_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

// A replay line longer than this is refused before any parsing.
inline constexpr std::size_t kMaxReplayLineBytes = 64 * 1024;
// Nesting allowed in a replay line; a fix needs 2 (the object and its flags array).
inline constexpr int kMaxReplayLineDepth = 8;
// Nesting allowed in ORDERS.json, ZONES.json and CONFIG.json; an order list holding a
// GeoJSON MultiPolygon needs 11. Checked before Protobuf's recursive parser sees the text.
inline constexpr int kMaxDocumentDepth = 32;

// One line of FIXES.ndjson: a JSON object that is either a tick
//   {"tick": "2025-03-01T10:05:00Z"}
// or a fix
//   {"device": "tag-1", "seq": 7, "time": "2025-03-01T10:00:00Z", "lat": 42.87,
//    "lon": 74.59, "accuracy_m": 8}
// with optional received, source, speed_mps, heading_deg, battery_pct, flags.
// A line whose top-level object has a "tick" key is a tick (and may hold nothing else);
// any other object is a fix. A fix without `received` gets received = time.
// Returns the Input (fix or tick), or InvalidArgument naming the problem: a line over
// kMaxReplayLineBytes, nesting over kMaxReplayLineDepth, bad JSON, an unknown field, a
// value of the wrong type, a fix with no time ("fix has no time"), a tick with no time.
// Lines of the common shapes are decoded without the JSON mapping (replay_line_fast.h),
// to exactly the same Input; every other line, and every refusal, goes through it.
StatusOr<v1::Input> ParseReplayLine(std::string_view line);
// The same into `*out`, which keeps its storage from line to line: a caller that decodes
// every line into one Input (replay's chunks) decodes common fix lines without
// allocating. On a refusal `*out` is unspecified.
Status ParseReplayLineInto(std::string_view line, v1::Input* out);

// The same through Protobuf's JSON mapping alone: the reference ParseReplayLine is tested
// against (json_codec_test, the replay_line fuzz target).
StatusOr<v1::Input> ParseReplayLineByJsonMapping(std::string_view line);

// ORDERS.json: a JSON array of orders in the proto JSON mapping, e.g.
//   [{"id": "KG-2025-0001", "version": 1, "state": "active",
//     "supervised": {"id": "p1", "devices": ["tag-1"]}, ...}]
// Returns the orders in file order, or InvalidArgument (a top-level value that is not an
// array, nesting over kMaxDocumentDepth, bad JSON, unknown fields with their path such
// as orders[1].zones[0]).
// Orders of the common shape (order_json_fast.h) are decoded without the mapping, to
// exactly what it gives.
StatusOr<std::vector<v1::Order>> ParseOrdersJson(std::string_view text);

// The same through Protobuf's JSON mapping alone: the reference ParseOrdersJson is tested
// against (order_json_fast_test, the orders_json fuzz target).
StatusOr<std::vector<v1::Order>> ParseOrdersJsonByJsonMapping(std::string_view text);

// ZONES.json: a JSON array of zones (global zones such as shelters); as ParseOrdersJson.
StatusOr<std::vector<v1::Zone>> ParseZonesJson(std::string_view text);

// CONFIG.json: one v1::EngineConfig object, e.g. {"comms_lost_ms": 300000}.
StatusOr<v1::EngineConfig> ParseEngineConfigJson(std::string_view text);

// One event as one line of JSON (no newline, no whitespace), proto field names, enum
// values by name ("proximity_violation", "opened"). Every non-optional scalar is printed,
// also when it is 0, false or empty ("late": false); proto3 `optional` fields (certainty,
// distance_m, ...) and unset messages are printed only when set. The output is a pure
// function of the event, so equal events give byte-identical lines.
// Field order is Protobuf 3.21's: the non-optional scalar, enum and repeated fields in
// field-number order, then set `optional` fields and well-known types (timestamps) in
// field-number order among themselves. Consumers must key on names, not positions.
// An event reduced to the auditor's view (access/redaction.h: Event.redacted, or a
// PositionReport marked withheld) is printed as RedactedToJson prints it.
std::string EventToJson(const v1::Event& event);

// A message reduced to the auditor's view as one line of JSON: as EventToJson, but every
// field at its default value is left out (the proto3 JSON mapping allows either), so a
// withheld position or name is absent rather than printed as 0 or "" that someone could
// read as (0, 0). The markers ("redacted": true, "withheld": true) say why.
std::string RedactedToJson(const google::protobuf::Message& message);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_JSON_CODEC_H_
