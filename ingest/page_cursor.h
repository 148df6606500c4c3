// Page cursors of the paged lists (GET /v1/alerts, /v1/orders, /v1/devices): the sort key of a
// page's last item, given to clients as an opaque token ("next_cursor") that they pass back
// as ?cursor=. The token is the key's bytes in lower-case hex, prefixed by a letter naming
// the listing it belongs to, so a cursor of one listing is refused by another. Pure
// functions; thread-safe.
#ifndef STAYAWAY_INGEST_PAGE_CURSOR_H_
#define STAYAWAY_INGEST_PAGE_CURSOR_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace stayaway::ingest {

// `kind` is one letter naming the listing; `key` any bytes.
std::string EncodeCursor(char kind, std::string_view key);
// The key of a cursor EncodeCursor made for `kind`; InvalidArgument otherwise.
StatusOr<std::string> DecodeCursor(char kind, std::string_view cursor);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_PAGE_CURSOR_H_
