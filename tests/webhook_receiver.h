// A webhook receiver on loopback for tests of what stayawayd POSTs (event webhooks,
// victim gateways): it answers `fail_status` to its first `failures` requests, then 204,
// and keeps each request it accepted, head and body. Thread-safe.
#ifndef STAYAWAY_TESTS_WEBHOOK_RECEIVER_H_
#define STAYAWAY_TESTS_WEBHOOK_RECEIVER_H_

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/raw_http.h"

namespace stayaway::testing_harness {

class WebhookReceiver {
 public:
  struct Request {
    std::string head;  // request line and headers
    std::string body;
    // The value of header `name` (case-insensitive), "" when absent.
    std::string Header(const std::string& name) const {
      std::string lower_head, lower_name;
      for (char c : head)
        lower_head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (char c : name)
        lower_name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const size_t at = lower_head.find("\r\n" + lower_name + ":");
      if (at == std::string::npos) return "";
      size_t from = at + 2 + name.size() + 1;
      while (from < head.size() && head[from] == ' ') ++from;
      return head.substr(from, head.find("\r\n", from) - from);
    }
  };

  explicit WebhookReceiver(int failures = 0, std::string fail_status = "500 Oops")
      : failures_(failures), fail_status_(std::move(fail_status)) {
    fd_ = ListenLoopback(port_);
    EXPECT_GE(fd_, 0) << "no loopback port to listen on";
    thread_ = std::thread([this] { Serve(); });
  }
  ~WebhookReceiver() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  int requests() const { return requests_; }
  std::vector<Request> accepted() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }

 private:
  void Serve() {
    while (!stop_) {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::string request;
      char buffer[8192];
      size_t body_at = std::string::npos, length = 0;
      for (ssize_t n; (n = ::recv(client, buffer, sizeof buffer, 0)) > 0;) {
        request.append(buffer, static_cast<size_t>(n));
        if (body_at == std::string::npos &&
            (body_at = request.find("\r\n\r\n")) != std::string::npos) {
          body_at += 4;
          const size_t at = request.find("Content-Length: ");
          length = at == std::string::npos ? 0 : std::stoul(request.substr(at + 16));
        }
        if (body_at != std::string::npos && request.size() >= body_at + length) break;
      }
      const bool fail = requests_++ < failures_;
      const std::string reply = fail ? "HTTP/1.1 " + fail_status_ + "\r\nContent-Length: 0\r\n\r\n"
                                     : "HTTP/1.1 204 No Content\r\n\r\n";
      ::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(client);
      if (!fail && body_at != std::string::npos) {
        std::lock_guard<std::mutex> lock(mu_);
        accepted_.push_back({request.substr(0, body_at - 2), request.substr(body_at)});
      }
    }
  }

  const int failures_;
  const std::string fail_status_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::vector<Request> accepted_;
  std::thread thread_;
};

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_WEBHOOK_RECEIVER_H_
