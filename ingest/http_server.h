// HttpServer: a small HTTP/1.1 server on Boost.Beast that the daemon's HTTP ports share
// (the API port with HttpApi's handler, the OsmAnd port with its own). It accepts
// connections, reads one request at a time per connection (keep-alive, no pipelining),
// hands each complete request to the handler and writes whatever the handler answers.
//
//   asio::io_context io;
//   HttpServer server(io, {asio::ip::make_address("127.0.0.1"), 0},
//                     [](HttpRequest req, HttpResponder responder) {
//                       responder.Send(MakeTextResponse(req, http::status::ok, "hi\n"));
//                     });
//   server.Start();               // accepts from now on; server.port() is the bound port
//   io.run();
//
// The server refuses what it can judge without the handler, each with a JSON error body
// ({"error": {"code": ..., "message": ...}}) and reported to options.on_refused:
//   - a body over max_body_bytes: 413 payload_too_large, then close;
//   - headers over max_header_bytes: 431 header_too_large, then close;
//   - malformed HTTP: 400 bad_request, then close;
//   - headers, a chunk-size line or chunked trailers that do not fit in max_header_bytes:
//     431 header_too_large, then close;
//   - a request not complete within read_timeout (slow loris): the connection is closed
//     ("timeout"; an idle keep-alive connection simply closes, uncounted);
//   - a connection that has not authenticated within limits.auth_timeout of its accept:
//     closed ("auth_timeout"; a request being answered is answered first);
//   - too many unauthenticated connections (limits, connection_admission.h): the oldest
//     unauthenticated one is closed to make room ("evicted_unauthenticated");
//   - limits.max_connections open and every one authenticated: 503 too_many_connections,
//     then close;
//   - with TLS, a handshake that fails or does not finish within read_timeout: closed
//     ("tls_handshake").
// A connection authenticates when the handler calls HttpResponder::MarkAuthenticated (the
// request carried a known credential); the server itself knows nothing of credentials.
//
// No exception escapes a connection: every callback of a connection (completions, posted
// work, the handler, the stream callbacks) runs through one guard that catches whatever
// is thrown, counts it ("internal_error"), answers 500 when a request is still unanswered
// and closes the connection. The request parser runs in the server's own read loop, inside
// that guard, on a buffer bounded by max_header_bytes.
//
// Handlers answer asynchronously: the HttpResponder may be kept and used later from any
// thread (e.g. once the engine has applied a batch). Exactly one of Send or StartStream
// must be called per request; dropping every copy of the responder unanswered closes the
// connection. StartStream turns the connection into a chunked streaming response (SSE).
//
// Thread-safety: HttpServer's Start/Stop/port may be called from any thread, and the
// io_context may be run by several threads: each connection lives on its own strand.
// HttpResponder and HttpStream are cheap handles, usable from any thread; their callbacks
// run on the connection's strand (HttpResponder::executor()).
#ifndef STAYAWAY_INGEST_HTTP_SERVER_H_
#define STAYAWAY_INGEST_HTTP_SERVER_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/json_quote.h"  // JsonQuote, for hand-built JSON bodies
#include "ingest/connection_admission.h"

namespace boost::asio::ssl {
class context;
}

namespace stayaway::ingest {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using HttpStreamHeader = boost::beast::http::response<boost::beast::http::empty_body>;

struct HttpServerOptions {
  // HTTPS when set (tls_context.h): a client that does not complete the TLS handshake
  // within read_timeout is closed and reported ("tls_handshake").
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Largest request body accepted (413 beyond). Default: 1 MiB.
  std::size_t max_body_bytes = 1 << 20;
  // Largest request line plus headers accepted (431 beyond). Default: 16 KiB.
  std::size_t max_header_bytes = 16 << 10;
  // Time allowed for a whole request to arrive, counted from the start of reading it (or
  // from the previous response on a keep-alive connection). Default: 30 s.
  std::chrono::milliseconds read_timeout{30'000};
  // Time allowed for one response (or one streamed chunk) to be written. Default: 30 s.
  std::chrono::milliseconds write_timeout{30'000};
  // Open and unauthenticated connections at most, and the time allowed to authenticate
  // (connection_admission.h). Defaults: 1024 open, 512 unauthenticated, 64 unauthenticated
  // per client address, 10 s.
  ConnectionLimits limits;
  // Called (on a connection's strand) with the code of every refusal the server makes on
  // its own: "payload_too_large", "header_too_large", "bad_request", "timeout",
  // "too_many_connections", "auth_timeout", "evicted_unauthenticated", "tls_handshake",
  // "internal_error". The daemon counts them in metrics.
  std::function<void(std::string_view code)> on_refused;
};

// A response carrying the JSON error {"error": {"code": ..., "message": ...}}, with the
// request's HTTP version and keep-alive.
HttpResponse MakeErrorResponse(const HttpRequest& request, boost::beast::http::status status,
                               std::string_view code, std::string_view message);
// A response with `body` and the given content type (default JSON), the request's HTTP
// version and keep-alive.
HttpResponse MakeResponse(const HttpRequest& request, boost::beast::http::status status,
                          std::string body,
                          std::string_view content_type = "application/json");
// Beast 1.74 takes boost::string_view: this adapts std::string_view.
boost::beast::string_view Beast(std::string_view text);

class HttpConnection;  // one accepted connection (http_server.cc)

// A streamed response after HttpResponder::StartStream: chunks written in order.
class HttpStream {
 public:
  HttpStream() = default;
  // Queues `data` as one chunk; `done(ok)` runs on the connection's strand once it has
  // been written (ok == false: the peer went away, the write timed out or the server
  // stopped). Writes are queued in order; a caller that wants backpressure waits for
  // `done` before writing again. Empty data is ignored (an empty chunk would end the
  // stream) and completes at once.
  void Write(std::string data, std::function<void(bool ok)> done) const;
  // Ends the stream (the terminating chunk) and closes the connection.
  void Close() const;
  boost::asio::any_io_executor executor() const;

 private:
  friend class HttpResponder;
  explicit HttpStream(std::shared_ptr<HttpConnection> connection)
      : connection_(std::move(connection)) {}
  std::shared_ptr<HttpConnection> connection_;
};

// The way back to the client for one request.
class HttpResponder {
 public:
  // Writes `response` (Content-Length and Server are filled in). The connection then reads
  // its next request, unless the request or the response asked to close.
  void Send(HttpResponse response) const;
  // Writes `header` with chunked transfer encoding and keeps the connection for chunks.
  // `on_closed` runs once on the strand when the connection ends for any reason (peer
  // gone, Close, server stopped); anything the client sends meanwhile is discarded.
  HttpStream StartStream(HttpStreamHeader header, std::function<void()> on_closed) const;
  // The connection's strand: post work here to run serialized with its callbacks.
  boost::asio::any_io_executor executor() const;
  // The client's address and port ("192.0.2.7:51234"), for logs.
  const std::string& remote() const;
  // Tells the server that this request carried a known credential: the connection is
  // authenticated from now on (no auth_timeout, never evicted for room). Any thread.
  void MarkAuthenticated() const;

 private:
  friend class HttpConnection;
  explicit HttpResponder(std::shared_ptr<HttpConnection> connection)
      : connection_(std::move(connection)) {}
  std::shared_ptr<HttpConnection> connection_;
};

class HttpServer {
 public:
  using Handler = std::function<void(HttpRequest request, HttpResponder responder)>;

  // Binds and listens on `endpoint` (port 0: any free port). Throws
  // boost::system::system_error when it cannot (a start-up error).
  HttpServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
             Handler handler, HttpServerOptions options = {});
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Starts accepting connections.
  void Start();
  // Stops accepting and closes every open connection (streams get their on_closed).
  // Idempotent. Handlers still holding a responder find their Send going nowhere.
  void Stop();
  // The bound port (the chosen one when bound to port 0).
  uint16_t port() const { return port_; }
  // Connections currently open.
  std::size_t connection_count() const;

 private:
  struct Listener;
  std::shared_ptr<Listener> listener_;
  uint16_t port_ = 0;
};

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_HTTP_SERVER_H_
