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
  EXPECT_TRUE(SessionCookies(request).empty());
  request.set(http::field::cookie, "theme=dark; stayaway_session=abc_-12;lang=ru");
  ASSERT_EQ(SessionCookies(request).size(), 1u);
  EXPECT_EQ(SessionCookies(request)[0], "abc_-12");
  request.set(http::field::cookie, "stayaway_session=\"quoted\"");
  EXPECT_EQ(SessionCookies(request)[0], "quoted");
  // Names must match exactly.
  request.set(http::field::cookie, "xstayaway_session=1; stayaway_session_x=2; =3; junk");
  EXPECT_TRUE(SessionCookies(request).empty());
}

TEST(SessionCookieTest, ReportsEveryCopyAcrossHeaders) {
  HttpRequest request = Request();
  request.insert(http::field::cookie, "stayaway_session=one");
  request.insert(http::field::cookie, "a=b; stayaway_session=two");
  const auto values = SessionCookies(request);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0], "one");
  EXPECT_EQ(values[1], "two");
}

TEST(SessionCookieTest, CookieFlags) {
  EXPECT_EQ(SessionCookieHeader("ID", false),
            "stayaway_session=ID; HttpOnly; SameSite=Strict; Path=/");
  EXPECT_EQ(SessionCookieHeader("ID", true),
            "stayaway_session=ID; HttpOnly; SameSite=Strict; Path=/; Secure");
  EXPECT_EQ(ClearedSessionCookieHeader(false),
            "stayaway_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
}

TEST(SessionCookieTest, OwnOrigin) {
  HttpRequest request = Request();
  EXPECT_TRUE(FromOwnOrigin(request, false));  // no Origin: curl, same-origin GETs
  request.set(http::field::origin, "http://centre.example:7380");
  EXPECT_TRUE(FromOwnOrigin(request, false));
  EXPECT_FALSE(FromOwnOrigin(request, true));  // the scheme counts
  request.set(http::field::origin, "HTTP://Centre.Example:7380");
  EXPECT_TRUE(FromOwnOrigin(request, false));
  request.set(http::field::origin, "http://centre.example:8080");  // same site, other port
  EXPECT_FALSE(FromOwnOrigin(request, false));
  request.set(http::field::origin, "http://evil.example");
  EXPECT_FALSE(FromOwnOrigin(request, false));
  request.set(http::field::origin, "null");
  EXPECT_FALSE(FromOwnOrigin(request, false));
  request.erase(http::field::host);
  request.set(http::field::origin, "http://centre.example:7380");
  EXPECT_FALSE(FromOwnOrigin(request, false));
}

}  // namespace
}  // namespace stayaway::ingest
