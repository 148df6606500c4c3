// The centre's statistics against the real stayawayd and stayaway binaries: two orders of
// two courts, a violation in each, acknowledged and one resolved by an operator; then
// GET /v1/reports/summary as an auditor (the figures, as JSON, CSV and a page with charts)
// and refused to an operator and to bad periods; after the daemon stops, `stayaway report`
// on its data directory gives the route's JSON byte for byte, `stayaway verify --report`
// says VERIFIED (with the centre's published key too, and from an export of the history),
// and one changed figure or a forged
// signature fails naming what differs.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "base/time.h"
#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"
#include "tests/stayaway_cli.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary
namespace pbutil = google::protobuf::util;

using Issued = IssuedCredential;

Issued Issue(Daemon& daemon, const std::string& name, const std::string& roles) {
  return IssueCredential(daemon.http(), name, roles);
}

// An order of `authority` keeping tag-<group> 300 m from phone-<group>, and the fixes that
// bring the tag within ~40 m of her: one violation.
void OrderAndApproach(Daemon& daemon, const std::string& group, const std::string& authority) {
  const std::string order = R"({"id": ")" + group + R"(", "version": 1,
      "issuing_authority": ")" +
                            authority + R"(",
      "supervised": {"id": "s-)" +
                            group + R"(", "devices": ["tag-)" + group + R"("]},
      "protected": [{"id": "v-)" +
                            group + R"(", "devices": ["phone-)" + group + R"("]}],
      "violation_distance_m": 300, "valid_from": "2020-01-01T00:00:00Z"})";
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", order).status, 201) << order;
  const HttpReply sent = Http(daemon.http(), "POST", "/v1/fixes", ApproachFixesJson(group));
  ASSERT_EQ(sent.status, 200) << sent.body;
}

// The figure at `path` ("a.b.c") of a report's JSON; NaN when absent.
double Figure(const std::string& json, const std::string& path) {
  google::protobuf::Value value;
  if (!pbutil::JsonStringToMessage(json, &value).ok()) return std::nan("");
  std::istringstream parts(path);
  for (std::string key; std::getline(parts, key, '.');) {
    const auto& fields = value.struct_value().fields();
    const auto it = fields.find(key);
    if (it == fields.end()) return std::nan("");
    google::protobuf::Value next = it->second;
    value = next;
  }
  return value.number_value();
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(StatisticsReport, TheRoutesFiguresAreRecomputedFromTheDataDirectoryAndVerified) {
  Daemon daemon;
  const Issued op = Issue(daemon, "operator-7", R"("operator")");
  const Issued auditor = Issue(daemon, "inspector-2", R"("auditor")");
  OrderAndApproach(daemon, "NORTH", "Court North");
  OrderAndApproach(daemon, "SOUTH", "Court South");
  const std::string north = WaitForOpenAlertId(daemon.http(), "NORTH");
  const std::string south = WaitForOpenAlertId(daemon.http(), "SOUTH");
  ASSERT_EQ(north.size(), 16u) << daemon.Log();
  ASSERT_EQ(south.size(), 16u) << daemon.Log();
  for (const std::string& id : {north, south}) {
    ASSERT_EQ(HttpAs(op.token, daemon.http(), "POST", "/v1/alerts/" + id + "/ack",
                     R"({"note": "calling her"})")
                  .status,
              200);
  }
  ASSERT_EQ(HttpAs(op.token, daemon.http(), "POST", "/v1/alerts/" + north + "/resolve",
                   R"({"disposition": "patrol_dispatched"})")
                .status,
            200);

  const TimeMs now = NowMs();
  const std::string from = FormatRfc3339(now - 3'600'000), to = FormatRfc3339(now + 3'600'000);
  const std::string target = "/v1/reports/summary?from=" + from + "&to=" + to;
  const HttpReply report = HttpAs(auditor.token, daemon.http(), "GET", target);
  ASSERT_EQ(report.status, 200) << report.body;
  const std::string& json = report.body;
  EXPECT_EQ(Figure(json, "orders_in_force.total"), 2) << json;
  EXPECT_EQ(Figure(json, "orders_in_force.by_issuing_authority.Court North"), 1) << json;
  EXPECT_EQ(Figure(json, "orders_in_force.by_issuing_authority.Court South"), 1) << json;
  EXPECT_EQ(Figure(json, "alerts_opened.total"), 2) << json;
  EXPECT_EQ(Figure(json, "confirmed_violations.total"), 2) << json;
  EXPECT_EQ(Figure(json, "time_to_acknowledge.acknowledged"), 2) << json;
  EXPECT_EQ(Figure(json, "time_to_acknowledge.by_credential." + op.id + ".count"), 2) << json;
  EXPECT_EQ(Figure(json, "time_to_resolve.resolved"), 1) << json;
  EXPECT_EQ(Figure(json, "time_to_resolve.unresolved"), 1) << json;
  EXPECT_EQ(Figure(json, "resolutions.by_disposition.patrol_dispatched"), 1) << json;
  const double tree_size = Figure(json, "checkpoint.tree_size");
  ASSERT_GT(tree_size, 0) << json;
  EXPECT_TRUE(Contains(json, "\"signature\": \"")) << json;
  EXPECT_TRUE(Contains(daemon.Log(), "statistics reported")) << daemon.Log();

  // The same figures as a sheet and as a page with charts; an admin may ask too.
  const HttpReply csv = HttpAs(auditor.token, daemon.http(), "GET", target + "&format=csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_TRUE(Contains(csv.body, "resolutions,disposition,patrol_dispatched,resolutions,1\n"))
      << csv.body;
  EXPECT_TRUE(Contains(csv.body, "orders_in_force,issuing_authority,Court North,orders,1\n"))
      << csv.body;
  const HttpReply html = Http(daemon.http(), "GET", target + "&format=html");
  ASSERT_EQ(html.status, 200) << html.body;
  EXPECT_TRUE(Contains(html.body, "<svg")) << html.body;
  EXPECT_TRUE(Contains(html.body, "Court South")) << html.body;

  // Who may not, and periods that make no sense.
  const HttpReply operator_asks = HttpAs(op.token, daemon.http(), "GET", target);
  EXPECT_EQ(operator_asks.status, 403) << operator_asks.body;
  EXPECT_TRUE(Contains(operator_asks.body, "admin or auditor")) << operator_asks.body;
  for (const auto& [query, says] :
       {std::pair{"?from=yesterday&to=" + to, std::string("yesterday\\\" is not an RFC 3339 time")},
        std::pair{"?from=" + to + "&to=" + from, std::string("is after to")},
        std::pair{std::string("?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"),
                  std::string("longer than 366 days")},
        std::pair{"?from=" + from, std::string("to is required")},
        std::pair{"?from=" + from + "&to=" + to + "&format=xml",
                  std::string("xml\\\" is not one of json, csv, html")},
        std::pair{"?from=" + from + "&to=" + to + "&order=x", std::string("unknown parameter")}}) {
    const HttpReply refused =
        HttpAs(auditor.token, daemon.http(), "GET", "/v1/reports/summary" + query);
    EXPECT_EQ(refused.status, 400) << query << ": " << refused.body;
    EXPECT_TRUE(Contains(refused.body, says)) << query << ": " << refused.body;
  }
  const std::string keys = Http(daemon.http(), "GET", "/v1/keys").body;
  ASSERT_EQ(daemon.Stop(), 0);

  // Offline, from the data directory, at the checkpoint the route stated: the same bytes.
  const fs::path data = daemon.dir() / "data";
  const fs::path saved = daemon.dir() / "report.json";
  const CommandRun offline = StayawayApart(
      "report --data-dir " + data.string() + " --from " + from + " --to " + to + " --tree-size " +
      std::to_string(static_cast<uint64_t>(tree_size)) + " --out " + saved.string());
  ASSERT_EQ(offline.status, 0) << offline.err;
  std::ifstream in(saved, std::ios::binary);
  std::stringstream written;
  written << in.rdbuf();
  EXPECT_EQ(written.str(), json);

  WriteFile(daemon.dir() / "keys.json", keys);
  const CommandRun verified =
      Stayaway("verify --report " + saved.string() + " --data-dir " + data.string() + " --keys " +
               (daemon.dir() / "keys.json").string());
  EXPECT_EQ(verified.status, 0) << verified.out;
  EXPECT_TRUE(Contains(verified.out, "VERIFIED: the checkpoint is signed by the key given"))
      << verified.out;

  // From an export of the history, as another system would hold it.
  const fs::path exported = daemon.dir() / "export";
  ASSERT_EQ(Stayaway("export --data-dir " + data.string() + " --out " + exported.string()).status,
            0);
  const CommandRun from_export =
      Stayaway("verify --report " + saved.string() + " --export " + exported.string());
  EXPECT_EQ(from_export.status, 0) << from_export.out;
  EXPECT_TRUE(Contains(from_export.out, "VERIFIED against the report's own key"))
      << from_export.out;

  // One figure changed: named, with both values.
  std::string forged = json;
  const std::string was = "\"patrol_dispatched\": 1";
  ASSERT_NE(forged.find(was), std::string::npos);
  forged.replace(forged.find(was), was.size(), "\"patrol_dispatched\": 2");
  WriteFile(daemon.dir() / "forged.json", forged);
  const CommandRun refused = Stayaway("verify --report " + (daemon.dir() / "forged.json").string() +
                                      " --data-dir " + data.string());
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_TRUE(Contains(refused.out,
                       "MISMATCH: figure resolutions.by_disposition.patrol_dispatched: the report "
                       "says 2, the records give 1"))
      << refused.out;
  EXPECT_TRUE(Contains(refused.out, "NOT VERIFIED")) << refused.out;

  // A signature that is not the centre's.
  std::string unsigned_report = json;
  const size_t signature = unsigned_report.find("\"signature\": \"") + 14;
  unsigned_report[signature] = unsigned_report[signature] == '0' ? '1' : '0';
  WriteFile(daemon.dir() / "unsigned.json", unsigned_report);
  const CommandRun bad_signature =
      Stayaway("verify --report " + (daemon.dir() / "unsigned.json").string() + " --data-dir " +
               data.string());
  EXPECT_EQ(bad_signature.status, 1) << bad_signature.out;
  EXPECT_TRUE(Contains(bad_signature.out, "MISMATCH: checkpoint: ")) << bad_signature.out;
}

}  // namespace
}  // namespace stayaway
