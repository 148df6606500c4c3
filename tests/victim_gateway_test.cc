// Messages to protected persons through the centre's SMS or voice gateway, on the real
// daemon with a real HTTP receiver (daemon/victim_gateway.h): an order's victim_gateways
// get her app's notification as text, signed like every webhook, told no more than her
// order allows; an order that tells her nothing sends nothing; a gateway's refusal is
// counted, not retried; a new daemon never sends her the past.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/hex.h"
#include "base/hmac_sha256.h"
#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"
#include "tests/protected_person_harness.h"
#include "tests/webhook_receiver.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary
namespace pbutil = google::protobuf::util;

constexpr char kSecret[] = "the-centre-and-its-sms-gateway-share-this";

// A daemon that signs its webhooks with kSecret.
std::vector<std::string> SigningFlags() {
  const fs::path secret = fs::path(::testing::TempDir()) / "victim-gateway-secret";
  std::ofstream(secret) << kSecret << "\n";
  return {"--webhook-secret-file", secret.string()};
}

// ", "victim_gateways": [...]" for one gateway of `person` at `url`.
std::string Gateway(const std::string& person, const std::string& url,
                    const std::string& extra = "") {
  return R"(, "victim_gateways": [{"person": ")" + person + R"(", "url": ")" + url +
         R"(", "to": "+996555000111", "channel": "sms")" + extra + "}]";
}

v1::VictimMessage Parse(const WebhookReceiver::Request& request) {
  v1::VictimMessage message;
  EXPECT_TRUE(pbutil::JsonStringToMessage(request.body, &message).ok()) << request.body;
  return message;
}

// The message about a violation among `requests` (an approach may be told as "near"
// first, then escalate).
std::optional<v1::VictimMessage> ViolationMessage(
    const std::vector<WebhookReceiver::Request>& requests) {
  for (const WebhookReceiver::Request& request : requests) {
    const v1::VictimMessage message = Parse(request);
    if (message.alert().proximity() == v1::ProtectedAlert::within_violation) return message;
  }
  return std::nullopt;
}

TEST(VictimGateway, HerSmsSaysWhatHerAppWouldSignedAndWithoutHisPosition) {
  WebhookReceiver gateway;
  Daemon daemon(SigningFlags());
  PutOrder(daemon, "KG-1", "KG", "v-KG", "", Gateway("v-KG", gateway.url()));
  WalkIn(daemon, "KG");
  const std::string id = WaitForOpenAlertId(daemon.http(), "KG-1");
  ASSERT_FALSE(id.empty()) << daemon.Log();
  std::vector<WebhookReceiver::Request> requests;
  for (int i = 0; i < 100 && !ViolationMessage(requests = gateway.accepted()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::optional<v1::VictimMessage> message = ViolationMessage(requests);
  ASSERT_TRUE(message.has_value()) << daemon.Log();
  EXPECT_EQ(message->to(), "+996555000111");
  EXPECT_EQ(message->channel(), "sms");
  EXPECT_EQ(message->person(), "v-KG");
  EXPECT_EQ(message->order_id(), "KG-1");
  EXPECT_EQ(message->alert().alert_id(), id);
  EXPECT_EQ(message->alert().kind(), v1::Event::proximity_violation);
  EXPECT_FALSE(message->alert().has_distance_m());  // band: no distance
  EXPECT_GT(message->seq(), 0u);
  EXPECT_TRUE(Contains(message->text(), "Move to a safe place now. Help is informed."))
      << message->text();
  EXPECT_FALSE(Contains(message->text(), " m away")) << message->text();
  for (const WebhookReceiver::Request& request : requests) {
    for (const std::string& coordinate : kCoordinates) {
      EXPECT_FALSE(Contains(request.body, coordinate)) << request.body;
    }
    // Signed as every webhook is: the gateway recomputes the HMAC with the shared secret.
    EXPECT_EQ(request.Header("X-Stayaway-Signature"),
              "sha256=" + HexEncode(HmacSha256(kSecret, request.body)));
    EXPECT_EQ(request.Header("X-Stayaway-Event-Seq"), std::to_string(Parse(request).seq()));
    EXPECT_TRUE(Contains(request.head, "POST /hook HTTP/1.1")) << request.head;
  }
  // The gateway has the message before the daemon has read its answer: wait for that.
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = Http(daemon.http(), "GET", "/metrics").body;
    if (Contains(metrics, "stayaway_victim_messages_total{result=\"delivered\"}")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(Contains(metrics, "stayaway_victim_messages_total{result=\"delivered\"}")) << metrics;
  // The phone number is the centre's business: an auditor's order view leaves it out.
  const HttpReply issued = Http(daemon.http(), "POST", "/v1/credentials",
                                R"({"name": "ministry", "roles": ["auditor"]})");
  ASSERT_EQ(issued.status, 201) << issued.body;
  v1::IssuedCredential auditor;
  ASSERT_TRUE(pbutil::JsonStringToMessage(issued.body, &auditor).ok());
  const HttpReply audited = HttpAs(auditor.token(), daemon.http(), "GET", "/v1/orders/KG-1");
  EXPECT_EQ(audited.status, 200) << audited.body;
  EXPECT_FALSE(Contains(audited.body, "+996")) << audited.body;
  EXPECT_TRUE(Contains(Http(daemon.http(), "GET", "/v1/orders/KG-1").body, "+996"));

  // Restarted without its cursor, the daemon starts from the end of the log: she is not
  // sent the past again.
  const size_t before = gateway.accepted().size();
  ASSERT_EQ(daemon.Stop(), 0);
  fs::remove(daemon.dir() / "data" / "webhooks" / "victim-gateways.cursor");
  Daemon again(SigningFlags(), daemon.dir());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(gateway.accepted().size(), before);
  EXPECT_EQ(again.Stop(), 0);
}

TEST(VictimGateway, TheOrderChoosesTheWordsAndWhatSheIsTold) {
  WebhookReceiver distance_gateway, untold_gateway;
  Daemon daemon;
  // Russian, with the distance, in the centre's own words.
  PutOrder(
      daemon, "RU-1", "RU", "v-RU", "distance",
      Gateway("v-RU", distance_gateway.url(),
              R"(, "language": "ru", "text_template": "Тревога {alert}: {status} {distance}")"));
  // An order that tells her nothing sends her nothing, gateway or not.
  PutOrder(daemon, "NO-1", "NO", "v-NO", "none", Gateway("v-NO", untold_gateway.url()));
  WalkIn(daemon, "RU");
  WalkIn(daemon, "NO");
  const std::string id = WaitForOpenAlertId(daemon.http(), "RU-1");
  ASSERT_FALSE(WaitForOpenAlertId(daemon.http(), "NO-1").empty());
  std::vector<WebhookReceiver::Request> requests;
  for (int i = 0; i < 100 && !ViolationMessage(requests = distance_gateway.accepted()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::optional<v1::VictimMessage> message = ViolationMessage(requests);
  ASSERT_TRUE(message.has_value()) << daemon.Log();
  ASSERT_TRUE(message->alert().has_distance_m());
  const double metres = message->alert().distance_m();
  EXPECT_EQ(std::fmod(metres, 10.0), 0.0) << metres;  // rounded to 10 m, as her app is told
  EXPECT_EQ(message->text(), "Тревога " + id +
                                 ": Уйдите в безопасное место. Помощь извещена. Около " +
                                 std::to_string(static_cast<long>(metres)) + " м.");
  EXPECT_TRUE(message->alert().has_certainty());
  // Unsigned when the daemon has no secret.
  EXPECT_EQ(requests.front().Header("X-Stayaway-Signature"), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(untold_gateway.requests(), 0);
}

TEST(VictimGateway, ARefusalIsCountedNotRetriedAndBadGatewaysAreRefusedWithTheOrder) {
  WebhookReceiver gateway(/*failures=*/100, "400 Unknown number");
  Daemon daemon;
  PutOrder(daemon, "KG-1", "KG", "v-KG", "", Gateway("v-KG", gateway.url()));
  WalkIn(daemon, "KG");
  ASSERT_FALSE(WaitForOpenAlertId(daemon.http(), "KG-1").empty());
  std::string metrics;
  for (int i = 0; i < 100 && !Contains(metrics, "victim_messages_total{result=\"refused\"}"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    metrics = Http(daemon.http(), "GET", "/metrics").body;
  }
  EXPECT_TRUE(Contains(metrics, "victim_messages_total{result=\"refused\"}")) << metrics;
  EXPECT_TRUE(Contains(daemon.Log(), "victim gateway refused a message")) << daemon.Log();
  // One request per message: a 4xx is not tried again.
  const int requests = gateway.requests();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(gateway.requests(), requests);
  EXPECT_LE(requests, 2);  // near, then violation at most

  // Gateways are checked with the order: someone it does not protect, a URL the daemon
  // cannot post to, a channel or a language it does not know.
  for (const std::string& bad : std::vector<std::string>{
           Gateway("s-OT", "http://127.0.0.1:9/x"), Gateway("v-OT", "ftp://gateway/x"),
           Gateway("v-OT", "https://"),
           Gateway("v-OT", "http://127.0.0.1:9/x", R"(, "channel": "fax")"),
           Gateway("v-OT", "http://127.0.0.1:9/x", R"(, "language": "fr")"),
           R"(, "victim_gateways": [{"person": "v-OT", "url": "http://127.0.0.1:9/x"}])"}) {
    const std::string order =
        R"({"id": "OT-1", "version": 1, "supervised": {"id": "s-OT", "devices": ["tag-OT"]},
            "protected": [{"id": "v-OT", "devices": ["phone-OT"]}],
            "violation_distance_m": 300)" +
        bad + "}";
    const HttpReply refused = Http(daemon.http(), "POST", "/v1/orders", order);
    EXPECT_EQ(refused.status, 400) << bad << " -> " << refused.body;
    EXPECT_TRUE(Contains(refused.body, "victim_gateways[0]")) << refused.body;
  }
}

}  // namespace
}  // namespace stayaway
