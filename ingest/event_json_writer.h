// AppendEventJson: one engine event as one line of JSON, written directly from the
// message's fields. It is the fast path of EventToJson (json_codec.h): for every event it
// appends exactly the bytes that Protobuf 3.21's JSON printer produces with EventToJson's
// options (add_whitespace = false, always_print_primitive_fields = true,
// preserve_proto_field_names = true), byte for byte; event_json_writer_test proves it
// against that printer on hand-written and a few hundred thousand random events.
//
// What those bytes are (each found by experiment against Protobuf 3.21.12):
//  - Field order: the non-optional scalar, enum, repeated and (set) message fields in
//    field-number order, then the set proto3 `optional` fields and the set Timestamps in
//    field-number order among themselves; the same rule inside PositionReport.
//  - Non-optional scalars are printed also at 0, false or ""; `optional` ones and
//    messages only when set, an `optional` at its default too ("redacted":false).
//    Repeated fields print [] when empty.
//  - uint32 as a number, uint64 as a quoted decimal ("seq":"7").
//  - double as C's "%.15g" when that reads back as the same double, else "%.17g"
//    (1e+21, 1e-07, -0, 0.30000000000000004); NaN and infinities as the strings "NaN",
//    "Infinity", "-Infinity".
//  - Enum values by name; a number with no name as that number (-5, 99).
//  - Timestamps in RFC 3339 UTC with 'Z' and 0, 3, 6 or 9 fraction digits. A Timestamp
//    outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z, or nanos outside
//    [0, 999999999], makes the printer fail; the whole event is then
//    {"encoding_error":true}, as EventToJson prints it.
//  - Strings: " and \ escaped, \b \t \n \f \r by name, other C0 controls, DEL, the C1
//    controls, < and > as \u00XX; U+00AD, U+0600..U+0603, U+06DD, U+070F, U+17B4,
//    U+17B5, U+200B..U+200F, U+2028..U+202E, U+2060..U+2064, U+206A..U+206F, U+FEFF,
//    U+FFF9..U+FFFB as \uXXXX, and U+E0001, U+E0020..U+E007F, U+1D173..U+1D17A as
//    surrogate pairs; everything else (& ' = / and other non-ASCII) as is. Invalid UTF-8
//    does NOT make the printer fail: it drops a stray byte, a sequence cut short (with
//    the byte that cut it), an encoded surrogate and anything above U+10FFFF, and copies
//    overlong forms as they are (or as the escape of the code point they spell). This
//    writer does the same.
//
// The caller routes redacted events to RedactedToJson first (EventToJson does that for
// event.redacted(), supervised().withheld() and protected_().withheld()); this writer
// assumes those are false but prints whatever it gets as the full, non-redacted form.
// Unknown fields are ignored, as the printer ignores them.
//
// Units are the schema's: numbers print as the event holds them (metres, degrees, counts),
// times as RFC 3339 UTC. The output is JSON text in UTF-8 when the strings are UTF-8.
//
// Pure and thread-safe: the output depends on the event alone; the only state is the
// table of enum value names, built from the descriptors on first use (a function-local
// static) and read-only after.
#ifndef STAYAWAY_INGEST_EVENT_JSON_WRITER_H_
#define STAYAWAY_INGEST_EVENT_JSON_WRITER_H_

#include <string>

namespace stayaway::v1 {
class Event;
}

namespace stayaway::ingest {

// Appends the event's JSON line (no newline) to *out. On the printer's one failure (a
// Timestamp out of range) appends {"encoding_error":true} instead, and nothing else.
void AppendEventJson(const v1::Event& event, std::string* out);

// AppendEventJson into a new string.
std::string WriteEventJson(const v1::Event& event);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_EVENT_JSON_WRITER_H_
