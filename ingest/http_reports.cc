// HttpApi's handler for the centre's statistics (http_api.h): GET /v1/reports/summary,
// computed on the slow lane, a bounded number at once, like evidence bundles
// (http_evidence.cc), since each replays the journal.
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <optional>
#include <string>

#include "base/time.h"
#include "ingest/http_api.h"
#include "ingest/http_context.h"

namespace stayaway::ingest {

namespace http = boost::beast::http;

namespace {

// The longest period one request may ask for: a year, leap day included. Longer reports
// are made offline (`stayaway report`), where replaying the journal holds up nobody.
constexpr TimeMs kMaxPeriodMs = 366LL * 24 * 3'600'000;

StatusOr<TimeMs> TimeParam(const std::map<std::string, std::string>& query,
                           const std::string& name) {
  const auto it = query.find(name);
  if (it == query.end()) {
    return InvalidArgument(name + " is required: an RFC 3339 time such as 2026-03-01T00:00:00Z");
  }
  google::protobuf::Timestamp ts;
  if (!google::protobuf::util::TimeUtil::FromString(it->second, &ts)) {
    return InvalidArgument(name + " \"" + it->second +
                           "\" is not an RFC 3339 time such as 2026-03-01T00:00:00Z");
  }
  return TimestampToMs(ts);
}

StatusOr<StatisticsQuery> ParseStatisticsQuery(const std::map<std::string, std::string>& query) {
  for (const auto& [key, value] : query) {
    if (key != "from" && key != "to" && key != "format") {
      return InvalidArgument("unknown parameter \"" + key + "\"; known: from, to, format");
    }
  }
  StatusOr<TimeMs> from = TimeParam(query, "from");
  if (!from.ok()) return from.status();
  StatusOr<TimeMs> to = TimeParam(query, "to");
  if (!to.ok()) return to.status();
  if (*from > *to) {
    return InvalidArgument("from " + FormatRfc3339(*from) + " is after to " + FormatRfc3339(*to));
  }
  if (*to - *from > kMaxPeriodMs) {
    return InvalidArgument("the period from " + FormatRfc3339(*from) + " to " + FormatRfc3339(*to) +
                           " is longer than 366 days; ask for a year at most (`stayaway report` "
                           "makes longer ones offline)");
  }
  StatisticsQuery out;
  out.from_ms = *from;
  out.to_ms = *to;
  const auto format = query.find("format");
  if (format != query.end()) {
    if (format->second == "csv") {
      out.format = StatisticsQuery::Format::kCsv;
    } else if (format->second == "html") {
      out.format = StatisticsQuery::Format::kHtml;
    } else if (format->second != "json") {
      return InvalidArgument("format \"" + format->second + "\" is not one of json, csv, html");
    }
  }
  return out;
}

}  // namespace

void HttpApi::StatisticsSummary(const std::shared_ptr<Context>& ctx) {
  StatusOr<StatisticsQuery> query = ParseStatisticsQuery(ctx->query);
  if (!query.ok()) return ctx->Refuse(query.status());
  if (reports_in_flight_.fetch_add(1) >= options_.max_reports_in_flight) {
    reports_in_flight_.fetch_sub(1);
    HttpResponse busy = MakeErrorResponse(ctx->request, http::status::service_unavailable, "busy",
                                          "a statistics report is being made; retry shortly");
    busy.set(http::field::retry_after, "5");
    service_->CountRejected(kHttpApiSource, "busy");
    ctx->responder.Send(std::move(busy));
    return;
  }
  OffTheIoThread([this, ctx, query = *query] {
    StatusOr<std::string> report = service_->StatisticsReport(query);
    reports_in_flight_.fetch_sub(1);
    if (!report.ok()) return ctx->Refuse(report.status());
    service_->Audit("statistics reported", *ctx->principal,
                    "period " + FormatRfc3339(query.from_ms) + " to " + FormatRfc3339(query.to_ms));
    const char* type = query.format == StatisticsQuery::Format::kCsv    ? "text/csv; charset=utf-8"
                       : query.format == StatisticsQuery::Format::kHtml ? "text/html; charset=utf-8"
                                                                        : "application/json";
    ctx->Reply(http::status::ok, std::move(*report), type);
  });
}

}  // namespace stayaway::ingest
