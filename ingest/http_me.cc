// HttpApi's protected person's view (http_api.h, GET /v1/me/alerts and /v1/me/events): the
// alerts of the orders that protect the credential's person, as each order's
// victim_notification allows (protected_view.h), and their event stream. A protected
// person's credential may read nothing else of the centre's (access/permission.h).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "ingest/http_api.h"
#include "ingest/http_context.h"
#include "ingest/page_limit.h"
#include "ingest/protected_view.h"

namespace stayaway::ingest {

namespace http = boost::beast::http;

void HttpApi::MyAlerts(const std::shared_ptr<Context>& ctx) {
  // ?state=open|all (default all: what she was told lately, settled or not), ?limit=.
  AlertQuery::State state = AlertQuery::State::kAll;
  for (const auto& [key, value] : ctx->query) {
    if (key == "state") {
      if (value == "open") {
        state = AlertQuery::State::kOpen;
      } else if (value != "all") {
        return ctx->Refuse(InvalidArgument("state \"" + value + "\" is not one of open, all"));
      }
    } else if (key != "limit") {
      return ctx->Refuse(InvalidArgument("unknown parameter \"" + key + "\"; known: state, limit"));
    }
  }
  StatusOr<std::size_t> limit = PageLimitOf(ctx->query);
  if (!limit.ok()) return ctx->Refuse(limit.status());
  v1::ProtectedAlertList list;
  for (const auto& [order_id, told] : service_->OrdersProtecting(ctx->principal->person())) {
    AlertQuery query;
    query.order_id = order_id;
    query.state = state;
    query.limit = *limit;
    for (const v1::AlertView& view : service_->ListAlerts(query)) {
      *list.add_alerts() = ProtectedAlertOf(view, told);
    }
  }
  // The newest news first, at most `limit` of them.
  std::sort(
      list.mutable_alerts()->begin(), list.mutable_alerts()->end(),
      [](const v1::ProtectedAlert& a, const v1::ProtectedAlert& b) { return a.seq() > b.seq(); });
  while (static_cast<std::size_t>(list.alerts_size()) > *limit) list.mutable_alerts()->RemoveLast();
  ctx->Reply(http::status::ok, ToJson(list) + "\n");
}

void HttpApi::MyEvents(const std::shared_ptr<Context>& ctx) {
  // Unnamed events only: her app's one EventSource.onmessage receives them all.
  StatusOr<StreamStart> start = ParseStreamStart(*ctx, nullptr);
  if (!start.ok()) return ctx->Refuse(start.status());
  // Whole records are read, so that `distance` can be told; only what her order allows
  // is printed, and an event of an order that does not protect her is left out.
  StartEventStream(ctx, *start, EventNames::kNone, /*whole=*/true,
                   [service = service_, person = ctx->principal->person()](
                       const v1::EventRecord& record) -> std::optional<std::string> {
                     const auto told = service->ToldOf(record.event().order_id(), person);
                     if (!told) return std::nullopt;
                     return ToJson(ProtectedAlertOf(record, *told));
                   });
}

}  // namespace stayaway::ingest
