// Text helpers of the HTTP API (http_api.h): percent-decoding of paths and queries,
// decimal numbers, and a byte scan of JSON bodies (the top-level elements of an array,
// nesting depth) that runs before any parser sees the body. Pure functions; thread-safe.
#ifndef STAYAWAY_INGEST_HTTP_TEXT_H_
#define STAYAWAY_INGEST_HTTP_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace stayaway::ingest {

// `text` with every %XX replaced by its byte; nullopt when a % is not followed by two hex
// digits. '+' is left as it is.
std::optional<std::string> PercentDecode(std::string_view text);

// A decimal number from 0 to 2^64-1, digits only; nullopt otherwise.
std::optional<uint64_t> ParseUint(std::string_view text);

// `text` without leading and trailing JSON whitespace (space, tab, CR, LF).
std::string_view TrimJsonSpace(std::string_view text);

// Splits the JSON array `text` into its top-level element texts (trimmed, pointing into
// `text`) with one iterative byte scan, so that one bad fix does not spoil its neighbours.
// Brackets inside strings are skipped; anything else malformed inside an element is left
// to the element's own parser. Refuses a text that is not an array, is unterminated, or
// nests deeper than max_depth.
Status SplitJsonArray(std::string_view text, int max_depth, std::vector<std::string_view>* out);

// The deepest nesting of arrays and objects in `text` (0 for a scalar), skipping strings.
int JsonDepth(std::string_view text);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_HTTP_TEXT_H_
