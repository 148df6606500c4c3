#include "ingest/alert_list_params.h"

#include <google/protobuf/util/time_util.h>

#include <optional>
#include <string_view>

#include "base/identifier.h"
#include "base/time.h"
#include "ingest/http_text.h"
#include "ingest/page_cursor.h"
#include "ingest/page_limit.h"

namespace stayaway::ingest {

namespace {

// The listing's letter in its cursors (page_cursor.h); the key is the seq in decimal.
constexpr char kAlertCursor = 'a';

Status ParseTime(std::string_view name, const std::string& value, std::optional<TimeMs>* out) {
  google::protobuf::Timestamp ts;
  if (!google::protobuf::util::TimeUtil::FromString(value, &ts)) {
    return InvalidArgument(std::string(name) + " \"" + value +
                           "\" is not an RFC 3339 time such as 2025-03-01T10:00:00Z");
  }
  *out = TimestampToMs(ts);
  return Status::Ok();
}

// "proximity_warning, proximity_violation, ..." : every kind but the unspecified one.
std::string KindNames() {
  std::string out;
  const auto* kinds = v1::Event::Kind_descriptor();
  for (int i = 0; i < kinds->value_count(); ++i) {
    if (kinds->value(i)->number() == v1::Event::kind_unspecified) continue;
    if (!out.empty()) out += ", ";
    out += kinds->value(i)->name();
  }
  return out;
}

}  // namespace

StatusOr<AlertQuery> ParseAlertListParams(const std::map<std::string, std::string>& params) {
  AlertQuery query;
  query.limit = kDefaultPageLimit;
  for (const auto& [key, value] : params) {
    if (key == "order") {
      if (Status s = CheckIdentifier(value, "order"); !s.ok()) return s;
      query.order_id = value;
    } else if (key == "state") {
      if (value == "open") {
        query.state = AlertQuery::State::kOpen;
      } else if (value == "closed") {
        query.state = AlertQuery::State::kClosed;
      } else if (value == "all") {
        query.state = AlertQuery::State::kAll;
      } else {
        return InvalidArgument("state \"" + value + "\" is not one of open, closed, all");
      }
    } else if (key == "kind") {
      v1::Event::Kind kind;
      if (!v1::Event::Kind_Parse(value, &kind) || kind == v1::Event::kind_unspecified) {
        return InvalidArgument("kind \"" + value + "\" is not one of " + KindNames());
      }
      query.kind = kind;
    } else if (key == "device") {
      if (Status s = CheckIdentifier(value, "device"); !s.ok()) return s;
      query.device = value;
    } else if (key == "certainty") {
      if (value == "confirmed") {
        query.certainty = v1::Event::confirmed;
      } else if (value == "possible") {
        query.certainty = v1::Event::possible;
      } else {
        return InvalidArgument("certainty \"" + value + "\" is not one of confirmed, possible");
      }
    } else if (key == "since") {
      if (Status s = ParseTime("since", value, &query.since); !s.ok()) return s;
    } else if (key == "until") {
      if (Status s = ParseTime("until", value, &query.until); !s.ok()) return s;
    } else if (key == "limit") {
      StatusOr<std::size_t> limit = ParsePageLimit(value);
      if (!limit.ok()) return limit.status();
      query.limit = *limit;
    } else if (key == "cursor") {
      const StatusOr<std::string> decoded = DecodeCursor(kAlertCursor, value);
      const std::optional<uint64_t> seq = decoded.ok() ? ParseUint(*decoded) : std::nullopt;
      if (!seq) {
        return InvalidArgument("cursor \"" + value +
                               "\" is not a cursor: pass back a page's next_cursor as it came");
      }
      query.after_first_seq = *seq;
    } else {
      return InvalidArgument("unknown parameter \"" + key +
                             "\"; known: order, state, kind, device, certainty, since, until, "
                             "limit, cursor");
    }
  }
  if (query.since && query.until && *query.until < *query.since) {
    return InvalidArgument("until is before since");
  }
  return query;
}

std::string AlertCursorAfter(uint64_t first_seq) {
  return EncodeCursor(kAlertCursor, std::to_string(first_seq));
}

}  // namespace stayaway::ingest
