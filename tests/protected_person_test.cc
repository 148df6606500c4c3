// The protected person's view on the real daemon (GET /v1/me/alerts and /v1/me/events,
// ingest/http_me.cc): her credential, bound to her person and her own devices; what each
// order's victim_notification lets her be told; never anybody's position; nothing of the
// orders that do not protect her, and nothing else of the centre's.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"
#include "tests/protected_person_harness.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary
namespace pbutil = google::protobuf::util;

TEST(ProtectedPerson, SheIsToldOfHerOrdersAlertsAndOfNobodysPosition) {
  Daemon daemon;
  PutOrder(daemon, "KG-1", "KG", "v-KG");
  PutOrder(daemon, "OT-1", "OT", "v-OT");
  const std::string her = IssueFor(daemon, "her-app", "v-KG", R"("phone-KG")");
  const std::string other = IssueFor(daemon, "other-app", "v-OT", R"("phone-OT")");
  WalkIn(daemon, "KG");
  WalkIn(daemon, "OT");
  const std::string kg = WaitForOpenAlertId(daemon.http(), "KG-1");
  ASSERT_FALSE(kg.empty()) << daemon.Log();
  ASSERT_FALSE(WaitForOpenAlertId(daemon.http(), "OT-1").empty());

  // Her list: her order's violation, in its band, without distance (band is the default).
  const v1::ProtectedAlertList mine = MyAlerts(daemon, her);
  ASSERT_GE(mine.alerts_size(), 1);
  bool violation = false;
  for (const v1::ProtectedAlert& alert : mine.alerts()) {
    EXPECT_EQ(alert.order_id(), "KG-1");
    EXPECT_FALSE(alert.has_distance_m());
    if (alert.alert_id() == kg) {
      violation = true;
      EXPECT_EQ(alert.kind(), v1::Event::proximity_violation);
      EXPECT_EQ(alert.proximity(), v1::ProtectedAlert::within_violation);
      EXPECT_EQ(alert.certainty(), v1::Event::confirmed);
      EXPECT_TRUE(alert.open());
      EXPECT_TRUE(alert.has_opened_at());
      EXPECT_GT(alert.seq(), 0u);
    }
  }
  EXPECT_TRUE(violation);
  // The other victim's list holds only hers.
  const v1::ProtectedAlertList theirs = MyAlerts(daemon, other);
  EXPECT_GE(theirs.alerts_size(), 1);
  for (const v1::ProtectedAlert& alert : theirs.alerts()) EXPECT_EQ(alert.order_id(), "OT-1");

  // Her stream: the same news, one unnamed event each, resumable by id; nothing of OT-1
  // and no coordinate, though the centre's own stream of the same events holds them.
  const std::string stream = MyStream(daemon, her, "within_violation");
  EXPECT_TRUE(Contains(stream, "HTTP/1.1 200")) << stream;
  EXPECT_TRUE(Contains(stream, "\"alert_id\":\"" + kg + "\"")) << stream;
  EXPECT_TRUE(Contains(stream, "\nid: ")) << stream;
  EXPECT_FALSE(Contains(stream, "event: ")) << stream;
  EXPECT_FALSE(Contains(stream, "OT-1")) << stream;
  for (const std::string& coordinate : kCoordinates) {
    EXPECT_FALSE(Contains(stream, coordinate)) << stream;
  }
  const HttpReply centre = Http(daemon.http(), "GET", "/v1/alerts?order=KG-1");
  EXPECT_TRUE(Contains(centre.body, "74.5905")) << centre.body;  // the check above can fail

  // Nothing else of the centre's; and the centre's credentials have no view of hers.
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/alerts"},
           {"GET", "/v1/alerts/" + kg},
           {"GET", "/v1/events?from=1"},
           {"GET", "/v1/orders"},
           {"GET", "/v1/orders/KG-1"},
           {"GET", "/v1/devices"},
           {"GET", "/metrics"},
           {"POST", "/v1/alerts/" + kg + "/ack"},
           {"GET", "/v1/alerts/" + kg + "/evidence"}}) {
    EXPECT_EQ(HttpAs(her, daemon.http(), method, target, "{}").status, 403) << target;
  }
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/me/alerts").status, 403);
}

TEST(ProtectedPerson, HerOrderSaysWhatSheIsTold) {
  Daemon daemon;
  // One woman, three orders against three men: each tells her differently.
  PutOrder(daemon, "D-1", "D", "v-1", "distance");
  PutOrder(daemon, "N-1", "N", "v-1", "none");
  PutOrder(daemon, "B-1", "B", "v-1", "band");
  const std::string her = IssueFor(daemon, "her-app", "v-1", R"("phone-D")");
  for (const std::string group : {"D", "N", "B"}) WalkIn(daemon, group);
  for (const std::string order : {"D-1", "N-1", "B-1"}) {
    ASSERT_FALSE(WaitForOpenAlertId(daemon.http(), order).empty()) << order;
  }
  bool distance = false;
  bool band = false;
  const v1::ProtectedAlertList told = MyAlerts(daemon, her);
  for (const v1::ProtectedAlert& alert : told.alerts()) {
    EXPECT_NE(alert.order_id(), "N-1");  // none: nothing at all
    if (alert.order_id() == "D-1" && alert.kind() == v1::Event::proximity_violation) {
      distance = true;
      ASSERT_TRUE(alert.has_distance_m());
      // About 41 m, told to the nearest 10 m.
      EXPECT_EQ(alert.distance_m(), 40.0);
    }
    if (alert.order_id() == "B-1") {
      band = true;
      EXPECT_FALSE(alert.has_distance_m());
    }
  }
  EXPECT_TRUE(distance);
  EXPECT_TRUE(band);
  const std::string stream = MyStream(daemon, her, "\"distance_m\":40");
  EXPECT_TRUE(Contains(stream, "\"distance_m\":40")) << stream;
  EXPECT_FALSE(Contains(stream, "N-1")) << stream;
}

TEST(ProtectedPerson, SheSendsAnSosFromHerPhoneAndFromNoOtherDevice) {
  Daemon daemon;
  PutOrder(daemon, "KG-1", "KG", "v-KG");
  const std::string her = IssueFor(daemon, "her-app", "v-KG", R"("phone-KG")");
  const TimeMs t = NowMs() - 1'000;
  const std::string sos = R"([{"device": "phone-KG", "seq": 7, "time": ")" + FormatRfc3339(t) +
                          R"(", "lat": 42.87, "lon": 74.59, "accuracy_m": 12, "flags": ["sos"]}])";
  const HttpReply sent = HttpAs(her, daemon.http(), "POST", "/v1/fixes", sos);
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_TRUE(Contains(sent.body, R"("accepted":1)")) << sent.body;
  ASSERT_FALSE(WaitForOpenAlertId(daemon.http(), "KG-1").empty()) << daemon.Log();
  bool told = false;
  const v1::ProtectedAlertList mine = MyAlerts(daemon, her);
  for (const v1::ProtectedAlert& alert : mine.alerts()) {
    told |= alert.kind() == v1::Event::sos && alert.open();
  }
  EXPECT_TRUE(told);
  // His tag is not hers to speak for.
  const std::string forged = R"([{"device": "tag-KG", "seq": 1, "time": ")" + FormatRfc3339(t) +
                             R"(", "lat": 42.0, "lon": 74.0, "accuracy_m": 5}])";
  const HttpReply refused = HttpAs(her, daemon.http(), "POST", "/v1/fixes", forged);
  EXPECT_TRUE(Contains(refused.body, "permission_denied")) << refused.body;
  EXPECT_TRUE(Contains(refused.body, R"("accepted":0)")) << refused.body;
}

TEST(ProtectedPerson, HerAppsSosNeedsOnlyHerPositionAndGoesThroughTheEngine) {
  Daemon daemon;
  PutOrder(daemon, "KG-1", "KG", "v-KG");
  const std::string her = IssueFor(daemon, "her-app", "v-KG", R"("phone-KG")");
  const HttpReply sent = HttpAs(her, daemon.http(), "POST", "/v1/me/sos",
                                R"({"lat": 42.87, "lon": 74.59, "accuracy_m": 20})");
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_TRUE(Contains(sent.body, R"("accepted":1)")) << sent.body;
  EXPECT_TRUE(Contains(sent.body, R"("device":"phone-KG")")) << sent.body;
  const std::string id = WaitForOpenAlertId(daemon.http(), "KG-1");
  ASSERT_FALSE(id.empty()) << daemon.Log();
  // The centre's alert: an SOS placed where her browser said she is.
  const HttpReply centre = Http(daemon.http(), "GET", "/v1/alerts/" + id);
  EXPECT_TRUE(Contains(centre.body, R"("kind":"sos")")) << centre.body;
  EXPECT_TRUE(Contains(centre.body, R"("lat":42.87)")) << centre.body;
  // Without a position it still goes; what the daemon chooses she may not.
  EXPECT_EQ(HttpAs(her, daemon.http(), "POST", "/v1/me/sos", R"({"no_position": true})").status,
            200);
  for (const std::string body :
       {R"({"device": "tag-KG", "lat": 42.87, "lon": 74.59})", R"({"seq": 5})",
        R"({"flags": ["strap_open"]})", R"({"lat": "north"})", R"([1])", ""}) {
    EXPECT_EQ(HttpAs(her, daemon.http(), "POST", "/v1/me/sos", body).status, 400) << body;
  }
  // The centre's credentials have no panic button of hers.
  EXPECT_EQ(Http(daemon.http(), "POST", "/v1/me/sos", R"({"no_position": true})").status, 403);
}

TEST(ProtectedPerson, HerCredentialIsForOnePersonHerDevicesAndNothingElse) {
  Daemon daemon;
  const auto issue = [&](const std::string& body) {
    return Http(daemon.http(), "POST", "/v1/credentials", body).status;
  };
  EXPECT_EQ(issue(R"({"name": "a", "roles": ["protected"], "devices": ["phone-1"]})"), 400);
  EXPECT_EQ(issue(R"({"name": "b", "roles": ["protected"], "person": "p2",
                      "devices": ["phone-*"]})"),
            400);
  EXPECT_EQ(issue(R"({"name": "c", "roles": ["protected", "operator"], "person": "p2"})"), 400);
  EXPECT_EQ(issue(R"({"name": "d", "roles": ["operator"], "person": "p2"})"), 400);
  EXPECT_EQ(issue(R"({"name": "e", "roles": ["protected"], "person": "p2"})"), 201);
}

}  // namespace
}  // namespace stayaway
