// The signature on every webhook stayawayd sends (the event webhooks, the victim
// gateways), so that a receiver can tell its messages from anyone else's:
//   X-Stayaway-Signature: sha256=HEX
// where HEX is the lower-case hex HMAC-SHA256 of the request body under the secret in
// --webhook-secret-file (the file's bytes, a final newline removed). Without a secret no
// header is sent. Pure; thread-safe.
#ifndef STAYAWAY_DAEMON_WEBHOOK_SIGNATURE_H_
#define STAYAWAY_DAEMON_WEBHOOK_SIGNATURE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace stayaway::daemon {

inline constexpr std::string_view kWebhookSignatureHeader = "X-Stayaway-Signature";

// "sha256=" and the hex HMAC-SHA256 of `body` under `secret`.
std::string WebhookSignature(std::string_view secret, std::string_view body);

// The signature header for `body`, appended to `headers` when `secret` is not empty.
void SignWebhook(std::string_view secret, std::string_view body,
                 std::vector<std::pair<std::string, std::string>>* headers);

// The secret in `path`: its bytes without one final newline. Refused: an unreadable or
// empty file, or one shorter than 16 bytes (a guessable secret signs nothing).
StatusOr<std::string> ReadWebhookSecret(const std::string& path);

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_WEBHOOK_SIGNATURE_H_
