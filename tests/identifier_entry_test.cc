// End-to-end tests of the identifier rule (base/identifier.h) against the real stayawayd:
// an id with CR/LF, with a NUL, over 64 characters or empty is refused with 400 wherever a
// client can send one (HTTP API bodies, paths and queries, Traccar forwards, the OsmAnd
// port; per fix on POST /v1/fixes and the TCP port), no injected header ever comes back,
// and a journal written before the rule, with ids outside it, still replays.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "base/identifier.h"
#include "base/time.h"
#include "journal/journal.h"
#include "proto/stayaway.pb.h"
#include "tests/client_watchdog.h"
#include "tests/daemon_harness.h"
#include "tests/wire_fixtures.h"
#include "tools/daemon_client.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary
using testing_fixtures::MakeFix;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A bad id as it is written in a JSON string, in a URL, and its name for messages.
struct BadId {
  std::string name;
  std::string json;  // inside a JSON string literal
  std::string url;   // percent-encoded, for paths and queries
  std::string raw;   // the bytes themselves (for Protobuf frames)
};

std::vector<BadId> BadIds() {
  const std::string long_id(kMaxIdentifierBytes + 1, 'k');
  return {
      {"CR/LF", "KG-9\\r\\nX-Injected: yes", "KG-9%0D%0AX-Injected:%20yes",
       "KG-9\r\nX-Injected: yes"},
      {"NUL", "KG-9\\u0000x", "KG-9%00x", std::string("KG-9\0x", 6)},
      {"over-long", long_id, long_id, long_id},
      {"empty", "", "", ""},
  };
}

std::string OrderWith(const std::string& id, const std::string& supervised_device = "tag-1",
                      const std::string& protected_id = "p2") {
  return R"({"id": ")" + id + R"(", "version": 1,
      "supervised": {"id": "p1", "devices": [")" +
         supervised_device + R"("]},
      "protected": [{"id": ")" +
         protected_id + R"(", "devices": ["phone-2"]}],
      "violation_distance_m": 300, "valid_from": "2020-01-01T00:00:00Z"})";
}

std::string ZoneWith(const std::string& id) {
  return R"({"id": ")" + id +
         R"(", "kind": "exclusion", "circle": {"lat": 42.87, "lon": 74.6, "radius_m": 50}})";
}

// Every refusal here: 400, a JSON error, and no header but the daemon's own.
// An empty id is refused as missing ("has no id", "is empty"); any other bad id by the rule.
void ExpectRefused(const HttpReply& reply, const std::string& what) {
  EXPECT_EQ(reply.status, 400) << what << "\n" << reply.head << "\n" << reply.body;
  EXPECT_TRUE(Contains(reply.body, "\"invalid_argument\"")) << what << ": " << reply.body;
  EXPECT_TRUE(Contains(reply.body, "is not a valid id") || Contains(reply.body, "empty") ||
              Contains(reply.body, "has no id"))
      << what << ": " << reply.body;
  EXPECT_FALSE(Contains(Lower(reply.head), "x-injected")) << what << ": " << reply.head;
  EXPECT_FALSE(Contains(reply.head, std::string(1, '\0'))) << what;
}

TEST(IdentifierEntry, BadIdsAreRefusedWith400OnEveryHttpEntryPoint) {
  Daemon daemon;
  const uint16_t api = daemon.http();
  // The daemon's own Location is built from the checked id.
  const HttpReply created = Http(api, "POST", "/v1/orders", OrderWith("KG-7"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_TRUE(Contains(created.head, "\r\nLocation: /v1/orders/KG-7")) << created.head;
  const HttpReply zone = Http(api, "POST", "/v1/zones", ZoneWith("shelter-1"));
  ASSERT_EQ(zone.status, 201) << zone.body;
  EXPECT_TRUE(Contains(zone.head, "\r\nLocation: /v1/zones/shelter-1")) << zone.head;

  const TimeMs t = NowMs() - 60'000;
  for (const BadId& bad : BadIds()) {
    SCOPED_TRACE(bad.name);
    // Bodies.
    ExpectRefused(Http(api, "POST", "/v1/orders", OrderWith(bad.json)), "order id");
    ExpectRefused(Http(api, "POST", "/v1/orders", OrderWith("KG-8", bad.json)), "order device");
    ExpectRefused(Http(api, "POST", "/v1/orders", OrderWith("KG-8", "tag-8", bad.json)),
                  "person id");
    ExpectRefused(Http(api, "POST", "/v1/zones", ZoneWith(bad.json)), "zone id");
    ExpectRefused(Http(api, "POST", "/v1/traccar", TraccarForward(bad.json, t, 42.87, 74.59)),
                  "traccar uniqueId");
    ExpectRefused(Http(api, "POST", "/v1/credentials",
                       R"({"name": ")" + bad.json + R"(", "roles": ["ingest"]})"),
                  "credential name");
    ExpectRefused(Http(api, "POST", "/v1/credentials",
                       R"({"name": "gw", "roles": ["ingest"], "devices": [")" + bad.json + "\"]}"),
                  "credential device pattern");
    // Paths and the query.
    ExpectRefused(Http(api, "GET", "/v1/orders/" + bad.url), "GET order");
    ExpectRefused(Http(api, "PUT", "/v1/orders/" + bad.url, OrderWith("")), "PUT order");
    ExpectRefused(Http(api, "DELETE", "/v1/orders/" + bad.url), "DELETE order");
    ExpectRefused(Http(api, "GET", "/v1/zones/" + bad.url), "GET zone");
    ExpectRefused(Http(api, "PUT", "/v1/zones/" + bad.url, ZoneWith("")), "PUT zone");
    ExpectRefused(Http(api, "POST", "/v1/alerts/" + bad.url + "/ack", "{}"), "ack");
    ExpectRefused(Http(api, "GET", "/v1/alerts/" + bad.url + "/evidence"), "evidence");
    ExpectRefused(Http(api, "PUT", "/v1/devices/" + bad.url + "/key",
                       R"({"key": ")" + std::string(64, 'a') + "\"}"),
                  "PUT device key");
    ExpectRefused(Http(api, "DELETE", "/v1/devices/" + bad.url + "/key"), "DELETE device key");
    ExpectRefused(Http(api, "DELETE", "/v1/credentials/" + bad.url), "DELETE credential");
    ExpectRefused(Http(api, "GET", "/v1/alerts?order=" + bad.url), "alerts ?order=");
    // The OsmAnd port: the id parameter and the JSON body's device_id.
    ExpectRefused(Http(daemon.osmand(), "GET", OsmAndQuery(bad.url, t, 42.87, 74.59)), "osmand id");
    ExpectRefused(
        Http(daemon.osmand(), "POST", "/",
             R"({"device_id": ")" + bad.json + R"(", "location": {"timestamp": ")" +
                 FormatRfc3339(t) + R"(", "coords": {"latitude": 42.87, "longitude": 74.59}}})"),
        "osmand device_id");
    // POST /v1/fixes answers per fix: the bad one is refused by itself, its neighbour is
    // taken.
    const HttpReply fixes =
        Http(api, "POST", "/v1/fixes",
             R"([{"device": ")" + bad.json + R"(", "seq": 1, "time": ")" + FormatRfc3339(t) +
                 R"(", "lat": 42.87, "lon": 74.59, "accuracy_m": 5},
            {"device": "tag-1", "seq": )" +
                 std::to_string(100 + bad.name.size()) + R"(, "time": ")" + FormatRfc3339(t) +
                 R"(", "lat": 42.0, "lon": 74.0, "accuracy_m": 5}])");
    EXPECT_EQ(fixes.status, 200) << fixes.body;
    EXPECT_TRUE(Contains(fixes.body, R"("accepted":1,)")) << fixes.body;
    EXPECT_TRUE(Contains(fixes.body, R"({"index":0,"accepted":false,"code":"invalid_argument")"))
        << fixes.body;
    EXPECT_FALSE(Contains(Lower(fixes.head), "x-injected")) << fixes.head;
  }
  // The messages say what is wrong and what is allowed, without the raw bytes.
  const HttpReply crlf = Http(api, "POST", "/v1/orders", OrderWith("KG-9\\r\\nX-Injected: yes"));
  EXPECT_TRUE(Contains(crlf.body, "carriage return")) << crlf.body;
  EXPECT_TRUE(Contains(crlf.body, "A-Z a-z 0-9 . _ : -")) << crlf.body;
  // Nothing bad was stored: the one order and zone are the valid ones.
  EXPECT_EQ(Http(api, "GET", "/v1/orders/KG-8").status, 404);
  const HttpReply zones = Http(api, "GET", "/v1/zones");
  EXPECT_TRUE(Contains(zones.body, "shelter-1")) << zones.body;
  EXPECT_FALSE(Contains(zones.body, "KG-9")) << zones.body;
  // The daemon is still well.
  EXPECT_EQ(Http(api, "GET", "/healthz").status, 200);
}

TEST(IdentifierEntry, BadDeviceIdsAndSubscriberNamesAreRefusedOnTheTcpPort) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const TimeMs t = NowMs() - 60'000;
  tools::DaemonClient client;
  ClientWatchdog watchdog(client);
  ASSERT_TRUE(ConnectAndAuthenticate(client, daemon.ingest()).ok());
  v1::ClientFrame frame;
  frame.mutable_batch()->set_batch_id(5);
  const std::vector<BadId> bad_ids = BadIds();
  for (const BadId& bad : bad_ids) {
    *frame.mutable_batch()->add_fixes() = MakeFix(bad.raw, 1, t, 42.87, 74.59);
  }
  *frame.mutable_batch()->add_fixes() = MakeFix("tag-1", 1, t, 42.87, 74.59);
  ASSERT_TRUE(client.Send(frame).ok());
  v1::ServerFrame reply;
  ASSERT_TRUE(client.Receive(&reply).ok());
  ASSERT_TRUE(reply.has_ack()) << reply.DebugString();
  ASSERT_EQ(reply.ack().accepted_size(), 1) << reply.DebugString();
  EXPECT_EQ(reply.ack().accepted(0).device(), "tag-1");
  ASSERT_EQ(reply.ack().rejected_size(), static_cast<int>(bad_ids.size())) << reply.DebugString();
  for (int i = 0; i < reply.ack().rejected_size(); ++i) {
    EXPECT_EQ(reply.ack().rejected(i).index(), static_cast<uint32_t>(i));
    EXPECT_EQ(reply.ack().rejected(i).code(), "invalid_argument") << reply.DebugString();
    EXPECT_TRUE(Contains(reply.ack().rejected(i).reason(), "device")) << reply.DebugString();
  }

  // A subscriber name is an id too (it becomes a metrics label): refused, and the
  // connection carries on.
  v1::ClientFrame subscribe;
  subscribe.mutable_subscribe()->set_name("console\n# HELP injected");
  ASSERT_TRUE(client.Send(subscribe).ok());
  ASSERT_TRUE(client.Receive(&reply).ok());
  EXPECT_EQ(reply.error().code(), "invalid_argument") << reply.DebugString();
  EXPECT_TRUE(Contains(reply.error().message(), "subscriber name")) << reply.DebugString();
  v1::ClientFrame again;
  again.mutable_batch()->set_batch_id(6);
  *again.mutable_batch()->add_fixes() = MakeFix("tag-1", 2, t + 1'000, 42.87, 74.59);
  ASSERT_TRUE(client.Send(again).ok());
  ASSERT_TRUE(client.Receive(&reply).ok());
  ASSERT_TRUE(reply.has_ack()) << reply.DebugString();
  EXPECT_EQ(reply.ack().accepted_size(), 1) << reply.DebugString();
}

// A journal written by an earlier daemon, before ids were restricted, with ids outside the
// rule (a space, a slash, CR/LF): the daemon replays it, and the old order still raises
// alerts and the old zone is still served.
TEST(IdentifierEntry, AJournalWithIdsFromBeforeTheRuleStillReplays) {
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("stayawayd-ids-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "data" / "journal");
  DataDirCleanup::Add(dir);
  const std::string old_order_id = "KG 7/old\r\nX-Injected: yes";
  const std::string old_zone_id = "old zone\r\n1";
  const TimeMs t = NowMs() - 120'000;
  {
    journal::JournalWriter writer;
    ASSERT_TRUE(writer.Open((dir / "data" / "journal").string()).ok());
    v1::Input zone;
    zone.mutable_global_zone()->set_id(old_zone_id);
    zone.mutable_global_zone()->set_kind(v1::Zone::exclusion);
    zone.mutable_global_zone()->mutable_circle()->set_lat(42.0);
    zone.mutable_global_zone()->mutable_circle()->set_lon(74.0);
    zone.mutable_global_zone()->mutable_circle()->set_radius_m(50);
    writer.Append(zone);
    v1::Input order;
    *order.mutable_order() = testing_fixtures::PairOrder(old_order_id, "tag 1", "phone 2");
    MsToTimestamp(t - 3'600'000, order.mutable_order()->mutable_valid_from());
    writer.Append(order);
    // The victim presses her panic button: an SOS alert of the old order.
    v1::Input sos;
    *sos.mutable_fix() = MakeFix("phone 2", 1, t, 42.87, 74.59);
    *sos.mutable_fix()->mutable_received() = sos.fix().time();
    sos.mutable_fix()->add_flags(v1::Fix::sos);
    writer.Append(sos);
    ASSERT_TRUE(writer.Sync().ok());
  }
  Daemon daemon({}, dir);
  EXPECT_TRUE(Contains(daemon.Log(), "recovered from the journal")) << daemon.Log();
  const HttpReply alerts = Http(daemon.http(), "GET", "/v1/alerts?state=all");
  ASSERT_EQ(alerts.status, 200) << alerts.body;
  EXPECT_TRUE(Contains(alerts.body, R"("order_id":"KG 7/old\r\nX-Injected: yes")")) << alerts.body;
  EXPECT_TRUE(Contains(alerts.body, R"("kind":"sos")")) << alerts.body;
  const HttpReply zones = Http(daemon.http(), "GET", "/v1/zones");
  EXPECT_TRUE(Contains(zones.body, R"("id":"old zone\r\n1")")) << zones.body;
  // New input is held to the rule; valid input goes on as before.
  EXPECT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);

  // The old order can still be read and ended by its exact id, never replaced or created
  // under such an id, and no header is built from it.
  const std::string old_order_path = "/v1/orders/KG%207%2Fold%0D%0AX-Injected:%20yes";
  const HttpReply got = Http(daemon.http(), "GET", old_order_path);
  EXPECT_EQ(got.status, 200) << got.body;
  EXPECT_TRUE(Contains(got.body, R"("id":"KG 7/old\r\nX-Injected: yes")")) << got.body;
  EXPECT_EQ(Http(daemon.http(), "PUT", old_order_path, OrderJson()).status, 400);
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/orders/no%20such%20order").status, 400);
  const HttpReply revoked = Http(daemon.http(), "DELETE", old_order_path);
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_FALSE(Contains(Lower(revoked.head), "x-injected")) << revoked.head;
  EXPECT_TRUE(Contains(revoked.body, R"("revoked")")) << revoked.body;
}

}  // namespace
}  // namespace stayaway
