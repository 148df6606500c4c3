// HttpApi: the routes of stayawayd's HTTP API port, served by HttpServer and answered by a
// MonitoringService. Bodies are JSON in Protobuf's JSON mapping with the proto field names
// (the same JSON as the replay command); errors are {"error": {"code", "message"}} with a
// 4xx/5xx status, and every refusal is counted with service.CountRejected("http", code).
//
//   POST   /v1/fixes            JSON array of fixes (replay lines) -> per-fix results
//   POST   /v1/orders           create an order (201; 409 when it exists); with a JSON
//                                array, bulk loading: one batch, one journal sync, 200 with
//                                a result per order (index, id, status, code, message);
//                                at most 5,000 orders and 1 MiB (413)
//   GET    /v1/orders?limit=N&cursor=C  orders by id (limit 1..1000, default 100), each
//                                with its open alerts and its parties' last contact;
//                                next_cursor while more remain
//   GET    /v1/orders/{id}      the order (404 when unknown)
//   PUT    /v1/orders/{id}      create or replace (the body's id must match the path)
//   DELETE /v1/orders/{id}      revoke (history stays); answers the revoked order
//   GET    /v1/zones            global zones, as a JSON array (ZONES.json format)
//   POST   /v1/zones            create a global zone (201; 409 when it exists)
//   GET    /v1/zones/{id}, PUT /v1/zones/{id}
//   GET    /v1/alerts?order=ID&state=open|closed|all&kind=K&device=ID&certainty=C
//          &since=RFC3339&until=RFC3339&limit=N&cursor=C  -> v1::AlertList, paged with
//                                next_cursor (alert_list_params.h)
//   GET    /v1/alerts/{id}      the alert and its whole timeline -> v1::AlertDetail
//   POST   /v1/alerts/{id}/ack  {"by": "operator-7", "note": "..."} -> the AlertView
//   POST   /v1/alerts/{id}/resolve {"disposition": "false_alarm", "note": "..."} -> the
//                                AlertView (400 unknown disposition, 404, 409 resolved)
//   GET    /v1/events/stream?from=SEQ|now   server-sent events (Last-Event-ID resumes)
//   GET    /v1/events?stream=message&from=...  the same stream (also at /v1/events);
//                                stream=message leaves every event unnamed (one onmessage)
//   GET    /v1/me/alerts?state=open|all&limit=N   a protected person's credential: the
//                                alerts of the orders that protect her, newest first, as
//                                each order's victim_notification allows (ProtectedAlert)
//   GET    /v1/me/events?from=...  the same as server-sent events, one per event of those
//                                orders, unnamed, resumable (Last-Event-ID)
//   POST   /v1/me/alerts/{id}/receipt  {"event_seq": N, "shown_at": RFC3339}: her app
//                                showed her event N of the alert -> the v1::AlertReceipt as
//                                journaled (404 not hers or no such event, 409 a repeat)
//   POST   /v1/me/sos           her app's panic button: {"lat", "lon", "accuracy_m"} (or
//                                {"no_position": true}) -> an SOS fix of her first device,
//                                through the engine like any fix; answered as /v1/fixes
//   POST   /v1/session          {"token": "..."} -> a browser session: Set-Cookie
//                                stayaway_session (HttpOnly, SameSite=Strict, Secure under
//                                TLS) and {"csrf_token", "credential_id", "roles",
//                                "expires_at"}; 401 for a bad token (counted)
//   GET    /v1/session          the same answer for the session's cookie (401 without one)
//   DELETE /v1/session          sign-out: 204, the session gone and the cookie cleared
//   POST   /v1/traccar          a Traccar server's position forward (one fix, source
//                                "traccar"), answered like /v1/fixes
//   POST   /v1/owntracks        the OwnTracks app's HTTP mode (owntracks_codec.h): its JSON
//                                as it would publish it; the device is the X-Limit-D
//                                header (else the payload's topic). Signs in with HTTP
//                                Basic, the app's password being an ingest token (or
//                                Bearer); answered [] (the app wants a JSON array), also
//                                for other _types (ignored) and for a fix the engine
//                                refuses (counted; resending cannot help); 400 for what
//                                cannot be read, 403 for a device not the credential's
//   GET    /healthz, GET /metrics (Prometheus text)
//   GET    / and every other path outside /v1/: the operator console's files (public;
//                                http_static.h), when the daemon has them
//   GET    /v1/keys             the checkpoint signing keys (public)
//   GET    /v1/reports/summary?from=T&to=T&format=json|csv|html  the centre's statistics of
//                                the period (evidence/statistics.h; admin, auditor), from a
//                                checkpoint signed for it; at most 366 days, made on the slow
//                                lane like evidence (503 busy while one is being made)
//   GET    /v1/whoami           the caller's credential: id, name, roles
//   GET    /v1/credentials      every credential (never a token or its digest)
//   POST   /v1/credentials      {"name", "roles": [...], "devices": [...]} -> 201 with the
//                                credential and its token, shown this once
//   DELETE /v1/credentials/{id} revoke; open connections of it stop at their next request
//   PUT    /v1/devices/{id}/key {"key": "64 hex digits"}: the device must sign its fixes
//                                from now on (access/fix_mac.h); DELETE removes the key
//   GET    /v1/devices/keyed    {"devices": [...]}: the devices that have a key (never keys)
//   GET    /v1/devices?limit=N&cursor=C&sort=id|attention  the devices board
//                                (daemon/device_board.h): last fix, last received, battery,
//                                flags, comms state, orders; paged like /v1/orders
//   GET    /v1/devices/{id}     one device of the board (404 when unknown; a device named
//                                "keyed" is reached only by the list)
//
// Ids in paths, bodies and the ?order= query follow the identifier rule (base/identifier.h,
// checked by the decoders and Route; 400 otherwise), and response headers are built only
// from checked ids (Location), never from request text.
//
// Access (access/permission.h): every route but /healthz, /v1/keys and POST /v1/session
// needs `Authorization: Bearer TOKEN` or a browser session's cookie (http_session.cc: a
// cookie request also needs X-CSRF-Token on POST, PUT and DELETE, and an Origin, when
// sent, that is the daemon's own: 403 otherwise), and the roles must grant the route's
// permission:
// 401 unauthenticated (with WWW-Authenticate) without a known token, on any method and
// path, known or not (the route table is for signed-in callers: 404 and 405 come after), 403
// permission_denied naming the role it needs otherwise; both are logged and counted. An
// ingest credential's fixes for devices it is not registered for are refused one by one
// ("permission_denied") while its others are applied. Readers who may not see protected
// persons' positions or places (auditors) get alerts, events, orders, zones and devices
// reduced to the auditor's view (access/redaction.h): no position, distance or zone place
// of anybody. GET /v1/orders and /v1/devices need kReadOrders (operator, admin, auditor);
// the board's positions, fix times, last contact and battery need kSeeProtectedPositions
// (operators), the order list's terms kSeeProtectedPlaces, as GET /v1/orders/{id}.
//
// POST /v1/fixes answers once the engine has taken the fixes in, without blocking an io
// thread: while the engine's queue is full it retries every submit_retry_interval, and
// after submit_max_wait it answers 503 with Retry-After. Writes of orders, zones and acks
// wait for the engine thread, and evidence bundles replay the journal: they run on a small
// pool of their own (the slow lane), never on an io thread, so a slow one cannot hold up
// fixes, reads or event streams. At most max_evidence_in_flight bundles are made at once;
// more get 503 busy with Retry-After.
//
// Server-sent events: `id: <seq>`, `event: <event kind>`, `data: <EventRecord JSON>` (one
// line, the proto JSON mapping: {"seq":"12","event":{...}}, 64-bit seq as a string).
// The stream starts at ?from=SEQ (default 1: the whole log; ?from=now: new events only),
// or after the Last-Event-ID
// header's seq when present (a browser EventSource reconnecting). A number past the newest
// event means "nothing new yet" (the stream starts with the next event); one that is not a
// decimal number from 0 to 2^64-1 is refused with 400. The backlog comes first,
// then live events. One write is outstanding at a time and the log is read again only when
// it has completed, so a slow client costs nothing but its lag (reported as
// "sse-<n>"). A comment line every sse_keepalive keeps proxies from closing the stream.
//
// Thread-safety: Handle may be called from any thread (HttpServer calls it on connection
// strands). The service must outlive every server using this handler; the HttpApi itself
// may go away once its servers have stopped.
#ifndef STAYAWAY_INGEST_HTTP_API_H_
#define STAYAWAY_INGEST_HTTP_API_H_

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/permission.h"
#include "access/session_store.h"
#include "ingest/http_server.h"
#include "ingest/http_static.h"
#include "ingest/monitoring_service.h"
#include "ingest/session_cookie.h"

namespace stayaway::ingest {

struct HttpApiOptions {
  // Retry period while the engine's queue is full. Default: 10 ms.
  std::chrono::milliseconds submit_retry_interval{10};
  // How long a batch of fixes waits for queue space before 503. Default: 5 s.
  std::chrono::milliseconds submit_max_wait{5'000};
  // Comment line sent on an idle event stream. Default: 15 s.
  std::chrono::milliseconds sse_keepalive{15'000};
  // Events read from the log (and written) per SSE write. Default: 256.
  std::size_t sse_batch_events = 256;
  // Threads for the blocking calls (order, zone and ack writes, evidence). Default: 2.
  std::size_t slow_lane_threads = 2;
  // Evidence bundles made at once. Default: 1.
  int max_evidence_in_flight = 1;
  // Statistics reports computed at once (each replays the journal). Default: 1.
  int max_reports_in_flight = 1;
  // How browsers reach the API (session_cookie.h): TLS on the port, or a proxy's public
  // origin in front. Over TLS session cookies are Secure and __Host-; the API's own origin
  // (for the Origin check of cookie requests) is the public origin, else https or http
  // with the request's Host.
  BrowserSite browser;
  // Browser sessions: idle timeout, lifetime, how many (access/session_store.h).
  access::SessionOptions sessions;
  // The operator console's files, served to anyone at "/" (GETs outside /v1/, /healthz
  // and /metrics: http_static.h); none when null.
  std::shared_ptr<const ConsoleFiles> console;
};

// Event streams (http_context.h, http_event_stream.cc): where one starts, how its events
// are named, and how one record is shown on it (its `data:` line, or nothing to leave the
// record out).
struct StreamStart;
enum class EventNames : uint8_t;
using EventRenderer = std::function<std::optional<std::string>(const v1::EventRecord&)>;

class HttpApi {
 public:
  explicit HttpApi(MonitoringService& service, HttpApiOptions options = {});
  ~HttpApi();  // waits for the slow lane's calls in progress
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Answers one request (HttpServer::Handler).
  void Handle(HttpRequest request, HttpResponder responder);
  HttpServer::Handler handler() {
    return [this](HttpRequest request, HttpResponder responder) {
      Handle(std::move(request), std::move(responder));
    };
  }
  // For HttpServerOptions::on_refused: counts the server's own refusals (413, 400, ...)
  // as rejections of source "http".
  std::function<void(std::string_view)> refusal_counter() {
    return [service = service_](std::string_view code) { service->CountRejected("http", code); };
  }

 private:
  struct Context;
  // Who may call an endpoint: anyone, any credential, or a credential with a permission.
  enum class Gate { kOpen, kSignedIn, kPermission };
  struct Endpoint {
    boost::beast::http::verb verb;
    Gate gate;
    access::Permission permission;  // for Gate::kPermission
    std::function<void()> run;
  };
  void Route(const std::shared_ptr<Context>& ctx);
  // Authenticates the request's bearer token (once per request); without a known token
  // answers 401, reports it (logged and counted) and returns false. Sets ctx->principal.
  bool SignIn(const std::shared_ptr<Context>& ctx);
  // SignIn, then checks the gate; on refusal answers 401 or 403, reports it and returns
  // false.
  bool Admit(const std::shared_ptr<Context>& ctx, Gate gate, access::Permission permission);
  // The handlers, one file per concept: http_health.cc, http_credentials.cc,
  // http_fixes.cc, http_orders.cc, http_alerts.cc, http_event_stream.cc, http_evidence.cc,
  // http_reports.cc.
  void Health(const std::shared_ptr<Context>& ctx);
  void Metrics(const std::shared_ptr<Context>& ctx);
  void WhoAmI(const std::shared_ptr<Context>& ctx);
  void ListCredentials(const std::shared_ptr<Context>& ctx);
  void IssueCredential(const std::shared_ptr<Context>& ctx);
  void RevokeCredential(const std::shared_ptr<Context>& ctx, std::string_view id);
  void PutDeviceKey(const std::shared_ptr<Context>& ctx, const std::string& device);
  void RemoveDeviceKey(const std::shared_ptr<Context>& ctx, const std::string& device);
  void KeyedDevices(const std::shared_ptr<Context>& ctx);
  void PostFixes(const std::shared_ptr<Context>& ctx);
  void PostTraccar(const std::shared_ptr<Context>& ctx);
  void PostOwnTracks(const std::shared_ptr<Context>& ctx);
  void SubmitWithRetry(const std::shared_ptr<Context>& ctx, std::vector<v1::Fix> fixes,
                       std::string_view source, std::function<void(std::vector<FixOutcome>)> done,
                       std::chrono::steady_clock::time_point deadline);
  void CreateOrder(const std::shared_ptr<Context>& ctx);
  void CreateOrders(const std::shared_ptr<Context>& ctx);
  void ListOrders(const std::shared_ptr<Context>& ctx);
  void ListDevices(const std::shared_ptr<Context>& ctx);
  void GetDevice(const std::shared_ptr<Context>& ctx, std::string_view id);
  void GetOrder(const std::shared_ptr<Context>& ctx, std::string_view id);
  void PutOrder(const std::shared_ptr<Context>& ctx, std::string_view id);
  void DeleteOrder(const std::shared_ptr<Context>& ctx, std::string_view id);
  void ListZones(const std::shared_ptr<Context>& ctx);
  void GetZone(const std::shared_ptr<Context>& ctx, std::string_view id);
  void PutZone(const std::shared_ptr<Context>& ctx, std::string_view id, bool create);
  void ListAlerts(const std::shared_ptr<Context>& ctx);
  void AckAlert(const std::shared_ptr<Context>& ctx, std::string_view id);
  void GetAlert(const std::shared_ptr<Context>& ctx, std::string_view id);
  void ResolveAlert(const std::shared_ptr<Context>& ctx, std::string_view id);
  void StreamEvents(const std::shared_ptr<Context>& ctx);
  // Event streams (http_event_stream.cc): where the request asks a stream to start
  // (?from=, Last-Event-ID; ?stream= too when `names` is given), and a stream of the log
  // from there, each record shown by `render` (whole: the cursor reads whole records).
  StatusOr<StreamStart> ParseStreamStart(const Context& ctx, EventNames* names);
  void StartEventStream(const std::shared_ptr<Context>& ctx, StreamStart start, EventNames names,
                        bool whole, EventRenderer render);
  // The protected person's view (http_me.cc): her orders' alerts and their stream.
  void MyAlerts(const std::shared_ptr<Context>& ctx);
  void MyEvents(const std::shared_ptr<Context>& ctx);
  void MyReceipt(const std::shared_ptr<Context>& ctx, std::string_view id);
  void MySos(const std::shared_ptr<Context>& ctx);  // http_fixes.cc
  void Evidence(const std::shared_ptr<Context>& ctx, const std::string& id);
  void PublicKeys(const std::shared_ptr<Context>& ctx);
  void RotateSigningKey(const std::shared_ptr<Context>& ctx);
  void StatisticsSummary(const std::shared_ptr<Context>& ctx);  // http_reports.cc
  void OffTheIoThread(std::function<void()> work);
  // Browser sessions (http_session.cc): SignIn's way for a request that carries the
  // session cookie and no Authorization header (401 for an unknown or ended session, 403
  // for a foreign Origin or, on a state-changing method, a missing or wrong X-CSRF-Token);
  // sign-in, the session's answer, sign-out; and the session metrics.
  bool SignInWithSession(const std::shared_ptr<Context>& ctx,
                         const std::vector<std::string_view>& cookies);
  void OpenSession(const std::shared_ptr<Context>& ctx);
  void GetSession(const std::shared_ptr<Context>& ctx);
  void CloseSession(const std::shared_ptr<Context>& ctx);
  std::string SessionMetricsText();

  MonitoringService* service_;
  HttpApiOptions options_;
  boost::asio::thread_pool slow_lane_;
  std::atomic<int> evidence_in_flight_{0};
  std::atomic<int> reports_in_flight_{0};
  std::atomic<uint64_t> next_subscriber_{1};
  // Shared with the event streams it keeps in use (they may outlive a request).
  std::shared_ptr<access::SessionStore> sessions_;
};

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_HTTP_API_H_
