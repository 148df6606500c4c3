// WebhookDispatcher: POSTs every event of the daemon's event log, in order, to one
// configured URL, as the JSON of its EventRecord ({"seq": N, "event": {...}}) with the
// header X-Stayaway-Event-Seq, signed with X-Stayaway-Signature when the daemon has a
// webhook secret (webhook_signature.h). A 2xx answer moves the delivery cursor on; anything else
// (refused connection, timeout, 5xx, 4xx) is retried with exponential backoff (0.1 s
// doubling to 30 s) and nothing is ever skipped, so a dead receiver costs only its own lag.
//
// The outbox is the event log itself plus this cursor, kept in
// <data_dir>/webhooks/<hash of the URL>.cursor (written atomically by rename), so a
// restart resumes after the last delivered event: delivery is at least once. Receivers
// deduplicate by seq. (The event log becomes durable with the journal.)
//
// A new webhook (no cursor yet) starts from now: the next event the log takes, not the
// centre's whole history; `from_start` makes it begin at event 1 instead. The start is
// saved as its cursor at once, so a restart before the first delivery keeps it.
//
// `kinds` keeps a webhook to events of those kinds (an integrator's SOS pager, say): the
// others are passed over, the cursor moving past them as if delivered.
//
// http:// and https:// URLs (webhook_post.h); over https the receiver's certificate is
// checked, and a certificate that fails the check is a failed delivery like a refused
// connection: logged with its reason, counted, retried with the same backoff. Each
// dispatcher runs on its own thread and never blocks the engine. Thread-safe.
#ifndef STAYAWAY_DAEMON_WEBHOOK_DISPATCHER_H_
#define STAYAWAY_DAEMON_WEBHOOK_DISPATCHER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "daemon/webhook_post.h"
#include "ingest/monitoring_service.h"

namespace stayaway::daemon {

class WebhookDispatcher {
 public:
  // `secret`: signs each POST (webhook_signature.h); empty: unsigned. `outcome`, when
  // set, hears of each POST's answer (a failed one will be retried). `tls`: the client
  // context for an https:// target (MakeWebhookTlsContext), shared.
  WebhookDispatcher(ingest::EventFeed& service, std::string url, WebhookUrl target,
                    std::string cursor_path, std::string secret = "",
                    std::function<void(const WebhookAnswer& answer)> outcome = nullptr,
                    bool from_start = false, std::vector<v1::Event::Kind> kinds = {},
                    std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  ~WebhookDispatcher();  // Stop()s
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  void Start();
  void Stop();
  // The seq of the next event to deliver.
  uint64_t next_seq() const;

 private:
  void Run();
  bool Deliver(const std::string& body, uint64_t seq);
  void SaveCursor(uint64_t next);

  ingest::EventFeed& service_;
  const std::string url_;
  const WebhookUrl target_;
  const std::string secret_;
  const std::string cursor_path_;
  const std::string metrics_name_;
  const std::function<void(const WebhookAnswer&)> outcome_;
  const std::vector<v1::Event::Kind> kinds_;  // empty: every kind
  const std::shared_ptr<boost::asio::ssl::context> tls_;
  uint64_t listener_ = 0;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;    // guarded by mu_
  bool new_events_ = false;  // guarded by mu_
  uint64_t next_seq_ = 1;    // guarded by mu_
  std::thread thread_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_WEBHOOK_DISPATCHER_H_
