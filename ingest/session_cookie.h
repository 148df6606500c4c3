// The HTTP side of browser sessions (access/session_store.h): reading the session cookie
// from a request, writing the Set-Cookie header that opens or clears it, and whether a
// request comes from the daemon's own origin. Pure functions; thread-safe.
//
// The cookie is `stayaway_session=<id>; HttpOnly; SameSite=Strict; Path=/`: no script can
// read it (HttpOnly), no other site's page makes the browser send it (SameSite=Strict).
// When browsers reach the API over TLS (the port's own, or a proxy's in front with an
// https public origin) it is `__Host-stayaway_session=<id>; ...; Secure`: it never travels
// in clear text (Secure), and the __Host- prefix makes the browser refuse such a cookie set
// by a sibling host or over plain http, so no other site under the same domain can plant
// one. It has no Max-Age: it goes when the browser closes, or earlier when the session
// ends on the daemon.
#ifndef STAYAWAY_INGEST_SESSION_COOKIE_H_
#define STAYAWAY_INGEST_SESSION_COOKIE_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ingest/http_server.h"

namespace stayaway::ingest {

// How browsers reach the HTTP API.
struct BrowserSite {
  // The port speaks TLS itself.
  bool tls = false;
  // The origin browsers load the console from, when a proxy in front terminates TLS or
  // serves another host name: "https://monitor.centre.example" (scheme, host, optional
  // port; CheckPublicOrigin). Empty: the request's own scheme and Host header.
  std::string public_origin;

  // Whether browsers reach it over TLS, so the cookie must be Secure (and __Host-).
  bool Secure() const;
};

// Checks a public origin as the configuration takes it: http:// or https://, a host of
// letters, digits, '-' and '.', or a bracketed IPv6 address, an optional :port, and nothing
// after (no path, not even "/"). InvalidArgument saying what is wrong.
Status CheckPublicOrigin(std::string_view origin);

// The session cookie's name: "__Host-stayaway_session" when secure, else "stayaway_session".
std::string_view SessionCookieName(bool secure);

// The values of every session cookie (SessionCookieName(secure)) the request carries (in
// every Cookie header), in order, without surrounding double quotes. Usually none or one;
// another site under the same domain can plant a second, which the caller must not guess
// between.
std::vector<std::string_view> SessionCookies(const HttpRequest& request, bool secure);

// The Set-Cookie value that gives the browser the session `id`.
std::string SessionCookieHeader(std::string_view id, bool secure);
// The Set-Cookie value that makes the browser forget its session cookie.
std::string ClearedSessionCookieHeader(bool secure);

// False when the request has an Origin header that is not the daemon's own origin,
// compared without regard to case: the site's public origin when it has one, else its
// scheme (https with TLS, else http) and the request's Host header. A request without
// Origin (curl, and browsers on same-origin GETs) is not cross-origin by this test; one
// with Origin but without Host (and no public origin) is.
bool FromOwnOrigin(const HttpRequest& request, const BrowserSite& site);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_SESSION_COOKIE_H_
