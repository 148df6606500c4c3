// HttpApi's handlers for alerts (http_api.h): the alert list (GET /v1/alerts, filtered
// and paged: alert_list_params.h), one alert with its timeline (GET /v1/alerts/{id}), and
// operators' acknowledgements and resolutions (POST /v1/alerts/{id}/ack, .../resolve).
#include <google/protobuf/util/json_util.h>

#include <string>
#include <vector>

#include "access/redaction.h"
#include "base/time.h"
#include "ingest/alert_list_params.h"
#include "ingest/http_api.h"
#include "ingest/http_context.h"
#include "ingest/http_text.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace pbutil = google::protobuf::util;

void HttpApi::ListAlerts(const std::shared_ptr<Context>& ctx) {
  StatusOr<AlertQuery> query = ParseAlertListParams(ctx->query);
  if (!query.ok()) {
    return ctx->Refuse(http::status::bad_request, "invalid_argument", query.status().message());
  }
  // One more than the page: whether it is there says whether another page follows.
  const std::size_t page = query->limit;
  query->limit = page + 1;
  std::vector<v1::AlertView> views = service_->ListAlerts(*query);
  v1::AlertList list;
  if (views.size() > page) {
    views.resize(page);
    list.set_next_cursor(AlertCursorAfter(views.back().first_seq()));
  }
  for (v1::AlertView& view : views) *list.add_alerts() = std::move(view);
  ctx->Reply(http::status::ok, JsonFor(access::SeesEventsWhole(*ctx->principal), &list) + "\n");
}

void HttpApi::GetAlert(const std::shared_ptr<Context>& ctx, std::string_view id) {
  StatusOr<v1::AlertDetail> detail = service_->GetAlert(id);
  if (!detail.ok()) {
    return ctx->Refuse(detail.status());
  }
  ctx->Reply(http::status::ok, JsonFor(access::SeesEventsWhole(*ctx->principal), &*detail) + "\n");
}

void HttpApi::AckAlert(const std::shared_ptr<Context>& ctx, std::string_view id) {
  const std::string_view body = TrimJsonSpace(ctx->request.body());
  if (body.empty() || body.front() != '{') {
    return ctx->Refuse(
        InvalidArgument("ack: expected a JSON object such as {\"by\": \"operator-7\"}"));
  }
  if (JsonDepth(body) > 2) return ctx->Refuse(InvalidArgument("ack: JSON is nested too deeply"));
  v1::AlertAck ack;
  pbutil::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  if (auto s = pbutil::JsonStringToMessage(std::string(body), &ack, parse_options); !s.ok()) {
    std::string message(s.message().data(), s.message().size());
    message = message.substr(0, message.find('\n'));
    return ctx->Refuse(InvalidArgument("ack: " + message));
  }
  if (!ack.alert_id().empty() && ack.alert_id() != id) {
    return ctx->Refuse(
        InvalidArgument("ack alert_id \"" + ack.alert_id() + "\" does not match the path"));
  }
  if (!ack.credential().empty()) {
    return ctx->Refuse(InvalidArgument("ack: \"credential\" is set by the daemon"));
  }
  // Who acknowledged is the credential it came with; "by" may name the person at the
  // console when a credential is shared by a desk, and defaults to the credential's name.
  if (ack.by().empty()) ack.set_by(ctx->principal->name());
  ack.set_credential(ctx->principal->id());
  ack.set_alert_id(std::string(id));
  ack.clear_time();  // the daemon stamps it
  if (Status s = service_->AckAlert(ack); !s.ok()) return ctx->Refuse(s);
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

namespace {

// "false_alarm, patrol_dispatched, ...": every disposition but the unspecified one.
std::string DispositionNames() {
  std::string out;
  const auto* dispositions = v1::AlertResolve::Disposition_descriptor();
  for (int i = 0; i < dispositions->value_count(); ++i) {
    if (dispositions->value(i)->number() == v1::AlertResolve::disposition_unspecified) continue;
    if (!out.empty()) out += ", ";
    out += dispositions->value(i)->name();
  }
  return out;
}

}  // namespace

void HttpApi::ResolveAlert(const std::shared_ptr<Context>& ctx, std::string_view id) {
  const std::string want_disposition =
      "resolve: \"disposition\" must be one of " + DispositionNames();
  const std::string_view body = TrimJsonSpace(ctx->request.body());
  if (body.empty() || body.front() != '{') {
    return ctx->Refuse(InvalidArgument(
        "resolve: expected a JSON object such as {\"disposition\": \"false_alarm\", "
        "\"note\": \"...\"}"));
  }
  if (JsonDepth(body) > 2)
    return ctx->Refuse(InvalidArgument("resolve: JSON is nested too deeply"));
  v1::AlertResolve resolve;
  pbutil::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  if (auto s = pbutil::JsonStringToMessage(std::string(body), &resolve, parse_options); !s.ok()) {
    std::string message(s.message().data(), s.message().size());
    message = message.substr(0, message.find('\n'));
    // Protobuf names the field in parentheses: "(disposition): invalid value ...".
    if (message.find("(disposition)") != std::string::npos) {
      return ctx->Refuse(InvalidArgument(want_disposition));
    }
    return ctx->Refuse(InvalidArgument("resolve: " + message));
  }
  // The JSON mapping also takes numbers for an enum, and any number: only a named one goes.
  if (resolve.disposition() == v1::AlertResolve::disposition_unspecified ||
      !v1::AlertResolve::Disposition_IsValid(resolve.disposition())) {
    return ctx->Refuse(InvalidArgument(want_disposition));
  }
  if (!resolve.alert_id().empty() && resolve.alert_id() != id) {
    return ctx->Refuse(
        InvalidArgument("resolve alert_id \"" + resolve.alert_id() + "\" does not match the path"));
  }
  if (!resolve.credential().empty()) {
    return ctx->Refuse(InvalidArgument("resolve: \"credential\" is set by the daemon"));
  }
  // As for acknowledgements: the credential is who resolved; "by" may name the person at
  // the console and defaults to the credential's name.
  if (resolve.by().empty()) resolve.set_by(ctx->principal->name());
  resolve.set_credential(ctx->principal->id());
  resolve.set_alert_id(std::string(id));
  resolve.clear_time();  // the daemon stamps it
  const std::string disposition = v1::AlertResolve::Disposition_Name(resolve.disposition());
  if (Status s = service_->ResolveAlert(std::move(resolve)); !s.ok()) return ctx->Refuse(s);
  service_->Audit("alert resolved", *ctx->principal,
                  "alert " + std::string(id) + " as " + disposition);

  StatusOr<v1::AlertDetail> detail = service_->GetAlert(id);
  if (!detail.ok()) return ctx->Refuse(detail.status());
  ctx->Reply(http::status::ok,
             JsonFor(access::SeesEventsWhole(*ctx->principal), detail->mutable_alert()) + "\n");
}

}  // namespace stayaway::ingest
