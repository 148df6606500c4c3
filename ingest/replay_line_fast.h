// The common shapes of a replay line (FIXES.ndjson, POST /v1/fixes elements) decoded
// without Protobuf's JSON mapping, which is most of the time `stayaway replay` spends on
// a line. ParseReplayLine (json_codec.h) tries this first and falls back to the mapping
// for anything else, so this decoder only ever accepts: it never refuses and never
// explains. What it accepts it decodes to exactly the Input the mapping gives (the
// oracle test and the replay_line fuzz target compare the two byte for byte); anything it
// is not sure of, it leaves to the mapping, which then accepts or refuses as it always did.
//
// Accepted: one JSON object (JSON whitespace anywhere between tokens) holding either the
// single key "tick" with a time, or the fix keys by their proto names, each at most once:
//   device, source       strings of printable ASCII without escapes
//   seq                  a JSON integer 0 .. 2^64-1 without sign, fraction or exponent
//   lat, lon, accuracy_m, speed_mps, heading_deg, battery_pct
//                        JSON numbers (at most 15 digits when integral), finite
//   time, received       "YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z", years 1900-2199
//   flags                an array of flag names
//   no_position          true or false
// Left to the mapping: everything else (camelCase names, quoted numbers, null, escapes,
// non-ASCII, offsets other than Z, mac, duplicate keys, unknown keys, bad syntax).
//
// Pure; thread-safe.
#ifndef STAYAWAY_INGEST_REPLAY_LINE_FAST_H_
#define STAYAWAY_INGEST_REPLAY_LINE_FAST_H_

#include <string_view>

#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

// True when `line` has one of the shapes above; `out` then holds the tick, or the fix as
// the mapping decodes it (before ParseReplayLine's own checks and defaults: a fix's time
// and ids are checked and its `received` defaulted by the caller, for both paths alike).
// False: `out` is unspecified and the caller uses the mapping. A fix already in `out`
// is parsed over, after the caller cleared it: its strings and times keep their storage.
bool ParseCommonReplayLine(std::string_view line, v1::Input* out);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_REPLAY_LINE_FAST_H_
