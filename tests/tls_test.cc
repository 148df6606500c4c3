// TLS on the real daemon: certificates made with the openssl command (a centre CA, the
// centre's server certificate, a gateway's client certificate, and a stranger's), then
// HTTPS on the API and OsmAnd ports, mutual TLS on the ingest port, and refusals of plain
// text, missing and foreign client certificates, and unusable key files.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "ingest/frame_codec.h"
#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

int Run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

// A CA, a server certificate for 127.0.0.1 signed by it, a client certificate signed by it,
// and a self-signed stranger, in `dir`.
bool MakeCertificates(const fs::path& dir) {
  const std::string d = dir.string();
  const std::string ext = d + "/san.ext";
  std::ofstream(ext) << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  return Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
             " -subj /CN=stayaway-test-ca -keyout " + d + "/ca.key -out " + d + "/ca.pem") == 0 &&
         Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
             " -subj /CN=localhost -keyout " + d + "/server.key -out " + d + "/server.csr") == 0 &&
         Run("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
             "/ca.key -CAcreateserial -days 2 -extfile " + ext + " -out " + d + "/server.pem") == 0 &&
         Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
             " -subj /CN=gateway-1 -keyout " + d + "/client.key -out " + d + "/client.csr") == 0 &&
         Run("openssl x509 -req -in " + d + "/client.csr -CA " + d + "/ca.pem -CAkey " + d +
             "/ca.key -CAcreateserial -days 2 -out " + d + "/client.pem") == 0 &&
         Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
             " -subj /CN=stranger -keyout " + d + "/stranger.key -out " + d + "/stranger.pem") == 0;
}

// A TLS client that trusts the test CA; optionally presents a client certificate.
class TlsClient {
 public:
  TlsClient(const fs::path& certs, uint16_t port, const std::string& client = "")
      : context_(ssl::context::tls_client) {
    context_.load_verify_file((certs / "ca.pem").string());
    context_.set_verify_mode(ssl::verify_peer);
    if (!client.empty()) {
      context_.use_certificate_chain_file((certs / (client + ".pem")).string());
      context_.use_private_key_file((certs / (client + ".key")).string(), ssl::context::pem);
    }
    // The stream copies the context's settings when it is made: after them.
    stream_.emplace(io_, context_);
    stream_->next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  }
  boost::system::error_code Handshake() {
    boost::system::error_code ec;
    stream_->handshake(ssl::stream_base::client, ec);
    return ec;
  }
  void Write(const std::string& bytes) { asio::write(*stream_, asio::buffer(bytes)); }
  // Everything until the server closes (a TLS close without close_notify counts as the end).
  std::string ReadToEnd() {
    std::string out;
    char buffer[4096];
    boost::system::error_code ec;
    for (std::size_t n; (n = stream_->read_some(asio::buffer(buffer), ec)) > 0 || !ec;) {
      out.append(buffer, n);
    }
    return out;
  }
  // One frame from the ingest port.
  std::optional<v1::ServerFrame> ReadFrame() {
    ingest::FrameReader reader;
    char buffer[4096];
    boost::system::error_code ec;
    std::string payload;
    while (true) {
      if (reader.Next(&payload) == ingest::FrameReader::Result::kFrame) {
        v1::ServerFrame frame;
        if (!frame.ParseFromString(payload)) {
          last_error_ = "not a ServerFrame";
          return std::nullopt;
        }
        return frame;
      }
      const std::size_t n = stream_->read_some(asio::buffer(buffer), ec);
      if (ec) {
        last_error_ = ec.message();
        return std::nullopt;
      }
      reader.Feed(std::string_view(buffer, n));
    }
  }

  std::string last_error_;  // why the last ReadFrame found nothing

 private:
  asio::io_context io_;
  ssl::context context_;
  std::optional<ssl::stream<tcp::socket>> stream_;
};

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
         "Authorization: Bearer " + std::string(kHarnessToken) + "\r\n\r\n";
}

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = fs::path(::testing::TempDir()) / ("tls-certs-" + std::to_string(::getpid()));
    fs::remove_all(certs_);
    fs::create_directories(certs_);
    made_ = MakeCertificates(certs_);
  }
  static void TearDownTestSuite() { fs::remove_all(certs_); }
  void SetUp() override {
    if (!made_) GTEST_SKIP() << "the openssl command could not make test certificates";
  }

  fs::path Config(const std::string& extra = "") const {
    const fs::path path = certs_ / ("stayawayd-" + std::to_string(counter_++) + ".toml");
    std::ofstream(path) << "[tls]\ncertificate = \"" << (certs_ / "server.pem").string()
                        << "\"\nprivate_key = \"" << (certs_ / "server.key").string() << "\"\n"
                        << extra;
    return path;
  }

  static inline fs::path certs_;
  static inline bool made_ = false;
  static inline int counter_ = 0;
};

TEST_F(Tls, TheApiAndOsmAndPortsSpeakHttpsAndRefusePlainText) {
  Daemon daemon({"--config", Config().string()});
  {
    TlsClient client(certs_, daemon.http());
    ASSERT_FALSE(client.Handshake()) << "handshake with the API port";
    client.Write(Get("/healthz"));
    EXPECT_EQ(client.ReadToEnd().substr(0, 12), "HTTP/1.1 200");
  }
  {
    TlsClient client(certs_, daemon.http());
    ASSERT_FALSE(client.Handshake());
    const std::string body = OrderJson();
    client.Write("POST /v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                 "Authorization: Bearer " + std::string(kHarnessToken) + "\r\n"
                 "Content-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body);
    EXPECT_EQ(client.ReadToEnd().substr(0, 12), "HTTP/1.1 201");
  }
  {
    TlsClient client(certs_, daemon.osmand());
    ASSERT_FALSE(client.Handshake()) << "handshake with the OsmAnd port";
    client.Write(Get(OsmAndQuery("phone-2", NowMs() - 5000, 42.87, 74.59)));
    EXPECT_EQ(client.ReadToEnd().substr(0, 12), "HTTP/1.1 200");
  }
  // Plain HTTP on a TLS port gets no HTTP answer; the daemon counts the failed handshake.
  EXPECT_EQ(Http(daemon.http(), "GET", "/healthz").status, 0);
  EXPECT_EQ(daemon.Stop(), 0);
  EXPECT_NE(daemon.Log().find("\"tls\":\"on\""), std::string::npos) << daemon.Log();
}

TEST_F(Tls, TheIngestPortTakesOnlyGatewaysWithACertificateFromTheCentresCa) {
  Daemon daemon({"--config", Config("client_ca = \"" + (certs_ / "ca.pem").string() + "\"\n").string()});
  ASSERT_EQ([&] {
    TlsClient client(certs_, daemon.http());
    if (client.Handshake()) return 0;
    const std::string body = OrderJson();
    client.Write("POST /v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                 "Authorization: Bearer " + std::string(kHarnessToken) + "\r\n"
                 "Content-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body);
    return std::stoi(client.ReadToEnd().substr(9, 3));
  }(), 201);
  const uint16_t ingest = static_cast<uint16_t>(std::stoi(daemon.ingest().substr(10)));
  {
    TlsClient gateway(certs_, ingest, "client");
    ASSERT_FALSE(gateway.Handshake());
    v1::ClientFrame frame;
    frame.mutable_batch()->set_batch_id(7);
    v1::Fix* fix = frame.mutable_batch()->add_fixes();
    fix->set_device("tag-1");
    fix->set_seq(1);
    MsToTimestamp(NowMs() - 5000, fix->mutable_time());
    fix->set_lat(42.87);
    fix->set_lon(74.59);
    fix->set_accuracy_m(5);
    v1::ClientFrame hello;
    hello.mutable_authenticate()->set_token(kHarnessToken);
    gateway.Write(ingest::EncodeFrame(hello));
    const auto welcome = gateway.ReadFrame();
    ASSERT_TRUE(welcome.has_value() && welcome->has_authenticated()) << gateway.last_error_;
    gateway.Write(ingest::EncodeFrame(frame));
    const auto reply = gateway.ReadFrame();
    ASSERT_TRUE(reply.has_value()) << gateway.last_error_;
    EXPECT_EQ(reply->ack().batch_id(), 7u);
    EXPECT_EQ(reply->ack().accepted_size(), 1);
  }
  for (const std::string who : {"", "stranger"}) {
    SCOPED_TRACE(who.empty() ? "no client certificate" : "a certificate from another CA");
    TlsClient intruder(certs_, ingest, who);
    // TLS 1.3 reports the refusal at the first read after the handshake.
    const bool refused = intruder.Handshake() || [&] {
      v1::ClientFrame subscribe;
      subscribe.mutable_subscribe()->set_from_seq(1);
      intruder.Write(ingest::EncodeFrame(subscribe));
      return !intruder.ReadFrame().has_value();
    }();
    EXPECT_TRUE(refused);
  }
  // The server counts a refused handshake when its side of the handshake ends, which may
  // be after the client has given up: ask until the count is there (at most 5 s).
  const std::string counted =
      "stayaway_fixes_rejected_total{source=\"tcp\",reason=\"tls_handshake\"} 2";
  std::string metrics;
  for (int attempt = 0; attempt < 100 && metrics.find(counted) == std::string::npos; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    metrics = [&] {
      TlsClient client(certs_, daemon.http());
      if (client.Handshake()) return std::string();
      client.Write(Get("/metrics"));
      return client.ReadToEnd();
    }();
  }
  EXPECT_NE(metrics.find(counted), std::string::npos) << metrics;
  EXPECT_EQ(daemon.Stop(), 0);
}

// Under TLS the browser session cookie is Secure (never sent in clear text) and
// __Host- prefixed (no sibling host can plant one), and the daemon's own origin is https.
TEST_F(Tls, TheBrowserSessionCookieIsSecure) {
  Daemon daemon({"--config", Config().string()});
  const auto exchange = [&](const std::string& request) {
    TlsClient client(certs_, daemon.http());
    EXPECT_FALSE(client.Handshake());
    client.Write(request);
    return client.ReadToEnd();
  };
  const std::string body = R"({"token": ")" + std::string(kHarnessToken) + R"("})";
  const std::string signed_in =
      exchange("POST /v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               "Origin: https://127.0.0.1\r\nContent-Type: application/json\r\n"
               "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_EQ(signed_in.substr(0, 12), "HTTP/1.1 200") << signed_in;
  const size_t at = signed_in.find("\r\nSet-Cookie: ");
  ASSERT_NE(at, std::string::npos) << signed_in;
  const std::string set_cookie =
      signed_in.substr(at + 14, signed_in.find("\r\n", at + 2) - at - 14);
  EXPECT_NE(set_cookie.find("; HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; Path=/"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; Secure"), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.rfind("__Host-stayaway_session=", 0), 0u) << set_cookie;
  EXPECT_EQ(set_cookie.find("Domain"), std::string::npos) << set_cookie;
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const auto get_alerts = [&](const std::string& origin) {
    const std::string request =
        "GET /v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: " + cookie +
        "\r\nOrigin: " + origin + "\r\n\r\n";
    return exchange(request)
        .substr(0, 12);
  };
  EXPECT_EQ(get_alerts("https://127.0.0.1"), "HTTP/1.1 200");
  // The same host in clear text is another origin.
  EXPECT_EQ(get_alerts("http://127.0.0.1"), "HTTP/1.1 403");
  // The same id under the unprefixed name (what a sibling host could plant) is no session.
  const std::string planted = "stayaway_session=" + cookie.substr(cookie.find('=') + 1);
  const std::string refused = exchange(
      "GET /v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: " + planted +
      "\r\nOrigin: https://127.0.0.1\r\n\r\n");
  EXPECT_EQ(refused.substr(0, 12), "HTTP/1.1 401") << refused;
}

TEST_F(Tls, AKeyThatIsNotTheCertificatesStopsStartUpSayingSo) {
  const fs::path config = certs_ / "mismatch.toml";
  std::ofstream(config) << "[tls]\ncertificate = \"" << (certs_ / "server.pem").string()
                        << "\"\nprivate_key = \"" << (certs_ / "client.key").string() << "\"\n";
  const fs::path dir = certs_ / "mismatch-data";
  const fs::path log = certs_ / "mismatch.log";
  const int status = std::system((DaemonBinary().string() + " --config " + config.string() +
                                  " --data-dir " + dir.string() + " --ingest-port 0 --http-port 0"
                                  " --osmand-port 0 2>" + log.string())
                                     .c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1);
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("cannot set up TLS"), std::string::npos) << text;
  EXPECT_NE(text.find("client.key"), std::string::npos) << text;
}

}  // namespace
}  // namespace stayaway
