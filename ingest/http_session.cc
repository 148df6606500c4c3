// HttpApi's browser sessions (http_api.h, access/session_store.h): signing in with a token
// (POST /v1/session), the session's answer (GET), signing out (DELETE), and how a request
// carrying the session cookie is let in: its session must be live, its Origin (when sent)
// the daemon's own, and a state-changing request must carry the session's CSRF token.
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <string>

#include "access/permission.h"
#include "base/time.h"
#include "ingest/http_api.h"
#include "ingest/http_context.h"
#include "ingest/http_text.h"
#include "ingest/session_cookie.h"

namespace stayaway::ingest {

namespace http = boost::beast::http;
namespace pbutil = google::protobuf::util;

namespace {

// The header a state-changing request signed in by the cookie must carry.
constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// Methods that change nothing: they need no CSRF token (the API has no state-changing GET).
bool SafeMethod(http::verb method) {
  return method == http::verb::get || method == http::verb::head || method == http::verb::options;
}

// What a page needs to act, and when its session ends if it is not used again.
std::string SessionJson(const access::SessionStore::Session& session) {
  v1::Session answer;
  answer.set_csrf_token(session.csrf_token);
  answer.set_credential_id(session.principal->id());
  for (access::Role role : session.principal->roles()) answer.add_roles(role);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  // Whole seconds, rounded down: the page must not count on the last fraction.
  answer.mutable_expires_at()->set_seconds((now + session.remaining.count()) / 1000);
  return ToJson(answer) + "\n";
}

// Whether the console serves any of the principal's roles (ingest alone: no).
bool ServesConsole(const access::Principal& principal) {
  for (access::Role role : principal.roles()) {
    switch (role) {
      case v1::Credential::operator_:
      case v1::Credential::admin:
      case v1::Credential::auditor:
      case v1::Credential::evidence:
      case v1::Credential::protected_:  // her app (/me/) reads her stream with the cookie
        return true;
      default:
        break;
    }
  }
  return false;
}

// A short, stable name of a session for the audit trail: the start of its id's digest
// (the id itself is a secret and is never logged).
std::string SessionRef(const access::SessionStore::Session& session) {
  return "session " + session.digest.substr(0, 12);
}

}  // namespace

bool HttpApi::SignInWithSession(const std::shared_ptr<Context>& ctx,
                                const std::vector<std::string_view>& cookies) {
  const HttpRequest& req = ctx->request;
  const std::string what = std::string(req.method_string()) + " " + ctx->path;
  const std::string from = " from " + ctx->responder.remote();
  // Two session cookies: one was planted by another site under the same domain; which is
  // the user's cannot be told, so neither is used.
  std::optional<access::SessionStore::Session> session;
  if (cookies.size() == 1) session = sessions_->Find(cookies.front());
  if (!session) {
    const std::string why =
        cookies.size() > 1 ? "more than one session cookie" : "a session cookie of no live session";
    service_->ReportAccessRefused(kHttpApiSource, "unauthenticated", what + from + ": " + why);
    HttpResponse response = MakeErrorResponse(
        req, http::status::unauthorized, "unauthenticated",
        cookies.size() > 1 ? "the request carries more than one stayaway_session cookie"
                           : "the session has ended (signed out, expired, or its credential "
                             "revoked); sign in again with POST /v1/session");
    response.set(http::field::www_authenticate, "Bearer realm=\"stayaway\"");
    // Makes the browser forget the cookie that names nothing.
    response.set(http::field::set_cookie, ClearedSessionCookieHeader(options_.browser.Secure()));
    ctx->responder.Send(std::move(response));
    return false;
  }
  const access::Principal& principal = *session->principal;
  // SameSite=Strict keeps other sites' pages from sending the cookie, but not pages of
  // the same site on another port or host name: their requests carry their Origin.
  if (!FromOwnOrigin(req, options_.browser)) {
    service_->ReportAccessRefused(kHttpApiSource, "cross_origin",
                                  principal.Describe() + " " + what + from +
                                      ": the session cookie came with a foreign Origin");
    ctx->responder.Send(MakeErrorResponse(
        req, http::status::forbidden, "cross_origin",
        "a request signed in by the session cookie must come from this server's own origin "
        "(its Origin header differs from the Host the request was sent to)"));
    return false;
  }
  if (!SafeMethod(req.method())) {
    const auto it = req.find(Beast(kCsrfHeader));
    const std::string_view presented =
        it == req.end() ? std::string_view()
                        : std::string_view(it->value().data(), it->value().size());
    if (!access::SessionStore::CsrfMatches(*session, presented)) {
      service_->ReportAccessRefused(
          kHttpApiSource, "csrf_token_invalid",
          principal.Describe() + " " + what + from + ": " +
              (presented.empty() ? "no X-CSRF-Token header" : "a wrong X-CSRF-Token"));
      ctx->responder.Send(MakeErrorResponse(
          req, http::status::forbidden, "csrf_token_invalid",
          std::string(presented.empty() ? "missing" : "wrong") + " X-CSRF-Token: a " +
              std::string(req.method_string()) +
              " signed in by the session cookie must carry the header X-CSRF-Token with the "
              "session's csrf_token (GET /v1/session answers it)"));
      return false;
    }
  }
  ctx->responder.MarkAuthenticated();
  ctx->principal = session->principal;
  ctx->session_id = std::string(cookies.front());
  ctx->session = std::move(session);
  return true;
}

void HttpApi::OpenSession(const std::shared_ptr<Context>& ctx) {
  const HttpRequest& req = ctx->request;
  const std::string what = std::string(req.method_string()) + " " + ctx->path;
  const std::string from = " from " + ctx->responder.remote();
  // A page of another origin must not sign a browser in, even under a token it holds
  // (it would then act in the browser's name with the attacker's credential).
  if (!FromOwnOrigin(req, options_.browser)) {
    service_->ReportAccessRefused(kHttpApiSource, "cross_origin",
                                  what + from + ": sign-in with a foreign Origin");
    ctx->responder.Send(
        MakeErrorResponse(req, http::status::forbidden, "cross_origin",
                          "sign-in must come from this server's own origin (the Origin header "
                          "differs from the Host the request was sent to)"));
    return;
  }
  // {"token": "<bearer token>"}: the Authenticate frame a TCP connection opens with. An
  // unknown field is refused, and the token is never echoed back.
  const std::string_view body = TrimJsonSpace(req.body());
  v1::Authenticate parsed;
  if (body.empty() || body.front() != '{' || JsonDepth(body) > 1 ||
      !pbutil::JsonStringToMessage(std::string(body), &parsed).ok() || parsed.token().empty()) {
    ctx->Refuse(http::status::bad_request, "invalid_argument",
                "sign-in: expected {\"token\": \"<bearer token>\"}");
    return;
  }
  const std::string& token = parsed.token();
  auto principal = service_->Authenticate(token);
  if (principal == nullptr) {
    // Counted and logged like a request with an unknown bearer token.
    service_->ReportAccessRefused(kHttpApiSource, "unauthenticated",
                                  what + from + ": " + "a token no credential has");
    ctx->responder.Send(MakeErrorResponse(req, http::status::unauthorized, "unauthenticated",
                                          "the token is not a credential's token"));
    return;
  }
  // Only a credential the console serves may hold a session: an ingest-only token sits on
  // gateways and devices, where it is the likeliest to leak, and has nothing to do in a
  // browser.
  if (!ServesConsole(*principal)) {
    service_->ReportAccessRefused(kHttpApiSource, "permission_denied",
                                  principal->Describe() + " " + what + from +
                                      ": sign-in by a credential with no console role");
    ctx->responder.Send(MakeErrorResponse(
        req, http::status::forbidden, "permission_denied",
        "credential '" + principal->name() +
            "' may not sign in to the console; that needs the operator, admin, auditor or "
            "evidence role"));
    return;
  }
  // A browser signing in again leaves its earlier session behind: end it.
  if (const auto earlier = SessionCookies(req, options_.browser.Secure()); earlier.size() == 1) {
    sessions_->End(earlier.front());
  }
  auto issued = sessions_->Create(principal);
  if (!issued.ok() && issued.status().code() == StatusCode::kFailedPrecondition) {
    // The store is full of other credentials' sessions: refused rather than ending theirs.
    service_->ReportAccessRefused(
        kHttpApiSource, "too_many_sessions",
        principal->Describe() + " " + what + from + ": " + issued.status().message());
    HttpResponse response = MakeErrorResponse(req, http::status::service_unavailable,
                                              "too_many_sessions", issued.status().message());
    response.set(http::field::retry_after, "60");
    ctx->responder.Send(std::move(response));
    return;
  }
  if (!issued.ok()) {
    ctx->Refuse(http::status::internal_server_error, "internal",
                "cannot open a session: " + issued.status().message());
    return;
  }
  ctx->responder.MarkAuthenticated();
  service_->Audit("signed in (browser session)", *principal, SessionRef(issued->session));
  HttpResponse response = MakeResponse(req, http::status::ok, SessionJson(issued->session));
  response.set(http::field::set_cookie, SessionCookieHeader(issued->id, options_.browser.Secure()));
  response.set(http::field::cache_control, "no-store");
  ctx->responder.Send(std::move(response));
}

void HttpApi::GetSession(const std::shared_ptr<Context>& ctx) {
  if (!ctx->session) {
    ctx->Refuse(http::status::unauthorized, "unauthenticated",
                "no browser session: this request was signed in by a bearer token; sign in with "
                "POST /v1/session to get one");
    return;
  }
  HttpResponse response = MakeResponse(ctx->request, http::status::ok, SessionJson(*ctx->session));
  response.set(http::field::cache_control, "no-store");
  ctx->responder.Send(std::move(response));
}

void HttpApi::CloseSession(const std::shared_ptr<Context>& ctx) {
  if (ctx->session && sessions_->End(ctx->session_id)) {
    service_->Audit("signed out (browser session)", *ctx->principal, SessionRef(*ctx->session));
  }
  // The cookie is cleared whatever the request was signed in with: signing out twice, or
  // with a bearer token, leaves no session behind either.
  HttpResponse response = MakeResponse(ctx->request, http::status::no_content, "");
  response.erase(http::field::content_type);
  response.set(http::field::set_cookie, ClearedSessionCookieHeader(options_.browser.Secure()));
  response.set(http::field::cache_control, "no-store");
  ctx->responder.Send(std::move(response));
}

std::string HttpApi::SessionMetricsText() {
  sessions_->Sweep();
  using Reason = access::SessionStore::EndReason;
  std::string text =
      "# HELP stayaway_sessions Browser sessions open on the HTTP API (POST /v1/session).\n"
      "# TYPE stayaway_sessions gauge\n"
      "stayaway_sessions " +
      std::to_string(sessions_->size()) +
      "\n"
      "# HELP stayaway_sessions_ended_total Browser sessions ended, by reason.\n"
      "# TYPE stayaway_sessions_ended_total counter\n";
  for (Reason reason :
       {Reason::kSignedOut, Reason::kIdle, Reason::kExpired, Reason::kRevoked, Reason::kEvicted}) {
    text += "stayaway_sessions_ended_total{reason=\"" +
            std::string(access::SessionStore::EndReasonName(reason)) + "\"} " +
            std::to_string(sessions_->ended(reason)) + "\n";
  }
  return text;
}

}  // namespace stayaway::ingest
