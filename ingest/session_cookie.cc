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

std::string Attributes(bool secure) {
  return std::string("; HttpOnly; SameSite=Strict; Path=/") + (secure ? "; Secure" : "");
}

}  // namespace

std::vector<std::string_view> SessionCookies(const HttpRequest& request) {
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
      if (TrimSpace(pair.substr(0, eq)) != access::kSessionCookie) continue;
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
  return std::string(access::kSessionCookie) + "=" + std::string(id) + Attributes(secure);
}

std::string ClearedSessionCookieHeader(bool secure) {
  return std::string(access::kSessionCookie) + "=" + Attributes(secure) + "; Max-Age=0";
}

bool FromOwnOrigin(const HttpRequest& request, bool tls) {
  const auto origin = request.find(http::field::origin);
  if (origin == request.end()) return true;
  const auto host = request.find(http::field::host);
  if (host == request.end()) return false;
  const std::string own =
      std::string(tls ? "https://" : "http://") +
      std::string(TrimSpace(std::string_view(host->value().data(), host->value().size())));
  return EqualsIgnoringCase(
      TrimSpace(std::string_view(origin->value().data(), origin->value().size())), own);
}

}  // namespace stayaway::ingest
