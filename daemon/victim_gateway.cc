#include "daemon/victim_gateway.h"

#include <pthread.h>

#include <algorithm>
#include <fstream>

#include "base/file_io.h"
#include "daemon/log.h"
#include "daemon/victim_text.h"
#include "daemon/webhook_signature.h"
#include "ingest/http_json.h"
#include "ingest/protected_view.h"

namespace stayaway::daemon {
namespace {

constexpr char kMetricsName[] = "victim-gateways";

// Only news is sent to her: an alert opened, or raised to a higher level.
bool IsNews(const v1::Event& event) {
  return event.transition() == v1::Event::opened || event.transition() == v1::Event::escalated;
}

}  // namespace

std::vector<v1::VictimMessage> VictimMessagesFor(const v1::EventRecord& record,
                                                 const v1::Order& order,
                                                 const date::time_zone& zone) {
  std::vector<v1::VictimMessage> out;
  const v1::Event& event = record.event();
  if (!IsNews(event)) return out;
  const auto told = order.has_victim_notification() ? order.victim_notification() : v1::Order::band;
  if (told == v1::Order::none) return out;
  const v1::ProtectedAlert alert = ingest::ProtectedAlertOf(record, told, /*open_now=*/true);
  if (VictimLevelOf(alert).empty()) return out;
  for (const v1::VictimGateway& gateway : order.victim_gateways()) {
    v1::VictimMessage& message = out.emplace_back();
    message.set_to(gateway.to());
    message.set_channel(gateway.channel());
    message.set_person(gateway.person());
    message.set_order_id(order.id());
    message.set_text(VictimText(gateway, alert, zone));
    *message.mutable_alert() = alert;
    message.set_seq(record.seq());
  }
  return out;
}

VictimGatewayDispatcher::VictimGatewayDispatcher(ingest::EventFeed& feed,
                                                 ingest::Catalogue& catalogue,
                                                 VictimGatewayOptions options)
    : feed_(feed), catalogue_(catalogue), options_(std::move(options)) {
  std::ifstream in(options_.cursor_path);
  uint64_t saved = 0;
  if (in >> saved && saved > 0) next_seq_ = saved;
}

VictimGatewayDispatcher::~VictimGatewayDispatcher() { Stop(); }

void VictimGatewayDispatcher::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (next_seq_ == 0) {
      // No cursor: from now on. Messages about the past would only frighten her.
      next_seq_ = feed_.NextEventSeq();
      SaveCursor(next_seq_);
    }
  }
  listener_ = feed_.AddEventListener([this] {
    std::lock_guard<std::mutex> lock(mu_);
    new_events_ = true;
    wake_.notify_one();
  });
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "sa-victim-sms");
    Run();
  });
}

void VictimGatewayDispatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (listener_ != 0) feed_.RemoveEventListener(listener_);
  if (thread_.joinable()) thread_.join();
  feed_.ForgetSubscriber(kMetricsName);
}

uint64_t VictimGatewayDispatcher::next_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_seq_;
}

void VictimGatewayDispatcher::SaveCursor(uint64_t next) {
  if (Status s = WriteFileAtomically(options_.cursor_path, std::to_string(next) + "\n"); !s.ok()) {
    Log(LogLevel::kWarning, "cannot save the victim gateways' cursor", {{"error", s.message()}});
  }
}

bool VictimGatewayDispatcher::WaitUnlessStopping(std::chrono::milliseconds how_long) {
  std::unique_lock<std::mutex> lock(mu_);
  return !wake_.wait_for(lock, how_long, [&] { return stopping_; });
}

void VictimGatewayDispatcher::Run() {
  std::vector<v1::EventRecord> records;
  for (;;) {
    uint64_t next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, std::chrono::seconds(1),
                     [&] { return stopping_ || new_events_ || next_seq_ < feed_.NextEventSeq(); });
      if (stopping_) return;
      new_events_ = false;
      next = next_seq_;
    }
    records.clear();
    feed_.ReadEvents(next, 64, &records);
    feed_.ReportSubscriberLag(kMetricsName, feed_.NextEventSeq() - next);
    for (const v1::EventRecord& record : records) {
      if (!Send(record)) return;
      std::lock_guard<std::mutex> lock(mu_);
      next_seq_ = record.seq() + 1;
      SaveCursor(next_seq_);
    }
  }
}

bool VictimGatewayDispatcher::Send(const v1::EventRecord& record) {
  if (!IsNews(record.event())) return true;
  StatusOr<v1::Order> order = catalogue_.GetOrder(record.event().order_id());
  if (!order.ok() || order->victim_gateways().empty()) return true;
  const std::vector<v1::VictimMessage> messages =
      VictimMessagesFor(record, *order, *options_.time_zone);
  for (int i = 0; i < static_cast<int>(messages.size()); ++i) {
    if (!SendOne(messages[i], order->victim_gateways(i).url())) return false;
  }
  return true;
}

bool VictimGatewayDispatcher::SendOne(const v1::VictimMessage& message, const std::string& url) {
  auto logged = [&](LogLevel level, std::string_view what, const std::string& status,
                    const std::string& reason = "") {
    Log(level, what,
        {{"order", message.order_id()},
         {"alert", message.alert().alert_id()},
         {"seq", std::to_string(message.seq())},
         {"reason", reason},
         {"status", status}});
  };
  StatusOr<WebhookUrl> target = ParseWebhookUrl(url);
  if (!target.ok()) {
    logged(LogLevel::kError, "victim gateway URL refused", target.status().message());
    if (options_.count) options_.count("failed");
    return true;
  }
  const std::string body = ingest::ToJson(message);
  std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Stayaway-Event-Seq", std::to_string(message.seq())}};
  SignWebhook(options_.secret, body, &headers);
  auto backoff = options_.first_backoff;
  for (int attempt = 1;; ++attempt) {
    const WebhookAnswer answer = PostWebhook(*target, body, headers, options_.tls.get());
    if (!answer.delivered() && options_.count_failure) options_.count_failure(answer.failure);
    if (answer.delivered()) {
      if (options_.count) options_.count("delivered");
      return true;
    }
    if (answer.status >= 400 && answer.status < 500) {
      logged(LogLevel::kError, "victim gateway refused a message", answer.status_line,
             answer.failure);
      if (options_.count) options_.count("refused");
      return true;
    }
    if (attempt >= options_.attempts) {
      logged(LogLevel::kError, "victim gateway unreachable, message given up", answer.status_line,
             answer.failure);
      if (options_.count) options_.count("failed");
      return true;
    }
    logged(LogLevel::kWarning, "victim gateway delivery failed, will retry", answer.status_line,
           answer.failure);
    if (!WaitUnlessStopping(backoff)) return false;
    backoff *= 2;
  }
}

}  // namespace stayaway::daemon
