// The size of a page of a paged list (GET /v1/alerts, /v1/orders, /v1/devices): the
// ?limit= parameter, a whole number from 1 to kMaxPageLimit, kDefaultPageLimit when the
// request leaves it out. One bound for every list, so a client pages them all alike.
// Pure functions; thread-safe.
#ifndef STAYAWAY_INGEST_PAGE_LIMIT_H_
#define STAYAWAY_INGEST_PAGE_LIMIT_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace stayaway::ingest {

inline constexpr std::size_t kDefaultPageLimit = 100;
inline constexpr std::size_t kMaxPageLimit = 1000;

// The limit `text` asks for; InvalidArgument naming the bounds for anything else (a sign,
// spaces, 0, more than kMaxPageLimit, a number too large for any integer).
StatusOr<std::size_t> ParsePageLimit(std::string_view text);

// The limit of a request's query: its "limit" parameter, or kDefaultPageLimit.
StatusOr<std::size_t> PageLimitOf(const std::map<std::string, std::string>& query);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_PAGE_LIMIT_H_
