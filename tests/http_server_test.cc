// HttpServer on its own, in-process, with handlers that misbehave: nothing a connection's
// code throws may escape into the io_context (here that would end the test program, as it
// would end the daemon), oversized chunked trailers are refused with 431, and the server
// keeps serving afterwards.
#include "ingest/http_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace stayaway::ingest {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

// Sends `request` on a new connection and reads until the server closes it (or 5 s). Raw
// bytes on purpose: the requests below are malformed (oversized chunked trailers) and the
// answers are checked as the bytes the server wrote.
std::string Exchange(uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    size_t sent = 0;
    while (sent < request.size()) {
      const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buffer[65536];
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      response.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return response;
}

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.on_refused = [this](std::string_view code) {
      std::lock_guard lock(mu_);
      ++refusals_[std::string(code)];
    };
    server_.emplace(
        io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
        [](HttpRequest request, HttpResponder responder) {
          Handle(std::move(request), std::move(responder));
        },
        options);
    server_->Start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  void TearDown() override {
    server_->Stop();
    work_.reset();
    for (int i = 0; i < 500 && server_->connection_count() > 0; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    io_.stop();
    for (std::thread& thread : threads_) thread.join();
  }

  // Misbehaves as the target says.
  static void Handle(HttpRequest request, HttpResponder responder) {
    const std::string target(request.target().data(), request.target().size());
    if (target == "/throw") throw std::runtime_error("a handler bug");
    if (target == "/throw-int") throw 42;  // not even a std::exception
    if (target == "/stream-callbacks-throw") {
      HttpStreamHeader header(http::status::ok, request.version());
      auto stream =
          responder.StartStream(std::move(header), [] { throw std::runtime_error("on_closed"); });
      stream.Write("data: 1\n\n", [stream](bool) {
        stream.Close();
        throw std::runtime_error("done callback");
      });
      return;
    }
    responder.Send(MakeResponse(request, http::status::ok, "fine\n", "text/plain"));
  }

  int Refusals(const std::string& code) {
    for (int i = 0; i < 200; ++i) {  // counted on the connection's strand, maybe just after
      {
        std::lock_guard lock(mu_);
        if (refusals_[code] > 0) return refusals_[code];
      }
      std::this_thread::sleep_for(5ms);
    }
    return 0;
  }

  uint16_t port() const { return server_->port(); }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::optional<HttpServer> server_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::map<std::string, int> refusals_;
};

TEST_F(HttpServerTest, AHandlerThatThrowsGets500AndTheServerCarriesOn) {
  for (const std::string target : {"/throw", "/throw-int"}) {
    const std::string response = Exchange(port(), Get(target));
    EXPECT_EQ(response.substr(0, 12), "HTTP/1.1 500") << response;
    EXPECT_NE(response.find("\"internal\""), std::string::npos) << response;
    EXPECT_EQ(response.find("a handler bug"), std::string::npos) << "no internals to clients";
  }
  EXPECT_EQ(Refusals("internal_error"), 2);
  EXPECT_EQ(Exchange(port(), Get("/")).substr(0, 12), "HTTP/1.1 200");
}

TEST_F(HttpServerTest, StreamCallbacksThatThrowEndOnlyTheirConnection) {
  const std::string response = Exchange(port(), Get("/stream-callbacks-throw"));
  EXPECT_EQ(response.substr(0, 12), "HTTP/1.1 200") << response;
  EXPECT_GE(Refusals("internal_error"), 1);
  EXPECT_EQ(Exchange(port(), Get("/")).substr(0, 12), "HTTP/1.1 200");
}

TEST_F(HttpServerTest, ChunkedTrailersBeyondTheHeaderLimitGet431) {
  const std::string chunked =
      "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n";
  // 65,536 bytes in one trailer line made Beast throw out of the parser.
  const std::string response =
      Exchange(port(), chunked + "X: " + std::string(65536, 'a') + "\r\n\r\n");
  EXPECT_EQ(response.substr(0, 12), "HTTP/1.1 431") << response;
  EXPECT_NE(response.find("header_too_large"), std::string::npos) << response;
  EXPECT_EQ(Refusals("header_too_large"), 1);
  // Trailers within the limit are fine, and so is a body cut into chunks.
  EXPECT_EQ(Exchange(port(), chunked + "X-Sum: 1\r\nX-More: 2\r\n\r\n").substr(0, 12),
            "HTTP/1.1 200");
}

}  // namespace
}  // namespace stayaway::ingest
