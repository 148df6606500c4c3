#include "daemon/webhook_dispatcher.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/file_io.h"
#include "daemon/log.h"
#include "daemon/webhook_signature.h"
#include "ingest/json_codec.h"

namespace stayaway::daemon {
namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(30);

}  // namespace

WebhookDispatcher::WebhookDispatcher(ingest::EventFeed& service, std::string url, WebhookUrl target,
                                     std::string cursor_path, std::string secret,
                                     std::function<void(const WebhookAnswer&)> outcome,
                                     bool from_start, std::vector<v1::Event::Kind> kinds,
                                     std::shared_ptr<boost::asio::ssl::context> tls)
    : service_(service),
      url_(std::move(url)),
      target_(std::move(target)),
      secret_(std::move(secret)),
      cursor_path_(std::move(cursor_path)),
      metrics_name_("webhook:" + url_),
      outcome_(std::move(outcome)),
      kinds_(std::move(kinds)),
      tls_(std::move(tls)) {
  std::ifstream in(cursor_path_);
  uint64_t saved = 0;
  if (in >> saved && saved > 0) {
    next_seq_ = saved;
    return;
  }
  next_seq_ = from_start ? 1 : service_.NextEventSeq();
  SaveCursor(next_seq_);
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
    bool passed_over = false;  // events of other kinds since the last saved cursor
    for (const v1::EventRecord& record : records) {
      if (!kinds_.empty() &&
          std::find(kinds_.begin(), kinds_.end(), record.event().kind()) == kinds_.end()) {
        std::lock_guard<std::mutex> lock(mu_);
        next_seq_ = record.seq() + 1;
        passed_over = true;
        continue;
      }
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
      passed_over = false;
    }
    // One cursor write for a run of passed-over events, not one each.
    if (passed_over) {
      std::lock_guard<std::mutex> lock(mu_);
      SaveCursor(next_seq_);
    }
  }
}

// One POST on a fresh connection; true on a 2xx status.
bool WebhookDispatcher::Deliver(const std::string& body, uint64_t seq) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Stayaway-Event-Seq", std::to_string(seq)}};
  SignWebhook(secret_, body, &headers);
  const WebhookAnswer answer = PostWebhook(target_, body, headers, tls_.get());
  if (outcome_) outcome_(answer);
  if (!answer.delivered()) {
    Log(LogLevel::kWarning, "webhook delivery failed, will retry",
        {{"url", url_},
         {"seq", std::to_string(seq)},
         {"reason", answer.failure},
         {"status", answer.status_line}});
  }
  return answer.delivered();
}

}  // namespace stayaway::daemon
