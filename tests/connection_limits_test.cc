// The daemon's ports against clients that never authenticate and requests the HTTP parser
// cannot hold, end to end against the real stayawayd: an oversized chunked trailer is
// refused with 431 instead of ending the process; idle unauthenticated connections (HTTP
// and TCP, all from 127.0.0.1 like the operator's) cannot lock out an authenticated
// operator or gateway; a connection that does not authenticate in time is closed.
#include <gtest/gtest.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ingest/frame_codec.h"
#include "tests/daemon_harness.h"
#include "tests/descriptor_limit.h"
#include "tests/wire_fixtures.h"
#include "tools/daemon_client.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary
using namespace std::chrono_literals;
using testing_fixtures::MakeFix;

// A plain TCP connection to 127.0.0.1:port, closed with the object. Raw on purpose: these
// connections stop half-way, never authenticate, or are held open to fill the limits.
class Socket {
 public:
  explicit Socket(uint16_t port) : fd_(ConnectLoopback(port, kNoReceiveTimeout)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  bool connected() const { return fd_ >= 0; }

  bool Send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads until the server closes the connection or `limit` passes.
  std::string ReadToEnd(std::chrono::milliseconds limit) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[65536];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      text.append(buffer, static_cast<size_t>(n));
    }
    return text;
  }

  // True when the server closes the connection within `limit` (whatever it sends first).
  bool ClosedWithin(std::chrono::milliseconds limit) {
    ReadToEnd(limit);
    return closed_;
  }

  // One keep-alive request with the harness token; the response's status (0: none).
  int KeepAliveGet(const std::string& target, bool with_token = true) {
    if (!Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" +
              (with_token ? std::string("Authorization: Bearer ") + kHarnessToken + "\r\n" : "") +
              "\r\n")) {
      return 0;
    }
    std::string response;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      const size_t end = response.find("\r\n\r\n");
      if (end != std::string::npos) {
        const size_t length_at = response.find("Content-Length: ");
        const size_t length =
            length_at == std::string::npos ? 0 : std::stoul(response.substr(length_at + 16));
        if (response.size() >= end + 4 + length) break;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return 0;
      response.append(buffer, static_cast<size_t>(n));
    }
    return response.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(response.substr(9, 3)) : 0;
  }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

// The value of the Prometheus sample `line_prefix` ("name{labels}"), 0 when absent.
double Metric(Daemon& daemon, const std::string& line_prefix) {
  const std::string text = Http(daemon.http(), "GET", "/metrics").body;
  const size_t at = text.find("\n" + line_prefix + " ");
  if (at == std::string::npos) return 0;
  const size_t space = at + 1 + line_prefix.size();
  return std::stod(text.substr(space + 1, text.find('\n', space) - space - 1));
}

std::string Rejected(const std::string& source, const std::string& reason) {
  return "stayaway_fixes_rejected_total{source=\"" + source + "\",reason=\"" + reason + "\"}";
}

// A batch of one fix for tag-1, acknowledged on `client`: true when it was accepted.
bool SendsAFix(tools::DaemonClient& client, uint64_t seq) {
  v1::ClientFrame frame;
  frame.mutable_batch()->set_batch_id(seq);
  *frame.mutable_batch()->add_fixes() = MakeFix("tag-1", seq, NowMs() - 60'000, 42.87, 74.59);
  if (!client.Send(frame).ok()) return false;
  v1::ServerFrame reply;
  return client.Receive(&reply).ok() && reply.has_ack() && reply.ack().accepted_size() == 1;
}

std::string ChunkedRequestWithTrailer(const std::string& trailer) {
  return "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailer +
         "\r\n";
}

TEST(ConnectionLimits, AnOversizedChunkedTrailerGets431AndTheDaemonLives) {
  Daemon daemon;
  const std::string huge_trailer = "X: " + std::string(65536, 'a') + "\r\n";
  std::string many_trailers;
  for (int i = 0; i < 2000; ++i) many_trailers += "X-" + std::to_string(i) + ": value\r\n";
  const std::vector<std::string> attacks = {
      ChunkedRequestWithTrailer(huge_trailer),  // the reported crash
      ChunkedRequestWithTrailer("X: " + std::string(1 << 20, 'b') + "\r\n"),
      ChunkedRequestWithTrailer(many_trailers),
      // A chunk-size line made long by an extension is held the same way.
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;x=" +
          std::string(100'000, 'c') + "\r\na\r\n0\r\n\r\n",
  };
  for (const uint16_t port : {daemon.http(), daemon.osmand()}) {
    for (size_t i = 0; i < attacks.size(); ++i) {
      Socket attacker(port);
      ASSERT_TRUE(attacker.connected());
      attacker.Send(attacks[i]);
      const std::string answer = attacker.ReadToEnd(5s);
      EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 431") << "port " << port << " attack " << i;
      EXPECT_NE(answer.find("header_too_large"), std::string::npos) << answer;
    }
  }
  // The daemon is alive and well, and a small trailer is still fine.
  EXPECT_EQ(Http(daemon.http(), "GET", "/healthz").status, 200);
  Socket fine(daemon.http());
  fine.Send(ChunkedRequestWithTrailer("X-Checksum: 1\r\n"));
  EXPECT_EQ(fine.ReadToEnd(300ms).substr(0, 12), "HTTP/1.1 200");
  EXPECT_GE(Metric(daemon, Rejected("http", "header_too_large")), 4);
  EXPECT_GE(Metric(daemon, Rejected("osmand", "header_too_large")), 4);
  EXPECT_EQ(daemon.Stop(), 0) << daemon.Log();
}

TEST(ConnectionLimits, IdleUnauthenticatedConnectionsDoNotLockOutTheOperatorOrAGateway) {
  // The numbers of the report: more idle connections than either port's total limit.
  constexpr int kIdleHttp = 1100;
  constexpr int kIdleTcp = 4200;
  if (!RaiseDescriptorLimit(2 * (kIdleHttp + kIdleTcp) + 512)) {
    GTEST_SKIP() << "cannot raise RLIMIT_NOFILE";
  }
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  tools::DaemonClient gateway;  // connected before the attack
  ASSERT_TRUE(ConnectAndAuthenticate(gateway, daemon.ingest()).ok());
  const uint16_t ingest_port =
      static_cast<uint16_t>(std::stoi(daemon.ingest().substr(daemon.ingest().find(':') + 1)));

  const auto started = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<Socket>> idle;
  for (int i = 0; i < kIdleHttp; ++i) idle.push_back(std::make_unique<Socket>(daemon.http()));
  for (int i = 0; i < kIdleTcp; ++i) idle.push_back(std::make_unique<Socket>(ingest_port));
  for (const auto& socket : idle) ASSERT_TRUE(socket->connected());

  // The operator, on a new connection from the same address, is served.
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/alerts").status, 200);
  // The gateway that was connected keeps its connection, and a new one gets in.
  EXPECT_TRUE(SendsAFix(gateway, 1));
  tools::DaemonClient late_gateway;
  ASSERT_TRUE(ConnectAndAuthenticate(late_gateway, daemon.ingest()).ok());
  EXPECT_TRUE(SendsAFix(late_gateway, 2));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);

  // The idle connections that made room were counted.
  EXPECT_GE(Metric(daemon, Rejected("http", "evicted_unauthenticated")), kIdleHttp / 2);
  EXPECT_GE(Metric(daemon, Rejected("tcp", "evicted_unauthenticated")), kIdleTcp / 2);
  idle.clear();
  EXPECT_EQ(daemon.Stop(), 0) << daemon.Log();
}

TEST(ConnectionLimits, AtTheTotalLimitTheOldestUnauthenticatedMakesRoomNotAnAuthenticated) {
  if (!RaiseDescriptorLimit(2048)) GTEST_SKIP() << "cannot raise RLIMIT_NOFILE";
  // Per-address and unauthenticated limits out of the way: only the total is left.
  Daemon daemon({"--http-max-connections", "40", "--ingest-max-connections", "40",
                 "--max-unauthenticated", "100000", "--max-unauthenticated-per-address", "100000"});
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const uint16_t ingest_port =
      static_cast<uint16_t>(std::stoi(daemon.ingest().substr(daemon.ingest().find(':') + 1)));
  std::vector<std::unique_ptr<tools::DaemonClient>> gateways(10);
  for (auto& gateway : gateways) {
    gateway = std::make_unique<tools::DaemonClient>();
    ASSERT_TRUE(ConnectAndAuthenticate(*gateway, daemon.ingest()).ok());
  }
  std::vector<std::unique_ptr<Socket>> operators;
  for (int i = 0; i < 10; ++i) {
    operators.push_back(std::make_unique<Socket>(daemon.http()));
    ASSERT_EQ(operators.back()->KeepAliveGet("/v1/alerts"), 200);
  }
  std::vector<std::unique_ptr<Socket>> idle;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(std::make_unique<Socket>(daemon.http()));
    idle.push_back(std::make_unique<Socket>(ingest_port));
  }
  // Everyone who authenticated is still served on the connection he had.
  uint64_t seq = 1;
  for (auto& gateway : gateways) EXPECT_TRUE(SendsAFix(*gateway, seq++));
  for (auto& operator_socket : operators)
    EXPECT_EQ(operator_socket->KeepAliveGet("/v1/alerts"), 200);
  // And newcomers get in.
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/alerts").status, 200);
  tools::DaemonClient late_gateway;
  ASSERT_TRUE(ConnectAndAuthenticate(late_gateway, daemon.ingest()).ok());
  EXPECT_TRUE(SendsAFix(late_gateway, seq++));
  EXPECT_GE(Metric(daemon, Rejected("http", "evicted_unauthenticated")), 150);
  EXPECT_GE(Metric(daemon, Rejected("tcp", "evicted_unauthenticated")), 150);
  idle.clear();
  EXPECT_EQ(daemon.Stop(), 0) << daemon.Log();
}

TEST(ConnectionLimits, AConnectionThatDoesNotAuthenticateInTimeIsClosed) {
  Daemon daemon({"--auth-timeout", "300ms"});
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const uint16_t ingest_port =
      static_cast<uint16_t>(std::stoi(daemon.ingest().substr(daemon.ingest().find(':') + 1)));

  const auto started = std::chrono::steady_clock::now();
  Socket idle_tcp(ingest_port);
  Socket idle_http(daemon.http());
  Socket idle_osmand(daemon.osmand());
  Socket open_routes_only(daemon.http());  // keeps asking /healthz: no credential
  ASSERT_EQ(open_routes_only.KeepAliveGet("/healthz", /*with_token=*/false), 200);
  Socket operator_socket(daemon.http());
  ASSERT_EQ(operator_socket.KeepAliveGet("/v1/alerts"), 200);
  tools::DaemonClient gateway;
  ASSERT_TRUE(ConnectAndAuthenticate(gateway, daemon.ingest()).ok());

  EXPECT_TRUE(idle_tcp.ClosedWithin(3s));
  EXPECT_TRUE(idle_http.ClosedWithin(3s));
  EXPECT_TRUE(idle_osmand.ClosedWithin(3s));
  EXPECT_TRUE(open_routes_only.ClosedWithin(3s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
  // Those that authenticated stay, well past the deadline.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(operator_socket.KeepAliveGet("/v1/alerts"), 200);
  EXPECT_TRUE(SendsAFix(gateway, 1));

  EXPECT_EQ(Metric(daemon, Rejected("tcp", "auth_timeout")), 1);
  EXPECT_EQ(Metric(daemon, Rejected("http", "auth_timeout")), 2);
  EXPECT_EQ(Metric(daemon, Rejected("osmand", "auth_timeout")), 1);
  EXPECT_EQ(daemon.Stop(), 0) << daemon.Log();
}

}  // namespace
}  // namespace stayaway
