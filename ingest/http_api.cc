// HttpApi (http_api.h): the front of the HTTP API. It parses a request's target, signs
// the caller in, checks the route's permission and the path's id, and dispatches to the
// handler; the handlers live in one file per concept (http_context.h lists them). Also
// the slow lane that runs the blocking calls off the io threads.
#include "ingest/http_api.h"

#include <boost/asio/post.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "access/token.h"
#include "ingest/http_context.h"
#include "ingest/http_text.h"
#include "ingest/id_checks.h"
#include "ingest/session_cookie.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {
constexpr std::string_view kOwnTracksPath = "/v1/owntracks";
}  // namespace

HttpApi::HttpApi(MonitoringService& service, HttpApiOptions options)
    : service_(&service),
      options_(options),
      slow_lane_(options.slow_lane_threads),
      sessions_(std::make_shared<access::SessionStore>(options.sessions)) {}

HttpApi::~HttpApi() { slow_lane_.join(); }

void HttpApi::OffTheIoThread(std::function<void()> work) {
  // An exception out of a thread pool's thread would end the process: count it instead.
  // The request's responder goes with the work, which closes its connection.
  asio::post(slow_lane_, [service = service_, work = std::move(work)] {
    try {
      work();
    } catch (...) {
      service->CountRejected(kHttpApiSource, "internal_error");
    }
  });
}

void HttpApi::Handle(HttpRequest request, HttpResponder responder) {
  auto ctx = std::make_shared<Context>(
      Context{service_, std::move(request), std::move(responder), {}, {}, false, nullptr, {}, {}});
  const std::string_view target(ctx->request.target().data(), ctx->request.target().size());
  const auto question = target.find('?');
  ctx->path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    std::string_view rest = target.substr(question + 1);
    while (!rest.empty()) {
      const auto amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      if (pair.empty()) continue;
      const auto eq = pair.find('=');
      auto key = PercentDecode(pair.substr(0, eq));
      auto value =
          PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
      if (!key || !value) {
        ctx->bad_query = true;
        break;
      }
      ctx->query[*key] = *value;
    }
  }
  Route(ctx);
}

void HttpApi::Route(const std::shared_ptr<Context>& ctx) {
  const HttpRequest& req = ctx->request;
  const http::verb method = req.method();
  // Who is asking comes before anything else: without a valid credential every path but
  // the two public ones answers 401, so nobody learns the route table (404, 405) or how
  // requests are checked (400) without signing in.
  // Signing a browser in (POST /v1/session) takes its token in the body.
  const bool public_path = ctx->path == "/healthz" || ctx->path == "/v1/keys" ||
                           (ctx->path == "/v1/session" && method == http::verb::post);
  // The console's files are public (it signs in through the API like any client); HEAD
  // answers as GET, the server leaving out the body.
  if (options_.console != nullptr && (method == http::verb::get || method == http::verb::head) &&
      ConsoleFiles::IsConsolePath(ctx->path)) {
    HttpResponse response = options_.console->Answer(req, ctx->path);
    if (response.result() == http::status::not_found) {
      service_->CountRejected(kHttpApiSource, "not_found");
    }
    ctx->responder.Send(std::move(response));
    return;
  }
  if (!public_path && !SignIn(ctx)) return;
  if (ctx->bad_query) {
    ctx->Refuse(http::status::bad_request, "invalid_argument", "malformed query string");
    return;
  }

  // The path's segments, percent-decoded (ids may hold reserved characters).
  std::vector<std::string> segments;
  {
    std::string_view rest = ctx->path;
    if (rest.empty() || rest.front() != '/') {
      ctx->Refuse(http::status::bad_request, "invalid_argument",
                  "request target must start with '/'");
      return;
    }
    rest.remove_prefix(1);
    while (true) {
      const auto slash = rest.find('/');
      auto segment = PercentDecode(rest.substr(0, slash));
      if (!segment) {
        ctx->Refuse(http::status::bad_request, "invalid_argument",
                    "malformed percent-encoding in path");
        return;
      }
      segments.push_back(std::move(*segment));
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
  }
  const auto n = segments.size();
  const auto is = [&](std::initializer_list<std::string_view> want) {
    if (want.size() != n) return false;
    std::size_t i = 0;
    for (std::string_view w : want) {
      // "*" is an id: any segment, even an empty one (refused by the id check with 400).
      if (w != "*" && segments[i] != w) return false;
      ++i;
    }
    return true;
  };

  // The id a route's path carries ("order id" and the segment), checked against the
  // identifier rule once the caller may use the route: 400 before the handler sees it.
  std::optional<std::pair<std::string_view, std::string>> path_id;
  // Orders journaled before the identifier rule keep their ids: GET and DELETE still reach
  // one by its exact id, so a centre can read and end it (nothing builds a header from it).
  bool stored_order_outside_the_rule_ok = false;
  // Each route: its methods, who may call each, and what to run. Allow lists the
  // methods for 405 (the caller has signed in by then, unless the path is public).
  const auto dispatch = [&](std::string_view allow, std::initializer_list<Endpoint> endpoints) {
    for (const Endpoint& endpoint : endpoints) {
      if (endpoint.verb != method) continue;
      if (endpoint.gate != Gate::kOpen && !Admit(ctx, endpoint.gate, endpoint.permission)) return;
      if (path_id.has_value()) {
        if (Status s = CheckIdentifier(path_id->second, path_id->first); !s.ok()) {
          const bool stored_order = stored_order_outside_the_rule_ok &&
                                    (method == http::verb::get || method == http::verb::delete_) &&
                                    service_->GetOrder(path_id->second).ok();
          if (!stored_order) {
            ctx->Refuse(http::status::bad_request, "invalid_argument", s.message());
            return;
          }
        }
      }
      endpoint.run();
      return;
    }
    service_->CountRejected(kHttpApiSource, "method_not_allowed");
    HttpResponse response =
        MakeErrorResponse(req, http::status::method_not_allowed, "method_not_allowed",
                          std::string(req.method_string()) + " is not allowed on " + ctx->path +
                              "; allowed: " + std::string(allow));
    response.set(http::field::allow, Beast(allow));
    ctx->responder.Send(std::move(response));
  };
  using P = access::Permission;
  const auto open = [](http::verb verb, std::function<void()> run) {
    return Endpoint{verb, Gate::kOpen, P::kReadMetrics, std::move(run)};
  };
  const auto signed_in = [](http::verb verb, std::function<void()> run) {
    return Endpoint{verb, Gate::kSignedIn, P::kReadMetrics, std::move(run)};
  };
  const auto needs = [](http::verb verb, P permission, std::function<void()> run) {
    return Endpoint{verb, Gate::kPermission, permission, std::move(run)};
  };

  if (is({"healthz"})) {
    dispatch("GET", {open(http::verb::get, [&] { Health(ctx); })});
  } else if (is({"metrics"})) {
    dispatch("GET", {needs(http::verb::get, P::kReadMetrics, [&] { Metrics(ctx); })});
  } else if (is({"v1", "keys"})) {
    // The keys a court checks the centre's checkpoints and bundles with: public.
    dispatch("GET", {open(http::verb::get, [&] { PublicKeys(ctx); })});
  } else if (is({"v1", "keys", "rotate"})) {
    // A new signing key, endorsed by the old (evidence/key_rotation.h).
    dispatch("POST", {needs(http::verb::post, P::kRotateSigningKey,
                            [&] { OffTheIoThread([this, ctx] { RotateSigningKey(ctx); }); })});
  } else if (is({"v1", "reports", "summary"})) {
    dispatch("GET", {needs(http::verb::get, P::kReadStatistics, [&] { StatisticsSummary(ctx); })});
  } else if (is({"v1", "whoami"})) {
    dispatch("GET", {signed_in(http::verb::get, [&] { WhoAmI(ctx); })});
  } else if (is({"v1", "fixes"})) {
    dispatch("POST", {needs(http::verb::post, P::kSubmitFixes, [&] { PostFixes(ctx); })});
  } else if (is({"v1", "traccar"})) {
    dispatch("POST", {needs(http::verb::post, P::kSubmitFixes, [&] { PostTraccar(ctx); })});
  } else if (is({"v1", "owntracks"})) {
    dispatch("POST", {needs(http::verb::post, P::kSubmitFixes, [&] { PostOwnTracks(ctx); })});
  } else if (is({"v1", "orders"})) {
    dispatch("GET, POST", {needs(http::verb::get, P::kReadOrders, [&] { ListOrders(ctx); }),
                           needs(http::verb::post, P::kWriteOrders,
                                 [&] { OffTheIoThread([this, ctx] { CreateOrder(ctx); }); })});
  } else if (is({"v1", "orders", "*"})) {
    const std::string id = segments[2];
    path_id.emplace("order id", segments[2]);
    stored_order_outside_the_rule_ok = true;
    dispatch("GET, PUT, DELETE",
             {needs(http::verb::get, P::kReadOrders, [&] { GetOrder(ctx, id); }),
              needs(http::verb::put, P::kWriteOrders,
                    [&] { OffTheIoThread([this, ctx, id] { PutOrder(ctx, id); }); }),
              needs(http::verb::delete_, P::kWriteOrders,
                    [&] { OffTheIoThread([this, ctx, id] { DeleteOrder(ctx, id); }); })});
  } else if (is({"v1", "zones"})) {
    dispatch("GET, POST", {needs(http::verb::get, P::kReadOrders, [&] { ListZones(ctx); }),
                           needs(http::verb::post, P::kWriteOrders, [&] {
                             OffTheIoThread([this, ctx] { PutZone(ctx, "", /*create=*/true); });
                           })});
  } else if (is({"v1", "zones", "*"})) {
    const std::string id = segments[2];
    path_id.emplace("zone id", segments[2]);
    dispatch("GET, PUT", {needs(http::verb::get, P::kReadOrders, [&] { GetZone(ctx, id); }),
                          needs(http::verb::put, P::kWriteOrders, [&] {
                            OffTheIoThread([this, ctx, id] { PutZone(ctx, id, /*create=*/false); });
                          })});
  } else if (is({"v1", "alerts"})) {
    dispatch("GET", {needs(http::verb::get, P::kReadAlerts, [&] { ListAlerts(ctx); })});
  } else if (is({"v1", "alerts", "*"})) {
    const std::string id = segments[2];
    path_id.emplace("alert id", segments[2]);
    dispatch("GET", {needs(http::verb::get, P::kReadAlerts, [&] { GetAlert(ctx, id); })});
  } else if (is({"v1", "alerts", "*", "resolve"})) {
    const std::string id = segments[2];
    path_id.emplace("alert id", segments[2]);
    dispatch("POST", {needs(http::verb::post, P::kResolveAlerts,
                            [&] { OffTheIoThread([this, ctx, id] { ResolveAlert(ctx, id); }); })});
  } else if (is({"v1", "alerts", "*", "evidence"})) {
    const std::string id = segments[2];
    path_id.emplace("alert id", segments[2]);
    dispatch("GET", {needs(http::verb::get, P::kExportEvidence, [&] { Evidence(ctx, id); })});
  } else if (is({"v1", "alerts", "*", "ack"})) {
    const std::string id = segments[2];
    path_id.emplace("alert id", segments[2]);
    dispatch("POST", {needs(http::verb::post, P::kAckAlerts,
                            [&] { OffTheIoThread([this, ctx, id] { AckAlert(ctx, id); }); })});
  } else if (is({"v1", "events", "stream"}) || is({"v1", "events"})) {
    dispatch("GET", {needs(http::verb::get, P::kReadEvents, [&] { StreamEvents(ctx); })});
  } else if (is({"v1", "me", "alerts"})) {
    // The protected person's view (http_me.cc).
    dispatch("GET", {needs(http::verb::get, P::kReadOwnAlerts, [&] { MyAlerts(ctx); })});
  } else if (is({"v1", "me", "events"})) {
    dispatch("GET", {needs(http::verb::get, P::kReadOwnAlerts, [&] { MyEvents(ctx); })});
  } else if (is({"v1", "me", "alerts", "*", "receipt"})) {
    const std::string id = segments[3];
    path_id.emplace("alert id", segments[3]);
    dispatch("POST", {needs(http::verb::post, P::kReadOwnAlerts,
                            [&] { OffTheIoThread([this, ctx, id] { MyReceipt(ctx, id); }); })});
  } else if (is({"v1", "me", "sos"})) {
    dispatch("POST", {needs(http::verb::post, P::kReadOwnAlerts, [&] { MySos(ctx); })});
  } else if (is({"v1", "session"})) {
    // Browser sessions (http_session.cc): signing in needs no session, only a token.
    dispatch("GET, POST, DELETE", {open(http::verb::post, [&] { OpenSession(ctx); }),
                                   signed_in(http::verb::get, [&] { GetSession(ctx); }),
                                   signed_in(http::verb::delete_, [&] { CloseSession(ctx); })});
  } else if (is({"v1", "devices", "keyed"})) {
    dispatch("GET", {needs(http::verb::get, P::kManageDeviceKeys, [&] { KeyedDevices(ctx); })});
  } else if (is({"v1", "devices", "*", "key"})) {
    const std::string device = segments[2];
    path_id.emplace("device", segments[2]);
    dispatch("PUT, DELETE",
             {needs(http::verb::put, P::kManageDeviceKeys,
                    [&] { OffTheIoThread([this, ctx, device] { PutDeviceKey(ctx, device); }); }),
              needs(http::verb::delete_, P::kManageDeviceKeys, [&] {
                OffTheIoThread([this, ctx, device] { RemoveDeviceKey(ctx, device); });
              })});
  } else if (is({"v1", "devices"})) {
    dispatch("GET", {needs(http::verb::get, P::kReadOrders, [&] { ListDevices(ctx); })});
  } else if (is({"v1", "devices", "*"})) {
    const std::string device = segments[2];
    path_id.emplace("device", segments[2]);
    dispatch("GET", {needs(http::verb::get, P::kReadOrders, [&] { GetDevice(ctx, device); })});
  } else if (is({"v1", "credentials"})) {
    dispatch("GET, POST",
             {needs(http::verb::get, P::kManageCredentials, [&] { ListCredentials(ctx); }),
              // Off the io threads: in Kafka mode an issue waits for the cluster.
              needs(http::verb::post, P::kManageCredentials,
                    [&] { OffTheIoThread([this, ctx] { IssueCredential(ctx); }); })});
  } else if (is({"v1", "credentials", "*"})) {
    const std::string id = segments[2];
    path_id.emplace("credential id", segments[2]);
    dispatch("DELETE", {needs(http::verb::delete_, P::kManageCredentials, [&] {
               OffTheIoThread([this, ctx, id] { RevokeCredential(ctx, id); });
             })});
  } else {
    ctx->Refuse(http::status::not_found, "not_found", "no such endpoint: " + ctx->path);
  }
}

bool HttpApi::SignIn(const std::shared_ptr<Context>& ctx) {
  if (ctx->principal != nullptr) return true;
  const HttpRequest& req = ctx->request;
  const std::string what = std::string(req.method_string()) + " " + ctx->path;
  std::string_view token;
  // The OwnTracks app cannot send a bearer token: its HTTP mode sends its user and
  // password with Basic, and the password is the token.
  const bool basic_path = ctx->path == kOwnTracksPath;
  std::optional<access::BasicCredentials> basic;
  if (const auto it = req.find(http::field::authorization); it != req.end()) {
    const std::string_view value(it->value().data(), it->value().size());
    token = access::BearerToken(value);
    if (basic_path && token.empty() && (basic = access::ParseBasicAuthorization(value))) {
      token = basic->password;
    }
  } else if (const auto cookies = SessionCookies(req, options_.browser.Secure());
             !cookies.empty()) {
    return SignInWithSession(ctx, cookies);  // a browser (http_session.cc)
  }
  auto principal = service_->Authenticate(token);
  if (principal == nullptr) {
    const std::string_view why = token.empty() ? "no bearer token" : "a token no credential has";
    service_->ReportAccessRefused(
        kHttpApiSource, "unauthenticated",
        what + " from " + ctx->responder.remote() + ": " + std::string(why));
    HttpResponse response =
        MakeErrorResponse(req, http::status::unauthorized, "unauthenticated",
                          token.empty() ? "this request needs an Authorization: Bearer TOKEN header"
                                        : "the bearer token is not a credential's token");
    response.set(http::field::www_authenticate,
                 basic_path ? "Basic realm=\"stayaway\"" : "Bearer realm=\"stayaway\"");
    ctx->responder.Send(std::move(response));
    return false;
  }
  ctx->responder.MarkAuthenticated();  // the connection is no longer held to auth_timeout
  ctx->principal = std::move(principal);
  return true;
}

bool HttpApi::Admit(const std::shared_ptr<Context>& ctx, Gate gate, access::Permission permission) {
  if (!SignIn(ctx)) return false;
  const HttpRequest& req = ctx->request;
  const std::string what = std::string(req.method_string()) + " " + ctx->path;
  const std::shared_ptr<const access::Principal>& principal = ctx->principal;
  if (gate == Gate::kPermission && !principal->Has(permission)) {
    service_->ReportAccessRefused(
        kHttpApiSource, "permission_denied",
        principal->Describe() + " " + what + " from " + ctx->responder.remote());
    ctx->responder.Send(MakeErrorResponse(req, http::status::forbidden, "permission_denied",
                                          "credential '" + principal->name() + "' may not " +
                                              std::string(access::PermissionName(permission)) +
                                              " (" + what + "); that needs the " +
                                              access::RolesGranting(permission) + " role"));
    return false;
  }
  return true;
}

}  // namespace stayaway::ingest
