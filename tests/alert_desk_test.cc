// The operator's alert desk against the real stayawayd binary: resolving an alert over
// HTTP (refusals, the audit line, the alert gone from the open list), one alert with its
// whole timeline (and an auditor's view of it, with nobody's position), the resolution
// still there after a restart and in a verified evidence bundle, and paging through the
// alert list while new alerts keep arriving.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

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

// `orders` orders ("<group>-1", ...) that all keep tag-<group> 300 m from phone-<group>,
// then fixes that bring the tag within ~40 m of the phone: one alert in each order.
void OpenAlerts(Daemon& daemon, const std::string& group, int orders) {
  for (int i = 1; i <= orders; ++i) {
    const std::string order = R"({"id": ")" + group + "-" + std::to_string(i) +
                              R"(", "version": 1, "supervised": {"id": "s-)" + group +
                              R"(", "devices": ["tag-)" + group + R"("]},
        "protected": [{"id": "v-)" +
                              group + R"(", "devices": ["phone-)" + group +
                              R"("], "relation": "victim"}],
        "violation_distance_m": 300, "valid_from": "2020-01-01T00:00:00Z"})";
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", order).status, 201) << order;
  }
  const HttpReply sent = Http(daemon.http(), "POST", "/v1/fixes", ApproachFixesJson(group));
  ASSERT_EQ(sent.status, 200) << sent.body;
}

v1::AlertList ParseList(const std::string& json) {
  v1::AlertList list;
  EXPECT_TRUE(pbutil::JsonStringToMessage(json, &list).ok()) << json;
  return list;
}

v1::AlertDetail ParseDetail(const std::string& json) {
  v1::AlertDetail detail;
  EXPECT_TRUE(pbutil::JsonStringToMessage(json, &detail).ok()) << json;
  return detail;
}

// The transitions of a timeline, in order, and a check that its seqs rise.
std::vector<v1::Event::Transition> Transitions(const v1::AlertDetail& detail) {
  std::vector<v1::Event::Transition> out;
  uint64_t last = 0;
  for (const v1::EventRecord& record : detail.timeline()) {
    EXPECT_GT(record.seq(), last);
    last = record.seq();
    EXPECT_EQ(record.event().alert_id(), detail.alert().alert_id());
    out.push_back(record.event().transition());
  }
  return out;
}

bool Has(const std::vector<v1::Event::Transition>& transitions, v1::Event::Transition t) {
  return std::find(transitions.begin(), transitions.end(), t) != transitions.end();
}

TEST(AlertDesk, AnOperatorResolvesAnAlertThatStaysResolvedAcrossARestartAndInEvidence) {
  Daemon daemon;
  const Issued op = Issue(daemon, "operator-7", R"("operator")");
  const Issued auditor = Issue(daemon, "auditor-3", R"("auditor")");
  OpenAlerts(daemon, "KG", 1);
  const std::string id = WaitForOpenAlertId(daemon.http(), "KG-1");
  ASSERT_EQ(id.size(), 16u) << daemon.Log();
  const std::string path = "/v1/alerts/" + id + "/resolve";

  ASSERT_EQ(HttpAs(op.token, daemon.http(), "POST", "/v1/alerts/" + id + "/ack",
                   R"({"note": "calling her"})")
                .status,
            200);
  // Refusals: a disposition nobody knows, an unknown alert, a role that may not resolve.
  const HttpReply unknown_disposition =
      HttpAs(op.token, daemon.http(), "POST", path, R"({"disposition": "sorted"})");
  EXPECT_EQ(unknown_disposition.status, 400) << unknown_disposition.body;
  EXPECT_TRUE(Contains(unknown_disposition.body, "false_alarm, patrol_dispatched"))
      << unknown_disposition.body;
  EXPECT_EQ(HttpAs(op.token, daemon.http(), "POST", "/v1/alerts/0000000000000000/resolve",
                   R"({"disposition": "other"})")
                .status,
            404);
  const HttpReply auditor_resolves =
      HttpAs(auditor.token, daemon.http(), "POST", path, R"({"disposition": "other"})");
  EXPECT_EQ(auditor_resolves.status, 403) << auditor_resolves.body;
  EXPECT_TRUE(Contains(auditor_resolves.body, "resolve alerts")) << auditor_resolves.body;

  const HttpReply resolved = HttpAs(op.token, daemon.http(), "POST", path,
                                    R"({"disposition": "patrol_dispatched",
                                        "note": "unit 12 sent to Oak Street"})");
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  v1::AlertView view;
  ASSERT_TRUE(pbutil::JsonStringToMessage(resolved.body, &view).ok()) << resolved.body;
  EXPECT_FALSE(view.open());
  EXPECT_EQ(view.resolution().disposition(), v1::AlertResolve::patrol_dispatched);
  EXPECT_EQ(view.resolution().by(), "operator-7");
  EXPECT_EQ(view.resolution().credential(), op.id);
  EXPECT_EQ(view.resolution().note(), "unit 12 sent to Oak Street");
  const HttpReply twice =
      HttpAs(op.token, daemon.http(), "POST", path, R"({"disposition": "false_alarm"})");
  EXPECT_EQ(twice.status, 409) << twice.body;

  // The audit trail names the credential; the open list no longer holds the alert.
  const std::string log = daemon.Log();
  EXPECT_TRUE(Contains(log, "alert resolved")) << log;
  EXPECT_TRUE(Contains(log, op.id)) << log;
  EXPECT_TRUE(Contains(log, "as patrol_dispatched")) << log;
  EXPECT_EQ(ParseList(Http(daemon.http(), "GET", "/v1/alerts?state=open").body).alerts_size(), 0);
  EXPECT_EQ(ParseList(Http(daemon.http(), "GET", "/v1/alerts?state=closed").body).alerts_size(), 1);

  // The timeline: opened ... acknowledged, resolved, closed, in log order.
  const HttpReply detail_reply = HttpAs(op.token, daemon.http(), "GET", "/v1/alerts/" + id);
  ASSERT_EQ(detail_reply.status, 200) << detail_reply.body;
  const v1::AlertDetail detail = ParseDetail(detail_reply.body);
  const auto transitions = Transitions(detail);
  ASSERT_GE(transitions.size(), 4u) << detail_reply.body;
  EXPECT_EQ(transitions.front(), v1::Event::opened);
  EXPECT_TRUE(Has(transitions, v1::Event::acknowledged));
  EXPECT_EQ(transitions[transitions.size() - 2], v1::Event::resolved);
  EXPECT_EQ(transitions.back(), v1::Event::closed);
  EXPECT_EQ(detail.missing_events(), 0u);
  EXPECT_EQ(detail.alert().resolution().disposition(), v1::AlertResolve::patrol_dispatched);
  EXPECT_TRUE(Contains(detail_reply.body, "\"lat\":42.87")) << "an operator sees positions";
  EXPECT_EQ(HttpAs(op.token, daemon.http(), "GET", "/v1/alerts/0000000000000000").status, 404);

  // An auditor: the same timeline, with no position, distance or note of anybody.
  const HttpReply audited = HttpAs(auditor.token, daemon.http(), "GET", "/v1/alerts/" + id);
  ASSERT_EQ(audited.status, 200) << audited.body;
  for (const char* withheld : {"42.87", "74.59", "\"lat\"", "\"lon\"", "distance", "accuracy",
                               "calling her", "Oak Street"}) {
    EXPECT_FALSE(Contains(audited.body, withheld)) << withheld << " in " << audited.body;
  }
  const v1::AlertDetail audited_detail = ParseDetail(audited.body);
  EXPECT_EQ(Transitions(audited_detail), transitions);
  EXPECT_EQ(audited_detail.alert().resolution().disposition(), v1::AlertResolve::patrol_dispatched);
  EXPECT_EQ(audited_detail.alert().resolution().credential(), op.id);

  // A restart replays the journal: the resolution, and the timeline, are as they were.
  ASSERT_EQ(daemon.Stop(), 0);
  {
    Daemon again({}, daemon.dir());
    const HttpReply after = Http(again.http(), "GET", "/v1/alerts/" + id);
    ASSERT_EQ(after.status, 200) << after.body;
    const v1::AlertDetail replayed = ParseDetail(after.body);
    EXPECT_EQ(Transitions(replayed), transitions);
    EXPECT_EQ(replayed.alert().resolution().disposition(), v1::AlertResolve::patrol_dispatched);
    EXPECT_EQ(replayed.alert().resolution().credential(), op.id);
    EXPECT_EQ(ParseList(Http(again.http(), "GET", "/v1/alerts?state=open").body).alerts_size(), 0);
    EXPECT_EQ(HttpAs(op.token, again.http(), "POST", path, R"({"disposition": "other"})").status,
              409);
    ASSERT_EQ(again.Stop(), 0);
  }

  // The evidence bundle shows the resolution, and a court's verify accepts it.
  const fs::path bundle = daemon.dir() / "bundle";
  WriteVerifiedBundle(daemon.dir() / "data", id, bundle);
  const std::string report = ReadCapture((bundle / "report.html").string());
  // The report writes names for people: "patrol dispatched", not the enum spelling.
  EXPECT_TRUE(Contains(report, "disposition: patrol dispatched")) << report;
}

TEST(AlertDesk, PagingWalksEveryAlertOnceWhileNewAlertsArrive) {
  Daemon daemon;
  OpenAlerts(daemon, "A", 12);
  std::vector<std::string> walked;
  std::string cursor;
  int pages = 0;
  do {
    const HttpReply page =
        Http(daemon.http(), "GET",
             "/v1/alerts?state=all&limit=5" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200) << page.body;
    const v1::AlertList list = ParseList(page.body);
    EXPECT_LE(list.alerts_size(), 5);
    for (const v1::AlertView& alert : list.alerts()) walked.push_back(alert.alert_id());
    cursor = list.next_cursor();
    // New alerts open while the client is between pages: they come after what it has read.
    if (pages == 0) OpenAlerts(daemon, "B", 4);
    if (pages == 1) OpenAlerts(daemon, "C", 3);
    ++pages;
  } while (!cursor.empty() && pages < 50);

  const std::set<std::string> unique(walked.begin(), walked.end());
  EXPECT_EQ(unique.size(), walked.size()) << "an alert was listed twice";
  const v1::AlertList everything =
      ParseList(Http(daemon.http(), "GET", "/v1/alerts?state=all&limit=1000").body);
  EXPECT_EQ(everything.alerts_size(), 19);
  EXPECT_FALSE(everything.has_next_cursor());
  std::vector<std::string> all;
  for (const v1::AlertView& alert : everything.alerts()) all.push_back(alert.alert_id());
  EXPECT_EQ(walked, all);
  EXPECT_EQ(pages, 4);  // 19 alerts in pages of 5

  // Filters over the real daemon, and a limit beyond the largest page.
  EXPECT_EQ(
      ParseList(Http(daemon.http(), "GET", "/v1/alerts?state=all&device=tag-B").body).alerts_size(),
      4);
  EXPECT_EQ(ParseList(Http(daemon.http(), "GET",
                           "/v1/alerts?state=all&kind=proximity_violation&certainty=confirmed")
                          .body)
                .alerts_size(),
            19);
  const HttpReply too_many = Http(daemon.http(), "GET", "/v1/alerts?limit=5000");
  EXPECT_EQ(too_many.status, 400);
  EXPECT_TRUE(Contains(too_many.body, "limit")) << too_many.body;
  EXPECT_EQ(daemon.Stop(), 0);
}

}  // namespace
}  // namespace stayaway
