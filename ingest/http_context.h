// The inside of HttpApi (http_api.h), shared by the files that define its handlers
// (http_api.cc routes them; http_fixes.cc, http_orders.cc, http_alerts.cc,
// http_credentials.cc, http_evidence.cc, http_reports.cc, http_health.cc,
// http_event_stream.cc and http_session.cc answer them): one request on its way through
// the routes, and how a handler refuses it. Not for HttpApi's users.
//
// Thread-safety: a Context belongs to one request; it is passed by shared_ptr to work
// that outlives the handler (the slow lane, engine callbacks), never shared between
// requests.
#ifndef STAYAWAY_INGEST_HTTP_CONTEXT_H_
#define STAYAWAY_INGEST_HTTP_CONTEXT_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "access/principal.h"
#include "access/session_store.h"
#include "base/status.h"
#include "ingest/http_api.h"
#include "ingest/http_json.h"
#include "ingest/http_server.h"

namespace stayaway::ingest {

// Where a server-sent event stream starts: at a seq (?from=N, default 1), after a seq
// (Last-Event-ID), or with the next event appended (?from=now).
struct StreamStart {
  enum class From { kSeq, kAfter, kNow } from = From::kSeq;
  uint64_t seq = 1;
};

// How a stream's events are framed: `event: <kind>` lines (the default, what integrators
// rely on), or no event name at all (?stream=message), so a browser page's one
// EventSource.onmessage receives every event.
enum class EventNames : uint8_t { kByKind, kNone };

// What the HTTP API's refusals and rejections are counted as (CountRejected's source).
inline constexpr std::string_view kHttpApiSource = "http";

// One request on its way through the routes.
struct HttpApi::Context {
  MonitoringService* service;  // the API's; outlives every request
  HttpRequest request;
  HttpResponder responder;
  std::string path;  // the target without its query, as sent
  std::map<std::string, std::string> query;
  bool bad_query = false;
  // Who sent it: set once the route's permission was checked (null on open routes).
  std::shared_ptr<const access::Principal> principal;
  // When the caller signed in with the session cookie (a browser): the session, and the
  // cookie's value (for sign-out). Empty for bearer tokens.
  std::optional<access::SessionStore::Session> session;
  std::string session_id;

  void Reply(boost::beast::http::status status, std::string body,
             std::string_view content_type = "application/json") const {
    responder.Send(MakeResponse(request, status, std::move(body), content_type));
  }
  // Refuses the request with a JSON error {"code", "message"}, counting it as rejected
  // (source "http").
  void Refuse(boost::beast::http::status status, std::string_view code,
              std::string_view message) const {
    service->CountRejected(kHttpApiSource, code);
    responder.Send(MakeErrorResponse(request, status, code, message));
  }
  // Refuses with the HTTP status and code of a Status that is not ok (HttpStatusOf).
  void Refuse(const Status& status) const {
    Refuse(HttpStatusOf(status.code()), StatusCodeName(status.code()), status.message());
  }
};

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_HTTP_CONTEXT_H_
