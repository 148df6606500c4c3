// HttpApi's handlers for orders and global zones (http_api.h): /v1/orders (one order, a
// bulk load, the paged list) and /v1/zones, read on the io thread, written on the slow
// lane, each body parsed with exactly the replay command's checks (json_codec.h).
#include <charconv>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "access/redaction.h"
#include "base/identifier.h"
#include "ingest/http_api.h"
#include "ingest/http_context.h"
#include "ingest/http_text.h"
#include "ingest/id_checks.h"
#include "ingest/json_codec.h"
#include "ingest/page_limit.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace pbutil = google::protobuf::util;

namespace {

// A bulk POST /v1/orders holds at most this many orders (413 beyond), which bounds the
// work of one engine batch. The body is bounded too, by the server's max_body_bytes (1 MiB,
// 413): that bound holds before the request is authenticated, so it stays small, and
// 5,000 orders fit in it only when they are terse. 10,000 orders load in a few requests.
constexpr std::size_t kMaxOrdersPerRequest = 5'000;

// (ParseOrdersJson / ParseZonesJson), so that an order sent to the API gets exactly the
// replay command's checks and messages; "orders[0].zones[1]: ..." reads "order.zones[1]".
template <typename T, typename ParseList>
StatusOr<T> ParseOne(std::string_view body, std::string_view list_name, std::string_view name,
                     ParseList parse_list) {
  const std::string_view trimmed = TrimJsonSpace(body);
  if (trimmed.empty() || trimmed.front() != '{') {
    return InvalidArgument("expected one JSON object (" + std::string(name) + ")");
  }
  StatusOr<std::vector<T>> list = parse_list("[" + std::string(trimmed) + "]");
  if (!list.ok()) {
    std::string message = list.status().message();
    const std::string prefix = std::string(list_name) + "[0]";
    if (message.starts_with(prefix)) message = std::string(name) + message.substr(prefix.size());
    return InvalidArgument(std::move(message));
  }
  if (list->size() != 1)
    return InvalidArgument("expected one JSON object (" + std::string(name) + ")");
  return std::move(list->front());
}

}  // namespace

void HttpApi::ListOrders(const std::shared_ptr<Context>& ctx) {
  OrderPageQuery query;
  for (const auto& [key, value] : ctx->query) {
    if (key != "limit" && key != "cursor") {
      return ctx->Refuse(
          InvalidArgument("unknown parameter \"" + key + "\"; known: limit, cursor"));
    }
  }
  StatusOr<std::size_t> limit = PageLimitOf(ctx->query);
  if (!limit.ok()) return ctx->Refuse(limit.status());
  query.limit = *limit;
  if (auto it = ctx->query.find("cursor"); it != ctx->query.end()) query.cursor = it->second;
  StatusOr<v1::OrderPage> page = service_->ListOrders(query);
  if (!page.ok()) return ctx->Refuse(page.status());
  // The terms follow GET /v1/orders/{id} (places); alerts and last contacts follow the
  // alerts (positions and the times of fixes).
  const bool places = access::SeesPlacesWhole(*ctx->principal);
  const bool events = access::SeesEventsWhole(*ctx->principal);
  for (v1::OrderOverview& overview : *page->mutable_orders()) {
    if (!places) access::RedactForAuditor(overview.mutable_order());
    if (events) continue;
    for (v1::OrderAlertSummary& alert : *overview.mutable_open_alerts()) {
      access::RedactForAuditor(&alert);
    }
    for (v1::DeviceContact& contact : *overview.mutable_contacts()) {
      access::RedactForAuditor(&contact);
    }
  }
  // Withheld fields are absent, not printed at their defaults, once anything was redacted.
  ctx->Reply(http::status::ok, (places && events ? ToJson(*page) : RedactedToJson(*page)) + "\n");
}

// POST /v1/orders with a JSON array: each element is judged as a single POST would be
// (parsed with the same checks, refused when its id exists or repeats in the array), and
// the good ones go to the engine as one batch with one journal sync.
void HttpApi::CreateOrders(const std::shared_ptr<Context>& ctx) {
  std::vector<std::string_view> elements;
  if (Status s = SplitJsonArray(ctx->request.body(), kMaxDocumentDepth, &elements); !s.ok()) {
    ctx->Refuse(http::status::bad_request, "invalid_argument", "orders: " + s.message());
    return;
  }
  if (elements.size() > kMaxOrdersPerRequest) {
    ctx->Refuse(http::status::payload_too_large, "payload_too_large",
                "orders: " + std::to_string(elements.size()) + " orders in one request; at most " +
                    std::to_string(kMaxOrdersPerRequest) + " (send the rest in another request)");
    return;
  }
  v1::OrderLoadResults answer;
  std::vector<v1::Order> orders;
  std::vector<int> places;  // orders[k] is element places[k]
  std::set<std::string, std::less<>> ids;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    v1::OrderLoadResult& result = *answer.add_results();
    result.set_index(static_cast<uint32_t>(i));
    const auto refuse_element = [&](const Status& s) {
      service_->CountRejected(kHttpApiSource, StatusCodeName(s.code()));
      result.set_status(static_cast<uint32_t>(HttpStatusOf(s.code())));
      result.set_code(std::string(StatusCodeName(s.code())));
      result.set_message(s.message());
    };
    StatusOr<v1::Order> order =
        ParseOne<v1::Order>(elements[i], "orders", "order", ParseOrdersJson);
    if (!order.ok()) {
      refuse_element(order.status());
      continue;
    }
    result.set_id(order->id());
    if (order->id().empty()) {
      refuse_element(InvalidArgument("order has no id"));
      continue;
    }
    if (Status s = CheckIdentifier(order->id(), "order id"); !s.ok()) {
      refuse_element(s);
      continue;
    }
    if (!ids.insert(order->id()).second) {
      refuse_element(AlreadyExists("order " + order->id() + " appears twice in this request"));
      continue;
    }
    if (service_->GetOrder(order->id()).ok()) {
      refuse_element(AlreadyExists("order " + order->id() + " already exists; use PUT /v1/orders/" +
                                   order->id() + " to replace it"));
      continue;
    }
    places.push_back(static_cast<int>(i));
    orders.push_back(std::move(*order));
  }
  const std::vector<Status> statuses = service_->PutOrders(std::move(orders));
  for (std::size_t k = 0; k < places.size() && k < statuses.size(); ++k) {
    v1::OrderLoadResult& result = *answer.mutable_results(places[k]);
    const Status& s = statuses[k];
    if (s.ok()) {
      result.set_status(static_cast<uint32_t>(http::status::created));
      service_->Audit("order created", *ctx->principal, "order " + result.id());
      continue;
    }
    service_->CountRejected(kHttpApiSource, StatusCodeName(s.code()));
    result.set_status(static_cast<uint32_t>(HttpStatusOf(s.code())));
    result.set_code(std::string(StatusCodeName(s.code())));
    result.set_message(s.message());
  }
  for (const v1::OrderLoadResult& result : answer.results()) {
    if (result.status() == static_cast<uint32_t>(http::status::created)) {
      answer.set_created(answer.created() + 1);
    } else {
      answer.set_rejected(answer.rejected() + 1);
    }
  }
  ctx->Reply(http::status::ok, ToJson(answer) + "\n");
}

void HttpApi::CreateOrder(const std::shared_ptr<Context>& ctx) {
  // A JSON array is a bulk load; an object is one order, answered as it always was.
  if (const std::string_view body = TrimJsonSpace(ctx->request.body());
      !body.empty() && body.front() == '[') {
    return CreateOrders(ctx);
  }
  StatusOr<v1::Order> order =
      ParseOne<v1::Order>(ctx->request.body(), "orders", "order", ParseOrdersJson);
  if (!order.ok()) return ctx->Refuse(order.status());
  if (order->id().empty()) return ctx->Refuse(InvalidArgument("order has no id"));
  StatusOr<Identifier> id = Identifier::Make(order->id(), "order id");
  if (!id.ok()) return ctx->Refuse(id.status());
  if (service_->GetOrder(order->id()).ok()) {
    return ctx->Refuse(AlreadyExists("order " + order->id() +
                                     " already exists; use PUT /v1/orders/" + order->id() +
                                     " to replace it"));
  }
  if (Status s = service_->PutOrder(*order); !s.ok()) return ctx->Refuse(s);
  service_->Audit("order created", *ctx->principal, "order " + order->id());
  StatusOr<v1::Order> stored = service_->GetOrder(order->id());
  HttpResponse response = MakeResponse(ctx->request, http::status::created,
                                       ToJson(stored.ok() ? *stored : *order) + "\n");
  response.set(http::field::location, LocationOf("orders", *id));
  ctx->responder.Send(std::move(response));
}

void HttpApi::GetOrder(const std::shared_ptr<Context>& ctx, std::string_view id) {
  StatusOr<v1::Order> order = service_->GetOrder(id);
  if (!order.ok()) {
    ctx->Refuse(order.status());
    return;
  }
  ctx->Reply(http::status::ok, JsonFor(access::SeesPlacesWhole(*ctx->principal), &*order) + "\n");
}

void HttpApi::PutOrder(const std::shared_ptr<Context>& ctx, std::string_view id) {
  StatusOr<v1::Order> order =
      ParseOne<v1::Order>(ctx->request.body(), "orders", "order", ParseOrdersJson);
  if (!order.ok()) return ctx->Refuse(order.status());
  if (order->id().empty()) order->set_id(std::string(id));
  if (order->id() != id) {
    return ctx->Refuse(InvalidArgument("order id \"" + order->id() +
                                       "\" does not match the path's \"" + std::string(id) + "\""));
  }
  if (Status s = service_->PutOrder(*order); !s.ok()) return ctx->Refuse(s);
  service_->Audit("order replaced", *ctx->principal, "order " + order->id());
  StatusOr<v1::Order> stored = service_->GetOrder(id);
  ctx->Reply(http::status::ok, ToJson(stored.ok() ? *stored : *order) + "\n");
}

void HttpApi::DeleteOrder(const std::shared_ptr<Context>& ctx, std::string_view id) {
  if (Status s = service_->RevokeOrder(id); !s.ok()) return ctx->Refuse(s);
  service_->Audit("order revoked", *ctx->principal, "order " + std::string(id));
  StatusOr<v1::Order> revoked = service_->GetOrder(id);
  if (!revoked.ok()) return ctx->Refuse(revoked.status());
  ctx->Reply(http::status::ok, ToJson(*revoked) + "\n");
}

void HttpApi::ListZones(const std::shared_ptr<Context>& ctx) {
  // A bare array, as ZONES.json, so the answer can be fed back to `stayaway replay`.
  const bool whole = access::SeesPlacesWhole(*ctx->principal);
  std::string body = "[";
  bool first = true;
  for (v1::Zone& zone : service_->ListGlobalZones()) {
    if (!first) body += ',';
    first = false;
    body += JsonFor(whole, &zone);
  }
  body += "]\n";
  ctx->Reply(http::status::ok, std::move(body));
}

void HttpApi::GetZone(const std::shared_ptr<Context>& ctx, std::string_view id) {
  for (v1::Zone& zone : service_->ListGlobalZones()) {
    if (zone.id() == id) {
      ctx->Reply(http::status::ok, JsonFor(access::SeesPlacesWhole(*ctx->principal), &zone) + "\n");
      return;
    }
  }
  ctx->Refuse(http::status::not_found, "not_found", "no global zone " + std::string(id));
}

void HttpApi::PutZone(const std::shared_ptr<Context>& ctx, std::string_view id, bool create) {
  StatusOr<v1::Zone> zone =
      ParseOne<v1::Zone>(ctx->request.body(), "zones", "zone", ParseZonesJson);
  if (!zone.ok()) return ctx->Refuse(zone.status());
  if (create) {
    if (zone->id().empty()) return ctx->Refuse(InvalidArgument("zone has no id"));
    if (Status s = CheckIdentifier(zone->id(), "zone id"); !s.ok()) return ctx->Refuse(s);
    for (const v1::Zone& existing : service_->ListGlobalZones()) {
      if (existing.id() == zone->id()) {
        return ctx->Refuse(AlreadyExists("global zone " + zone->id() +
                                         " already exists; use PUT /v1/zones/" + zone->id()));
      }
    }
  } else {
    if (zone->id().empty()) zone->set_id(std::string(id));
    if (zone->id() != id) {
      return ctx->Refuse(InvalidArgument(
          "zone id \"" + zone->id() + "\" does not match the path's \"" + std::string(id) + "\""));
    }
  }
  StatusOr<Identifier> zone_id = Identifier::Make(zone->id(), "zone id");
  if (!zone_id.ok()) return ctx->Refuse(zone_id.status());
  if (Status s = service_->PutGlobalZone(*zone); !s.ok()) return ctx->Refuse(s);
  service_->Audit(create ? "zone created" : "zone replaced", *ctx->principal, "zone " + zone->id());
  HttpResponse response = MakeResponse(
      ctx->request, create ? http::status::created : http::status::ok, ToJson(*zone) + "\n");
  if (create) response.set(http::field::location, LocationOf("zones", *zone_id));
  ctx->responder.Send(std::move(response));
}

}  // namespace stayaway::ingest
