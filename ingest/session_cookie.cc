#include "ingest/session_cookie.h"

#include <cctype>

#include "access/session_store.h"

namespace stayaway::ingest {

namespace http = boost::beast::http;

namespace {

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The __Host- prefix: browsers accept the cookie only when Secure, from a secure origin,
// with Path=/ and no Domain (RFC 6265bis, "Cookie Name Prefixes").
constexpr std::string_view kSecureSessionCookie = "__Host-stayaway_session";
static_assert(kSecureSessionCookie.ends_with(access::kSessionCookie));

std::string Attributes(bool secure) {
  return std::string("; HttpOnly; SameSite=Strict; Path=/") + (secure ? "; Secure" : "");
}

}  // namespace

bool BrowserSite::Secure() const { return tls || public_origin.starts_with("https://"); }

Status CheckPublicOrigin(std::string_view origin) {
  const auto refuse = [&](std::string_view why) {
    return InvalidArgument("public origin \"" + std::string(origin) + "\" " + std::string(why));
  };
  std::string_view rest = origin;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return refuse("must start with https:// or http://");
  }
  // host[:port], the host an IPv6 address in brackets or a name.
  std::string_view host;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return refuse("has an unclosed [ in its host");
    host = rest.substr(1, close - 1);
    for (char c : host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return refuse("has a character an IPv6 address cannot hold");
      }
    }
    rest.remove_prefix(close + 1);
  } else {
    host = rest.substr(0, rest.find(':'));
    for (char c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
        return refuse("must be scheme://host[:port] with nothing after (no path, no \"/\")");
      }
    }
    rest.remove_prefix(host.size());
  }
  if (host.empty()) return refuse("has no host");
  if (rest.empty()) return Status::Ok();
  if (rest.front() != ':') return refuse("must end after its host and port");
  const std::string_view port = rest.substr(1);
  unsigned number = 0;
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || number > 65535) {
      return refuse("has a port that is not 1 to 65535");
    }
    number = number * 10 + static_cast<unsigned>(c - '0');
  }
  if (port.empty() || number < 1 || number > 65535) {
    return refuse("has a port that is not 1 to 65535");
  }
  return Status::Ok();
}

std::string_view SessionCookieName(bool secure) {
  return secure ? kSecureSessionCookie : access::kSessionCookie;
}

std::vector<std::string_view> SessionCookies(const HttpRequest& request, bool secure) {
  const std::string_view name = SessionCookieName(secure);
  std::vector<std::string_view> values;
  const auto [first, last] = request.equal_range(http::field::cookie);
  for (auto field = first; field != last; ++field) {
    std::string_view rest(field->value().data(), field->value().size());
    // cookie-string: name=value pairs separated by ";" (RFC 6265 section 4.2.1).
    while (!rest.empty()) {
      const auto semicolon = rest.find(';');
      const std::string_view pair = TrimSpace(rest.substr(0, semicolon));
      rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (TrimSpace(pair.substr(0, eq)) != name) continue;
      std::string_view value = TrimSpace(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      values.push_back(value);
    }
  }
  return values;
}

std::string SessionCookieHeader(std::string_view id, bool secure) {
  return std::string(SessionCookieName(secure)) + "=" + std::string(id) + Attributes(secure);
}

std::string ClearedSessionCookieHeader(bool secure) {
  return std::string(SessionCookieName(secure)) + "=" + Attributes(secure) + "; Max-Age=0";
}

bool FromOwnOrigin(const HttpRequest& request, const BrowserSite& site) {
  const auto origin = request.find(http::field::origin);
  if (origin == request.end()) return true;
  const std::string_view sent =
      TrimSpace(std::string_view(origin->value().data(), origin->value().size()));
  if (!site.public_origin.empty()) return EqualsIgnoringCase(sent, site.public_origin);
  const auto host = request.find(http::field::host);
  if (host == request.end()) return false;
  const std::string own =
      std::string(site.tls ? "https://" : "http://") +
      std::string(TrimSpace(std::string_view(host->value().data(), host->value().size())));
  return EqualsIgnoringCase(sent, own);
}

}  // namespace stayaway::ingest
