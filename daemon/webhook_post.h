// One HTTP POST to a webhook receiver (the event webhooks, the victim gateways): a fresh
// connection, the request, the status line read back, the connection closed. Plain
// http:// only for now. Blocking with a 10 s limit on each wait; thread-safe (no state).
#ifndef STAYAWAY_DAEMON_WEBHOOK_POST_H_
#define STAYAWAY_DAEMON_WEBHOOK_POST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace stayaway::daemon {

struct WebhookUrl {
  std::string host;
  uint16_t port = 80;
  std::string path = "/";
};

// Accepts http://HOST[:PORT][/PATH]; refuses other schemes with a message.
StatusOr<WebhookUrl> ParseWebhookUrl(std::string_view url);

struct WebhookAnswer {
  int status = 0;           // the HTTP status; 0 when no answer came (refused, timeout)
  std::string status_line;  // "HTTP/1.1 204 No Content", or why there is none
  bool delivered() const { return status >= 200 && status < 300; }
};

// POSTs `body` as application/json with the extra `headers` (name, value). The Host
// header carries the port when it is not 80.
WebhookAnswer PostWebhook(const WebhookUrl& target, std::string_view body,
                          const std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_WEBHOOK_POST_H_
