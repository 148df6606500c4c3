// End-to-end tests of the orders and devices read model against the real stayawayd: bulk
// loading with a result per order, paging through GET /v1/orders, the devices board after
// fixes, the auditor's view of the board, and the board after a restart.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/time.h"
#include "journal/snapshot_file.h"
#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary
namespace pbutil = google::protobuf::util;

// Coordinates no other number in an answer shares: found by their digits in raw text.
constexpr char kVictimLat[] = "42.8712345";
constexpr char kVictimLon[] = "74.6098765";
constexpr char kTagLat[] = "42.8813579";
constexpr char kTagLon[] = "74.6197531";

std::string BulkOrder(int i) {
  const std::string n = std::to_string(i);
  return R"({"id": "BULK-)" + n + R"(", "version": 1, "state": "active",
    "supervised": {"id": "s)" +
         n + R"(", "devices": ["tag-)" + n + R"("]},
    "protected": [{"id": "v)" +
         n + R"(", "devices": ["phone-)" + n + R"("], "relation": "victim"}],
    "violation_distance_m": 300})";
}

std::string FixJson(const std::string& device, uint64_t seq, TimeMs t, const char* lat,
                    const char* lon, const std::string& extra = "") {
  return R"({"device": ")" + device + R"(", "seq": )" + std::to_string(seq) + R"(, "time": ")" +
         FormatRfc3339(t) + R"(", "lat": )" + lat + R"(, "lon": )" + lon + R"(, "accuracy_m": 7)" +
         extra + "}";
}

template <typename Message>
Message Parse(const HttpReply& reply) {
  Message message;
  EXPECT_TRUE(pbutil::JsonStringToMessage(reply.body, &message).ok()) << reply.body;
  return message;
}

std::string IssueToken(Daemon& daemon, const std::string& name, const std::string& role) {
  const HttpReply reply = Http(daemon.http(), "POST", "/v1/credentials",
                               R"({"name": ")" + name + R"(", "roles": [")" + role + R"("]})");
  EXPECT_EQ(reply.status, 201) << reply.body;
  return Parse<v1::IssuedCredential>(reply).token();
}

TEST(ReadModel, BulkLoadGivesAResultPerOrderAndTheListPagesThroughEveryOrderOnce) {
  Daemon daemon;
  std::string body = "[";
  for (int i = 0; i < 500; ++i) {
    if (i > 0) body += ",";
    if (i == 17) {
      body += R"({"id": "BULK-17", "violation_distance_m": "far"})";  // a bad value
    } else if (i == 230) {
      body += BulkOrder(229);  // the same id twice in one request
    } else if (i == 400) {
      body += R"({"version": 1})";  // no id
    } else {
      body += BulkOrder(i);
    }
  }
  body += "]";
  const HttpReply loaded = Http(daemon.http(), "POST", "/v1/orders", body);
  ASSERT_EQ(loaded.status, 200) << loaded.body.substr(0, 2000);
  const auto results = Parse<v1::OrderLoadResults>(loaded);
  EXPECT_EQ(results.created(), 497u);
  EXPECT_EQ(results.rejected(), 3u);
  ASSERT_EQ(results.results_size(), 500);
  for (const v1::OrderLoadResult& r : results.results()) {
    if (r.index() == 17 || r.index() == 400) {
      EXPECT_EQ(r.status(), 400u) << r.ShortDebugString();
      EXPECT_EQ(r.code(), "invalid_argument");
      EXPECT_FALSE(r.message().empty());
    } else if (r.index() == 230) {
      EXPECT_EQ(r.status(), 409u) << r.ShortDebugString();
      EXPECT_EQ(r.code(), "already_exists");
    } else {
      EXPECT_EQ(r.status(), 201u) << r.ShortDebugString();
      EXPECT_EQ(r.id(), "BULK-" + std::to_string(r.index()));
    }
  }
  // Loading the same orders again: each one exists now.
  const HttpReply again =
      Http(daemon.http(), "POST", "/v1/orders", "[" + BulkOrder(1) + "," + BulkOrder(2) + "]");
  const auto again_results = Parse<v1::OrderLoadResults>(again);
  EXPECT_EQ(again_results.created(), 0u) << again.body;
  EXPECT_EQ(again_results.rejected(), 2u);

  // One order the single POST still creates as before.
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", BulkOrder(9999)).status, 201);

  std::multiset<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    const HttpReply page = Http(
        daemon.http(), "GET", "/v1/orders?limit=37" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200) << page.body;
    const auto parsed = Parse<v1::OrderPage>(page);
    EXPECT_LE(parsed.orders_size(), 37);
    for (const v1::OrderOverview& o : parsed.orders()) {
      seen.insert(o.order().id());
      ASSERT_EQ(o.contacts_size(), 2) << o.ShortDebugString();
      EXPECT_EQ(o.contacts(0).role(), v1::DeviceOrder::supervised);
      EXPECT_EQ(o.contacts(1).role(), v1::DeviceOrder::protected_);
    }
    cursor = parsed.has_next_cursor() ? parsed.next_cursor() : "";
    ++pages;
  } while (!cursor.empty() && pages < 100);
  EXPECT_EQ(seen.size(), 498u);
  for (const std::string& id : seen) EXPECT_EQ(seen.count(id), 1u) << id;
  EXPECT_EQ(pages, (498 + 36) / 37);

  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/orders?limit=0").status, 400);
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/orders?limit=1001").status, 400);
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/orders?cursor=zz").status, 400);
}

TEST(ReadModel, TheDeviceBoardShowsLastFixBatteryFlagsAndOrdersAndSurvivesARestart) {
  fs::path dir;
  const TimeMs t = NowMs() - 60'000;
  const std::string order = R"({"id": "KG-1", "version": 1, "state": "active",
    "supervised": {"id": "p1", "devices": ["tag-1"]},
    "protected": [{"id": "p2", "devices": ["phone-2"], "relation": "victim"}],
    "violation_distance_m": 50})";
  std::string operator_tag_before, board_before;
  {
    Daemon daemon;
    dir = daemon.dir();
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", order).status, 201);
    const std::string fixes =
        "[" + FixJson("phone-2", 1, t, kVictimLat, kVictimLon, R"(, "battery_pct": 64)") + "," +
        FixJson("tag-1", 1, t + 1'000, kTagLat, kTagLon,
                R"(, "battery_pct": 12, "flags": ["strap_open"], "source": "wifi")") +
        "," + FixJson("tag-1", 2, t - 30'000, kVictimLat, kVictimLon) + "]";  // a late upload
    const HttpReply posted = Http(daemon.http(), "POST", "/v1/fixes", fixes);
    ASSERT_EQ(posted.status, 200) << posted.body;

    const HttpReply tag = Http(daemon.http(), "GET", "/v1/devices/tag-1");
    ASSERT_EQ(tag.status, 200) << tag.body;
    const auto status = Parse<v1::DeviceStatus>(tag);
    EXPECT_EQ(status.person(), "p1");
    EXPECT_EQ(status.last_fix().seq(), 1u) << tag.body;  // the newest by event time
    EXPECT_DOUBLE_EQ(status.last_fix().lat(), std::stod(kTagLat));
    EXPECT_DOUBLE_EQ(status.last_fix().lon(), std::stod(kTagLon));
    EXPECT_DOUBLE_EQ(status.last_fix().accuracy_m(), 7);
    EXPECT_EQ(status.last_fix().source(), v1::Fix::wifi);
    EXPECT_EQ(TimestampToMs(status.last_fix().time()), t + 1'000);
    EXPECT_TRUE(status.has_last_received());
    EXPECT_DOUBLE_EQ(status.battery_pct(), 12);
    ASSERT_EQ(status.flags_size(), 1);
    EXPECT_EQ(status.flags(0), v1::Fix::strap_open);
    EXPECT_FALSE(status.comms_lost());
    EXPECT_FALSE(status.open_alerts().empty()) << tag.body;  // the strap is open
    ASSERT_EQ(status.orders_size(), 1);
    EXPECT_EQ(status.orders(0).order_id(), "KG-1");
    EXPECT_EQ(status.orders(0).role(), v1::DeviceOrder::supervised);
    const auto phone = Parse<v1::DeviceStatus>(Http(daemon.http(), "GET", "/v1/devices/phone-2"));
    EXPECT_EQ(phone.orders(0).role(), v1::DeviceOrder::protected_);
    EXPECT_DOUBLE_EQ(phone.battery_pct(), 64);
    EXPECT_EQ(Http(daemon.http(), "GET", "/v1/devices/nobody").status, 404);

    // The auditor: the devices, their orders and flags, no coordinate of anybody.
    const std::string auditor = IssueToken(daemon, "auditor-1", "auditor");
    for (const std::string& target :
         {std::string("/v1/devices"), std::string("/v1/devices/phone-2"),
          std::string("/v1/devices/tag-1"), std::string("/v1/devices?sort=attention"),
          std::string("/v1/orders")}) {
      const HttpReply reply = HttpAs(auditor, daemon.http(), "GET", target);
      ASSERT_EQ(reply.status, 200) << target << " " << reply.body;
      for (const char* digits :
           {kVictimLat, kVictimLon, kTagLat, kTagLon, "8712345", "6098765", "8813579", "6197531"}) {
        EXPECT_EQ(reply.body.find(digits), std::string::npos) << target << ": " << reply.body;
      }
      EXPECT_EQ(reply.body.find("\"lat\""), std::string::npos) << reply.body;
      EXPECT_EQ(reply.body.find("accuracy"), std::string::npos) << reply.body;
    }
    const auto audited =
        Parse<v1::DeviceStatus>(HttpAs(auditor, daemon.http(), "GET", "/v1/devices/phone-2"));
    EXPECT_TRUE(audited.withheld());
    EXPECT_FALSE(audited.last_fix().has_lat());
    EXPECT_EQ(audited.orders(0).order_id(), "KG-1");
    // An operator's board holds them.
    const std::string op = IssueToken(daemon, "operator-1", "operator");
    const HttpReply op_board = HttpAs(op, daemon.http(), "GET", "/v1/devices");
    EXPECT_NE(op_board.body.find(kVictimLat), std::string::npos) << op_board.body;

    // The order list: both devices' last contact.
    const auto orders = Parse<v1::OrderPage>(Http(daemon.http(), "GET", "/v1/orders"));
    ASSERT_EQ(orders.orders_size(), 1);
    ASSERT_EQ(orders.orders(0).contacts_size(), 2);
    EXPECT_TRUE(orders.orders(0).contacts(0).has_last_received());
    EXPECT_FALSE(orders.orders(0).open_alerts().empty());

    operator_tag_before = tag.body;
    board_before = Http(daemon.http(), "GET", "/v1/devices").body;
    EXPECT_EQ(daemon.Stop(), 0);
  }
  // Restarted on the same data (from the snapshot written at the stop): the same board.
  {
    Daemon daemon({}, dir);
    EXPECT_EQ(Http(daemon.http(), "GET", "/v1/devices/tag-1").body, operator_tag_before);
    EXPECT_EQ(Http(daemon.http(), "GET", "/v1/devices").body, board_before);
    daemon.Kill();
  }
  // Without snapshots, the full journal replay rebuilds it the same.
  fs::remove_all(dir / "data" / "snapshots");
  {
    Daemon daemon({}, dir);
    EXPECT_EQ(Http(daemon.http(), "GET", "/v1/devices").body, board_before);
  }
}

// A snapshot written before the devices board (SSD1) holds none: the daemon rebuilds the
// board from the journal the snapshot covers, with only the fixes the engine took then,
// never a repeat of a sequence number (refused as a duplicate) or a fix from the future.
TEST(ReadModel, ABoardRebuiltUnderAnOldSnapshotHoldsOnlyTheFixesTheEngineTook) {
  fs::path dir;
  const TimeMs t = NowMs() - 60'000;
  std::string board_before;
  {
    Daemon daemon;
    dir = daemon.dir();
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders",
                   R"({"id": "KG-1", "version": 1, "state": "active",
                       "supervised": {"id": "p1", "devices": ["tag-1"]},
                       "protected": [{"id": "p2", "devices": ["phone-2"]}],
                       "violation_distance_m": 50})")
                  .status,
              201);
    const std::string fixes =
        "[" + FixJson("phone-2", 1, t, kVictimLat, kVictimLon) + "," +
        FixJson("phone-2", 1, t + 5'000, kTagLat, kTagLon) + "," +  // a repeat of seq 1
        FixJson("tag-1", 1, t, kTagLat, kTagLon) + "," +
        FixJson("tag-1", 2, NowMs() + 7'200'000, kVictimLat, kVictimLon) + "]";  // 2 h ahead
    const HttpReply posted = Http(daemon.http(), "POST", "/v1/fixes", fixes);
    ASSERT_EQ(posted.status, 200) << posted.body;
    // The repeat is a duplicate, the fix from the future refused.
    EXPECT_NE(posted.body.find(R"("accepted":3,"duplicates":1,"rejected":1)"), std::string::npos)
        << posted.body;
    const auto phone = Parse<v1::DeviceStatus>(Http(daemon.http(), "GET", "/v1/devices/phone-2"));
    EXPECT_EQ(TimestampToMs(phone.last_fix().time()), t);
    const auto tag = Parse<v1::DeviceStatus>(Http(daemon.http(), "GET", "/v1/devices/tag-1"));
    EXPECT_EQ(tag.last_fix().seq(), 1u);
    board_before = Http(daemon.http(), "GET", "/v1/devices").body;
    EXPECT_EQ(daemon.Stop(), 0);
  }
  // Every snapshot written back as the daemon wrote it before the board.
  int rewritten = 0;
  for (const auto& entry : fs::directory_iterator(dir / "data" / "snapshots")) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    StatusOr<journal::SnapshotFile> snapshot = journal::SnapshotFile::Decode(bytes);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
    snapshot->with_board = false;
    snapshot->devices.clear();
    const std::string old = snapshot->Encode();
    ASSERT_EQ(old.substr(0, 4), "SSD1");
    std::ofstream(entry.path(), std::ios::binary | std::ios::trunc) << old;
    ++rewritten;
  }
  ASSERT_GT(rewritten, 0);
  Daemon daemon({}, dir);
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/devices").body, board_before);
}

// The auditor's attention board: ordered within a group by device id, never by the
// contact time withheld from it, and its cursors hold nothing of that time either.
TEST(ReadModel, TheAuditorsAttentionBoardLeaksNoContactTimeThroughOrderOrCursor) {
  Daemon daemon;
  const TimeMs t = NowMs() - 120'000;
  for (int i = 1; i <= 3; ++i) {
    const std::string n = std::to_string(i);
    const std::string order = R"({"id": "ATT-)" + n + R"(", "version": 1, "state": "active",
      "supervised": {"id": "s)" +
                              n + R"(", "devices": ["tag-)" + n + R"("]},
      "protected": [{"id": "v)" +
                              n + R"(", "devices": ["phone-)" + n +
                              R"("], "relation": "victim"}],
      "violation_distance_m": 50})";
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", order).status, 201);
  }
  // Received in reverse id order: the higher the id, the older the contact.
  for (int i = 3; i >= 1; --i) {
    const std::string n = std::to_string(i);
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/fixes",
                   "[" + FixJson("tag-" + n, 1, t, kTagLat, kTagLon) + "]")
                  .status,
              200);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  // The last contact times, as an operator sees them.
  const auto whole = Parse<v1::DevicePage>(Http(daemon.http(), "GET", "/v1/devices"));
  std::vector<std::string> times;
  for (const v1::DeviceStatus& d : whole.devices()) {
    if (!d.has_last_received()) continue;
    const TimeMs ms = TimestampToMs(d.last_received());
    times.push_back(std::to_string(ms));
    times.push_back(std::to_string(ms / 1000));
  }
  ASSERT_EQ(times.size(), 6u) << whole.ShortDebugString();

  const std::string auditor = IssueToken(daemon, "auditor-att", "auditor");
  std::vector<std::pair<int, std::string>> seen;  // (group, device) in page order
  std::string cursor;
  int pages = 0;
  do {
    const HttpReply reply =
        HttpAs(auditor, daemon.http(), "GET",
               "/v1/devices?sort=attention&limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto page = Parse<v1::DevicePage>(reply);
    ASSERT_EQ(page.devices_size(), 1) << reply.body;
    const v1::DeviceStatus& d = page.devices(0);
    const int group = d.comms_lost() ? 0 : !d.has_last_fix() ? 1 : d.open_alerts_size() > 0 ? 2 : 3;
    seen.emplace_back(group, d.device());
    cursor = page.has_next_cursor() ? page.next_cursor() : "";
    // The cursor's bytes (lower-case hex after a one-letter listing tag).
    std::string decoded;
    for (std::size_t i = 1; i + 1 < cursor.size(); i += 2) {
      decoded += static_cast<char>(std::stoi(cursor.substr(i, 2), nullptr, 16));
    }
    for (const std::string& digits : times) {
      EXPECT_EQ(decoded.find(digits), std::string::npos)
          << "cursor " << decoded << " holds " << digits;
    }
    ++pages;
  } while (!cursor.empty() && pages < 20);
  ASSERT_EQ(seen.size(), 6u);
  for (std::size_t i = 1; i < seen.size(); ++i) {
    EXPECT_LE(seen[i - 1].first, seen[i].first) << "groups first";
    if (seen[i - 1].first == seen[i].first) {
      EXPECT_LT(seen[i - 1].second, seen[i].second) << "by id within a group";
    }
  }
  // The tags share a group (heard from, no device alert): by id, not oldest contact first.
  std::vector<std::string> tags;
  for (const auto& [group, device] : seen) {
    if (device.rfind("tag-", 0) == 0) tags.push_back(device);
  }
  EXPECT_EQ(tags, (std::vector<std::string>{"tag-1", "tag-2", "tag-3"}));

  // The operator's board keeps the oldest contact first.
  const std::string op = IssueToken(daemon, "operator-att", "operator");
  const auto ops =
      Parse<v1::DevicePage>(HttpAs(op, daemon.http(), "GET", "/v1/devices?sort=attention"));
  std::vector<std::string> op_tags;
  for (const v1::DeviceStatus& d : ops.devices()) {
    if (d.device().rfind("tag-", 0) == 0) op_tags.push_back(d.device());
  }
  EXPECT_EQ(op_tags, (std::vector<std::string>{"tag-3", "tag-2", "tag-1"}));
}

}  // namespace
}  // namespace stayaway
