// Browser sessions on the real daemon (POST/GET/DELETE /v1/session, access/session_store.h):
// the cookie's flags, the cookie in place of a bearer token on the API and the event
// stream (one onmessage: ?stream=message), the CSRF token and the Origin check on
// cookie requests, sign-out, revocation, and failed sign-ins counted like failed bearer
// tokens. TLS's Secure flag is in tls_test.cc.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary
namespace pbutil = google::protobuf::util;

// A request with the given extra header lines ("Name: value"), no bearer token. Host is
// 127.0.0.1 without the port: the own origin the requests below name is http://127.0.0.1.
HttpReply Send(uint16_t port, const std::string& method, const std::string& target,
               const std::vector<std::string>& headers, const std::string& body = "") {
  HttpHeaders fields = {{"Host", "127.0.0.1"}, {"Content-Type", "application/json"}};
  for (const std::string& header : headers) {
    const size_t colon = header.find(':');
    fields.emplace_back(header.substr(0, colon),
                        header.substr(header.find_first_not_of(' ', colon + 1)));
  }
  return HttpExchange(port, method, target, fields, body);
}

// The value of the first header `name` in a response head (case as the daemon writes it).
std::string Header(const std::string& head, const std::string& name) {
  const size_t at = head.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  const size_t start = at + name.size() + 4;
  return head.substr(start, head.find("\r\n", start) - start);
}

struct Session {
  std::string cookie;  // "stayaway_session=..."
  std::string set_cookie;
  std::string csrf;
  v1::Session answer;
};

// Signs in with `token`: the cookie to send back and the session's answer.
Session SignIn(uint16_t port, const std::string& token) {
  const HttpReply reply = Send(port, "POST", "/v1/session", {}, R"({"token": ")" + token + R"("})");
  EXPECT_EQ(reply.status, 200) << reply.head << reply.body;
  Session session;
  session.set_cookie = Header(reply.head, "Set-Cookie");
  session.cookie = session.set_cookie.substr(0, session.set_cookie.find(';'));
  EXPECT_TRUE(pbutil::JsonStringToMessage(reply.body, &session.answer).ok()) << reply.body;
  session.csrf = session.answer.csrf_token();
  return session;
}

// `seq` of the rejection counter line for `reason` on source http, 0 when absent.
uint64_t Rejected(uint16_t port, const std::string& reason) {
  const std::string metrics = Http(port, "GET", "/metrics").body;
  const std::string line =
      "stayaway_fixes_rejected_total{source=\"http\",reason=\"" + reason + "\"} ";
  const size_t at = metrics.find(line);
  if (at == std::string::npos) return 0;
  return std::stoull(metrics.substr(at + line.size()));
}

// Device `phone` presses the panic button: a new SOS alert, so new events.
void PressSos(uint16_t port, const std::string& phone, int seq) {
  const std::string body = R"([{"device": ")" + phone + R"(", "seq": )" + std::to_string(seq) +
                           R"(, "time": ")" + FormatRfc3339(NowMs() - 1'000) +
                           R"(", "lat": 42.87, "lon": 74.59, "accuracy_m": 5, "flags": ["sos"]}])";
  const HttpReply reply = Http(port, "POST", "/v1/fixes", body);
  ASSERT_EQ(reply.status, 200) << reply.body;
}

// The first `bytes` of an event stream opened with `headers` (read for at most 3 s).
std::string ReadStream(uint16_t port, const std::string& target,
                       const std::vector<std::string>& headers, const std::string& until) {
  const int fd = ConnectLoopback(port, std::chrono::milliseconds(200));
  EXPECT_GE(fd, 0);
  std::string text = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const std::string& header : headers) text += header + "\r\n";
  text += "\r\n";
  ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
  std::string got;
  ReadUntil(fd, until, got, std::chrono::steady_clock::now() + std::chrono::seconds(3));
  ::close(fd);
  return got;
}

// Order KG-7 (tag-1 away from phone-2), then phone-2's SOS: new events, an open alert.
void PutOrderAndPressSos(Daemon& daemon) {
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders",
                 R"({"id": "KG-7", "version": 1, "supervised": {"id": "p1", "devices": ["tag-1"]},
                     "protected": [{"id": "p2", "devices": ["phone-2"]}],
                     "violation_distance_m": 300, "valid_from": "2020-01-01T00:00:00Z"})")
                .status,
            201);
  PressSos(daemon.http(), "phone-2", 1);
}

// Makes a new event (an order, then an SOS of its protected person) and checks that the
// event stream on `fd`, whose session has ended, sends nothing more and ends (the
// terminating chunk, then the close). Closes `fd`.
void ExpectStreamEndsAtTheNextEvent(Daemon& daemon, int fd, std::string* stream) {
  PutOrderAndPressSos(daemon);
  ReadUntil(fd, "0\r\n\r\n", *stream, std::chrono::steady_clock::now() + std::chrono::seconds(5));
  ::close(fd);
  EXPECT_FALSE(Contains(*stream, "data: ")) << *stream;
  EXPECT_TRUE(Contains(*stream, "0\r\n\r\n")) << *stream;
}

// Opens the event stream (one onmessage) with the `cookie` header line and reads its
// response head into *stream: the socket, or -1 when it did not answer 200.
int OpenEventStream(uint16_t port, const std::string& cookie, std::string* stream) {
  const int fd = ConnectLoopback(port, std::chrono::milliseconds(200));
  if (fd < 0) return -1;
  const std::string open =
      "GET /v1/events?stream=message HTTP/1.1\r\nHost: 127.0.0.1\r\n" + cookie + "\r\n\r\n";
  ::send(fd, open.data(), open.size(), MSG_NOSIGNAL);
  ReadUntil(fd, "\r\n\r\n", *stream, std::chrono::steady_clock::now() + std::chrono::seconds(3));
  if (Contains(*stream, "HTTP/1.1 200")) return fd;
  ::close(fd);
  return -1;
}

TEST(BrowserSession, SignInSetsAStrictHttpOnlyCookieThatTheApiTakes) {
  Daemon daemon;
  const Session session = SignIn(daemon.http(), kHarnessToken);
  // The cookie: a fresh 256-bit id, HttpOnly, SameSite=Strict, the whole API; no Secure
  // without TLS (the browser would never send it back).
  EXPECT_EQ(session.cookie.rfind("stayaway_session=", 0), 0u) << session.set_cookie;
  EXPECT_EQ(session.cookie.size(), std::string("stayaway_session=").size() + 43)
      << session.set_cookie;
  EXPECT_TRUE(Contains(session.set_cookie, "; HttpOnly")) << session.set_cookie;
  EXPECT_TRUE(Contains(session.set_cookie, "; SameSite=Strict")) << session.set_cookie;
  EXPECT_TRUE(Contains(session.set_cookie, "; Path=/")) << session.set_cookie;
  EXPECT_FALSE(Contains(session.set_cookie, "Secure")) << session.set_cookie;
  EXPECT_FALSE(Contains(session.set_cookie, kHarnessToken));
  // The answer: the CSRF token, who, roles, when it ends if left alone (30 min idle).
  EXPECT_EQ(session.csrf.size(), 43u);
  EXPECT_EQ(session.answer.credential_id(), "cred-harness00000");
  std::vector<std::string> roles;
  for (int role : session.answer.roles()) {
    roles.push_back(v1::Credential::Role_Name(static_cast<v1::Credential::Role>(role)));
  }
  EXPECT_EQ(roles,
            (std::vector<std::string>{"ingest", "operator", "admin", "auditor", "evidence"}));
  const TimeMs left = TimestampToMs(session.answer.expires_at()) - NowMs();
  EXPECT_GT(left, 29 * 60'000);
  EXPECT_LE(left, 30 * 60'000);

  // The cookie in place of a bearer token, on reads.
  const HttpReply alerts = Send(daemon.http(), "GET", "/v1/alerts", {"Cookie: " + session.cookie});
  EXPECT_EQ(alerts.status, 200) << alerts.body;
  const HttpReply who =
      Send(daemon.http(), "GET", "/v1/whoami", {"Cookie: theme=dark; " + session.cookie});
  EXPECT_EQ(who.status, 200) << who.body;
  EXPECT_TRUE(Contains(who.body, "cred-harness00000")) << who.body;
  // A reloaded page recovers its CSRF token.
  const HttpReply again = Send(daemon.http(), "GET", "/v1/session", {"Cookie: " + session.cookie});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(Contains(again.body, "\"csrf_token\":\"" + session.csrf + "\"")) << again.body;
  EXPECT_TRUE(Contains(again.head, "Cache-Control: no-store")) << again.head;
  // Without a session there is nothing to recover, whatever else the request carries.
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/session").status, 401);
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/session", {}).status, 401);
  // A cookie that names nothing is refused, and the browser is told to forget it.
  const HttpReply forged = Send(daemon.http(), "GET", "/v1/alerts",
                                {"Cookie: stayaway_session=" + std::string(43, 'A')});
  EXPECT_EQ(forged.status, 401) << forged.body;
  EXPECT_TRUE(Contains(Header(forged.head, "Set-Cookie"), "Max-Age=0")) << forged.head;
  // Two session cookies (one planted by a neighbour site): neither is used.
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/alerts",
                 {"Cookie: " + session.cookie + "; stayaway_session=" + std::string(43, 'B')})
                .status,
            401);

  // Signing in and out is in the audit trail.
  EXPECT_EQ(daemon.Stop(), 0);
  EXPECT_TRUE(Contains(daemon.Log(), "signed in (browser session)")) << daemon.Log();
}

TEST(BrowserSession, StateChangesNeedTheCsrfTokenAndTheOwnOrigin) {
  Daemon daemon;
  PutOrderAndPressSos(daemon);
  const std::string alert = WaitForOpenAlertId(daemon.http(), "KG-7");
  ASSERT_FALSE(alert.empty());
  const Session session = SignIn(daemon.http(), kHarnessToken);
  const std::string cookie = "Cookie: " + session.cookie;
  const std::string ack = "/v1/alerts/" + alert + "/ack";
  const std::string note = R"({"note": "called her"})";
  const uint64_t csrf_refusals = Rejected(daemon.http(), "csrf_token_invalid");

  // Without the header, or with another value: 403, saying what is missing.
  const HttpReply bare = Send(daemon.http(), "POST", ack, {cookie}, note);
  EXPECT_EQ(bare.status, 403) << bare.body;
  EXPECT_TRUE(Contains(bare.body, "csrf_token_invalid")) << bare.body;
  EXPECT_TRUE(Contains(bare.body, "X-CSRF-Token")) << bare.body;
  EXPECT_EQ(Send(daemon.http(), "POST", ack, {cookie, "X-CSRF-Token: " + session.csrf + "x"}, note)
                .status,
            403);
  EXPECT_EQ(
      Send(daemon.http(), "POST", ack, {cookie, "X-CSRF-Token: " + session.cookie.substr(17)}, note)
          .status,
      403);
  EXPECT_EQ(Rejected(daemon.http(), "csrf_token_invalid"), csrf_refusals + 3);
  // Nothing was acknowledged by the refused requests.
  EXPECT_FALSE(Contains(Http(daemon.http(), "GET", "/v1/alerts?state=all").body, "called her"));

  // Another origin (a page on another port of the same host is the same site, so
  // SameSite lets the cookie through): 403, on reads too.
  const HttpReply foreign =
      Send(daemon.http(), "POST", ack,
           {cookie, "X-CSRF-Token: " + session.csrf, "Origin: http://127.0.0.1:9999"}, note);
  EXPECT_EQ(foreign.status, 403) << foreign.body;
  EXPECT_TRUE(Contains(foreign.body, "cross_origin")) << foreign.body;
  EXPECT_EQ(
      Send(daemon.http(), "GET", "/v1/alerts", {cookie, "Origin: http://evil.example"}).status,
      403);
  // Signing in from another origin is refused as well.
  EXPECT_EQ(Send(daemon.http(), "POST", "/v1/session", {"Origin: http://evil.example"},
                 R"({"token": ")" + std::string(kHarnessToken) + R"("})")
                .status,
            403);

  // With the token, from its own origin: acknowledged, in the session's credential's name.
  const HttpReply done =
      Send(daemon.http(), "POST", ack,
           {cookie, "X-CSRF-Token: " + session.csrf, "Origin: http://127.0.0.1"}, note);
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_TRUE(Contains(done.body, "called her")) << done.body;
  EXPECT_TRUE(Contains(done.body, "cred-harness00000")) << done.body;

  // Bearer tokens are unaffected: no CSRF token, any Origin.
  HttpReply bearer = Send(
      daemon.http(), "POST", "/v1/orders",
      {"Authorization: Bearer " + std::string(kHarnessToken), "Origin: http://evil.example"}, "{}");
  EXPECT_EQ(bearer.status, 400) << bearer.body;  // checked as an order, not refused access
}

TEST(BrowserSession, TheEventStreamTakesTheCookieAndOneOnmessageGetsEveryEvent) {
  Daemon daemon;
  // Two orders, a panic button pressed in each: two alerts opened, events 1 and 2.
  for (const std::string n : {"7", "8"}) {
    ASSERT_EQ(
        Http(daemon.http(), "POST", "/v1/orders",
             R"({"id": "KG-)" + n + R"(", "version": 1, "supervised": {"id": "s)" + n +
                 R"(", "devices": ["tag-)" + n + R"("]}, "protected": [{"id": "v)" + n +
                 R"(", "devices": ["phone-)" + n +
                 R"("]}], "violation_distance_m": 300, "valid_from": "2020-01-01T00:00:00Z"})")
            .status,
        201);
    PressSos(daemon.http(), "phone-" + n, 1);
    ASSERT_FALSE(WaitForOpenAlertId(daemon.http(), "KG-" + n).empty());
  }
  const Session session = SignIn(daemon.http(), kHarnessToken);

  // Unnamed events: id and data, no event line.
  const std::string unnamed = ReadStream(daemon.http(), "/v1/events?stream=message&from=1",
                                         {"Cookie: " + session.cookie}, "\nid: 2\n");
  ASSERT_TRUE(Contains(unnamed, "HTTP/1.1 200")) << unnamed;
  EXPECT_TRUE(Contains(unnamed, "text/event-stream")) << unnamed;
  EXPECT_TRUE(Contains(unnamed, "\nid: 1\ndata: {\"seq\":\"1\"")) << unnamed;
  EXPECT_TRUE(Contains(unnamed, "\nid: 2\n")) << unnamed;
  EXPECT_FALSE(Contains(unnamed, "event:")) << unnamed;
  // Resumable like the named stream: after Last-Event-ID.
  const std::string resumed =
      ReadStream(daemon.http(), "/v1/events?stream=message",
                 {"Cookie: " + session.cookie, "Last-Event-ID: 1"}, "\nid: 2\n");
  EXPECT_TRUE(Contains(resumed, "\nid: 2\ndata: {\"seq\":\"2\"")) << resumed;
  EXPECT_FALSE(Contains(resumed, "\nid: 1\n")) << resumed;
  EXPECT_FALSE(Contains(resumed, "event:")) << resumed;
  // Without the parameter the stream is as integrators know it: named by kind.
  const std::string named =
      ReadStream(daemon.http(), "/v1/events/stream?from=1",
                 {"Authorization: Bearer " + std::string(kHarnessToken)}, "\nid: 2\n");
  EXPECT_TRUE(Contains(named, "\nid: 1\nevent: ")) << named;
  EXPECT_TRUE(Contains(ReadStream(daemon.http(), "/v1/events?from=1", {"Cookie: " + session.cookie},
                                  "\nid: 1\nevent: "),
                       "\nid: 1\nevent: "));
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/events?stream=loud").status, 400);
}

TEST(BrowserSession, SignOutEndsTheSession) {
  Daemon daemon;
  const Session session = SignIn(daemon.http(), kHarnessToken);
  const std::string cookie = "Cookie: " + session.cookie;
  ASSERT_EQ(Send(daemon.http(), "GET", "/v1/alerts", {cookie}).status, 200);
  // An event stream the session opened.
  std::string stream;
  const int fd = OpenEventStream(daemon.http(), cookie, &stream);
  ASSERT_GE(fd, 0) << stream;
  // Sign-out changes state: it needs the CSRF token too.
  EXPECT_EQ(Send(daemon.http(), "DELETE", "/v1/session", {cookie}).status, 403);
  const HttpReply out =
      Send(daemon.http(), "DELETE", "/v1/session", {cookie, "X-CSRF-Token: " + session.csrf});
  EXPECT_EQ(out.status, 204) << out.head << out.body;
  const std::string cleared = Header(out.head, "Set-Cookie");
  EXPECT_EQ(cleared.rfind("stayaway_session=;", 0), 0u) << cleared;
  EXPECT_TRUE(Contains(cleared, "Max-Age=0")) << cleared;
  // Gone on the daemon, not only in the browser.
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/alerts", {cookie}).status, 401);
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/session", {cookie}).status, 401);
  EXPECT_TRUE(Contains(Http(daemon.http(), "GET", "/metrics").body,
                       "stayaway_sessions_ended_total{reason=\"signed_out\"} 1"));
  // The open stream ends at its next event, which it does not get.
  ExpectStreamEndsAtTheNextEvent(daemon, fd, &stream);
  EXPECT_EQ(daemon.Stop(), 0);
  EXPECT_TRUE(Contains(daemon.Log(), "signed out (browser session)")) << daemon.Log();
}

TEST(BrowserSession, ARevokedCredentialsSessionsStopAtOnce) {
  Daemon daemon;
  const HttpReply issued = Http(daemon.http(), "POST", "/v1/credentials",
                                R"({"name": "desk-3", "roles": ["operator"]})");
  ASSERT_EQ(issued.status, 201) << issued.body;
  v1::IssuedCredential credential;
  ASSERT_TRUE(pbutil::JsonStringToMessage(issued.body, &credential).ok());
  const Session session = SignIn(daemon.http(), credential.token());
  const std::string cookie = "Cookie: " + session.cookie;
  ASSERT_EQ(Send(daemon.http(), "GET", "/v1/alerts", {cookie}).status, 200);
  // An open event stream of that session ends too (at its next event).
  std::string stream;
  const int fd = OpenEventStream(daemon.http(), cookie, &stream);
  ASSERT_GE(fd, 0) << stream;

  ASSERT_EQ(Http(daemon.http(), "DELETE", "/v1/credentials/" + credential.credential().id()).status,
            200);
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/alerts", {cookie}).status, 401);
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/session", {cookie}).status, 401);
  EXPECT_TRUE(Contains(Http(daemon.http(), "GET", "/metrics").body,
                       "stayaway_sessions_ended_total{reason=\"revoked\"} 1"));
  // Its token no longer signs in either.
  EXPECT_EQ(Send(daemon.http(), "POST", "/v1/session", {},
                 R"({"token": ")" + credential.token() + R"("})")
                .status,
            401);

  ExpectStreamEndsAtTheNextEvent(daemon, fd, &stream);
}

// Behind a proxy that terminates TLS (the browser speaks https to it, it speaks http to the
// daemon), the daemon's own origin is the proxy's public one: only that Origin is let in,
// and the cookie is Secure and __Host- although the daemon's port is plain.
TEST(BrowserSession, BehindATlsProxyThePublicOriginIsOwnAndTheCookieSecure) {
  Daemon daemon({"--public-origin", "https://monitor.centre.example"});
  const std::string body = R"({"token": ")" + std::string(kHarnessToken) + R"("})";
  // The daemon's own address is not where browsers are: cross-origin.
  EXPECT_EQ(Send(daemon.http(), "POST", "/v1/session", {"Origin: http://127.0.0.1"}, body).status,
            403);
  const HttpReply reply =
      Send(daemon.http(), "POST", "/v1/session", {"Origin: https://monitor.centre.example"}, body);
  ASSERT_EQ(reply.status, 200) << reply.head << reply.body;
  const std::string set_cookie = Header(reply.head, "Set-Cookie");
  EXPECT_EQ(set_cookie.rfind("__Host-stayaway_session=", 0), 0u) << set_cookie;
  EXPECT_TRUE(Contains(set_cookie, "; Secure")) << set_cookie;
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/alerts",
                 {"Cookie: " + cookie, "Origin: https://monitor.centre.example"})
                .status,
            200);
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/alerts", {"Cookie: " + cookie}).status, 200);
  EXPECT_EQ(
      Send(daemon.http(), "GET", "/v1/alerts", {"Cookie: " + cookie, "Origin: http://127.0.0.1"})
          .status,
      403);
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(BrowserSession, AFailedSignInIsRefusedAndCountedLikeABadBearerToken) {
  Daemon daemon;
  const uint64_t before = Rejected(daemon.http(), "unauthenticated");
  const HttpReply bad = Send(daemon.http(), "POST", "/v1/session", {},
                             R"({"token": "sa_not-a-token-of-anybody-00000000000000000000"})");
  EXPECT_EQ(bad.status, 401) << bad.body;
  EXPECT_TRUE(Header(bad.head, "Set-Cookie").empty()) << bad.head;
  EXPECT_FALSE(Contains(bad.body, "sa_not-a-token")) << bad.body;  // never echoed
  EXPECT_EQ(Rejected(daemon.http(), "unauthenticated"), before + 1);
  // A body that is not {"token": "..."} is a bad request, not a sign-in attempt.
  EXPECT_EQ(Send(daemon.http(), "POST", "/v1/session", {}, R"({"token": ""})").status, 400);
  EXPECT_EQ(Send(daemon.http(), "POST", "/v1/session", {}, R"({})").status, 400);
  EXPECT_EQ(Send(daemon.http(), "POST", "/v1/session", {}, R"({"token": "x", "y": 1})").status,
            400);
  EXPECT_EQ(Send(daemon.http(), "POST", "/v1/session", {}, R"({"token": 7})").status, 400);
  EXPECT_EQ(Send(daemon.http(), "POST", "/v1/session", {}, R"(["x"])").status, 400);
  EXPECT_EQ(Send(daemon.http(), "POST", "/v1/session", {}, "").status, 400);
  // Only POST signs in without a session; the other methods need one.
  EXPECT_EQ(Send(daemon.http(), "PUT", "/v1/session", {}).status, 401);
  EXPECT_EQ(daemon.Stop(), 0);
  EXPECT_TRUE(Contains(daemon.Log(), "POST /v1/session")) << daemon.Log();
}

TEST(BrowserSession, AnIngestOnlyTokenCannotSignInNorSignOthersOut) {
  Daemon daemon({"--max-sessions", "3"});
  const HttpReply issued = Http(daemon.http(), "POST", "/v1/credentials",
                                R"({"name": "gw-north", "roles": ["ingest"], "devices": ["*"]})");
  ASSERT_EQ(issued.status, 201) << issued.body;
  v1::IssuedCredential gateway;
  ASSERT_TRUE(pbutil::JsonStringToMessage(issued.body, &gateway).ok());
  const Session desk = SignIn(daemon.http(), kHarnessToken);
  const uint64_t before = Rejected(daemon.http(), "permission_denied");
  // A gateway's token, leaked, signed in again and again: refused every time, counted,
  // and no operator's session ends.
  for (int i = 0; i < 5; ++i) {
    const HttpReply refused = Send(daemon.http(), "POST", "/v1/session", {},
                                   R"({"token": ")" + gateway.token() + R"("})");
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_TRUE(Contains(refused.body, "may not sign in to the console")) << refused.body;
    EXPECT_TRUE(Header(refused.head, "Set-Cookie").empty()) << refused.head;
  }
  EXPECT_EQ(Rejected(daemon.http(), "permission_denied"), before + 5);
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/alerts", {"Cookie: " + desk.cookie}).status, 200);
  EXPECT_TRUE(Contains(Http(daemon.http(), "GET", "/metrics").body, "stayaway_sessions 1\n"));

  // The store full of other credentials' sessions: a new credential's sign-in is refused
  // with 503, and the desks stay signed in.
  const Session desk2 = SignIn(daemon.http(), kHarnessToken);
  const Session desk3 = SignIn(daemon.http(), kHarnessToken);
  const HttpReply op = Http(daemon.http(), "POST", "/v1/credentials",
                            R"({"name": "desk-9", "roles": ["operator"]})");
  ASSERT_EQ(op.status, 201) << op.body;
  v1::IssuedCredential desk9;
  ASSERT_TRUE(pbutil::JsonStringToMessage(op.body, &desk9).ok());
  const HttpReply full =
      Send(daemon.http(), "POST", "/v1/session", {}, R"({"token": ")" + desk9.token() + R"("})");
  EXPECT_EQ(full.status, 503) << full.body;
  EXPECT_TRUE(Contains(full.body, "too_many_sessions")) << full.body;
  for (const Session* s : {&desk, &desk2, &desk3}) {
    EXPECT_EQ(Send(daemon.http(), "GET", "/v1/alerts", {"Cookie: " + s->cookie}).status, 200);
  }
  EXPECT_EQ(daemon.Stop(), 0);
  EXPECT_TRUE(Contains(daemon.Log(), "no console role")) << daemon.Log();
}

TEST(BrowserSession, IdleTimeoutAndBoundComeFromTheFlags) {
  Daemon daemon({"--session-idle-timeout", "1s", "--max-sessions", "2"});
  const Session first = SignIn(daemon.http(), kHarnessToken);
  const Session second = SignIn(daemon.http(), kHarnessToken);
  const Session third = SignIn(daemon.http(), kHarnessToken);
  // The oldest went to make room.
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/alerts", {"Cookie: " + first.cookie}).status, 401);
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/alerts", {"Cookie: " + third.cookie}).status, 200);
  EXPECT_TRUE(Contains(Http(daemon.http(), "GET", "/metrics").body,
                       "stayaway_sessions_ended_total{reason=\"evicted\"} 1"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1'100));
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/alerts", {"Cookie: " + second.cookie}).status, 401);
  EXPECT_EQ(Send(daemon.http(), "GET", "/v1/alerts", {"Cookie: " + third.cookie}).status, 401);
}

}  // namespace
}  // namespace stayaway
