// HttpApi's protected person's view (http_api.h, GET /v1/me/alerts and /v1/me/events): the
// alerts of the orders that protect the credential's person, as each order's
// victim_notification allows (protected_view.h), their event stream, and her app's
// receipts (POST /v1/me/alerts/{id}/receipt). A protected
// person's credential may read nothing else of the centre's (access/permission.h).
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "ingest/http_api.h"
#include "ingest/http_context.h"
#include "ingest/http_text.h"
#include "ingest/page_limit.h"
#include "ingest/protected_view.h"

namespace stayaway::ingest {

namespace http = boost::beast::http;
namespace pbutil = google::protobuf::util;

namespace {

// Whether the event's alert is open now, for an event that does not say
// (protected_view.h, SaysWhetherOpen).
bool OpenNow(AlertDesk& alerts, const v1::EventRecord& record) {
  // An event that says needs no lookup: ProtectedAlertOf does not read open_now then.
  if (SaysWhetherOpen(record.event().transition())) return false;
  const std::optional<v1::AlertView> view = alerts.FindAlert(record.event().alert_id());
  return view && view->open();
}

}  // namespace

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
    // Every alert of the order: the book lists them oldest first, and she needs the
    // newest (the cut is made below, across her orders).
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
                     return ToJson(ProtectedAlertOf(record, *told, OpenNow(*service, record)));
                   });
}

void HttpApi::MyReceipt(const std::shared_ptr<Context>& ctx, std::string_view id) {
  const std::string_view body = TrimJsonSpace(ctx->request.body());
  if (body.empty() || body.front() != '{') {
    return ctx->Refuse(
        InvalidArgument("receipt: expected a JSON object such as {\"event_seq\": 12, \"shown_at\": "
                        "\"2026-12-06T10:00:00Z\"}"));
  }
  if (JsonDepth(body) > 2)
    return ctx->Refuse(InvalidArgument("receipt: JSON is nested too deeply"));
  v1::AlertReceipt receipt;
  pbutil::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  if (auto s = pbutil::JsonStringToMessage(std::string(body), &receipt, parse_options); !s.ok()) {
    std::string message(s.message().data(), s.message().size());
    return ctx->Refuse(InvalidArgument("receipt: " + message.substr(0, message.find('\n'))));
  }
  if (!receipt.alert_id().empty() && receipt.alert_id() != id) {
    return ctx->Refuse(
        InvalidArgument("receipt alert_id \"" + receipt.alert_id() + "\" does not match the path"));
  }
  if (!receipt.person().empty() || !receipt.credential().empty() || receipt.has_time()) {
    return ctx->Refuse(
        InvalidArgument("receipt: \"person\", \"credential\" and \"time\" are set by the daemon"));
  }
  if (receipt.event_seq() == 0) {
    return ctx->Refuse(
        InvalidArgument("receipt: \"event_seq\" (the seq of the event shown) is missing"));
  }
  // Only an alert she was told of, and one of its events she could have been shown: any
  // other alert is unknown to her, whether it exists or not.
  const std::string& person = ctx->principal->person();
  const std::string not_hers = "alert " + std::string(id) + " is not one of yours";
  StatusOr<v1::AlertDetail> detail = service_->GetAlert(id);
  if (!detail.ok() || !service_->ToldOf(detail->alert().order_id(), person)) {
    return ctx->Refuse(NotFound(not_hers));
  }
  const auto& timeline = detail->timeline();
  const bool shown = std::any_of(timeline.begin(), timeline.end(), [&](const v1::EventRecord& r) {
    return r.seq() == receipt.event_seq() && r.event().transition() != v1::Event::received;
  });
  if (!shown) {
    return ctx->Refuse(NotFound("alert " + std::string(id) + " has no event " +
                                std::to_string(receipt.event_seq()) + " to acknowledge"));
  }
  receipt.set_alert_id(std::string(id));
  receipt.set_person(person);
  receipt.set_credential(ctx->principal->id());
  StatusOr<v1::AlertReceipt> recorded = service_->RecordReceipt(std::move(receipt));
  if (!recorded.ok()) return ctx->Refuse(recorded.status());
  service_->Audit("alert receipt", *ctx->principal,
                  "alert " + std::string(id) + " event " + std::to_string(recorded->event_seq()));
  ctx->Reply(http::status::ok, ToJson(*recorded) + "\n");
}

}  // namespace stayaway::ingest
