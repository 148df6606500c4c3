#include "tools/loadgen/http_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace stayaway::loadgen {
namespace {

// Closes the descriptor on every way out.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

Status Connect(std::string_view target, Socket* socket) {
  const size_t colon = target.rfind(':');
  if (colon == std::string_view::npos) return InvalidArgument("address must be HOST:PORT");
  const std::string host(target.substr(0, colon)), port(target.substr(colon + 1));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return FailedPrecondition("cannot resolve " + std::string(target) + ": " + gai_strerror(rc));
  }
  Status result = FailedPrecondition("cannot connect to " + std::string(target));
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      socket->fd = fd;
      result = Status::Ok();
      break;
    }
    result = FailedPrecondition("cannot connect to " + std::string(target) + ": " +
                                std::strerror(errno));
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return result;
}

}  // namespace

StatusOr<HttpResponse> HttpRequest(std::string_view target, std::string_view method,
                                   std::string_view path, std::string_view json_body,
                                   std::string_view token) {
  Socket socket;
  if (Status s = Connect(target, &socket); !s.ok()) return s;
  std::string request = std::string(method) + " " + std::string(path) +
                        " HTTP/1.1\r\nHost: " + std::string(target) + "\r\nConnection: close\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + std::string(token) + "\r\n";
  if (!json_body.empty() || method == "POST" || method == "PUT") {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(json_body.size()) +
        "\r\n";
  }
  request += "\r\n";
  request += json_body;
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(socket.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return FailedPrecondition(std::string("send failed: ") + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::recv(socket.fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FailedPrecondition(std::string("receive failed: ") + std::strerror(errno));
    if (n == 0) break;
    response.append(buffer, static_cast<size_t>(n));
  }
  if (!response.starts_with("HTTP/1.") || response.size() < 12) {
    return FailedPrecondition("no HTTP response from " + std::string(target));
  }
  HttpResponse reply;
  reply.status = std::atoi(response.c_str() + 9);
  if (const size_t end = response.find("\r\n\r\n"); end != std::string::npos) {
    reply.body = response.substr(end + 4);
  }
  return reply;
}

}  // namespace stayaway::loadgen
