// MQTT and OwnTracks end to end: Debian's real mosquitto broker, the real stayawayd
// connected to it ([mqtt] in its TOML configuration, a user and password the broker
// checks), and a libmosquitto client in the test publishing OwnTracks locations and
// stayaway fix JSON and subscribing to the events. Also the OwnTracks app's HTTP mode
// (POST /v1/owntracks with Basic credentials).
#include <gtest/gtest.h>
#include <sodium.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "ingest/owntracks_codec.h"
#include "tests/daemon_harness.h"
#include "tests/mqtt_harness.h"
#include "tests/stall_reporter.h"
#include "tests/test_certificates.h"

namespace stayaway::testing_harness {
namespace {

constexpr char kDaemonUser[] = "stayawayd";
constexpr char kDaemonPassword[] = "daemon-password-for-tests";
constexpr char kPhoneUser[] = "anna";
constexpr char kPhonePassword[] = "anna-password-for-tests";

fs::path TestDir(const std::string& name) {
  static int counter = 0;
  const fs::path dir =
      fs::path(::testing::TempDir()) /
      ("mqtt-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  DataDirCleanup::Add(dir);
  return dir;
}

// The daemon's TOML configuration for `broker`, with its password in a file.
std::vector<std::string> DaemonMqttArgs(const fs::path& dir, const MosquittoBroker& broker,
                                        const std::string& password = kDaemonPassword) {
  std::ofstream(dir / "mqtt-password") << password << "\n";
  std::ofstream(dir / "stayawayd.toml")
      << "[mqtt]\nbroker = \"" << broker.address() << "\"\nuser = \"" << kDaemonUser
      << "\"\npassword_file = \"" << (dir / "mqtt-password").string() << "\"\n";
  return {"--config", (dir / "stayawayd.toml").string()};
}

// The value of the metric line that starts with `series` ("name{labels}"), -1 when absent.
double MetricValue(const std::string& metrics, const std::string& series) {
  const std::string prefix = series + " ";
  for (size_t at = 0; (at = metrics.find(prefix, at)) != std::string::npos; at += prefix.size()) {
    if (at == 0 || metrics[at - 1] == '\n') {
      return std::strtod(metrics.c_str() + at + prefix.size(), nullptr);
    }
  }
  return -1;
}

// Polls GET /metrics every 20 ms for up to five seconds until `series` reads `value`;
// the last metrics text (for messages).
std::string WaitForMetric(uint16_t http, const std::string& series, double value) {
  std::string metrics;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    metrics = Http(http, "GET", "/metrics").body;
    if (MetricValue(metrics, series) == value) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return metrics;
}

// The same until `series` reads at least `value`.
std::string WaitForMetricAtLeast(uint16_t http, const std::string& series, double value) {
  std::string metrics;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    metrics = Http(http, "GET", "/metrics").body;
    if (MetricValue(metrics, series) >= value) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return metrics;
}

// A time a minute ago on a whole second (OwnTracks' tst has seconds only).
TimeMs MinuteAgo() { return (NowMs() / 1000 - 60) * 1000; }

// An OwnTracks location as the Android app publishes it.
std::string OwnTracksLocation(TimeMs t, double lat, double lon) {
  std::ostringstream j;
  j.precision(10);
  j << R"({"_type":"location","acc":5,"alt":760,"batt":87,"bs":1,"conn":"m","lat":)" << lat
    << R"(,"lon":)" << lon << R"(,"t":"u","tid":"a2","tst":)" << t / 1000
    << R"(,"vac":3,"vel":0,"created_at":)" << t / 1000 + 1 << "}";
  return j.str();
}

// The harness daemon, the order KG-7 loaded, connected to `broker`.
struct Centre {
  explicit Centre(const fs::path& dir, const MosquittoBroker& broker)
      : daemon(DaemonMqttArgs(dir, broker)) {
    EXPECT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
    const std::string metrics = WaitForMetric(daemon.http(), "stayaway_mqtt_connected", 1);
    EXPECT_EQ(MetricValue(metrics, "stayaway_mqtt_connected"), 1) << metrics << daemon.Log();
  }
  Daemon daemon;
};

// The README's ACL: each phone's broker user is its device id and writes only its own
// OwnTracks topic; gateways write fixes; the daemon reads those and writes events.
constexpr char kReadmeAcl[] =
    "user stayawayd\ntopic read owntracks/#\ntopic read stayaway/fixes\n"
    "topic write stayaway/events/#\n"
    "user gateway-1\ntopic write stayaway/fixes\n"
    "user watcher\ntopic read stayaway/events/#\n"
    "pattern write owntracks/%u/%u\n";

TEST(MqttTest, OwnTracksAndFixJsonOpenAnAlertPublishedOnTheOrderTopicWithQos1) {
  const fs::path dir = TestDir("alert");
  MosquittoBroker broker(dir / "broker",
                         {{kDaemonUser, kDaemonPassword},
                          {"phone-2", kPhonePassword},
                          {"gateway-1", kPhonePassword},
                          {"watcher", kPhonePassword}},
                         kReadmeAcl);
  Centre centre(dir, broker);
  const uint16_t http = centre.daemon.http();

  MqttTestClient watcher("watcher", true, "watcher", kPhonePassword, broker.port());
  ASSERT_EQ(watcher.WaitConnack(), 0);
  ASSERT_TRUE(watcher.Subscribe("stayaway/events/#"));
  MqttTestClient phone("phone-2", true, "phone-2", kPhonePassword, broker.port());
  ASSERT_EQ(phone.WaitConnack(), 0);
  MqttTestClient gateway("gateway-1", true, "gateway-1", kPhonePassword, broker.port());
  ASSERT_EQ(gateway.WaitConnack(), 0);

  // The protected person's phone reports through OwnTracks; the tag through a gateway
  // publishing stayaway's own fix JSON: one fix as an object, one in an array. The phone
  // trying to report as the tag, or as stayaway fix JSON, is dropped by the broker's ACL.
  const TimeMs t = MinuteAgo();
  ASSERT_TRUE(phone.Publish("owntracks/phone-2/tag-1", OwnTracksLocation(t, 42.87, 74.59)));
  ASSERT_TRUE(phone.Publish("stayaway/fixes", FixJson("tag-1", 9, t, 74.59)));
  ASSERT_TRUE(phone.Publish("owntracks/phone-2/phone-2", OwnTracksLocation(t, 42.87, 74.59)));
  ASSERT_TRUE(gateway.Publish("stayaway/fixes", FixJson("tag-1", 1, t + 1000, 74.5905)));
  ASSERT_TRUE(
      gateway.Publish("stayaway/fixes", "[" + FixJson("tag-1", 2, t + 11'000, 74.5905) + "]"));

  // Evaluated: 41 m apart for 10 s opens a proximity alert.
  const std::string alert_id = WaitForOpenAlertId(http, "KG-7");
  ASSERT_FALSE(alert_id.empty()) << centre.daemon.Log();
  const HttpReply phone_status = Http(http, "GET", "/v1/devices/phone-2");
  EXPECT_TRUE(Contains(phone_status.body, "\"battery_pct\":87")) << phone_status.body;

  // Published on the order's topic with QoS 1, as webhooks send it.
  ASSERT_TRUE(watcher.WaitFor([&](const std::vector<MqttMessage>& messages) {
    for (const MqttMessage& m : messages) {
      if (m.topic == "stayaway/events/KG-7" && Contains(m.payload, alert_id)) return true;
    }
    return false;
  })) << centre.daemon.Log();
  for (const MqttMessage& m : watcher.messages()) {
    EXPECT_EQ(m.qos, 1) << m.topic;
    EXPECT_EQ(m.topic, "stayaway/events/KG-7");
    EXPECT_TRUE(m.payload.starts_with("{\"seq\":")) << m.payload;
    EXPECT_TRUE(Contains(m.payload, "\"event\":{\"alert_id\":\"")) << m.payload;
  }

  // Counted once the broker's PUBACK is in, which may come after the watcher has it.
  WaitForMetric(http, "stayaway_mqtt_messages_total{format=\"stayaway\",outcome=\"accepted\"}", 2);
  const std::string metrics = WaitForMetricAtLeast(http, "stayaway_mqtt_events_published_total", 1);
  EXPECT_EQ(MetricValue(metrics,
                        "stayaway_mqtt_messages_total{format=\"stayaway\",outcome=\"accepted\"}"),
            2)
      << metrics;
  EXPECT_EQ(MetricValue(metrics,
                        "stayaway_mqtt_messages_total{format=\"owntracks\",outcome=\"accepted\"}"),
            1)
      << metrics;
  EXPECT_EQ(MetricValue(metrics, "stayaway_fixes_total{source=\"mqtt\",outcome=\"new\"}"), 3)
      << metrics;
  EXPECT_GE(MetricValue(metrics, "stayaway_mqtt_events_published_total"), 1) << metrics;

  // Journaled: a restart on the same data replays the MQTT fixes to the same alert.
  const fs::path data = centre.daemon.dir();
  ASSERT_EQ(centre.daemon.Stop(), 0);
  Daemon again(DaemonMqttArgs(dir, broker), data);
  EXPECT_EQ(WaitForOpenAlertId(again.http(), "KG-7"), alert_id);
}

TEST(MqttTest, BadAndOtherMessagesAreCountedAndTheNextOnesStillCount) {
  const fs::path dir = TestDir("bad");
  MosquittoBroker broker(dir / "broker",
                         {{kDaemonUser, kDaemonPassword}, {kPhoneUser, kPhonePassword}});
  Centre centre(dir, broker);
  const uint16_t http = centre.daemon.http();
  MqttTestClient phone("anna-phone", true, kPhoneUser, kPhonePassword, broker.port());
  ASSERT_EQ(phone.WaitConnack(), 0);

  const TimeMs t = MinuteAgo();
  ASSERT_TRUE(phone.Publish("owntracks/anna/phone-2", "{\"_type\":\"location\",\"lat\":"));
  ASSERT_TRUE(phone.Publish("owntracks/anna/phone-2",
                            R"({"_type":"transition","event":"enter","desc":"home","tst":1})"));
  ASSERT_TRUE(phone.Publish("owntracks/anna/phone-2", R"({"_type":"lwt","tst":1})"));
  ASSERT_TRUE(phone.Publish("owntracks/anna/stranger", OwnTracksLocation(t, 42.87, 74.59)));
  ASSERT_TRUE(phone.Publish("owntracks/anna/phone-2", OwnTracksLocation(t - 5000, 95, 74.59)));
  ASSERT_TRUE(
      phone.Publish("owntracks/anna/phone-2", std::string(ingest::kMaxOwnTracksBytes + 1, 'x')));
  ASSERT_TRUE(phone.Publish("stayaway/fixes", R"({"tick":"2025-03-01T10:00:00Z"})"));
  // The good ones after all that.
  ASSERT_TRUE(phone.Publish("owntracks/anna/phone-2", OwnTracksLocation(t, 42.87, 74.59)));
  ASSERT_TRUE(phone.Publish("stayaway/fixes", FixJson("tag-1", 1, t + 1000, 74.5905)));
  ASSERT_TRUE(phone.Publish("stayaway/fixes", FixJson("tag-1", 2, t + 11'000, 74.5905)));
  EXPECT_FALSE(WaitForOpenAlertId(http, "KG-7").empty()) << centre.daemon.Log();

  const std::string metrics = WaitForMetric(
      http, "stayaway_mqtt_messages_total{format=\"stayaway\",outcome=\"accepted\"}", 2);
  const auto value = [&](const std::string& series) { return MetricValue(metrics, series); };
  EXPECT_EQ(value("stayaway_mqtt_messages_total{format=\"owntracks\",outcome=\"accepted\"}"), 1)
      << metrics;
  // Malformed, unknown device, impossible latitude, too large.
  EXPECT_EQ(value("stayaway_mqtt_messages_total{format=\"owntracks\",outcome=\"refused\"}"), 4)
      << metrics;
  EXPECT_EQ(value("stayaway_mqtt_messages_total{format=\"owntracks\",outcome=\"ignored\"}"), 2)
      << metrics;
  EXPECT_EQ(value("stayaway_mqtt_ignored_total{type=\"transition\"}"), 1) << metrics;
  EXPECT_EQ(value("stayaway_mqtt_ignored_total{type=\"lwt\"}"), 1) << metrics;
  EXPECT_EQ(value("stayaway_mqtt_messages_total{format=\"stayaway\",outcome=\"refused\"}"), 1)
      << metrics;
  EXPECT_EQ(value("stayaway_fixes_rejected_total{source=\"mqtt\",reason=\"unknown_device\"}"), 1)
      << metrics;
  EXPECT_EQ(value("stayaway_fixes_rejected_total{source=\"mqtt\",reason=\"too_large\"}"), 1)
      << metrics;
  // The malformed OwnTracks message, the impossible latitude (the engine's refusal) and
  // the tick.
  EXPECT_EQ(value("stayaway_fixes_rejected_total{source=\"mqtt\",reason=\"invalid_argument\"}"), 3)
      << metrics;
  EXPECT_EQ(value("stayaway_fixes_total{source=\"mqtt\",outcome=\"new\"}"), 3) << metrics;
  EXPECT_FALSE(Contains(centre.daemon.Log(), "74.59")) << "a refusal logged a position";
}

TEST(MqttTest, ReconnectsAfterTheBrokerRestartsAndPublishesTheBacklog) {
  const fs::path dir = TestDir("restart");
  MosquittoBroker broker(dir / "broker",
                         {{kDaemonUser, kDaemonPassword}, {kPhoneUser, kPhonePassword}});
  Centre centre(dir, broker);
  const uint16_t http = centre.daemon.http();
  {
    // A persistent session: the broker keeps the subscription and queues what comes
    // while the watcher is away.
    MqttTestClient watcher("watcher", false, kPhoneUser, kPhonePassword, broker.port());
    ASSERT_EQ(watcher.WaitConnack(), 0);
    ASSERT_TRUE(watcher.Subscribe("stayaway/events/#"));
  }

  broker.Stop();
  std::string metrics = WaitForMetric(http, "stayaway_mqtt_connected", 0);
  ASSERT_EQ(MetricValue(metrics, "stayaway_mqtt_connected"), 0) << metrics;
  // Events while the broker is down: they wait in the event log.
  const TimeMs t = MinuteAgo();
  const HttpReply fixes =
      Http(http, "POST", "/v1/fixes",
           "[" + FixJson("phone-2", 1, t, 74.59) + "," + FixJson("tag-1", 1, t + 1000, 74.5905) +
               "," + FixJson("tag-1", 2, t + 11'000, 74.5905) + "]");
  ASSERT_EQ(fixes.status, 200) << fixes.body;
  ASSERT_NE(fixes.body.find("\"accepted\":3"), std::string::npos) << fixes.body;
  const std::string alert_id = WaitForOpenAlertId(http, "KG-7");
  ASSERT_FALSE(alert_id.empty());
  metrics = WaitForMetricAtLeast(http, "stayaway_mqtt_backlog_events", 1);
  const double backlog = MetricValue(metrics, "stayaway_mqtt_backlog_events");
  ASSERT_GE(backlog, 1) << metrics;

  broker.Start();
  metrics = WaitForMetric(http, "stayaway_mqtt_backlog_events", 0);
  EXPECT_EQ(MetricValue(metrics, "stayaway_mqtt_connected"), 1) << metrics << centre.daemon.Log();
  EXPECT_EQ(MetricValue(metrics, "stayaway_mqtt_backlog_events"), 0) << metrics;
  EXPECT_GE(MetricValue(metrics, "stayaway_mqtt_events_published_total"), backlog) << metrics;
  EXPECT_GE(MetricValue(metrics, "stayaway_mqtt_connects_total{result=\"connected\"}"), 2)
      << metrics;

  // The watcher's session got every event of the backlog, in order.
  MqttTestClient watcher("watcher", false, kPhoneUser, kPhonePassword, broker.port());
  ASSERT_EQ(watcher.WaitConnack(), 0);
  ASSERT_TRUE(watcher.WaitFor([&](const std::vector<MqttMessage>& messages) {
    return messages.size() >= static_cast<size_t>(backlog);
  })) << watcher.messages().size();
  std::set<std::string> seqs;
  for (const MqttMessage& m : watcher.messages()) {
    EXPECT_EQ(m.topic, "stayaway/events/KG-7");
    seqs.insert(m.payload.substr(0, m.payload.find(',')));
  }
  for (int seq = 1; seq <= static_cast<int>(backlog); ++seq) {
    EXPECT_EQ(seqs.count("{\"seq\":" + std::to_string(seq)), 1u) << seq;
  }
  EXPECT_TRUE(Contains(watcher.messages().front().payload, alert_id));

  // The daemon's own subscription is back too. (Fix JSON rather than OwnTracks: this test
  // runs under ThreadSanitizer, where protobuf's Struct cannot; scripts/sanitize.)
  MqttTestClient gateway("gateway", true, kPhoneUser, kPhonePassword, broker.port());
  ASSERT_EQ(gateway.WaitConnack(), 0);
  ASSERT_TRUE(gateway.Publish("stayaway/fixes", FixJson("phone-2", 7, t + 20'000, 74.59)));
  metrics = WaitForMetric(
      http, "stayaway_mqtt_messages_total{format=\"stayaway\",outcome=\"accepted\"}", 1);
  EXPECT_EQ(MetricValue(metrics,
                        "stayaway_mqtt_messages_total{format=\"stayaway\",outcome=\"accepted\"}"),
            1)
      << metrics;
}

TEST(MqttTest, ABrokerDownAtStartDoesNotStopTheDaemonWhichConnectsOnceItIsUp) {
  const fs::path dir = TestDir("late");
  MosquittoBroker broker(dir / "broker", {{kDaemonUser, kDaemonPassword}});
  broker.Stop();
  Daemon daemon(DaemonMqttArgs(dir, broker));
  // It takes 2 s; it once went silent until ctest's 300 s timeout under TSan.
  StallReporter stall(std::chrono::seconds(120), daemon.dir() / "stayawayd.log", [&] {
    std::fprintf(stderr, "--- the broker's log ---\n%s\n", broker.Log().c_str());
    daemon.Kill();
  });
  stall.Set("asking /healthz");
  EXPECT_EQ(Http(daemon.http(), "GET", "/healthz").status, 200);
  stall.Set("waiting for a failed connect");
  std::string metrics =
      WaitForMetricAtLeast(daemon.http(), "stayaway_mqtt_connects_total{result=\"failed\"}", 1);
  EXPECT_EQ(MetricValue(metrics, "stayaway_mqtt_connected"), 0) << metrics;
  EXPECT_TRUE(Contains(daemon.Log(), "cannot reach the MQTT broker")) << daemon.Log();

  stall.Set("starting the broker");
  broker.Start();
  stall.Set("waiting for the connection");
  metrics = WaitForMetric(daemon.http(), "stayaway_mqtt_connected", 1);
  EXPECT_EQ(MetricValue(metrics, "stayaway_mqtt_connected"), 1) << metrics << daemon.Log();
  EXPECT_TRUE(Contains(daemon.Log(), "connected to the MQTT broker")) << daemon.Log();
  stall.Set("stopping the daemon");
  EXPECT_EQ(daemon.Stop(), 0) << daemon.Log();
  stall.Set("stopping the broker");
  broker.Stop();
}

TEST(MqttTest, AWrongBrokerPasswordIsCountedAndTheDaemonServesOn) {
  const fs::path dir = TestDir("password");
  MosquittoBroker broker(dir / "broker", {{kDaemonUser, kDaemonPassword}});
  Daemon daemon(DaemonMqttArgs(dir, broker, "not-the-password"));
  const std::string metrics =
      WaitForMetric(daemon.http(), "stayaway_mqtt_connects_total{result=\"failed\"}", 1);
  EXPECT_GE(MetricValue(metrics, "stayaway_mqtt_connects_total{result=\"failed\"}"), 1)
      << metrics << daemon.Log();
  EXPECT_EQ(MetricValue(metrics, "stayaway_mqtt_connected"), 0) << metrics;
  EXPECT_TRUE(Contains(daemon.Log(), "not authorised")) << daemon.Log();
  EXPECT_FALSE(Contains(daemon.Log(), "not-the-password")) << "the password was logged";
  EXPECT_EQ(Http(daemon.http(), "GET", "/healthz").status, 200);
}

// The daemon's TOML configuration for the broker's TLS listener, trusting `ca`.
std::vector<std::string> DaemonMqttTlsArgs(const fs::path& dir, const MosquittoBroker& broker,
                                           const fs::path& ca) {
  fs::create_directories(dir);
  std::ofstream(dir / "mqtt-password") << kDaemonPassword << "\n";
  std::ofstream(dir / "stayawayd.toml")
      << "[mqtt]\nbroker = \"" << broker.tls_address() << "\"\nuser = \"" << kDaemonUser
      << "\"\npassword_file = \"" << (dir / "mqtt-password").string() << "\"\nca_file = \""
      << ca.string() << "\"\n";
  return {"--config", (dir / "stayawayd.toml").string()};
}

// Over TLS the broker's certificate must chain to the [mqtt] CA (and name its host):
// then fixes come in and events go out over it. A CA that did not sign it gets no session,
// the failure counted, and the daemon serves on.
TEST(MqttTest, OverTlsTheBrokerMustShowACertificateTheCaSigned) {
  const fs::path dir = TestDir("tls");
  const fs::path certs = dir / "certs";
  const fs::path other_ca = dir / "other-ca";
  fs::create_directories(certs);
  fs::create_directories(other_ca);
  ASSERT_TRUE(MakeTestCertificates(certs) && MakeTestCertificates(other_ca));
  MosquittoBroker broker(dir / "broker",
                         {{kDaemonUser, kDaemonPassword}, {kPhoneUser, kPhonePassword}}, "", certs);
  {
    Daemon daemon(DaemonMqttTlsArgs(dir / "trusted", broker, certs / "ca.pem"));
    const uint16_t http = daemon.http();
    ASSERT_EQ(Http(http, "POST", "/v1/orders", OrderJson()).status, 201);
    const std::string connected = WaitForMetric(http, "stayaway_mqtt_connected", 1);
    ASSERT_EQ(MetricValue(connected, "stayaway_mqtt_connected"), 1) << connected << daemon.Log();
    // The phone on the plain listener; the daemon reads it over TLS.
    MqttTestClient phone("anna-phone", true, kPhoneUser, kPhonePassword, broker.port());
    ASSERT_EQ(phone.WaitConnack(), 0);
    const TimeMs t = MinuteAgo();
    ASSERT_TRUE(phone.Publish("owntracks/anna/phone-2", OwnTracksLocation(t, 42.87, 74.59)));
    ASSERT_TRUE(phone.Publish("stayaway/fixes", FixJson("tag-1", 1, t + 1000, 74.5905)));
    ASSERT_TRUE(phone.Publish("stayaway/fixes", FixJson("tag-1", 2, t + 11'000, 74.5905)));
    EXPECT_FALSE(WaitForOpenAlertId(http, "KG-7").empty()) << daemon.Log();
    const std::string published =
        WaitForMetricAtLeast(http, "stayaway_mqtt_events_published_total", 1);
    EXPECT_GE(MetricValue(published, "stayaway_mqtt_events_published_total"), 1) << published;
  }
  {
    Daemon daemon(DaemonMqttTlsArgs(dir / "untrusted", broker, other_ca / "ca.pem"));
    const std::string metrics =
        WaitForMetric(daemon.http(), "stayaway_mqtt_connects_total{result=\"failed\"}", 1);
    EXPECT_GE(MetricValue(metrics, "stayaway_mqtt_connects_total{result=\"failed\"}"), 1)
        << metrics << daemon.Log();
    EXPECT_EQ(MetricValue(metrics, "stayaway_mqtt_connected"), 0) << metrics;
    EXPECT_EQ(Http(daemon.http(), "GET", "/healthz").status, 200);
  }
}

// ---------------------------------------------------------------------------------
// The OwnTracks app's HTTP mode.
// ---------------------------------------------------------------------------------

std::string Base64(const std::string& text) {
  std::string out(sodium_base64_ENCODED_LEN(text.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()),
                    text.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

// A POST as the app sends it: Basic credentials, its user and device in X-Limit-U/-D.
HttpReply OwnTracksPost(uint16_t port, const std::string& user, const std::string& password,
                        const std::string& device, const std::string& body) {
  return Exchange(port,
                  "POST /v1/owntracks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " +
                      Base64(user + ":" + password) + "\r\nX-Limit-U: " + user +
                      "\r\nX-Limit-D: " + device +
                      "\r\nConnection: close\r\nContent-Type: application/json\r\n"
                      "Content-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body,
                  kNoReceiveTimeout);
}

TEST(OwnTracksHttpTest, TheAppsPostWithAnIngestTokenAsPasswordBecomesAFix) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const HttpReply issued =
      Http(daemon.http(), "POST", "/v1/credentials",
           R"({"name": "anna-phone", "roles": ["ingest"], "devices": ["phone-2"]})");
  ASSERT_EQ(issued.status, 201) << issued.body;
  v1::IssuedCredential credential;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(issued.body, &credential).ok());

  const TimeMs t = MinuteAgo();
  const HttpReply reply = OwnTracksPost(daemon.http(), "anna", credential.token(), "phone-2",
                                        OwnTracksLocation(t, 42.87, 74.59));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body, "[]\n");
  // Other types are answered [] too, and change nothing.
  const HttpReply transition = OwnTracksPost(daemon.http(), "anna", credential.token(), "phone-2",
                                             R"({"_type":"transition","event":"leave","tst":1})");
  EXPECT_EQ(transition.status, 200) << transition.body;
  EXPECT_EQ(transition.body, "[]\n");

  const HttpReply device = Http(daemon.http(), "GET", "/v1/devices/phone-2");
  ASSERT_EQ(device.status, 200) << device.body;
  EXPECT_TRUE(Contains(device.body, "\"battery_pct\":87")) << device.body;
  EXPECT_TRUE(Contains(device.body, FormatRfc3339(t))) << device.body;
  const std::string metrics = Http(daemon.http(), "GET", "/metrics").body;
  EXPECT_EQ(MetricValue(metrics, "stayaway_fixes_total{source=\"owntracks\",outcome=\"new\"}"), 1)
      << metrics;

  // What cannot be read: 400.
  EXPECT_EQ(
      OwnTracksPost(daemon.http(), "anna", credential.token(), "phone-2", "{\"_type\":").status,
      400);
}

TEST(OwnTracksHttpTest, RefusesBadCredentialsAndOtherDevices) {
  Daemon daemon;
  const HttpReply issued =
      Http(daemon.http(), "POST", "/v1/credentials",
           R"({"name": "anna-phone", "roles": ["ingest"], "devices": ["phone-2"]})");
  ASSERT_EQ(issued.status, 201) << issued.body;
  v1::IssuedCredential credential;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(issued.body, &credential).ok());
  const std::string location = OwnTracksLocation(MinuteAgo(), 42.87, 74.59);

  const HttpReply wrong =
      OwnTracksPost(daemon.http(), "anna", "sa_not-a-token", "phone-2", location);
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_TRUE(Contains(wrong.head, "WWW-Authenticate: Basic")) << wrong.head;
  const HttpReply none = Exchange(daemon.http(), RequestText("", "POST", "/v1/owntracks", location),
                                  kNoReceiveTimeout);
  EXPECT_EQ(none.status, 401) << none.body;
  // Basic is for the OwnTracks route only.
  const HttpReply elsewhere =
      Exchange(daemon.http(),
               "GET /v1/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " +
                   Base64("anna:" + credential.token()) + "\r\nConnection: close\r\n\r\n",
               kNoReceiveTimeout);
  EXPECT_EQ(elsewhere.status, 401) << elsewhere.body;
  // The credential is anna's phone's, not the tag's.
  const HttpReply other =
      OwnTracksPost(daemon.http(), "anna", credential.token(), "tag-1", location);
  EXPECT_EQ(other.status, 403) << other.body;
  const std::string metrics = Http(daemon.http(), "GET", "/metrics").body;
  EXPECT_EQ(MetricValue(metrics, "stayaway_fixes_total{source=\"owntracks\",outcome=\"new\"}"), -1)
      << metrics;
}

}  // namespace
}  // namespace stayaway::testing_harness
