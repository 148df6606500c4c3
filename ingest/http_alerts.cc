// HttpApi's handlers for alerts (http_api.h): the alert list (GET /v1/alerts, filtered
// by order, state and time) and operators' acknowledgements (POST /v1/alerts/{id}/ack).
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <string>

#include "access/redaction.h"
#include "base/time.h"
#include "ingest/http_api.h"
#include "ingest/http_context.h"
#include "ingest/http_text.h"
#include "ingest/id_checks.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace pbutil = google::protobuf::util;

void HttpApi::ListAlerts(const std::shared_ptr<Context>& ctx) {
  const auto refuse = [&](std::string message) {
    Refuse(*service_, ctx->request, ctx->responder, http::status::bad_request, "invalid_argument",
           message);
  };
  AlertQuery query;
  for (const auto& [key, value] : ctx->query) {
    if (key == "order") {
      if (Status s = CheckIdentifier(value, "order"); !s.ok()) return refuse(s.message());
      query.order_id = value;
    } else if (key == "state") {
      if (value == "open") {
        query.state = AlertQuery::State::kOpen;
      } else if (value == "closed") {
        query.state = AlertQuery::State::kClosed;
      } else if (value == "all") {
        query.state = AlertQuery::State::kAll;
      } else {
        return refuse("state \"" + value + "\" is not one of open, closed, all");
      }
    } else if (key == "since") {
      google::protobuf::Timestamp ts;
      if (!google::protobuf::util::TimeUtil::FromString(value, &ts)) {
        return refuse("since \"" + value +
                      "\" is not an RFC 3339 time such as 2025-03-01T10:00:00Z");
      }
      query.since = TimestampToMs(ts);
    } else {
      return refuse("unknown parameter \"" + key + "\"; known: order, state, since");
    }
  }
  v1::AlertList list;
  for (v1::AlertView& view : service_->ListAlerts(query)) *list.add_alerts() = std::move(view);
  ctx->Reply(http::status::ok, JsonFor(access::SeesEventsWhole(*ctx->principal), &list) + "\n");
}

void HttpApi::AckAlert(const std::shared_ptr<Context>& ctx, std::string_view id) {
  const auto refuse = [&](const Status& s) {
    Refuse(*service_, ctx->request, ctx->responder, HttpStatusOf(s.code()),
           StatusCodeName(s.code()), s.message());
  };
  const std::string_view body = TrimJsonSpace(ctx->request.body());
  if (body.empty() || body.front() != '{') {
    return refuse(InvalidArgument("ack: expected a JSON object such as {\"by\": \"operator-7\"}"));
  }
  if (JsonDepth(body) > 2) return refuse(InvalidArgument("ack: JSON is nested too deeply"));
  v1::AlertAck ack;
  pbutil::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  if (auto s = pbutil::JsonStringToMessage(std::string(body), &ack, parse_options); !s.ok()) {
    std::string message(s.message().data(), s.message().size());
    message = message.substr(0, message.find('\n'));
    return refuse(InvalidArgument("ack: " + message));
  }
  if (!ack.alert_id().empty() && ack.alert_id() != id) {
    return refuse(
        InvalidArgument("ack alert_id \"" + ack.alert_id() + "\" does not match the path"));
  }
  if (!ack.credential().empty()) {
    return refuse(InvalidArgument("ack: \"credential\" is set by the daemon"));
  }
  // Who acknowledged is the credential it came with; "by" may name the person at the
  // console when a credential is shared by a desk, and defaults to the credential's name.
  if (ack.by().empty()) ack.set_by(ctx->principal->name());
  ack.set_credential(ctx->principal->id());
  ack.set_alert_id(std::string(id));
  ack.clear_time();  // the daemon stamps it
  if (Status s = service_->AckAlert(ack); !s.ok()) return refuse(s);
  service_->Audit("alert acknowledged", *ctx->principal, "alert " + std::string(id));

  AlertQuery query;
  query.state = AlertQuery::State::kAll;
  for (const v1::AlertView& view : service_->ListAlerts(query)) {
    if (view.alert_id() == id) {
      ctx->Reply(http::status::ok, ToJson(view) + "\n");
      return;
    }
  }
  v1::AckReceipt receipt;
  receipt.set_alert_id(std::string(id));
  receipt.set_acknowledged(true);
  ctx->Reply(http::status::ok, ToJson(receipt) + "\n");
}

}  // namespace stayaway::ingest
