// VictimGatewayDispatcher: messages to protected persons through the centre's SMS or
// voice gateways, for victims who do not use the app. It follows the event log like a
// webhook (webhook_dispatcher.h); for each event that would raise a notification in her
// app (an alert opened or escalated at the levels near, violation, sos, tamper:
// victim_text.h), and for each of the order's victim_gateways (proto: VictimGateway), it
// POSTs a v1.VictimMessage to the gateway's URL: her number, the channel, the text
// (victim_text.h) and her view of the alert, told as the order's victim_notification
// allows (ingest/protected_view.h; an order that tells her nothing sends nothing). Each
// POST is signed like every webhook (webhook_signature.h) and carries
// X-Stayaway-Event-Seq; the message's seq lets a gateway drop a repeat.
//
// Delivery: in log order, at least once. A 2xx answer is delivered; a 4xx is refused by
// the gateway (a bad number: retrying cannot help) and not sent again; anything else is
// retried with backoff, 0.1 s doubling, 8 attempts (about 25 s), then given up, so that
// one order's dead gateway delays the others by that much at most. Every outcome is
// logged and counted (stayaway_victim_messages_total{result}), and every failed attempt by
// its reason (webhook_post.h: WebhookAnswer::failure). Gateways may be http:// or
// https://, through the same client and certificate checks as webhooks. The cursor is kept in
// <data_dir>/webhooks/victim-gateways.cursor; a daemon that has none starts at the end of
// the log: a new gateway never sends the history. Its own thread; thread-safe.
#ifndef STAYAWAY_DAEMON_VICTIM_GATEWAY_H_
#define STAYAWAY_DAEMON_VICTIM_GATEWAY_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "daemon/webhook_post.h"
#include "ingest/monitoring_service.h"
#include "proto/stayaway.pb.h"

namespace date {
class time_zone;
}

namespace stayaway::daemon {

struct VictimGatewayOptions {
  std::string cursor_path;
  std::string secret;  // signs each POST (webhook_signature.h); empty: unsigned
  const date::time_zone* time_zone = nullptr;  // for {time}; required
  // Called with "delivered", "refused" or "failed" for every message.
  std::function<void(std::string_view result)> count;
  // Called with the reason of every attempt that failed (WebhookAnswer::failure).
  std::function<void(std::string_view reason)> count_failure;
  // The client context for https:// gateways (MakeWebhookTlsContext); shared.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Retry schedule (tests shorten it).
  std::chrono::milliseconds first_backoff{100};
  int attempts = 8;
};

// The messages one event sends, one per gateway of its order; none for an event that
// would not notify her, or an order that tells her nothing. Pure.
std::vector<v1::VictimMessage> VictimMessagesFor(const v1::EventRecord& record,
                                                 const v1::Order& order,
                                                 const date::time_zone& zone);

class VictimGatewayDispatcher {
 public:
  VictimGatewayDispatcher(ingest::EventFeed& feed, ingest::Catalogue& catalogue,
                          VictimGatewayOptions options);
  ~VictimGatewayDispatcher();  // Stop()s
  VictimGatewayDispatcher(const VictimGatewayDispatcher&) = delete;
  VictimGatewayDispatcher& operator=(const VictimGatewayDispatcher&) = delete;

  void Start();
  void Stop();
  // The seq of the next event to look at.
  uint64_t next_seq() const;

 private:
  void Run();
  // Sends the event's messages; false when Stop() came first.
  bool Send(const v1::EventRecord& record);
  // One message with its retries; false when Stop() came first.
  bool SendOne(const v1::VictimMessage& message, const std::string& url);
  bool WaitUnlessStopping(std::chrono::milliseconds how_long);
  void SaveCursor(uint64_t next);

  ingest::EventFeed& feed_;
  ingest::Catalogue& catalogue_;
  const VictimGatewayOptions options_;
  uint64_t listener_ = 0;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;    // guarded by mu_
  bool new_events_ = false;  // guarded by mu_
  uint64_t next_seq_ = 0;    // guarded by mu_; 0 until Start() knows where to begin
  std::thread thread_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_VICTIM_GATEWAY_H_
