#include "daemon/webhook_post.h"

#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace stayaway::daemon {
namespace {

TEST(WebhookUrl, HttpAndHttpsWithTheirDefaultPorts) {
  auto plain = ParseWebhookUrl("http://alerts.centre.local/stayaway/events?v=1");
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_FALSE(plain->https);
  EXPECT_EQ(plain->host, "alerts.centre.local");
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->path, "/stayaway/events?v=1");
  auto secure = ParseWebhookUrl("https://alerts.centre.local");
  ASSERT_TRUE(secure.ok()) << secure.status().message();
  EXPECT_TRUE(secure->https);
  EXPECT_EQ(secure->port, 443);
  EXPECT_EQ(secure->path, "/");
  auto other_port = ParseWebhookUrl("https://alerts.centre.local:8443/hook");
  ASSERT_TRUE(other_port.ok());
  EXPECT_EQ(other_port->port, 8443);
  EXPECT_EQ(other_port->path, "/hook");
  EXPECT_EQ(ParseWebhookUrl("http://h?x=1")->path, "/?x=1");  // a query without a path
}

TEST(WebhookUrl, HostHeaderCarriesThePortUnlessItIsTheSchemesDefault) {
  EXPECT_EQ(ParseWebhookUrl("http://h.example/")->HostHeader(), "h.example");
  EXPECT_EQ(ParseWebhookUrl("http://h.example:80/")->HostHeader(), "h.example");
  EXPECT_EQ(ParseWebhookUrl("http://h.example:443/")->HostHeader(), "h.example:443");
  EXPECT_EQ(ParseWebhookUrl("https://h.example/")->HostHeader(), "h.example");
  EXPECT_EQ(ParseWebhookUrl("https://h.example:443/")->HostHeader(), "h.example");
  EXPECT_EQ(ParseWebhookUrl("https://h.example:80/")->HostHeader(), "h.example:80");
  EXPECT_EQ(ParseWebhookUrl("https://127.0.0.1:8443/")->HostHeader(), "127.0.0.1:8443");
}

TEST(WebhookUrl, Ipv6LiteralsInBrackets) {
  auto url = ParseWebhookUrl("https://[2001:db8::7]:8443/hook");
  ASSERT_TRUE(url.ok()) << url.status().message();
  EXPECT_EQ(url->host, "2001:db8::7");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->HostHeader(), "[2001:db8::7]:8443");
  auto loopback = ParseWebhookUrl("http://[::1]/");
  ASSERT_TRUE(loopback.ok()) << loopback.status().message();
  EXPECT_EQ(loopback->host, "::1");
  EXPECT_EQ(loopback->port, 80);
  EXPECT_EQ(loopback->HostHeader(), "[::1]");
  EXPECT_FALSE(ParseWebhookUrl("http://[::1/").ok());         // no ]
  EXPECT_FALSE(ParseWebhookUrl("http://[not-an-ip]/").ok());  // not IPv6
  EXPECT_FALSE(ParseWebhookUrl("http://[::1]x/").ok());       // text after it
  EXPECT_FALSE(ParseWebhookUrl("http://[::1]:/").ok());       // an empty port
  EXPECT_FALSE(ParseWebhookUrl("http://::1/").ok());          // unbracketed: a bad port
}

TEST(WebhookUrl, RefusesWhatItCannotPostToSafely) {
  for (const char* bad : {
           "ftp://h/",                 // another scheme
           "HTTP://h/",                // schemes are taken in lower case only
           "h.example/hook",           // no scheme
           "http://",                  // no host
           "https://:8443/",           // no host
           "http://h:0/",              // port 0
           "http://h:99999/",          // beyond 65535
           "http://h:80x/",            // not a number
           "http://h:/",               // empty port
           "http://user:pw@h/",        // credentials in the URL
           "http://h/a b",             // a space would split the request line
           "http://h/a\r\nX-Evil: 1",  // nor may a line end
           "http://h/#frag",           // a fragment is never sent
       }) {
    EXPECT_FALSE(ParseWebhookUrl(bad).ok()) << bad;
  }
}

TEST(WebhookTlsContext, ACaFileThatCannotBeReadIsRefusedByName) {
  const auto missing = MakeWebhookTlsContext("/nonexistent/centre-ca.pem");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/centre-ca.pem"), std::string::npos);
  const std::filesystem::path junk = std::filesystem::path(::testing::TempDir()) / "junk-ca.pem";
  std::ofstream(junk) << "not a certificate\n";
  EXPECT_FALSE(MakeWebhookTlsContext(junk.string()).ok());
  EXPECT_TRUE(MakeWebhookTlsContext("").ok());  // the system's trust store
}

TEST(PostWebhook, FailuresAreAnswersWithReasons) {
  // Nothing listens on port 1 of loopback: refused, not thrown.
  const WebhookAnswer refused = PostWebhook(*ParseWebhookUrl("http://127.0.0.1:1/"), "{}", {});
  EXPECT_FALSE(refused.delivered());
  EXPECT_EQ(refused.status, 0);
  EXPECT_EQ(refused.failure, "connect") << refused.status_line;
  // https without a client context: refused before any connection.
  const WebhookAnswer no_tls = PostWebhook(*ParseWebhookUrl("https://127.0.0.1:1/"), "{}", {});
  EXPECT_EQ(no_tls.failure, "tls_handshake") << no_tls.status_line;
  // A name no resolver knows (.invalid is reserved for exactly that, RFC 6761).
  const WebhookAnswer unknown = PostWebhook(*ParseWebhookUrl("http://receiver.invalid/"), "{}", {});
  EXPECT_EQ(unknown.failure, "resolve") << unknown.status_line;
}

}  // namespace
}  // namespace stayaway::daemon
