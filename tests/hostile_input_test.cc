// Hostile input against the real daemon, one kind at a time: each gets a clear error to
// its sender naming what is wrong, is counted, and costs nothing else: the good fixes in
// the same request are applied, and the daemon keeps serving.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <cmath>
#include <string>
#include <vector>

#include "tests/daemon_harness.h"
#include "tools/daemon_client.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

double RejectedCount(uint16_t http_port) {
  const std::string metrics = Http(http_port, "GET", "/metrics").body;
  double total = 0;
  for (size_t at = 0; (at = metrics.find("\nstayaway_fixes_rejected_total{", at)) != std::string::npos; ++at) {
    total += std::stod(metrics.substr(metrics.find("} ", at) + 2));
  }
  return total;
}

std::string FixJson(const std::string& device, int seq, const std::string& time,
                    const std::string& extra) {
  return R"({"device": ")" + device + R"(", "seq": )" + std::to_string(seq) + R"(, "time": ")" +
         time + R"(", )" + extra + "}";
}

TEST(HostileInput, EveryBadFixIsRefusedByNameWhileItsNeighboursAreApplied) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const std::string now = FormatRfc3339(NowMs() - 60'000);
  struct Case {
    std::string fix;
    std::string says;  // a word the reason must contain
  };
  const std::vector<Case> cases = {
      {FixJson("tag-1", 100, now, R"("lat": 91, "lon": 74.5, "accuracy_m": 5)"), "lat"},
      {FixJson("tag-1", 101, now, R"("lat": 42.8, "lon": 181, "accuracy_m": 5)"), "lon"},
      {FixJson("tag-1", 102, now, R"("lat": "NaN", "lon": 74.5, "accuracy_m": 5)"), "not a number"},
      {FixJson("tag-1", 103, now, R"("lat": 42.8, "lon": "Infinity", "accuracy_m": 5)"), "outside"},
      {FixJson("tag-1", 104, now, R"("lat": 42.8, "lon": 74.5, "accuracy_m": 1e9)"), "accuracy_m"},
      {FixJson("tag-1", 105, now, R"("lat": 42.8, "lon": 74.5, "accuracy_m": -3)"), "accuracy_m"},
      {FixJson("tag-1", 106, now, R"("lat": 42.8, "lon": 74.5, "accuracy_m": 5, "speed_mps": 9000)"), "speed_mps"},
      {FixJson("tag-1", 107, "2099-01-01T00:00:00Z", R"("lat": 42.8, "lon": 74.5, "accuracy_m": 5)"), "after received"},
      {FixJson("tag-1", 108, "1970-01-01T00:00:00Z", R"("lat": 42.8, "lon": 74.5, "accuracy_m": 5)"), "30 days before"},
      {FixJson("tag-unknown", 1, now, R"("lat": 42.8, "lon": 74.5, "accuracy_m": 5)"), "tag-unknown"},
      {FixJson("tag-1", 109, "yesterday", R"("lat": 42.8, "lon": 74.5, "accuracy_m": 5)"), "time"},
      {R"({"device": "tag-1", "seq": 110, "time": ")" + now + R"(", "lat": {"a": [1]}})", "lat"},
      {R"({"seq": 111, "time": ")" + now + R"(", "lat": 42.8, "lon": 74.5})", "device"},
  };
  const double rejected_before = RejectedCount(daemon.http());
  int good_seq = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.fix);
    // The bad fix between two good ones, in one request.
    const std::string good1 = FixJson("phone-2", ++good_seq, now, R"("lat": 42.9, "lon": 74.7, "accuracy_m": 5)");
    const std::string good2 = FixJson("phone-2", ++good_seq, now, R"("lat": 42.9, "lon": 74.7, "accuracy_m": 5)");
    const HttpReply reply =
        Http(daemon.http(), "POST", "/v1/fixes", "[" + good1 + "," + c.fix + "," + good2 + "]");
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_NE(reply.body.find("\"accepted\":2,"), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find("\"rejected\":1,"), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find(c.says), std::string::npos) << reply.body;
  }
  EXPECT_GE(RejectedCount(daemon.http()) - rejected_before, static_cast<double>(cases.size()));
  EXPECT_EQ(Http(daemon.http(), "GET", "/healthz").status, 200);
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(HostileInput, BrokenOrdersZonesAndBodiesAreRefusedWithWhatIsWrong) {
  Daemon daemon;
  auto order_with_zone = [](const std::string& geometry) {
    return R"({"id": "K-1", "version": 1, "supervised": {"id": "a", "devices": ["t"]},
              "protected": [{"id": "b", "devices": ["p"]}], "violation_distance_m": 200,
              "zones": [{"id": "z", "kind": "exclusion", "geometry": )" + geometry + "}]}";
  };
  std::string many = "[";
  for (int i = 0; i <= 10001; ++i) {
    const double a = 6.283185307179586 * i / 10001;
    many += (i ? "," : "") + std::string("[") + std::to_string(74.6 + 0.01 * std::cos(a)) + "," +
            std::to_string(42.87 + 0.01 * std::sin(a)) + "]";
  }
  many += "]";
  std::string nested;
  for (int i = 0; i < 5000; ++i) nested += "[";
  std::string nested_object = "{\"id\": \"K-3\", \"zones\": ";
  for (int i = 0; i < 5000; ++i) nested_object += "{\"a\": ";
  struct Case {
    std::string target, body;
    int status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"/v1/orders", order_with_zone(R"({"type": "Polygon", "coordinates": [[[74.59, 42.87], [74.60, 42.88], [74.60, 42.87], [74.59, 42.88], [74.59, 42.87]]]})"), 400, "elf-intersection"},
      {"/v1/orders", order_with_zone(R"({"type": "Polygon", "coordinates": [[[74.59, 42.87], [74.60, 42.88], [74.60, 42.87]]]})"), 400, "zone"},
      {"/v1/orders", order_with_zone(R"({"type": "Polygon", "coordinates": [)" + many + "]}"), 400, "vertices"},
      {"/v1/orders", order_with_zone(R"({"type": "Point", "coordinates": [74.59, 42.87]})"), 400, "Polygon"},
      {"/v1/orders", order_with_zone(R"({"type": "Polygon", "coordinates": [[[200, 42.87], [74.60, 42.88], [74.60, 42.87], [200, 42.87]]]})"), 400, "zone"},
      {"/v1/orders", R"({"id": "K-2", "version": 1, "violation_distance_m": -5})", 400, "K-2"},
      {"/v1/orders", "{\"id\": ", 400, "error"},
      {"/v1/orders", nested, 400, "nest"},  // an array is a bulk load: refused for its depth
      {"/v1/orders", nested_object, 400, "nest"},
      {"/v1/fixes", nested, 400, "nest"},
      {"/v1/fixes", "{\"not\": \"an array\"}", 400, "array"},
      {"/v1/zones", R"({"id": "g", "kind": "exclusion"})", 400, "g"},
      {"/v1/fixes", std::string(2 << 20, ' '), 413, "larger than the limit"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target + " " + c.body.substr(0, 120));
    const HttpReply reply = Http(daemon.http(), "POST", c.target, c.body);
    EXPECT_EQ(reply.status, c.status) << reply.body;
    EXPECT_NE(reply.body.find(c.says), std::string::npos) << reply.body.substr(0, 400);
  }
  // OsmAnd requests from a broken phone app.
  for (const std::string& query :
       {std::string("/?id=phone-2&timestamp=1&lat=abc&lon=74.5"), std::string("/?lat=42.8&lon=74.5"),
        std::string("/?id=phone-2&lat=95&lon=74.5&timestamp=1700000000")}) {
    SCOPED_TRACE(query);
    const HttpReply reply = Http(daemon.osmand(), "GET", query);
    EXPECT_EQ(reply.status / 100, 4) << reply.body;
  }
  // TCP: a frame cut short, then the connection closed; then a garbage Protobuf frame.
  for (const std::string& bytes : {std::string("\x20\x0a\x05", 3), std::string("\x04\xff\xff\xff\xff", 5)}) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(daemon.ingest().substr(10))));
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    char buffer[4096];
    while (::recv(fd, buffer, sizeof buffer, 0) > 0) {
    }
    ::close(fd);
  }
  // Through all of it: healthy, and an ordinary order still goes in.
  EXPECT_EQ(Http(daemon.http(), "GET", "/healthz").status, 200);
  EXPECT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  EXPECT_EQ(daemon.Stop(), 0);
}

}  // namespace
}  // namespace stayaway
