// HTTP/1.1 over plain loopback sockets, written and read by hand. Only for what a proper
// client cannot do: bytes that are malformed on purpose (hostile input, limits, framing),
// connections held open half-way (connection limits, authentication timeouts), and event
// streams read while they are still coming. Ordinary requests go through the Beast client
// of http_client.h (Http, HttpAs in daemon_harness.h). Not thread-safe per descriptor;
// every function is reentrant.
#ifndef STAYAWAY_TESTS_RAW_HTTP_H_
#define STAYAWAY_TESTS_RAW_HTTP_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "tests/http_client.h"  // HttpReply

namespace stayaway::testing_harness {

// A receive timeout of zero: each recv waits as long as the peer keeps the connection open.
inline constexpr std::chrono::milliseconds kNoReceiveTimeout{0};

// A connection to 127.0.0.1:port whose every recv waits at most `receive_timeout` (none
// when zero); -1 when the connection is refused.
inline int ConnectLoopback(uint16_t port, std::chrono::milliseconds receive_timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (receive_timeout.count() > 0) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(receive_timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((receive_timeout.count() % 1000) * 1000);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A socket listening on 127.0.0.1 on a free port, which it stores in `port`.
inline int ListenLoopback(uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  port = ntohs(addr.sin_port);
  ::listen(fd, 16);
  return fd;
}

// A request with `token` as its bearer token (no Authorization header when empty), asking
// the server to close the connection after answering.
inline std::string RequestText(const std::string& token, const std::string& method,
                               const std::string& target, const std::string& body,
                               const std::string& content_type = "application/json") {
  return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") +
         "Connection: close\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Sends `request`, exactly as written, on a new connection to 127.0.0.1:port and reads the
// response until the server closes (or a recv waits longer than `receive_timeout`, when
// not zero). The body is returned as it came (chunked framing and all).
inline HttpReply Exchange(uint16_t port, const std::string& request,
                          std::chrono::milliseconds receive_timeout) {
  HttpReply reply;
  const int fd = ConnectLoopback(port, receive_timeout);
  if (fd < 0) return reply;
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buffer[65536];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, n);
  ::close(fd);
  if (response.rfind("HTTP/1.1 ", 0) == 0) reply.status = std::stoi(response.substr(9, 3));
  const size_t end = response.find("\r\n\r\n");
  reply.head = response.substr(0, end);
  if (end != std::string::npos) reply.body = response.substr(end + 4);
  return reply;
}

// Appends what arrives on `fd` to `text` until it contains `until`, the peer closes, or
// `deadline` passes (checked between recvs: give `fd` a short receive timeout).
inline void ReadUntil(int fd, const std::string& until, std::string& text,
                      std::chrono::steady_clock::time_point deadline) {
  char buffer[65536];
  while (text.find(until) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) break;
    if (n > 0) text.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_RAW_HTTP_H_
