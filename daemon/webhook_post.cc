#include "daemon/webhook_post.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <chrono>

#include "base/blocking_step.h"

namespace stayaway::daemon {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr auto kIoTimeout = std::chrono::seconds(10);

WebhookAnswer Failed(std::string failure, std::string why) {
  WebhookAnswer answer;
  answer.failure = std::move(failure);
  answer.status_line = std::move(why);
  return answer;
}

// The failure of a step that is not the TLS handshake.
WebhookAnswer StepFailed(std::string_view step, const beast::error_code& ec) {
  if (ec == beast::error::timeout) {
    return Failed("timeout", std::string(step) + ": no progress in 10 s");
  }
  return Failed(std::string(step), std::string(step) + ": " + ec.message());
}

// Why a handshake failed: the certificate check when that is what failed.
WebhookAnswer HandshakeFailed(SSL* ssl, const beast::error_code& ec) {
  if (ec == beast::error::timeout) return Failed("timeout", "TLS handshake: no progress in 10 s");
  const long verify = SSL_get_verify_result(ssl);
  if (verify == X509_V_OK) return Failed("tls_handshake", "TLS handshake: " + ec.message());
  const std::string why =
      std::string("TLS: certificate verify failed: ") + X509_verify_cert_error_string(verify);
  switch (verify) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return Failed("tls_hostname", why);
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return Failed("tls_expired", why);
    default:
      return Failed("tls_untrusted", why);
  }
}

// The request over an open (and, for https, handshaken) stream, and the answer's head.
template <class Stream>
WebhookAnswer Exchange(asio::io_context& io, Stream& stream,
                       const http::request<http::string_body>& request) {
  beast::get_lowest_layer(stream).expires_after(kIoTimeout);
  if (beast::error_code ec = RunStep(
          io, [&](auto handler) { http::async_write(stream, request, std::move(handler)); })) {
    return StepFailed("write", ec);
  }
  // Only the status matters: the head is read, a body the receiver sends is not.
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  beast::get_lowest_layer(stream).expires_after(kIoTimeout);
  if (beast::error_code ec = RunStep(io, [&](auto handler) {
        http::async_read_header(stream, buffer, parser, std::move(handler));
      })) {
    return StepFailed("read", ec);
  }
  const auto& head = parser.get();
  WebhookAnswer answer;
  answer.status = static_cast<int>(head.result_int());
  answer.status_line = "HTTP/" + std::to_string(head.version() / 10) + "." +
                       std::to_string(head.version() % 10) + " " + std::to_string(answer.status) +
                       " " + std::string(head.reason());
  if (!answer.delivered()) {
    answer.failure = answer.status >= 400 && answer.status < 500   ? "status_4xx"
                     : answer.status >= 500 && answer.status < 600 ? "status_5xx"
                                                                   : "status_other";
  }
  return answer;
}

bool IsIpLiteral(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::string WebhookUrl::HostHeader() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (https ? 443 : 80)) out += ":" + std::to_string(port);
  return out;
}

StatusOr<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  auto refused = [&](std::string_view why) {
    return InvalidArgument("webhook " + std::string(url) + ": " + std::string(why));
  };
  WebhookUrl out;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
    out.https = true;
    out.port = 443;
  } else {
    return refused("only http:// and https:// URLs are supported");
  }
  // The request line and headers are written from these: nothing that could end a line.
  for (char c : rest) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return refused("a space or control character");
    }
  }
  const size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (end != std::string_view::npos) {
    if (rest[end] == '#') return refused("a fragment (#) is never sent to a server");
    out.path = (rest[end] == '/' ? "" : "/") + std::string(rest.substr(end));
    if (out.path.find('#') != std::string::npos) {
      return refused("a fragment (#) is never sent to a server");
    }
  }
  if (authority.find('@') != std::string_view::npos) {
    return refused("user information (user@host) is not supported; use the webhook secret");
  }
  std::string_view port;
  if (authority.starts_with("[")) {  // an IPv6 literal: [::1]:8443
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return refused("an IPv6 address without its ]");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) return refused("text after the IPv6 address");
    if (!after.empty()) port = after.substr(1);
    boost::system::error_code ec;
    asio::ip::make_address_v6(out.host, ec);
    if (ec) return refused("a bad IPv6 address");
    if (port.empty() && !after.empty()) return refused("bad port");
  } else {
    const size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return refused("bad port");
    }
  }
  if (!port.empty()) {
    unsigned value = 0;
    const auto [stop, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || stop != port.data() + port.size() || value == 0 || value > 65535) {
      return refused("bad port");
    }
    out.port = static_cast<uint16_t>(value);
  }
  if (out.host.empty()) return refused("no host");
  return out;
}

StatusOr<std::shared_ptr<ssl::context>> MakeWebhookTlsContext(const std::string& ca_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::no_compression,
                       ec);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  if (ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) return InvalidArgument("the system's trust store: " + ec.message());
  } else {
    context->load_verify_file(ca_file, ec);
    if (ec) return InvalidArgument("webhook CA " + ca_file + ": " + ec.message());
  }
  context->set_verify_mode(ssl::verify_peer, ec);
  if (ec) return InvalidArgument("webhook TLS: " + ec.message());
  return context;
}

WebhookAnswer PostWebhook(const WebhookUrl& target, std::string_view body,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          ssl::context* tls) {
  if (target.https && tls == nullptr) {
    return Failed("tls_handshake", "https:// without a TLS client context");
  }
  http::request<http::string_body> request{http::verb::post, target.path, 11};
  request.set(http::field::host, target.HostHeader());
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::string(body);
  request.prepare_payload();

  asio::io_context io;
  // Blocking like the POST itself (the dispatchers have their own threads); a name the
  // resolver cannot answer is a failed delivery like any other.
  tcp::resolver resolver(io);
  boost::system::error_code resolve_error;
  const auto endpoints = resolver.resolve(
      target.host, std::to_string(target.port),
      IsIpLiteral(target.host) ? tcp::resolver::numeric_host : tcp::resolver::flags(),
      resolve_error);
  if (resolve_error) {
    return Failed("resolve", "cannot resolve " + target.host + ": " + resolve_error.message());
  }
  auto connect = [&](beast::tcp_stream& stream) {
    stream.expires_after(kIoTimeout);
    return RunStep(io, [&](auto handler) { stream.async_connect(endpoints, std::move(handler)); });
  };
  if (!target.https) {
    beast::tcp_stream stream(io);
    if (beast::error_code ec = connect(stream)) return StepFailed("connect", ec);
    return Exchange(io, stream, request);
  }
  beast::ssl_stream<beast::tcp_stream> stream(io, *tls);
  SSL* const handle = stream.native_handle();
  if (IsIpLiteral(target.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), target.host.c_str());
  } else {
    // SNI, so a receiver behind a shared address shows the right certificate; and the
    // certificate must name this host (RFC 6125, wildcards only as a whole left label).
    SSL_set_tlsext_host_name(handle, target.host.c_str());
    SSL_set_hostflags(handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_set1_host(handle, target.host.c_str());
  }
  if (beast::error_code ec = connect(beast::get_lowest_layer(stream))) {
    return StepFailed("connect", ec);
  }
  beast::get_lowest_layer(stream).expires_after(kIoTimeout);
  if (beast::error_code ec = RunStep(io, [&](auto handler) {
        stream.async_handshake(ssl::stream_base::client, std::move(handler));
      })) {
    return HandshakeFailed(handle, ec);
  }
  // No TLS close_notify exchange: the answer is in, and the receiver may not reply to it.
  return Exchange(io, stream, request);
}

}  // namespace stayaway::daemon
