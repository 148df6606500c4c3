#include "ingest/http_server.h"

#include <array>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
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
#include <stdexcept>
#include <utility>
#include <vector>

#include "ingest/connection_guard.h"
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
// Accept failures (out of file descriptors, say) are retried after this, not in a spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};
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
  explicit ServerShared(HttpServerOptions opts)
      : options(std::move(opts)), admission(options.limits) {}

  HttpServer::Handler handler;
  const HttpServerOptions options;
  ConnectionAdmission admission;
  std::atomic<std::size_t> open_connections{0};
  std::mutex mu;
  uint64_t next_id = 1;                                      // guarded by mu
  std::map<uint64_t, std::weak_ptr<HttpConnection>> live;  // guarded by mu; for Stop
  bool stopped = false;                                      // guarded by mu

  void Refused(std::string_view code) const {
    if (!options.on_refused) return;
    try {
      options.on_refused(code);
    } catch (...) {
      // A counter that fails must not take a connection, or the process, with it.
    }
  }

  // Closes the connections that lost their place (connection_admission.h).
  void Evict(const std::vector<uint64_t>& ids);
};

// One connection. Every member is touched only on the connection's strand (the executor of
// stream_), except the constructor, the destructor and MarkAuthenticated.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
  // Every callback of this connection is wrapped here (ingest/connection_guard.h): the
  // wrapper keeps the connection alive until it has run, and nothing it throws gets past it
  // (OnException). This is the one place that stands between a connection's code and the
  // io_context's threads.
  template <class F>
  auto Guarded(F f) {
    return GuardCallback(shared_from_this(), &HttpConnection::OnException, std::move(f));
  }

 public:
  HttpConnection(tcp::socket socket, std::shared_ptr<ServerShared> shared, uint64_t id,
                 bool admitted)
      : remote_(RemoteAddress(socket)),
        stream_(beast::tcp_stream(std::move(socket)), shared->options.tls.get()),
        auth_timer_(stream_.get_executor()),
        shared_(std::move(shared)),
        id_(id),
        admitted_(admitted),
        buffer_(shared_->options.max_header_bytes + kBufferSlack) {}

  static std::string RemoteAddress(const tcp::socket& socket) {
    boost::system::error_code ec;
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    return ec ? std::string("unknown") : peer.address().to_string() + ":" + std::to_string(peer.port());
  }
  const std::string& remote() const { return remote_; }

  ~HttpConnection() {
    shared_->admission.Remove(id_);
    shared_->open_connections.fetch_sub(1);
    std::lock_guard lock(shared_->mu);
    shared_->live.erase(id_);
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

  void Start() {
    asio::dispatch(executor(), Guarded([this] {
                     ArmAuthDeadline();
                     Handshake();
                   }));
  }

  // Any thread.
  void Shutdown() {
    asio::post(executor(), Guarded([this] { Close(); }));
  }

  // Any thread: this connection lost its place to a newer one (connection_admission.h).
  void Evict() {
    asio::post(executor(), Guarded([this] {
                 if (phase_ == Phase::kClosed) return;
                 shared_->Refused("evicted_unauthenticated");
                 Close();
               }));
  }

  // Any thread.
  void MarkAuthenticated() {
    if (authenticated_.load()) return;
    // An evicted connection stays unauthenticated: its close is already on the way.
    if (admitted_ && shared_->admission.MarkAuthenticated(id_)) authenticated_.store(true);
  }

  // Any thread: the handler's answer.
  void Send(HttpResponse response) {
    asio::post(executor(),
               Guarded([this, r = std::move(response)]() mutable { WriteResponse(std::move(r)); }));
  }

  void StartStream(HttpStreamHeader header, std::function<void()> on_closed) {
    asio::post(executor(),
               Guarded([this, h = std::move(header), c = std::move(on_closed)]() mutable {
                 BeginStream(std::move(h), std::move(c));
               }));
  }

  void StreamWrite(std::string data, std::function<void(bool)> done) {
    asio::post(executor(), Guarded([this, d = std::move(data), f = std::move(done)]() mutable {
                 if (phase_ != Phase::kStreaming) {
                   if (f) f(false);
                   return;
                 }
                 if (d.empty()) {
                   if (f) f(true);
                   return;
                 }
                 chunks_.push_back({std::move(d), std::move(f)});
                 WriteNextChunk();
               }));
  }

  void StreamClose() {
    asio::post(executor(), Guarded([this] {
                 if (phase_ != Phase::kStreaming) return;
                 closing_stream_ = true;
                 WriteNextChunk();
               }));
  }

 private:
  enum class Phase { kReading, kHandling, kWriting, kStreaming, kClosed };
  struct Chunk {
    std::string data;
    std::function<void(bool)> done;
  };
  // Room in the read buffer beyond max_header_bytes, so that a header at the limit is
  // refused by the parser's own header limit, with the bytes that follow it buffered.
  static constexpr std::size_t kBufferSlack = 4096;
  // Bytes asked of the socket at a time (at most the room left in the buffer).
  static constexpr std::size_t kReadBytes = 64 * 1024;

  // Something this connection ran threw: counted, the request (if still unanswered) gets
  // 500, and the connection closes. Never throws.
  void OnException() noexcept {
    shared_->Refused("internal_error");
    try {
      if (phase_ == Phase::kHandling) {
        // What was thrown stays here: its text may say more than a client should know.
        Refuse(http::status::internal_server_error, "internal",
               "the server failed to handle the request");
      } else {
        Close();
      }
    } catch (...) {
      CloseSocket();
    }
  }

  void ArmAuthDeadline() {
    if (!admitted_) return;  // over the limit: its read_timeout bounds it
    auth_timer_.expires_after(shared_->options.limits.auth_timeout);
    auth_timer_.async_wait(Guarded([this](error_code ec) {
      if (ec || phase_ == Phase::kClosed || authenticated_.load()) return;
      shared_->Refused("auth_timeout");
      if (phase_ == Phase::kReading) {
        Close();  // idle, or still sending a request
      } else {
        keep_alive_ = false;  // the request being answered is answered, then the close
      }
    }));
  }

  void Handshake() {
    if (!stream_.is_tls()) {
      ReadRequest();
      return;
    }
    stream_.next_layer().expires_after(shared_->options.read_timeout);
    stream_.async_handshake(Guarded([this](error_code ec) {
      if (phase_ == Phase::kClosed) return;
      if (ec) {
        shared_->Refused("tls_handshake");
        Close();
        return;
      }
      ReadRequest();
    }));
  }

  void ReadRequest() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kReading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
    parser_->body_limit(shared_->options.max_body_bytes);
    parser_->eager(true);  // the body too, as it arrives, so the buffer holds no body
    // One deadline for the whole request: a client trickling bytes cannot keep it open.
    stream_.next_layer().expires_after(shared_->options.read_timeout);
    ParseBuffered();
  }

  // Feeds what is buffered to the parser; reads more while the request is incomplete.
  // Bytes accumulate in the buffer only while the parser waits for the end of the header,
  // of a chunk-size line or of the trailers: the buffer's bound is their limit.
  void ParseBuffered() {
    while (buffer_.size() > 0) {
      error_code ec;
      std::size_t used = 0;
      try {
        used = parser_->put(buffer_.data(), ec);
      } catch (const std::length_error&) {
        // Beast stores no field longer than 64 KiB; whatever says so, it is too large.
        RefuseHeaderTooLarge();
        return;
      }
      buffer_.consume(used);
      if (ec == http::error::need_more) break;
      if (ec) {
        OnReadError(ec);
        return;
      }
      if (parser_->is_done()) {
        OnRequest();
        return;
      }
      if (used == 0) break;
    }
    ReadMore();
  }

  void ReadMore() {
    const std::size_t room = buffer_.max_size() - buffer_.size();
    if (room == 0) {  // a header, chunk-size line or trailer that does not fit
      RefuseHeaderTooLarge();
      return;
    }
    stream_.async_read_some(buffer_.prepare(std::min(room, kReadBytes)),
                            Guarded([this](error_code ec, std::size_t bytes) {
                              if (phase_ == Phase::kClosed) return;
                              buffer_.commit(bytes);
                              OnRead(ec);
                            }));
  }

  void OnRead(error_code ec) {
    if (ec == asio::error::eof) {
      // As Beast's own read does: the end of the stream may complete a request.
      if (parser_->got_some()) {
        error_code eof_ec;
        parser_->put_eof(eof_ec);
        if (!eof_ec && parser_->is_done()) {
          OnRequest();
          return;
        }
        OnReadError(eof_ec ? eof_ec : http::error::partial_message);
      } else {
        OnReadError(http::error::end_of_stream);
      }
      return;
    }
    if (ec) {
      OnReadError(ec);
      return;
    }
    ParseBuffered();
  }

  void OnRequest() {
    HttpRequest request = parser_->release();
    parser_.reset();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    head_request_ = request.method() == http::verb::head;
    stream_.next_layer().expires_never();  // the handler may take its time (engine backpressure)
    phase_ = Phase::kHandling;
    if (!admitted_) {
      shared_->Refused("too_many_connections");
      Refuse(http::status::service_unavailable, "too_many_connections",
             "the server has too many open connections; retry later");
      return;
    }
    // What the handler throws is the guard's: 500, counted, closed.
    shared_->handler(std::move(request), HttpResponder(shared_from_this()));
  }

  void RefuseHeaderTooLarge() {
    shared_->Refused("header_too_large");
    Refuse(http::status::request_header_fields_too_large, "header_too_large",
           "request headers, a chunk-size line or chunked trailers are larger than the "
           "limit of " +
               std::to_string(shared_->options.max_header_bytes) + " bytes");
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
      RefuseHeaderTooLarge();
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
    // A HEAD answer: the GET's headers (Content-Length included), never a body (RFC 9110).
    if (head_request_) response.body().clear();
    head_request_ = false;
    response_ = std::make_unique<HttpResponse>(std::move(response));
    stream_.next_layer().expires_after(shared_->options.write_timeout);
    http::async_write(stream_, *response_, Guarded([this](error_code ec, std::size_t) {
                        response_.reset();
                        if (phase_ == Phase::kClosed) return;
                        if (ec) {
                          Close();
                        } else if (!keep_alive_) {
                          LingeringClose();
                        } else {
                          ReadRequest();
                        }
                      }));
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
    stream_.async_read_some(asio::buffer(discard_), Guarded([this](error_code ec, std::size_t) {
                              if (ec || phase_ == Phase::kClosed) {
                                Close();
                                return;
                              }
                              DrainUntilClosed();
                            }));
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
                             Guarded([this](error_code ec, std::size_t) {
                               writing_ = false;
                               if (phase_ == Phase::kClosed) return;
                               if (ec) {
                                 Close();
                                 return;
                               }
                               // The read side only watches for the peer leaving, so it
                               // has no deadline; each write gets its own below.
                               stream_.next_layer().expires_never();
                               WatchForHangUp();
                               WriteNextChunk();
                             }));
  }

  void WatchForHangUp() {
    stream_.async_read_some(asio::buffer(discard_), Guarded([this](error_code ec, std::size_t) {
                              if (phase_ == Phase::kClosed) return;
                              if (ec) {
                                Close();
                                return;
                              }
                              WatchForHangUp();
                            }));
  }

  void WriteNextChunk() {
    if (writing_ || phase_ != Phase::kStreaming) return;
    if (chunks_.empty()) {
      if (closing_stream_) {
        writing_ = true;
        stream_.next_layer().expires_after(shared_->options.write_timeout);
        asio::async_write(stream_, http::make_chunk_last(),
                          Guarded([this](error_code, std::size_t) {
                            writing_ = false;
                            Close();
                          }));
      }
      return;
    }
    writing_ = true;
    stream_.next_layer().expires_after(shared_->options.write_timeout);
    asio::async_write(stream_, http::make_chunk(asio::buffer(chunks_.front().data)),
                      Guarded([this](error_code ec, std::size_t) {
                        writing_ = false;
                        // Closed meanwhile (the server stopping, say): Close() took every
                        // queued chunk, this one included, and told its writer.
                        if (phase_ == Phase::kClosed) return;
                        Chunk done = std::move(chunks_.front());
                        chunks_.pop_front();
                        if (ec) {
                          if (done.done) done.done(false);
                          Close();
                          return;
                        }
                        if (done.done) done.done(true);
                        WriteNextChunk();
                      }));
  }

  // Ends the connection and tells whoever waits on it. Never throws: what the callbacks
  // throw is counted and swallowed, since the connection is going anyway.
  void Close() noexcept {
    if (phase_ == Phase::kClosed) return;
    CloseSocket();
    // Queued chunks will never be written; their writers learn it now.
    std::deque<Chunk> pending = std::move(chunks_);
    chunks_.clear();
    for (Chunk& chunk : pending) {
      if (chunk.done) RunQuietly([&] { chunk.done(false); });
    }
    if (on_closed_) {
      auto on_closed = std::move(on_closed_);
      on_closed_ = nullptr;  // breaks the cycle with whoever holds the stream
      RunQuietly(on_closed);
    }
  }

  template <class F>
  void RunQuietly(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      shared_->Refused("internal_error");
    }
  }

  void CloseSocket() noexcept {
    phase_ = Phase::kClosed;
    shared_->admission.Remove(id_);
    error_code ignored;
    stream_.next_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.next_layer().close();  // the socket and the stream's timers
    try {
      auth_timer_.cancel();
    } catch (...) {  // cannot fail in practice; its wait is guarded and sees kClosed anyway
    }
  }

  const std::string remote_;  // the client's address, for logs
  MaybeTlsStream<beast::tcp_stream> stream_;
  asio::steady_timer auth_timer_;  // the auth deadline
  std::shared_ptr<ServerShared> shared_;
  const uint64_t id_;
  // False: over the connection limit, answered 503 (not in the admission's books).
  const bool admitted_;
  std::atomic<bool> authenticated_{false};
  beast::flat_buffer buffer_;  // bounded: max_header_bytes + kBufferSlack
  Phase phase_ = Phase::kReading;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  bool head_request_ = false;  // the request being answered is a HEAD
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

void ServerShared::Evict(const std::vector<uint64_t>& ids) {
  for (uint64_t id : ids) {
    std::shared_ptr<HttpConnection> connection;
    {
      std::lock_guard lock(mu);
      if (const auto it = live.find(id); it != live.end()) connection = it->second.lock();
    }
    if (connection) connection->Evict();
  }
}

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

void HttpResponder::MarkAuthenticated() const { connection_->MarkAuthenticated(); }

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
    try {
      if (!ec) {
        Admit(std::move(socket));
      } else if (ec == asio::error::no_descriptors) {
        // Out of file descriptors: the oldest unauthenticated connection gives its up.
        if (const auto oldest = shared->admission.EvictOldestUnauthenticated()) {
          shared->Evict({*oldest});
        }
      }
    } catch (...) {
      // Out of memory, say: this connection is lost (its socket closes with it), the
      // server is not.
      shared->Refused("internal_error");
    }
    if (!ec) {
      Accept();
      return;
    }
    // Accept errors (out of file descriptors, ...) are transient: keep accepting, after a
    // pause rather than in a spin.
    auto timer = std::make_shared<asio::steady_timer>(strand, kAcceptRetryDelay);
    timer->async_wait([self = shared_from_this(), timer](error_code) {
      if (self->acceptor.is_open()) self->Accept();
    });
  }

  void Admit(tcp::socket socket) {
    error_code ignored;
    const tcp::endpoint peer = socket.remote_endpoint(ignored);
    std::shared_ptr<HttpConnection> connection;
    ConnectionAdmission::Decision decision;
    {
      std::lock_guard lock(shared->mu);
      if (shared->stopped) return;  // accepted just before Stop closed the acceptor
      const uint64_t id = shared->next_id++;
      decision = shared->admission.Admit(id, peer.address().to_string());
      shared->open_connections.fetch_add(1);
      connection =
          std::make_shared<HttpConnection>(std::move(socket), shared, id, decision.admitted);
      shared->live.emplace(id, connection);
    }
    shared->Evict(decision.evicted);
    connection->Start();
  }

  asio::io_context& io;
  asio::strand<asio::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  std::shared_ptr<ServerShared> shared;
};

HttpServer::HttpServer(asio::io_context& io, const tcp::endpoint& endpoint, Handler handler,
                       HttpServerOptions options) {
  auto shared = std::make_shared<ServerShared>(std::move(options));
  shared->handler = std::move(handler);
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
