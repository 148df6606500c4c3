#include "ingest/session_cookie.h"

#include <gtest/gtest.h>

namespace stayaway::ingest {
namespace {

namespace http = boost::beast::http;

HttpRequest Request() {
  HttpRequest request(http::verb::get, "/v1/alerts", 11);
  request.set(http::field::host, "centre.example:7380");
  return request;
}

TEST(SessionCookieTest, FindsTheSessionCookieAmongOthers) {
  HttpRequest request = Request();
  EXPECT_TRUE(SessionCookies(request, false).empty());
  request.set(http::field::cookie, "theme=dark; stayaway_session=abc_-12;lang=ru");
  ASSERT_EQ(SessionCookies(request, false).size(), 1u);
  EXPECT_EQ(SessionCookies(request, false)[0], "abc_-12");
  request.set(http::field::cookie, "stayaway_session=\"quoted\"");
  EXPECT_EQ(SessionCookies(request, false)[0], "quoted");
  // Names must match exactly.
  request.set(http::field::cookie, "xstayaway_session=1; stayaway_session_x=2; =3; junk");
  EXPECT_TRUE(SessionCookies(request, false).empty());
}

TEST(SessionCookieTest, ReportsEveryCopyAcrossHeaders) {
  HttpRequest request = Request();
  request.insert(http::field::cookie, "stayaway_session=one");
  request.insert(http::field::cookie, "a=b; stayaway_session=two");
  const auto values = SessionCookies(request, false);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0], "one");
  EXPECT_EQ(values[1], "two");
}

TEST(SessionCookieTest, CookieFlags) {
  EXPECT_EQ(SessionCookieHeader("ID", false),
            "stayaway_session=ID; HttpOnly; SameSite=Strict; Path=/");
  EXPECT_EQ(SessionCookieHeader("ID", true),
            "__Host-stayaway_session=ID; HttpOnly; SameSite=Strict; Path=/; Secure");
  EXPECT_EQ(ClearedSessionCookieHeader(false),
            "stayaway_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
  EXPECT_EQ(ClearedSessionCookieHeader(true),
            "__Host-stayaway_session=; HttpOnly; SameSite=Strict; Path=/; Secure; Max-Age=0");
}

TEST(SessionCookieTest, OverTlsOnlyTheHostPrefixedCookieCounts) {
  HttpRequest request = Request();
  // A sibling host can plant a plain stayaway_session for the domain; it cannot plant a
  // __Host- one, and a secure site reads only that.
  request.set(http::field::cookie, "stayaway_session=planted; __Host-stayaway_session=real");
  ASSERT_EQ(SessionCookies(request, true).size(), 1u);
  EXPECT_EQ(SessionCookies(request, true)[0], "real");
  ASSERT_EQ(SessionCookies(request, false).size(), 1u);
  EXPECT_EQ(SessionCookies(request, false)[0], "planted");
}

TEST(SessionCookieTest, ASiteIsSecureOverItsOwnTlsOrAnHttpsPublicOrigin) {
  EXPECT_FALSE(BrowserSite{}.Secure());
  EXPECT_TRUE((BrowserSite{true, ""}.Secure()));
  EXPECT_TRUE((BrowserSite{false, "https://monitor.centre.example"}.Secure()));
  EXPECT_FALSE((BrowserSite{false, "http://monitor.centre.example"}.Secure()));
}

TEST(SessionCookieTest, PublicOriginsAreSchemeHostAndPortOnly) {
  for (const char* good :
       {"https://monitor.centre.example", "http://10.0.0.5:8080", "https://[2001:db8::1]:443",
        "https://a-b.example:1", "https://x.example:65535"}) {
    EXPECT_TRUE(CheckPublicOrigin(good).ok()) << good;
  }
  for (const char* bad :
       {"", "monitor.centre.example", "ftp://x.example", "https://", "https://x.example/",
        "https://x.example/console", "https://x.example:", "https://x.example:0",
        "https://x.example:65536", "https://x.example:99999999999", "https://x.example:80:81",
        "https://user@x.example", "https://x.example?a", "https://[::1", "https://[::1]x",
        "https://[g::1]", "https://x example", "https://x.example;y"}) {
    const Status status = CheckPublicOrigin(bad);
    EXPECT_FALSE(status.ok()) << bad;
    EXPECT_NE(status.message().find("public origin"), std::string::npos) << status.message();
  }
}

TEST(SessionCookieTest, OwnOrigin) {
  HttpRequest request = Request();
  EXPECT_TRUE(FromOwnOrigin(request, BrowserSite{}));  // no Origin: curl, same-origin GETs
  request.set(http::field::origin, "http://centre.example:7380");
  EXPECT_TRUE(FromOwnOrigin(request, BrowserSite{}));
  EXPECT_FALSE(FromOwnOrigin(request, BrowserSite{true, ""}));  // the scheme counts
  request.set(http::field::origin, "HTTP://Centre.Example:7380");
  EXPECT_TRUE(FromOwnOrigin(request, BrowserSite{}));
  request.set(http::field::origin, "http://centre.example:8080");  // same site, other port
  EXPECT_FALSE(FromOwnOrigin(request, BrowserSite{}));
  request.set(http::field::origin, "http://evil.example");
  EXPECT_FALSE(FromOwnOrigin(request, BrowserSite{}));
  request.set(http::field::origin, "null");
  EXPECT_FALSE(FromOwnOrigin(request, BrowserSite{}));
  request.erase(http::field::host);
  request.set(http::field::origin, "http://centre.example:7380");
  EXPECT_FALSE(FromOwnOrigin(request, BrowserSite{}));
}

TEST(SessionCookieTest, BehindAProxyTheOwnOriginIsThePublicOne) {
  // The proxy terminates TLS and forwards to the daemon's plain port under another Host.
  const BrowserSite site{false, "https://monitor.centre.example"};
  HttpRequest request = Request();
  request.set(http::field::origin, "https://monitor.centre.example");
  EXPECT_TRUE(FromOwnOrigin(request, site));
  request.erase(http::field::host);  // the Host does not matter then
  EXPECT_TRUE(FromOwnOrigin(request, site));
  request.set(http::field::origin, "https://MONITOR.centre.example");
  EXPECT_TRUE(FromOwnOrigin(request, site));
  request.set(http::field::origin, "http://monitor.centre.example");  // the scheme counts
  EXPECT_FALSE(FromOwnOrigin(request, site));
  request.set(http::field::origin, "https://monitor.centre.example:8443");
  EXPECT_FALSE(FromOwnOrigin(request, site));
  request.set(http::field::host, "centre.example:7380");
  request.set(http::field::origin, "http://centre.example:7380");  // the daemon's own port
  EXPECT_FALSE(FromOwnOrigin(request, site));
}

}  // namespace
}  // namespace stayaway::ingest
