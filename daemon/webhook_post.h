// One HTTP POST to a webhook receiver (the event webhooks, the victim gateways), through
// Boost.Beast: a fresh connection, the request, the answer's status read back, the
// connection closed. http:// and https://; over https the receiver's certificate chain is
// verified against the centre's trust (MakeWebhookTlsContext) and must name the URL's host
// (SNI is sent for names). Every step (connect, TLS handshake, write, read) waits at most
// 10 s; a failure of any kind is an answer with a reason, never an exception.
//
// Thread-safe: no state; a TLS context may be shared by every thread that posts.
#ifndef STAYAWAY_DAEMON_WEBHOOK_POST_H_
#define STAYAWAY_DAEMON_WEBHOOK_POST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace boost::asio::ssl {
class context;
}

namespace stayaway::daemon {

struct WebhookUrl {
  bool https = false;
  std::string host;  // a name, an IPv4 literal, or an IPv6 literal without its brackets
  uint16_t port = 80;
  std::string path = "/";  // with the query, if any
  // The Host header: the host, with ":PORT" when the port is not the scheme's default (80
  // for http, 443 for https); an IPv6 literal in brackets.
  std::string HostHeader() const;
};

// Accepts http://HOST[:PORT][/PATH] and https://HOST[:PORT][/PATH], HOST an IPv6 literal
// in brackets ("[::1]") too; the default ports are 80 and 443. InvalidArgument for other
// schemes, user information (user@host), a bad port, no host, or spaces and control
// characters.
StatusOr<WebhookUrl> ParseWebhookUrl(std::string_view url);

struct WebhookAnswer {
  int status = 0;           // the HTTP status; 0 when no answer came (refused, timeout, TLS)
  std::string status_line;  // "HTTP/1.1 204 No Content", or why there is none, in words
  // Why it was not delivered, as a metrics label; empty when delivered:
  //   resolve, connect, timeout          the receiver's name or address could not be used
  //   tls_untrusted                      its certificate chain is not trusted
  //   tls_hostname                       the certificate is for another name
  //   tls_expired                        the certificate has expired or is not valid yet
  //   tls_handshake                      any other TLS failure (protocol, version, ...)
  //   write, read                        the connection broke during the exchange
  //   status_4xx, status_5xx, status_other   an answer that is not 2xx
  std::string failure;
  bool delivered() const { return status >= 200 && status < 300; }
};

// The TLS context of every https:// POST: TLS 1.2 and newer, the peer's certificate chain
// verified against the PEM certificates in `ca_file` or, when it is empty, the system's
// trust store (/etc/ssl/certs). InvalidArgument naming the file when it cannot be used.
// Configured once, then only read: share it between threads.
StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeWebhookTlsContext(
    const std::string& ca_file);

// POSTs `body` as application/json with the extra `headers` (name, value) to `target`.
// `tls` is used for https:// targets; without one an https:// POST fails (tls_handshake).
WebhookAnswer PostWebhook(const WebhookUrl& target, std::string_view body,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          boost::asio::ssl::context* tls = nullptr);

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_WEBHOOK_POST_H_
