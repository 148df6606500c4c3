// HttpApi's handlers for the daemon's health (http_api.h): /healthz (open, for load
// balancers) and /metrics (the Prometheus text).
#include "ingest/http_api.h"
#include "ingest/http_context.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace pbutil = google::protobuf::util;

void HttpApi::Health(const std::shared_ptr<Context>& ctx) {
  const bool healthy = service_->Healthy();
  ctx->Reply(healthy ? http::status::ok : http::status::service_unavailable,
             healthy ? "ok\n" : "unavailable\n", "text/plain");
}

void HttpApi::Metrics(const std::shared_ptr<Context>& ctx) {
  ctx->Reply(http::status::ok, service_->MetricsText() + SessionMetricsText(),
             "text/plain; version=0.0.4");
}

}  // namespace stayaway::ingest
