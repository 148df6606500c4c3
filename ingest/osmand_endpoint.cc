#include "ingest/osmand_endpoint.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "access/token.h"
#include "ingest/osmand_codec.h"

namespace stayaway::ingest {
namespace {

namespace http = boost::beast::http;

// Tries to hand the fix to the engine until it takes it or `deadline` passes.
void Submit(FixSink* service, const std::shared_ptr<HttpRequest>& request, HttpResponder responder,
            v1::Fix fix, std::chrono::steady_clock::time_point deadline) {
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

// The `token` parameter of the request target's query ("/?token=sa_..&id=.."); empty
// when absent. Tokens are URL-safe, so no decoding is done.
std::string_view TokenParameter(std::string_view target) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return {};
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (pair.starts_with("token=")) return pair.substr(6);
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace

void OsmAndEndpoint::Handle(HttpRequest request, HttpResponder responder) {
  auto shared = std::make_shared<HttpRequest>(std::move(request));
  const auto target = std::string_view(shared->target().data(), shared->target().size());
  // Phone apps cannot add headers: their token comes in the server URL they are given
  // ("https://centre:5055/?token=sa_..."), which they keep when adding their parameters.
  std::string_view token = TokenParameter(target);
  if (const auto it = shared->find(http::field::authorization); it != shared->end()) {
    token = access::BearerToken(std::string_view(it->value().data(), it->value().size()));
  }
  const auto principal = access_->Authenticate(token);
  if (principal == nullptr) {
    access_->ReportAccessRefused("osmand", "unauthenticated",
                                 std::string(token.empty() ? "no token" : "an unknown token") +
                                     " from " + responder.remote());
    responder.Send(MakeErrorResponse(*shared, http::status::unauthorized, "unauthenticated",
                                     "add ?token=TOKEN to the server URL, or send "
                                     "Authorization: Bearer TOKEN"));
    return;
  }
  responder.MarkAuthenticated();  // the connection is no longer held to auth_timeout
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
    fixes_->CountRejected("osmand", StatusCodeName(fix.status().code()));
    responder.Send(MakeErrorResponse(*shared, http::status::bad_request,
                                     StatusCodeName(fix.status().code()),
                                     fix.status().message()));
    return;
  }
  if (!principal->MayReportFor(fix->device())) {
    access_->ReportAccessRefused("osmand", "permission_denied",
                                 principal->Describe() + " sent a fix for device " + fix->device() +
                                     " from " + responder.remote());
    responder.Send(MakeErrorResponse(*shared, http::status::forbidden, "permission_denied",
                                     "credential '" + principal->name() +
                                         "' may not send fixes for device " + fix->device()));
    return;
  }
  Submit(fixes_, shared, std::move(responder), std::move(fix).value(),
         std::chrono::steady_clock::now() + max_wait_);
}

}  // namespace stayaway::ingest
