// Recordable input: what may become a journal record. The journal is the evidence
// (ARCHITECTURE.md, decisions 2 and 8), and an evidence bundle carries its inputs in the
// JSON mapping of the schema; `stayaway verify` parses them back, re-serializes them and
// looks for their hashes in the signed log. So every input the daemon journals must come
// back byte for byte from its JSON form, and must mean to the engine what it says there.
// Two things in a Protobuf message do not, and are refused here, at any depth:
//
//   - fields the schema does not know (Protobuf keeps their bytes, the JSON form drops
//     them): refused as "unknown_field", naming the field number and where it was;
//   - a google.protobuf.Timestamp outside 0001-01-01..9999-12-31 or with nanos outside
//     [0, 999999999] (it has no JSON form, and seconds * 1000 can overflow into a
//     plausible time): refused as "time_out_of_range", before any arithmetic on it. JSON
//     input can hold one too: Protobuf's parser takes "9999-12-31T23:59:59-00:01".
//
// And one is made canonical instead: a NaN (any sign or payload) becomes the quiet NaN
// the JSON form "NaN" parses to. Refusing it would lose what comes with it (a
// panic-button report without a position may carry NaN coordinates); the engine judges
// NaN itself, by the same rules as before.
//
// The walk is generic (descriptor-driven), so a field added to the schema later is covered
// without touching this file. The daemon's core runs it on every fix and every order,
// zone and acknowledgement before journaling, whichever port or decoder they came
// through (daemon/core.h); `stayaway replay` runs it on every line, order and zone, so a
// replay judges input as the daemon does.
//
// Thread-safety: pure functions of their arguments; thread-safe.
#ifndef STAYAWAY_INGEST_RECORDABLE_INPUT_H_
#define STAYAWAY_INGEST_RECORDABLE_INPUT_H_

#include <optional>
#include <string>
#include <string_view>

namespace google::protobuf {
class Message;
}
namespace stayaway::v1 {
class Fix;
class Input;
}

namespace stayaway::ingest {

// Stable reason labels (replies, stayaway_fixes_rejected_total).
inline constexpr std::string_view kUnknownFieldCode = "unknown_field";
inline constexpr std::string_view kTimeOutOfRangeCode = "time_out_of_range";

struct InputRefusal {
  std::string_view code;  // kUnknownFieldCode or kTimeOutOfRangeCode
  // One line for the sender, with the path from `what`: "fix: field number 15 is not in
  // the schema of stayaway.v1.Fix", "fix.time: nanos 2147483647 is outside [0, 999999999]".
  std::string reason;
};

// The first problem found in `message` (depth first, in field-number order), or nothing.
// `what` names the message in the reason ("fix", "order", "ack").
std::optional<InputRefusal> CheckRecordable(const google::protobuf::Message& message,
                                            std::string_view what);

// The same for a journal input, named by what it holds: "order.valid_from: ...".
std::optional<InputRefusal> CheckRecordableInput(const v1::Input& input);

// Replaces every NaN in a double or float field, at any depth, by the canonical quiet NaN.
void CanonicalizeNaNs(google::protobuf::Message* message);

// The same two for a fix, the hot path: over ten times faster than the reflective walk
// (build/bench/recordable_input_bench compares the two on one fix). They give exactly the generic results: they read the
// fields directly only while the schema's Fix has the shape they were written for (its
// message fields `time` and `received`, Timestamps, and its six double fields), checked
// once at start-up, and fall back to the generic walk otherwise.
std::optional<InputRefusal> CheckRecordable(const v1::Fix& fix, std::string_view what);
void CanonicalizeNaNs(v1::Fix* fix);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_RECORDABLE_INPUT_H_
