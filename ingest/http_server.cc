#include "ingest/http_server.h"

#include <boost/asio/ssl/context.hpp>

#include <array>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdio>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "ingest/tls_stream.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {
constexpr std::string_view kServerName = "stayawayd";
// How long a connection being closed keeps reading what the client still sends.
constexpr std::chrono::seconds kLingerTime{2};
}  // namespace

beast::string_view Beast(std::string_view text) { return {text.data(), text.size()}; }


HttpResponse MakeResponse(const HttpRequest& request, http::status status, std::string body,
                          std::string_view content_type) {
  HttpResponse response(status, request.version());
  response.set(http::field::content_type, Beast(content_type));
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  return response;
}

HttpResponse MakeErrorResponse(const HttpRequest& request, http::status status,
                               std::string_view code, std::string_view message) {
  return MakeResponse(request, status,
                      "{\"error\":{\"code\":" + JsonQuote(code) +
                          ",\"message\":" + JsonQuote(message) + "}}\n");
}

// What the listener and its connections share; connections keep it alive.
struct ServerShared {
  HttpServer::Handler handler;
  HttpServerOptions options;
  std::atomic<std::size_t> open_connections{0};
  std::mutex mu;
  uint64_t next_id = 1;                                      // guarded by mu
  std::map<uint64_t, std::weak_ptr<HttpConnection>> live;  // guarded by mu; for Stop
  bool stopped = false;                                      // guarded by mu

  void Refused(std::string_view code) const {
    if (options.on_refused) options.on_refused(code);
  }
};

// One connection. Every member is touched only on the connection's strand (the executor of
// stream_), except the constructor and destructor.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(tcp::socket socket, std::shared_ptr<ServerShared> shared, uint64_t id,
                 bool over_limit)
      : remote_(RemoteAddress(socket)),
        stream_(beast::tcp_stream(std::move(socket)), shared->options.tls.get()),
        shared_(std::move(shared)), id_(id),
        over_limit_(over_limit) {}

  static std::string RemoteAddress(const tcp::socket& socket) {
    boost::system::error_code ec;
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    return ec ? std::string("unknown") : peer.address().to_string() + ":" + std::to_string(peer.port());
  }
  const std::string& remote() const { return remote_; }

  ~HttpConnection() {
    shared_->open_connections.fetch_sub(1);
    std::lock_guard lock(shared_->mu);
    shared_->live.erase(id_);
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

  void Start() {
    asio::dispatch(executor(), [self = shared_from_this()] { self->Handshake(); });
  }

  // Any thread.
  void Shutdown() {
    asio::post(executor(), [self = shared_from_this()] { self->Close(); });
  }

  // Any thread: the handler's answer.
  void Send(HttpResponse response) {
    asio::post(executor(), [self = shared_from_this(), r = std::move(response)]() mutable {
      self->WriteResponse(std::move(r));
    });
  }

  void StartStream(HttpStreamHeader header, std::function<void()> on_closed) {
    asio::post(executor(), [self = shared_from_this(), h = std::move(header),
                            c = std::move(on_closed)]() mutable {
      self->BeginStream(std::move(h), std::move(c));
    });
  }

  void StreamWrite(std::string data, std::function<void(bool)> done) {
    asio::post(executor(), [self = shared_from_this(), d = std::move(data),
                            f = std::move(done)]() mutable {
      if (self->phase_ != Phase::kStreaming) {
        if (f) f(false);
        return;
      }
      if (d.empty()) {
        if (f) f(true);
        return;
      }
      self->chunks_.push_back({std::move(d), std::move(f)});
      self->WriteNextChunk();
    });
  }

  void StreamClose() {
    asio::post(executor(), [self = shared_from_this()] {
      if (self->phase_ != Phase::kStreaming) return;
      self->closing_stream_ = true;
      self->WriteNextChunk();
    });
  }

 private:
  enum class Phase { kReading, kHandling, kWriting, kStreaming, kClosed };
  struct Chunk {
    std::string data;
    std::function<void(bool)> done;
  };

  void Handshake() {
    if (!stream_.is_tls()) {
      ReadRequest();
      return;
    }
    stream_.next_layer().expires_after(shared_->options.read_timeout);
    stream_.async_handshake([self = shared_from_this()](error_code ec) {
      if (ec) {
        self->shared_->Refused("tls_handshake");
        self->Close();
        return;
      }
      self->ReadRequest();
    });
  }

  void ReadRequest() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kReading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
    parser_->body_limit(shared_->options.max_body_bytes);
    // One deadline for the whole request: a client trickling bytes cannot keep it open.
    stream_.next_layer().expires_after(shared_->options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       self->OnRequest(ec);
                     });
  }

  void OnRequest(error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (ec) {
      OnReadError(ec);
      return;
    }
    HttpRequest request = parser_->release();
    parser_.reset();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    stream_.next_layer().expires_never();  // the handler may take its time (engine backpressure)
    phase_ = Phase::kHandling;
    if (over_limit_) {
      shared_->Refused("too_many_connections");
      Refuse(http::status::service_unavailable, "too_many_connections",
             "the server has too many open connections; retry later");
      return;
    }
    try {
      shared_->handler(std::move(request), HttpResponder(shared_from_this()));
    } catch (const std::exception& e) {
      // A handler bug must not take the process down; the client learns it failed.
      if (phase_ == Phase::kHandling) {
        Refuse(http::status::internal_server_error, "internal",
               std::string("request handler failed: ") + e.what());
      }
    }
  }

  void OnReadError(error_code ec) {
    const bool got_bytes = (parser_ && parser_->got_some()) || buffer_.size() > 0;
    if (ec == beast::error::timeout) {
      // Idle keep-alive connections time out quietly; a half-sent request is refused.
      if (got_bytes) shared_->Refused("timeout");
      Close();
    } else if (ec == http::error::body_limit) {
      shared_->Refused("payload_too_large");
      Refuse(http::status::payload_too_large, "payload_too_large",
             "request body is larger than the limit of " +
                 std::to_string(shared_->options.max_body_bytes) + " bytes");
    } else if (ec == http::error::header_limit) {
      shared_->Refused("header_too_large");
      Refuse(http::status::request_header_fields_too_large, "header_too_large",
             "request headers are larger than the limit of " +
                 std::to_string(shared_->options.max_header_bytes) + " bytes");
    } else if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
               ec.category() != http::make_error_code(http::error::bad_target).category()) {
      Close();  // the peer went away (between or during requests) or a socket error
    } else {
      shared_->Refused("bad_request");
      Refuse(http::status::bad_request, "bad_request",
             "malformed HTTP request: " + ec.message());
    }
  }

  // An error answer from the server itself, after which the connection closes.
  void Refuse(http::status status, std::string_view code, std::string_view message) {
    HttpRequest pseudo;  // the request may not have parsed: answer as HTTP/1.1
    pseudo.version(version_ == 0 ? 11 : version_);
    HttpResponse response = MakeErrorResponse(pseudo, status, code, message);
    response.keep_alive(false);
    keep_alive_ = false;
    phase_ = Phase::kHandling;
    WriteResponse(std::move(response));
  }

  void WriteResponse(HttpResponse response) {
    if (phase_ != Phase::kHandling) return;  // answered twice, or the connection is gone
    phase_ = Phase::kWriting;
    const bool wants_keep_alive = response.keep_alive();
    response.version(version_);
    keep_alive_ = keep_alive_ && wants_keep_alive;
    response.keep_alive(keep_alive_);
    response.set(http::field::server, Beast(kServerName));
    response.prepare_payload();
    response_ = std::make_unique<HttpResponse>(std::move(response));
    stream_.next_layer().expires_after(shared_->options.write_timeout);
    http::async_write(stream_, *response_,
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        self->response_.reset();
                        if (ec) {
                          self->Close();
                        } else if (!self->keep_alive_) {
                          self->LingeringClose();
                        } else {
                          self->ReadRequest();
                        }
                      });
  }

  // Closing a socket with unread input makes the kernel send a reset, which can destroy
  // the response just written (a 413 before the body was read). So: send FIN, then read
  // and discard what the client still sends, for a short while, before closing.
  void LingeringClose() {
    error_code ignored;
    stream_.next_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.next_layer().expires_after(kLingerTime);
    DrainUntilClosed();
  }

  void DrainUntilClosed() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](error_code ec, std::size_t) {
                              if (ec || self->phase_ == Phase::kClosed) {
                                self->Close();
                                return;
                              }
                              self->DrainUntilClosed();
                            });
  }

  void BeginStream(HttpStreamHeader header, std::function<void()> on_closed) {
    if (phase_ != Phase::kHandling) {
      if (on_closed) on_closed();
      return;
    }
    phase_ = Phase::kStreaming;
    on_closed_ = std::move(on_closed);
    header.version(version_);
    header.set(http::field::server, Beast(kServerName));
    header.chunked(true);
    // Nothing else is read on this connection, so it closes with the stream.
    header.keep_alive(false);
    keep_alive_ = false;
    stream_header_ = std::make_unique<HttpStreamHeader>(std::move(header));
    stream_serializer_ =
        std::make_unique<http::response_serializer<http::empty_body>>(*stream_header_);
    writing_ = true;
    stream_.next_layer().expires_after(shared_->options.write_timeout);
    http::async_write_header(stream_, *stream_serializer_,
                             [self = shared_from_this()](error_code ec, std::size_t) {
                               self->writing_ = false;
                               if (ec) {
                                 self->Close();
                                 return;
                               }
                               // The read side only watches for the peer leaving, so it
                               // has no deadline; each write gets its own below.
                               self->stream_.next_layer().expires_never();
                               self->WatchForHangUp();
                               self->WriteNextChunk();
                             });
  }

  void WatchForHangUp() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](error_code ec, std::size_t) {
                              if (self->phase_ == Phase::kClosed) return;
                              if (ec) {
                                self->Close();
                                return;
                              }
                              self->WatchForHangUp();
                            });
  }

  void WriteNextChunk() {
    if (writing_ || phase_ != Phase::kStreaming) return;
    if (chunks_.empty()) {
      if (closing_stream_) {
        writing_ = true;
        stream_.next_layer().expires_after(shared_->options.write_timeout);
        asio::async_write(stream_, http::make_chunk_last(),
                          [self = shared_from_this()](error_code, std::size_t) {
                            self->writing_ = false;
                            self->Close();
                          });
      }
      return;
    }
    writing_ = true;
    stream_.next_layer().expires_after(shared_->options.write_timeout);
    asio::async_write(stream_, http::make_chunk(asio::buffer(chunks_.front().data)),
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        self->writing_ = false;
                        // Closed meanwhile (the server stopping, say): Close() took every
                        // queued chunk, this one included, and told its writer.
                        if (self->phase_ == Phase::kClosed) return;
                        Chunk done = std::move(self->chunks_.front());
                        self->chunks_.pop_front();
                        if (ec) {
                          if (done.done) done.done(false);
                          self->Close();
                          return;
                        }
                        if (done.done) done.done(true);
                        self->WriteNextChunk();
                      });
  }

  void Close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    error_code ignored;
    stream_.next_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.next_layer().close();
    // Queued chunks will never be written; their writers learn it now.
    std::deque<Chunk> pending = std::move(chunks_);
    chunks_.clear();
    for (Chunk& chunk : pending) {
      if (chunk.done) chunk.done(false);
    }
    if (on_closed_) {
      auto on_closed = std::move(on_closed_);
      on_closed_ = nullptr;  // breaks the cycle with whoever holds the stream
      on_closed();
    }
  }

  const std::string remote_;  // the client's address, for logs
  MaybeTlsStream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<ServerShared> shared_;
  const uint64_t id_;
  const bool over_limit_;
  Phase phase_ = Phase::kReading;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::unique_ptr<HttpResponse> response_;
  // Streaming.
  std::unique_ptr<HttpStreamHeader> stream_header_;
  std::unique_ptr<http::response_serializer<http::empty_body>> stream_serializer_;
  std::deque<Chunk> chunks_;
  bool writing_ = false;
  bool closing_stream_ = false;
  std::function<void()> on_closed_;
  std::array<char, 512> discard_{};
};

void HttpStream::Write(std::string data, std::function<void(bool ok)> done) const {
  if (connection_) {
    connection_->StreamWrite(std::move(data), std::move(done));
  } else if (done) {
    done(false);
  }
}

void HttpStream::Close() const {
  if (connection_) connection_->StreamClose();
}

asio::any_io_executor HttpStream::executor() const { return connection_->executor(); }

void HttpResponder::Send(HttpResponse response) const { connection_->Send(std::move(response)); }

HttpStream HttpResponder::StartStream(HttpStreamHeader header,
                                      std::function<void()> on_closed) const {
  connection_->StartStream(std::move(header), std::move(on_closed));
  return HttpStream(connection_);
}

asio::any_io_executor HttpResponder::executor() const { return connection_->executor(); }

const std::string& HttpResponder::remote() const { return connection_->remote(); }

// The acceptor; shared with its pending accept so that destroying the server while the
// io_context still runs is safe.
struct HttpServer::Listener : std::enable_shared_from_this<Listener> {
  Listener(asio::io_context& io_context, std::shared_ptr<ServerShared> s)
      : io(io_context), strand(asio::make_strand(io_context)), acceptor(strand),
        shared(std::move(s)) {}

  void Accept() {
    acceptor.async_accept(asio::make_strand(io),
                          [self = shared_from_this()](error_code ec, tcp::socket socket) {
                            self->OnAccept(ec, std::move(socket));
                          });
  }

  void OnAccept(error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;  // stopped
    if (!ec) {
      std::shared_ptr<HttpConnection> connection;
      {
        std::lock_guard lock(shared->mu);
        if (shared->stopped) return;  // accepted just before Stop closed the acceptor
        const std::size_t open = shared->open_connections.fetch_add(1);
        const uint64_t id = shared->next_id++;
        connection = std::make_shared<HttpConnection>(std::move(socket), shared, id,
                                                      open >= shared->options.max_connections);
        shared->live.emplace(id, connection);
      }
      connection->Start();
    }
    // Accept errors (out of file descriptors, ...) are transient: keep accepting.
    Accept();
  }

  asio::io_context& io;
  asio::strand<asio::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  std::shared_ptr<ServerShared> shared;
};

HttpServer::HttpServer(asio::io_context& io, const tcp::endpoint& endpoint, Handler handler,
                       HttpServerOptions options) {
  auto shared = std::make_shared<ServerShared>();
  shared->handler = std::move(handler);
  shared->options = std::move(options);
  listener_ = std::make_shared<Listener>(io, std::move(shared));
  tcp::acceptor& acceptor = listener_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor.local_endpoint().port();
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Start() {
  asio::dispatch(listener_->strand, [listener = listener_] {
    if (listener->acceptor.is_open()) listener->Accept();
  });
}

void HttpServer::Stop() {
  ServerShared& shared = *listener_->shared;
  std::vector<std::shared_ptr<HttpConnection>> open;
  {
    std::lock_guard lock(shared.mu);
    if (shared.stopped) return;
    shared.stopped = true;
    for (auto& [id, weak] : shared.live) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
  }
  asio::post(listener_->strand, [listener = listener_] {
    error_code ignored;
    listener->acceptor.close(ignored);
  });
  for (auto& connection : open) connection->Shutdown();
}

std::size_t HttpServer::connection_count() const {
  return listener_->shared->open_connections.load();
}

}  // namespace stayaway::ingest
