#include "daemon/webhook_dispatcher.h"

#include <pthread.h>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/file_io.h"
#include "daemon/log.h"
#include "ingest/json_codec.h"

namespace stayaway::daemon {
namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(30);
constexpr int kIoTimeoutMs = 10'000;

// Waits until fd is ready for `events` or the timeout passes.
bool WaitFor(int fd, short events) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, kIoTimeoutMs) == 1;
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
  out.host = std::string(authority);
  return out;
}

WebhookDispatcher::WebhookDispatcher(ingest::EventFeed& service, std::string url, WebhookUrl target,
                                     std::string cursor_path)
    : service_(service),
      url_(std::move(url)),
      target_(std::move(target)),
      cursor_path_(std::move(cursor_path)),
      metrics_name_("webhook:" + url_) {
  std::ifstream in(cursor_path_);
  uint64_t saved = 0;
  if (in >> saved && saved > 0) next_seq_ = saved;
}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() {
  listener_ = service_.AddEventListener([this] {
    std::lock_guard<std::mutex> lock(mu_);
    new_events_ = true;
    wake_.notify_one();
  });
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "sa-webhook");
    Run();
  });
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (listener_ != 0) service_.RemoveEventListener(listener_);
  if (thread_.joinable()) thread_.join();
  service_.ForgetSubscriber(metrics_name_);
}

uint64_t WebhookDispatcher::next_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_seq_;
}

void WebhookDispatcher::SaveCursor(uint64_t next) {
  if (Status s = WriteFileAtomically(cursor_path_, std::to_string(next) + "\n"); !s.ok()) {
    // Delivery goes on; a restart then resends from the last cursor that was saved.
    Log(LogLevel::kWarning, "cannot save a webhook cursor", {{"error", s.message()}});
  }
}

void WebhookDispatcher::Run() {
  auto backoff = std::chrono::milliseconds(0);
  std::vector<v1::EventRecord> records;
  for (;;) {
    uint64_t next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (backoff.count() > 0) {
        wake_.wait_for(lock, backoff, [&] { return stopping_; });
      } else {
        wake_.wait_for(lock, std::chrono::seconds(1),
                       [&] { return stopping_ || new_events_ || next_seq_ < service_.NextEventSeq(); });
      }
      if (stopping_) return;
      new_events_ = false;
      next = next_seq_;
    }
    records.clear();
    service_.ReadEvents(next, 64, &records);
    service_.ReportSubscriberLag(metrics_name_, service_.NextEventSeq() - next);
    for (const v1::EventRecord& record : records) {
      const std::string body = "{\"seq\":" + std::to_string(record.seq()) +
                               ",\"event\":" + ingest::EventToJson(record.event()) + "}";
      if (!Deliver(body, record.seq())) {
        backoff = backoff.count() == 0 ? kFirstBackoff
                                       : std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
        break;
      }
      backoff = std::chrono::milliseconds(0);
      std::lock_guard<std::mutex> lock(mu_);
      next_seq_ = record.seq() + 1;
      SaveCursor(next_seq_);
    }
  }
}

// One POST on a fresh connection; true on a 2xx status.
bool WebhookDispatcher::Deliver(const std::string& body, uint64_t seq) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(target_.port);
  if (::getaddrinfo(target_.host.c_str(), port.c_str(), &hints, &found) != 0) return false;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return false;
  const std::string request = "POST " + target_.path + " HTTP/1.1\r\nHost: " + target_.host +
                              "\r\nContent-Type: application/json\r\nConnection: close\r\n" +
                              "X-Stayaway-Event-Seq: " + std::to_string(seq) +
                              "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                              body;
  bool ok = true;
  for (size_t sent = 0; ok && sent < request.size();) {
    ok = WaitFor(fd, POLLOUT);
    const ssize_t n = ok ? ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL) : -1;
    ok = n > 0;
    if (ok) sent += static_cast<size_t>(n);
  }
  std::string status_line;
  char buffer[512];
  while (ok && status_line.find("\r\n") == std::string::npos && status_line.size() < 4096) {
    ok = WaitFor(fd, POLLIN);
    const ssize_t n = ok ? ::recv(fd, buffer, sizeof buffer, 0) : -1;
    ok = n > 0;
    if (ok) status_line.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  // "HTTP/1.1 204 No Content"
  const bool delivered = status_line.size() > 12 && status_line.rfind("HTTP/1.", 0) == 0 &&
                         status_line[9] == '2';
  if (!delivered) {
    Log(LogLevel::kWarning, "webhook delivery failed, will retry",
        {{"url", url_}, {"seq", std::to_string(seq)},
         {"status", status_line.substr(0, status_line.find("\r\n"))}});
  }
  return delivered;
}

}  // namespace stayaway::daemon
