// LoopbackSocket: a blocking TCP connection to 127.0.0.1, for the clients of the
// benchmarks through a real port (tcp_allocation_bench, http_allocation_bench), which
// must allocate nothing once connected: every call works on the caller's buffers.
// Thread-compatible.
#ifndef STAYAWAY_BENCH_LOOPBACK_SOCKET_H_
#define STAYAWAY_BENCH_LOOPBACK_SOCKET_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace stayaway::bench {

class LoopbackSocket {
 public:
  LoopbackSocket() = default;
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;
  ~LoopbackSocket() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool Connect(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  bool SendAll(std::string_view bytes) {
    for (std::size_t sent = 0; sent < bytes.size();) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // What has arrived, at most `size` bytes, into `into`: the count; 0 when the
  // connection closed or failed.
  std::size_t ReceiveSome(char* into, std::size_t size) {
    const ssize_t n = ::recv(fd_, into, size, 0);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  // Exactly `bytes` bytes into `into`; false when the connection ended first.
  bool ReceiveExactly(void* into, std::size_t bytes) {
    auto* out = static_cast<char*>(into);
    for (std::size_t got = 0; got < bytes;) {
      const std::size_t n = ReceiveSome(out + got, bytes - got);
      if (n == 0) return false;
      got += n;
    }
    return true;
  }

 private:
  int fd_ = -1;
};

}  // namespace stayaway::bench

#endif  // STAYAWAY_BENCH_LOOPBACK_SOCKET_H_
