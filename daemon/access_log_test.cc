#include "daemon/access_log.h"

#include <string>

#include <gtest/gtest.h>

namespace stayaway::daemon {
namespace {

int CountLines(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(AccessLog, RefusalsAreLimitedPerSecondAndTheRestSummedUp) {
  TimeMs now = 5'000;
  AccessLog log([&now] { return now; });
  testing::internal::CaptureStderr();
  int written = 0;
  for (int i = 0; i < AccessLog::kRefusalLinesPerSecond + 5; ++i) {
    written += log.Refused("http", "unauthenticated", "GET /v1/alerts from 10.0.0.9") ? 1 : 0;
  }
  now += 999;  // still the same second
  EXPECT_FALSE(log.Refused("tcp", "permission_denied", "subscribe"));
  now += 1;
  EXPECT_TRUE(log.Refused("tcp", "permission_denied", "subscribe"));
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(written, AccessLog::kRefusalLinesPerSecond);
  EXPECT_EQ(CountLines(out, "\"msg\":\"access refused\""), AccessLog::kRefusalLinesPerSecond + 1);
  EXPECT_EQ(CountLines(out, "\"suppressed\":\"6\""), 1);
  EXPECT_NE(out.find("GET /v1/alerts from 10.0.0.9"), std::string::npos);
}

TEST(AccessLog, AuditLinesAreNeverLimited) {
  AccessLog log([] { return TimeMs{0}; });
  testing::internal::CaptureStderr();
  for (int i = 0; i < 50; ++i) log.Audit("evidence exported", "'aud' (cred-1, auditor)", "a-1");
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountLines(out, "\"msg\":\"audit\""), 50);
  EXPECT_NE(out.find("\"action\":\"evidence exported\""), std::string::npos);
}

}  // namespace
}  // namespace stayaway::daemon
