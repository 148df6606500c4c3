// Fuzzes the HTTP server with whole requests (request line, headers, chunking, trailers,
// bodies, several requests in a row), sent over a loopback socket to a real HttpServer, so
// they take the path a client's bytes take: the server's read loop and buffer bounds,
// Beast's parser under the server's limits, the handler plumbing, streaming, the error
// answers and the closing of the connection. The handler does what real handlers do,
// chosen by the request's target: answers at once or later from another thread, streams,
// drops its responder unanswered, marks the connection authenticated, or throws.
//
// A finding is: the process dying (an exception escaping a connection ends it, as does a
// sanitizer report), or the server reporting an internal error that no handler threw.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ingest/http_server.h"

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using stayaway::ingest::HttpRequest;
using stayaway::ingest::HttpResponder;

// The server under test, started once and kept for the whole run (never destroyed: its
// threads run until the process exits).
struct Fixture {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::optional<stayaway::ingest::HttpServer> server;
  std::vector<std::thread> threads;
  std::atomic<int> handler_throws{0};
  std::atomic<int> internal_errors{0};

  Fixture() {
    stayaway::ingest::HttpServerOptions options;
    // Small limits, so that inputs of a few kilobytes reach every refusal.
    options.max_body_bytes = 4096;
    options.max_header_bytes = 2048;
    options.read_timeout = std::chrono::seconds(2);
    options.write_timeout = std::chrono::seconds(2);
    options.limits.max_connections = 64;
    options.limits.max_unauthenticated = 16;
    options.limits.max_unauthenticated_per_address = 8;
    options.limits.auth_timeout = std::chrono::seconds(2);
    options.on_refused = [this](std::string_view code) {
      if (code == "internal_error") internal_errors.fetch_add(1);
    };
    server.emplace(
        io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
        [this](HttpRequest request, HttpResponder responder) {
          Handle(std::move(request), std::move(responder));
        },
        options);
    server->Start();
    // Two threads, as in the daemon: each connection's work must stay on its strand.
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }

  void Handle(HttpRequest request, HttpResponder responder) {
    const std::string target(request.target().data(), request.target().size());
    const auto has = [&](std::string_view word) { return target.find(word) != std::string::npos; };
    if (has("auth")) responder.MarkAuthenticated();
    if (has("throw")) {
      handler_throws.fetch_add(1);
      throw std::runtime_error("the fuzzer's handler throws");
    }
    if (has("drop")) return;  // unanswered: the connection closes
    if (has("stream")) {
      stayaway::ingest::HttpStreamHeader header(http::status::ok, request.version());
      header.set(http::field::content_type, "text/event-stream");
      auto stream = responder.StartStream(std::move(header), [] {});
      stream.Write(request.body().empty() ? std::string("data: -\n\n") : request.body(),
                   [stream](bool) { stream.Close(); });
      return;
    }
    std::string body = std::string(request.method_string().data(), request.method_string().size()) +
                       " " + target + " " + std::to_string(request.body().size()) + "\n";
    auto response =
        stayaway::ingest::MakeResponse(request, http::status::ok, std::move(body), "text/plain");
    if (has("later")) {  // answered from another thread, as the engine's callbacks do
      std::thread([responder, r = std::move(response)]() mutable {
        responder.Send(std::move(r));
      }).detach();
      return;
    }
    responder.Send(std::move(response));
  }
};

Fixture& TheFixture() {
  static Fixture* const fixture = new Fixture;
  return *fixture;
}

// Sends `bytes` on a new connection, half-closes, and reads until the server closes.
void Exchange(uint16_t port, std::string_view bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  timeval timeout{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;  // the server refused and closed early: fine
      sent += static_cast<size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buffer[16384];
    while (::recv(fd, buffer, sizeof buffer, 0) > 0) {
    }
  }
  // Reset rather than linger in TIME_WAIT: a long run would run out of local ports.
  linger no_linger{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& fixture = TheFixture();
  Exchange(fixture.server->port(), std::string_view(reinterpret_cast<const char*>(data), size));
  // Every internal error the server reported must be one a handler threw on purpose.
  if (fixture.internal_errors.load() > fixture.handler_throws.load()) std::abort();
  return 0;
}
