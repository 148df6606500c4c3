#include "tools/daemon_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace stayaway::tools {

DaemonClient::~DaemonClient() {
  if (fd_ >= 0) ::close(fd_);
}

Status DaemonClient::Connect(std::string_view target) {
  const size_t colon = target.rfind(':');
  if (colon == std::string_view::npos) return InvalidArgument("target must be HOST:PORT");
  const std::string host(target.substr(0, colon));
  const std::string port(target.substr(colon + 1));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return InvalidArgument("cannot resolve " + std::string(target) + ": " + gai_strerror(rc));
  }
  Status result = FailedPrecondition("cannot connect to " + std::string(target));
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      // Frames are small and latency matters: no Nagle delay behind an unacknowledged one.
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fd_ = fd;
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

void DaemonClient::Shutdown() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

Status DaemonClient::Send(const v1::ClientFrame& frame) {
  const std::string bytes = ingest::EncodeFrame(frame);
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return FailedPrecondition(std::string("send failed: ") + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status DaemonClient::Authenticate(std::string_view token) {
  v1::ClientFrame hello;
  hello.mutable_authenticate()->set_token(std::string(token));
  if (Status s = Send(hello); !s.ok()) return s;
  v1::ServerFrame answer;
  if (Status s = Receive(&answer); !s.ok()) {
    return Status(StatusCode::kUnauthenticated, "the daemon closed the connection: " + s.message());
  }
  if (answer.has_authenticated()) return Status::Ok();
  if (answer.has_error()) {
    return Status(StatusCode::kUnauthenticated,
                  answer.error().code() + ": " + answer.error().message());
  }
  return Status(StatusCode::kUnauthenticated, "the daemon did not answer the authenticate frame");
}

void DaemonClient::SetReceiveTimeout(int ms) {
  timeval timeout{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

Status DaemonClient::Receive(v1::ServerFrame* frame) {
  std::string bytes;
  for (;;) {
    switch (reader_.Next(&bytes)) {
      case ingest::FrameReader::Result::kFrame:
        if (!frame->ParseFromString(bytes)) return InvalidArgument("malformed frame from daemon");
        return Status::Ok();
      case ingest::FrameReader::Result::kError:
        return InvalidArgument("bad framing from daemon");
      case ingest::FrameReader::Result::kNeedMore:
        break;
    }
    char buffer[65536];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return FailedPrecondition("no frame from the daemon within the receive timeout");
    }
    if (n <= 0) return FailedPrecondition("the daemon closed the connection");
    reader_.Feed(std::string_view(buffer, static_cast<size_t>(n)));
  }
}

}  // namespace stayaway::tools
