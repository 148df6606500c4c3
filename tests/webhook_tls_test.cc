// https:// webhooks on the real daemon (daemon/webhook_post.h): a receiver in the test
// serves certificates made here with the openssl command (a CA, a certificate it signs for
// localhost, one it signs for another name). With the CA named in --webhook-ca every event
// arrives in order, signed, with Host naming the port; a certificate the daemon does not
// trust, or one for another name, gets nothing delivered, the failure counted in /metrics
// with its reason; given the right CA after a restart, delivery resumes from the cursor in
// order. A victim gateway posts through the same client.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "base/hex.h"
#include "base/hmac_sha256.h"
#include "tests/daemon_harness.h"
#include "tests/protected_person_harness.h"
#include "tests/test_certificates.h"
#include "tests/webhook_receiver.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

constexpr char kSecret[] = "the-centre-and-its-integrator-share-this";

class WebhookTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = fs::path(::testing::TempDir()) / ("webhook-tls-" + std::to_string(::getpid()));
    fs::remove_all(certs_);
    fs::create_directories(certs_);
    made_ = MakeTestCertificates(certs_);
    std::ofstream(certs_ / "secret") << kSecret << "\n";
  }
  static void TearDownTestSuite() { fs::remove_all(certs_); }
  void SetUp() override { ASSERT_TRUE(made_) << "openssl could not make the certificates"; }

  // An https receiver showing the certificate `name` (localhost, other-name), its URL
  // naming `host`.
  static WebhookReceiverOptions Receiver(const std::string& name,
                                         const std::string& host = "localhost") {
    WebhookReceiverOptions options;
    options.certificate_chain = (certs_ / (name + ".pem")).string();
    options.private_key = (certs_ / (name + ".key")).string();
    options.url_host = host;
    return options;
  }
  static std::string Ca() { return (certs_ / "ca.pem").string(); }
  static std::string Secret() { return (certs_ / "secret").string(); }

  static inline fs::path certs_;
  static inline bool made_ = false;
};

// An order and six strap events (open, closed, three times): events 1 to 6.
void SixStrapEvents(Daemon& daemon) {
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const TimeMs t = NowMs() - 60'000;
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(
        Http(daemon.http(), "POST", "/v1/traccar",
             TraccarForward("tag-1", t + 1000 * i, 42.87, 74.59, i % 2 == 0 ? "tampering" : ""))
            .status,
        200);
  }
}

// Waits up to `seconds` for `receiver` to have accepted `count` requests; what it accepted.
std::vector<WebhookReceiver::Request> AwaitAccepted(const WebhookReceiver& receiver, size_t count,
                                                    int seconds = 10) {
  for (int i = 0; i < seconds * 20 && receiver.accepted().size() < count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return receiver.accepted();
}

// The receiver's failed handshakes, asked every 50 ms until there is one (10 s at most):
// the daemon counts its side of a failed handshake as soon as it judges the certificate,
// and the receiver its own only once the daemon's alert or close has reached it.
int AwaitFailedHandshakes(const WebhookReceiver& receiver) {
  for (int i = 0; i < 200 && receiver.failed_handshakes() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return receiver.failed_handshakes();
}

// The value of the metrics sample `series`, asked every 50 ms until it is at least 1 (10 s
// at most); 0 when it never appeared.
double AwaitMetric(Daemon& daemon, const std::string& series) {
  for (int i = 0; i < 200; ++i) {
    const std::string metrics = Http(daemon.http(), "GET", "/metrics").body;
    const size_t at = metrics.find("\n" + series + " ");
    if (at != std::string::npos) return std::stod(metrics.substr(at + series.size() + 2));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

// Each of `requests` is event 1, 2, 3, ... in order, signed with kSecret, Host `host`.
void ExpectInOrderSigned(const std::vector<WebhookReceiver::Request>& requests, size_t count,
                         const std::string& host) {
  ASSERT_GE(requests.size(), count);
  for (size_t i = 0; i < count; ++i) {
    const std::string& body = requests[i].body;
    EXPECT_EQ(body.rfind("{\"seq\":" + std::to_string(i + 1) + ",", 0), 0u) << body;
    EXPECT_EQ(requests[i].Header("X-Stayaway-Event-Seq"), std::to_string(i + 1));
    // The integrator's check: the HMAC-SHA256 of the raw body under the shared secret.
    EXPECT_EQ(requests[i].Header("X-Stayaway-Signature"),
              "sha256=" + HexEncode(HmacSha256(kSecret, body)));
    EXPECT_EQ(requests[i].Header("Host"), host);
  }
}

TEST_F(WebhookTls, WithTheCentresCaEveryEventArrivesInOrderSignedWithHostAndPort) {
  WebhookReceiver receiver(Receiver("localhost"));
  Daemon daemon({"--webhook", receiver.url(), "--webhook-ca", Ca(), "--webhook-secret-file",
                 Secret(), "--webhook-from", "start"});
  SixStrapEvents(daemon);
  ExpectInOrderSigned(AwaitAccepted(receiver, 6), 6,
                      "localhost:" + std::to_string(receiver.port()));
  EXPECT_EQ(receiver.failed_handshakes(), 0);
  // The receiver has the sixth event before the daemon has read its answer: wait for that.
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = Http(daemon.http(), "GET", "/metrics").body;
    if (Contains(metrics, "stayaway_webhook_deliveries_total{result=\"delivered\"} 6\n")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(Contains(metrics, "stayaway_webhook_deliveries_total{result=\"delivered\"} 6\n"))
      << metrics;
  EXPECT_FALSE(Contains(metrics, "stayaway_webhook_failures_total{")) << metrics;
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST_F(WebhookTls, AnIpAddressInTheUrlIsCheckedAgainstTheCertificatesAddresses) {
  WebhookReceiver receiver(Receiver("localhost", "127.0.0.1"));
  Daemon daemon({"--webhook", receiver.url(), "--webhook-ca", Ca(), "--webhook-secret-file",
                 Secret(), "--webhook-from", "start"});
  SixStrapEvents(daemon);
  ExpectInOrderSigned(AwaitAccepted(receiver, 6), 6,
                      "127.0.0.1:" + std::to_string(receiver.port()));
  EXPECT_EQ(daemon.Stop(), 0);
}

// The centre forgot --webhook-ca: the system's trust store does not know the test CA.
// Nothing is delivered and the reason is counted; restarted with the CA, the webhook
// resumes at its cursor and gets every event, in order, once.
TEST_F(WebhookTls, AnUntrustedCertificateGetsNothingUntilTheRightCaIsGivenThenEverythingInOrder) {
  WebhookReceiver receiver(Receiver("localhost"));
  fs::path dir;
  {
    Daemon daemon({"--webhook", receiver.url(), "--webhook-secret-file", Secret()});
    dir = daemon.dir();
    SixStrapEvents(daemon);
    EXPECT_GE(
        AwaitMetric(daemon,
                    "stayaway_webhook_failures_total{to=\"webhook\",reason=\"tls_untrusted\"}"),
        1)
        << daemon.Log();
    EXPECT_GE(AwaitMetric(daemon, "stayaway_webhook_deliveries_total{result=\"failed\"}"), 1);
    EXPECT_GE(AwaitFailedHandshakes(receiver), 1);
    EXPECT_TRUE(receiver.accepted().empty());
    EXPECT_EQ(receiver.requests(), 0);  // not a byte of an event went out
    // The log says why, in words.
    EXPECT_TRUE(Contains(daemon.Log(), "certificate verify failed")) << daemon.Log();
    EXPECT_TRUE(Contains(daemon.Log(), "tls_untrusted")) << daemon.Log();
    EXPECT_EQ(daemon.Stop(), 0);
  }
  Daemon daemon(
      {"--webhook", receiver.url(), "--webhook-ca", Ca(), "--webhook-secret-file", Secret()}, dir);
  const std::vector<WebhookReceiver::Request> requests = AwaitAccepted(receiver, 6);
  ExpectInOrderSigned(requests, 6, "localhost:" + std::to_string(receiver.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(receiver.accepted().size(), 6u);  // each once
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST_F(WebhookTls, ACertificateForAnotherNameGetsNothingAndTheReasonIsCounted) {
  WebhookReceiver receiver(Receiver("other-name"));  // signed by the CA, for another name
  Daemon daemon({"--webhook", receiver.url(), "--webhook-ca", Ca(), "--webhook-from", "start"});
  SixStrapEvents(daemon);
  EXPECT_GE(AwaitMetric(daemon,
                        "stayaway_webhook_failures_total{to=\"webhook\",reason=\"tls_hostname\"}"),
            1)
      << daemon.Log();
  EXPECT_GE(AwaitFailedHandshakes(receiver), 1);
  EXPECT_TRUE(receiver.accepted().empty());
  EXPECT_TRUE(Contains(daemon.Log(), "hostname mismatch")) << daemon.Log();
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST_F(WebhookTls, AnUnusableCaStopsStartUpSayingSo) {
  const fs::path junk = certs_ / "junk.pem";
  std::ofstream(junk) << "not a certificate\n";
  const fs::path log = certs_ / "junk.log";
  const int status =
      std::system((DaemonBinary().string() + " --webhook-ca " + junk.string() + " --data-dir " +
                   (certs_ / "junk-data").string() +
                   " --ingest-port 0 --http-port 0 --osmand-port 0 2>" + log.string())
                      .c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(Contains(text, "cannot set up webhook TLS")) << text;
  EXPECT_TRUE(Contains(text, "junk.pem")) << text;
}

// A victim gateway is posted through the same client: https with the centre's CA.
TEST_F(WebhookTls, AVictimGatewayOverHttpsGetsHerMessage) {
  WebhookReceiver gateway(Receiver("localhost"));
  Daemon daemon({"--webhook-ca", Ca(), "--webhook-secret-file", Secret()});
  PutOrder(daemon, "KG-1", "KG", "v-KG", "",
           R"(, "victim_gateways": [{"person": "v-KG", "url": ")" + gateway.url() +
               R"(", "to": "+996555000111", "channel": "sms"}])");
  WalkIn(daemon, "KG");
  const std::vector<WebhookReceiver::Request> requests = AwaitAccepted(gateway, 1);
  ASSERT_FALSE(requests.empty()) << daemon.Log();
  EXPECT_TRUE(Contains(requests[0].body, "+996555000111")) << requests[0].body;
  EXPECT_EQ(requests[0].Header("X-Stayaway-Signature"),
            "sha256=" + HexEncode(HmacSha256(kSecret, requests[0].body)));
  EXPECT_EQ(requests[0].Header("Host"), "localhost:" + std::to_string(gateway.port()));
  EXPECT_EQ(daemon.Stop(), 0);
}

}  // namespace
}  // namespace stayaway
