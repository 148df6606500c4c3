#include "daemon/webhook_signature.h"

#include "base/file_io.h"
#include "base/hex.h"
#include "base/hmac_sha256.h"

namespace stayaway::daemon {

std::string WebhookSignature(std::string_view secret, std::string_view body) {
  return "sha256=" + HexEncode(HmacSha256(secret, body));
}

void SignWebhook(std::string_view secret, std::string_view body,
                 std::vector<std::pair<std::string, std::string>>* headers) {
  if (secret.empty()) return;
  headers->emplace_back(std::string(kWebhookSignatureHeader), WebhookSignature(secret, body));
}

StatusOr<std::string> ReadWebhookSecret(const std::string& path) {
  StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return InvalidArgument("webhook secret " + path + ": " + text.status().message());
  std::string secret = std::move(*text);
  if (secret.ends_with("\r\n")) {
    secret.resize(secret.size() - 2);
  } else if (secret.ends_with('\n')) {
    secret.pop_back();
  }
  if (secret.size() < 16) {
    return InvalidArgument("webhook secret " + path + ": shorter than 16 bytes");
  }
  return secret;
}

}  // namespace stayaway::daemon
