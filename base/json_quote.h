// JsonQuote: a string as a JSON string literal, quotes included, for the places that write
// JSON by hand (HTTP answers, simulator files, reports, state files). Quotes, backslashes
// and control characters are escaped; UTF-8 passes through unchanged. Pure; thread-safe.
#ifndef STAYAWAY_BASE_JSON_QUOTE_H_
#define STAYAWAY_BASE_JSON_QUOTE_H_

#include <string>
#include <string_view>

namespace stayaway {

std::string JsonQuote(std::string_view text);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_JSON_QUOTE_H_
