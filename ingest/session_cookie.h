// The HTTP side of browser sessions (access/session_store.h): reading the session cookie
// from a request, writing the Set-Cookie header that opens or clears it, and whether a
// request comes from the daemon's own origin. Pure functions; thread-safe.
//
// The cookie is `stayaway_session=<id>; HttpOnly; SameSite=Strict; Path=/`, with `; Secure`
// when the port speaks TLS: no script can read it (HttpOnly), no other site's page makes the
// browser send it (SameSite=Strict), and it never travels in clear text when TLS is on
// (Secure). It has no Max-Age: it goes when the browser closes, or earlier when the session
// ends on the daemon.
#ifndef STAYAWAY_INGEST_SESSION_COOKIE_H_
#define STAYAWAY_INGEST_SESSION_COOKIE_H_

#include <string>
#include <string_view>
#include <vector>

#include "ingest/http_server.h"

namespace stayaway::ingest {

// The values of every stayaway_session cookie the request carries (in every Cookie
// header), in order, without surrounding double quotes. Usually none or one; another site
// under the same domain can plant a second, which the caller must not guess between.
std::vector<std::string_view> SessionCookies(const HttpRequest& request);

// The Set-Cookie value that gives the browser the session `id`.
std::string SessionCookieHeader(std::string_view id, bool secure);
// The Set-Cookie value that makes the browser forget its session cookie.
std::string ClearedSessionCookieHeader(bool secure);

// False when the request has an Origin header that is not the daemon's own origin, which
// is its scheme (https with TLS, else http) and the request's Host header, compared without
// regard to case. A request without Origin (curl, and browsers on same-origin GETs) is
// not cross-origin by this test; one with Origin but without Host is.
bool FromOwnOrigin(const HttpRequest& request, bool tls);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_SESSION_COOKIE_H_
