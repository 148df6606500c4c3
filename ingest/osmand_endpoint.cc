#include "ingest/osmand_endpoint.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "ingest/osmand_codec.h"

namespace stayaway::ingest {
namespace {

namespace http = boost::beast::http;

// Tries to hand the fix to the engine until it takes it or `deadline` passes.
void Submit(MonitoringService* service, const std::shared_ptr<HttpRequest>& request,
            HttpResponder responder, v1::Fix fix,
            std::chrono::steady_clock::time_point deadline) {
  const bool taken = service->SubmitFixes(
      {fix}, "osmand", [request, responder](std::vector<FixOutcome> outcomes) {
        const FixOutcome& out = outcomes.front();
        responder.Send(out.accepted ? MakeResponse(*request, http::status::ok, "OK\n",
                                                   "text/plain")
                                    : MakeErrorResponse(*request, http::status::bad_request,
                                                        out.code, out.reason));
      });
  if (taken) return;
  if (std::chrono::steady_clock::now() >= deadline) {
    service->CountRejected("osmand", "busy");
    HttpResponse busy = MakeErrorResponse(*request, http::status::service_unavailable, "busy",
                                          "the engine is busy; retry");
    busy.set(http::field::retry_after, "1");
    responder.Send(std::move(busy));
    return;
  }
  // The queue is full: wait a little on the connection's strand, never drop.
  auto timer = std::make_shared<boost::asio::steady_timer>(responder.executor(),
                                                           std::chrono::milliseconds(5));
  timer->async_wait([service, request, responder, fix = std::move(fix), deadline,
                     timer](const boost::system::error_code&) mutable {
    Submit(service, request, responder, std::move(fix), deadline);
  });
}

}  // namespace

void OsmAndEndpoint::Handle(HttpRequest request, HttpResponder responder) {
  auto shared = std::make_shared<HttpRequest>(std::move(request));
  const auto target = std::string_view(shared->target().data(), shared->target().size());
  StatusOr<v1::Fix> fix = InvalidArgument("unsupported method: use GET or POST");
  if (shared->method() == http::verb::get) {
    fix = ParseOsmAndQuery(target);
  } else if (shared->method() == http::verb::post) {
    const auto type = (*shared)[http::field::content_type];
    const std::string_view content_type(type.data(), type.size());
    if (content_type.starts_with("application/json")) {
      fix = ParseOsmAndJson(shared->body());
    } else if (!shared->body().empty()) {
      fix = ParseOsmAndQuery(shared->body());
    } else {
      fix = ParseOsmAndQuery(target);  // some apps POST with the query in the URL
    }
  }
  if (!fix.ok()) {
    service_->CountRejected("osmand", StatusCodeName(fix.status().code()));
    responder.Send(MakeErrorResponse(*shared, http::status::bad_request,
                                     StatusCodeName(fix.status().code()),
                                     fix.status().message()));
    return;
  }
  Submit(service_, shared, std::move(responder), std::move(fix).value(),
         std::chrono::steady_clock::now() + max_wait_);
}

}  // namespace stayaway::ingest
