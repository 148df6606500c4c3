#include "daemon/webhook_post.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>

namespace stayaway::daemon {
namespace {

constexpr int kIoTimeoutMs = 10'000;

// Waits until fd is ready for `events` or the timeout passes.
bool WaitFor(int fd, short events) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, kIoTimeoutMs) == 1;
}

int Connect(const WebhookUrl& target) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(target.port);
  if (::getaddrinfo(target.host.c_str(), port.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

}  // namespace

StatusOr<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    return InvalidArgument("webhook " + std::string(url) + ": only http:// URLs are supported");
  }
  std::string_view rest = url.substr(kScheme.size());
  WebhookUrl out;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(rest.substr(slash));
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return InvalidArgument("webhook " + std::string(url) + ": bad port");
    }
    out.port = static_cast<uint16_t>(value);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return InvalidArgument("webhook " + std::string(url) + ": no host");
  // The request line and headers are written from these: nothing that could end a line.
  for (std::string_view part : {authority, std::string_view(out.path)}) {
    for (char c : part) {
      if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
        return InvalidArgument("webhook " + std::string(url) + ": a space or control character");
      }
    }
  }
  out.host = std::string(authority);
  return out;
}

WebhookAnswer PostWebhook(const WebhookUrl& target, std::string_view body,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
  WebhookAnswer answer;
  const int fd = Connect(target);
  if (fd < 0) {
    answer.status_line = "no connection";
    return answer;
  }
  std::string request = "POST " + target.path + " HTTP/1.1\r\nHost: " + target.host;
  if (target.port != 80) request += ":" + std::to_string(target.port);
  request += "\r\nContent-Type: application/json\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  bool ok = true;
  for (size_t sent = 0; ok && sent < request.size();) {
    ok = WaitFor(fd, POLLOUT);
    const ssize_t n =
        ok ? ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL) : -1;
    ok = n > 0;
    if (ok) sent += static_cast<size_t>(n);
  }
  std::string head;
  char buffer[512];
  while (ok && head.find("\r\n") == std::string::npos && head.size() < 4096) {
    ok = WaitFor(fd, POLLIN);
    const ssize_t n = ok ? ::recv(fd, buffer, sizeof buffer, 0) : -1;
    ok = n > 0;
    if (ok) head.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  answer.status_line = head.substr(0, head.find("\r\n"));
  // "HTTP/1.1 204 No Content"
  if (answer.status_line.size() >= 12 && answer.status_line.rfind("HTTP/1.", 0) == 0) {
    int status = 0;
    const char* digits = answer.status_line.data() + 9;
    const auto [end, error] = std::from_chars(digits, digits + 3, status);
    if (error == std::errc() && end == digits + 3 && status >= 100 && status <= 599) {
      answer.status = status;
    }
  }
  if (answer.status_line.empty()) answer.status_line = "no answer";
  return answer;
}

}  // namespace stayaway::daemon
