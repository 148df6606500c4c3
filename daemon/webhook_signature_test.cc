#include "daemon/webhook_signature.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace stayaway::daemon {
namespace {

namespace fs = std::filesystem;

TEST(WebhookSignature, IsTheHexHmacSha256OfTheBody) {
  // RFC 4231, test case 2.
  EXPECT_EQ(WebhookSignature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookSignature, IsAddedOnlyWithASecret) {
  std::vector<std::pair<std::string, std::string>> headers;
  SignWebhook("", "{}", &headers);
  EXPECT_TRUE(headers.empty());
  SignWebhook("0123456789abcdef", "{}", &headers);
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].first, "X-Stayaway-Signature");
  EXPECT_EQ(headers[0].second, WebhookSignature("0123456789abcdef", "{}"));
}

TEST(WebhookSignature, TheSecretFileLosesItsFinalNewlineAndMustBeLongEnough) {
  const fs::path dir = fs::path(::testing::TempDir()) / "webhook-secret-test";
  fs::create_directories(dir);
  std::ofstream(dir / "good") << "a-long-enough-shared-secret\n";
  std::ofstream(dir / "crlf") << "a-long-enough-shared-secret\r\n";
  std::ofstream(dir / "short") << "short\n";
  std::ofstream(dir / "empty");
  EXPECT_EQ(ReadWebhookSecret((dir / "good").string()).value(), "a-long-enough-shared-secret");
  EXPECT_EQ(ReadWebhookSecret((dir / "crlf").string()).value(), "a-long-enough-shared-secret");
  EXPECT_FALSE(ReadWebhookSecret((dir / "short").string()).ok());
  EXPECT_FALSE(ReadWebhookSecret((dir / "empty").string()).ok());
  EXPECT_FALSE(ReadWebhookSecret((dir / "missing").string()).ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stayaway::daemon
