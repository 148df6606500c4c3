// End-to-end tests of the auditor's view (access/redaction.h, SECURITY.md "What an auditor
// sees") against the real stayawayd binary: an order with an exclusion zone drawn around
// the victim's home and a shelter as a global zone, a violation, a zone alert and a strap
// alert, an acknowledgement with a note naming a street; then everything an auditor
// credential can read (alerts over HTTP, the event stream over SSE, the TCP subscription,
// the order, the zones, metrics) is searched for anything that could place somebody: no
// coordinate, no distance, accuracy or geometry member, no place name. An operator
// credential still sees everything, and only the evidence role exports bundles.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "access/token.h"
#include "base/time.h"
#include "proto/stayaway.pb.h"
#include "tests/client_watchdog.h"
#include "tests/daemon_harness.h"
#include "tools/daemon_client.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary
namespace pbutil = google::protobuf::util;

// Every coordinate in this suite starts with these digits (the victim, the tag, the zone
// around her home, the shelter), so no answer to an auditor may contain them anywhere.
constexpr char kLatDigits[] = "42.87";
constexpr char kLonDigits[] = "74.59";
constexpr double kVictimLat = 42.8703;
constexpr double kVictimLon = 74.5917;
constexpr double kTagLat = 42.8704;  // inside her home zone, about 15 m from her
constexpr double kTagLon = 74.5916;
// Free text about places that must not reach an auditor either.
constexpr char kHomeName[] = "her flat, 12 Oak Street";
constexpr char kShelterName[] = "Elm Road shelter";
constexpr char kAckNote[] = "she is at her sister's, 5 Birch Lane";

std::string OrderWithHomeZone() {
  return std::string(R"({"id": "KG-9", "version": 1, "case_reference": "2026-DV-118",
      "supervised": {"id": "p1", "devices": ["tag-1"]},
      "protected": [{"id": "p2", "devices": ["phone-2"], "relation": "victim"}],
      "violation_distance_m": 300, "warning_distance_m": 1000,
      "valid_from": "2020-01-01T00:00:00Z",
      "zones": [{"id": "home", "name": ")") +
         kHomeName + R"(", "kind": "exclusion", "buffer_m": 20,
        "circle": {"lat": 42.8705, "lon": 74.5915, "radius_m": 80},
        "schedule": {"time_zone": "Asia/Bishkek",
                     "windows": [{"start": "00:00", "end": "00:00"}]}}]})";
}

std::string ShelterZone() {
  return std::string(R"({"id": "shelter-1", "name": ")") + kShelterName +
         R"(", "kind": "exclusion", "buffer_m": 50, "geometry": {"type": "Polygon",
      "coordinates": [[[74.5960, 42.8740], [74.5970, 42.8740], [74.5970, 42.8750],
                       [74.5960, 42.8750], [74.5960, 42.8740]]]}})";
}

std::string FixJson(const std::string& device, uint64_t seq, TimeMs t, double lat, double lon) {
  std::ostringstream j;
  j.precision(10);
  j << R"({"device": ")" << device << R"(", "seq": )" << seq << R"(, "time": ")" << FormatRfc3339(t)
    << R"(", "lat": )" << lat << R"(, "lon": )" << lon
    << R"(, "accuracy_m": 5, "speed_mps": 1.5, "heading_deg": 270})";
  return j.str();
}

// Members that carry a position, a distance, a place or free text about one.
const std::set<std::string>& PlacingMembers() {
  static const std::set<std::string> members = {"lat",
                                                "lon",
                                                "accuracy_m",
                                                "distance_m",
                                                "distance_lower_m",
                                                "distance_upper_m",
                                                "geometry",
                                                "circle",
                                                "coordinates",
                                                "radius_m",
                                                "name",
                                                "note",
                                                "ack_note",
                                                "time_zone",
                                                "speed_mps",
                                                "heading_deg",
                                                "fixes",
                                                "basis"};
  return members;
}

void ExpectNothingPlaces(const google::protobuf::Value& value, const std::string& where,
                         const std::string& what) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStructValue:
      for (const auto& [key, member] : value.struct_value().fields()) {
        EXPECT_FALSE(PlacingMembers().contains(key)) << what << ": " << where << "." << key;
        ExpectNothingPlaces(member, where + "." + key, what);
      }
      break;
    case google::protobuf::Value::kListValue:
      for (const auto& element : value.list_value().values()) {
        ExpectNothingPlaces(element, where + "[]", what);
      }
      break;
    case google::protobuf::Value::kStringValue:
      for (const char* text : {kLatDigits, kLonDigits, "Oak Street", "Elm Road", "Birch Lane"}) {
        EXPECT_FALSE(Contains(value.string_value(), text)) << what << ": " << where;
      }
      break;
    default:
      break;
  }
}

// One JSON document an auditor was given: parsed whole, and searched as text too.
void ExpectNothingPlaces(const std::string& json, const std::string& what) {
  google::protobuf::Value parsed;
  ASSERT_TRUE(pbutil::JsonStringToMessage(json, &parsed).ok()) << what << ": " << json;
  ExpectNothingPlaces(parsed, "", what);
  for (const char* text : {kLatDigits, kLonDigits, "Oak Street", "Elm Road", "Birch Lane"}) {
    EXPECT_FALSE(Contains(json, text)) << what << " holds \"" << text << "\": " << json;
  }
}

// The data lines of an SSE stream.
std::vector<std::string> SseData(const std::string& stream) {
  std::vector<std::string> out;
  std::istringstream in(stream);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("data: ", 0) == 0) out.push_back(line.substr(6));
  }
  return out;
}

struct Issued {
  std::string id;
  std::string token;
};

Issued Issue(Daemon& daemon, const std::string& name, const std::string& role) {
  const HttpReply reply = Http(daemon.http(), "POST", "/v1/credentials",
                               R"({"name": ")" + name + R"(", "roles": [")" + role + R"("]})");
  EXPECT_EQ(reply.status, 201) << reply.body;
  v1::IssuedCredential issued;
  EXPECT_TRUE(pbutil::JsonStringToMessage(reply.body, &issued).ok()) << reply.body;
  return {issued.credential().id(), issued.token()};
}

class AuditorView : public ::testing::Test {
 protected:
  void SetUp() override {
    op_ = Issue(daemon_, "operator-7", "operator");
    auditor_ = Issue(daemon_, "auditor-3", "auditor");
    clerk_ = Issue(daemon_, "court-clerk", "evidence");
    ASSERT_EQ(Http(daemon_.http(), "POST", "/v1/orders", OrderWithHomeZone()).status, 201);
    ASSERT_EQ(Http(daemon_.http(), "POST", "/v1/zones", ShelterZone()).status, 201);
    // The victim at home; the tag comes into her home zone, 15 m from her, twice; then
    // its strap is cut there.
    const TimeMs t = NowMs() - 60'000;
    const std::string fixes = "[" + FixJson("phone-2", 1, t, kVictimLat, kVictimLon) + "," +
                              FixJson("tag-1", 1, t + 1'000, kTagLat, kTagLon) + "," +
                              FixJson("tag-1", 2, t + 11'000, kTagLat, kTagLon) + "," +
                              FixJson("phone-2", 2, t + 12'000, kVictimLat, kVictimLon) + "]";
    const HttpReply posted = Http(daemon_.http(), "POST", "/v1/fixes", fixes);
    ASSERT_EQ(posted.status, 200) << posted.body;
    ASSERT_EQ(Http(daemon_.http(), "POST", "/v1/traccar",
                   TraccarForward("tag-1", t + 20'000, kTagLat, kTagLon, "tampering"))
                  .status,
              200);
    v1::AlertList list;
    const HttpReply alerts = Http(daemon_.http(), "GET", "/v1/alerts?state=all");
    ASSERT_TRUE(pbutil::JsonStringToMessage(alerts.body, &list).ok()) << alerts.body;
    std::set<v1::Event::Kind> kinds;
    for (const v1::AlertView& alert : list.alerts()) {
      kinds.insert(alert.kind());
      if (alert.kind() == v1::Event::proximity_violation) violation_ = alert.alert_id();
    }
    ASSERT_TRUE(kinds.contains(v1::Event::proximity_violation)) << alerts.body;
    ASSERT_TRUE(kinds.contains(v1::Event::exclusion_zone)) << alerts.body;
    ASSERT_TRUE(kinds.contains(v1::Event::strap_tamper)) << alerts.body;
    const HttpReply acked =
        HttpAs(op_.token, daemon_.http(), "POST", "/v1/alerts/" + violation_ + "/ack",
               std::string(R"({"note": ")") + kAckNote + R"("})");
    ASSERT_EQ(acked.status, 200) << acked.body;
  }

  Daemon daemon_;
  Issued op_, auditor_, clerk_;
  std::string violation_;
};

TEST_F(AuditorView, AlertsOverHttpPlaceNobody) {
  const HttpReply seen = HttpAs(op_.token, daemon_.http(), "GET", "/v1/alerts?state=all");
  ASSERT_EQ(seen.status, 200);
  for (const char* whole : {"42.8703", "74.5917", "\"distance_m\"", "\"distance_upper_m\"",
                            "\"accuracy_m\"", "Birch Lane"}) {
    EXPECT_TRUE(Contains(seen.body, whole)) << whole << " missing for the operator: " << seen.body;
  }

  const HttpReply audited = HttpAs(auditor_.token, daemon_.http(), "GET", "/v1/alerts?state=all");
  ASSERT_EQ(audited.status, 200);
  ExpectNothingPlaces(audited.body, "GET /v1/alerts");
  // What an auditor needs is all there.
  v1::AlertList list;
  ASSERT_TRUE(pbutil::JsonStringToMessage(audited.body, &list).ok()) << audited.body;
  ASSERT_EQ(list.alerts_size(), 3) << audited.body;
  for (const v1::AlertView& alert : list.alerts()) {
    EXPECT_TRUE(alert.last_event().redacted()) << audited.body;
    EXPECT_TRUE(alert.has_opened_at()) << audited.body;
    if (alert.alert_id() != violation_) continue;
    EXPECT_EQ(alert.order_id(), "KG-9");
    EXPECT_TRUE(alert.open());
    EXPECT_EQ(alert.last_event().transition(), v1::Event::opened);
    EXPECT_TRUE(alert.last_event().has_certainty());
    EXPECT_EQ(alert.last_event().limit_m(), 300);
    EXPECT_EQ(alert.last_event().protected_().person(), "p2");
    EXPECT_TRUE(alert.last_event().protected_().withheld());
    EXPECT_TRUE(alert.last_event().supervised().withheld());
    ASSERT_EQ(alert.acks_size(), 1);
    EXPECT_EQ(alert.acks(0).by(), "operator-7");
    EXPECT_EQ(alert.acks(0).credential(), op_.id);
    EXPECT_TRUE(alert.acks(0).has_time());
  }
}

TEST_F(AuditorView, EachAlertWithItsTimelinePlacesNobody) {
  const std::string note = "she is safe at 5 Birch Lane";
  ASSERT_EQ(HttpAs(op_.token, daemon_.http(), "POST", "/v1/alerts/" + violation_ + "/resolve",
                   R"({"disposition": "victim_contacted", "note": ")" + note + R"("})")
                .status,
            200);
  const HttpReply seen = HttpAs(op_.token, daemon_.http(), "GET", "/v1/alerts/" + violation_);
  ASSERT_EQ(seen.status, 200);
  for (const char* whole : {"42.8703", "74.5917", "\"distance_m\"", "Birch Lane"}) {
    EXPECT_TRUE(Contains(seen.body, whole)) << whole << " missing for the operator: " << seen.body;
  }
  v1::AlertList list;
  const HttpReply alerts = HttpAs(auditor_.token, daemon_.http(), "GET", "/v1/alerts?state=all");
  ASSERT_TRUE(pbutil::JsonStringToMessage(alerts.body, &list).ok()) << alerts.body;
  ASSERT_EQ(list.alerts_size(), 3);
  for (const v1::AlertView& alert : list.alerts()) {
    const HttpReply audited =
        HttpAs(auditor_.token, daemon_.http(), "GET", "/v1/alerts/" + alert.alert_id());
    ASSERT_EQ(audited.status, 200) << audited.body;
    ExpectNothingPlaces(audited.body, "GET /v1/alerts/" + alert.alert_id());
    v1::AlertDetail detail;
    ASSERT_TRUE(pbutil::JsonStringToMessage(audited.body, &detail).ok()) << audited.body;
    ASSERT_GT(detail.timeline_size(), 0) << audited.body;
    for (const v1::EventRecord& record : detail.timeline()) {
      EXPECT_TRUE(record.event().redacted()) << audited.body;
    }
    if (alert.alert_id() != violation_) continue;
    // Who resolved it, when and how is there; the note is not.
    EXPECT_EQ(detail.alert().resolution().disposition(), v1::AlertResolve::victim_contacted);
    EXPECT_EQ(detail.alert().resolution().credential(), op_.id);
    EXPECT_TRUE(detail.alert().resolution().note().empty()) << audited.body;
    EXPECT_EQ(detail.timeline(detail.timeline_size() - 2).event().transition(),
              v1::Event::resolved);
  }
}

TEST_F(AuditorView, ServerSentEventsPlaceNobody) {
  const std::string op_stream =
      ReadEventStream(op_.token, daemon_.http(), "\"transition\":\"acknowledged\"");
  EXPECT_TRUE(Contains(op_stream, "42.8703")) << op_stream;
  EXPECT_TRUE(Contains(op_stream, "\"distance_m\"")) << op_stream;

  const std::string stream =
      ReadEventStream(auditor_.token, daemon_.http(), "\"transition\":\"acknowledged\"");
  ASSERT_TRUE(Contains(stream, "\"transition\":\"acknowledged\"")) << stream;
  EXPECT_TRUE(Contains(stream, "\"ack_by\":\"operator-7\"")) << stream;
  for (const char* kind :
       {"event: proximity_violation", "event: exclusion_zone", "event: strap_tamper"}) {
    EXPECT_TRUE(Contains(stream, kind)) << kind << ": " << stream;
  }
  const std::vector<std::string> data = SseData(stream);
  EXPECT_GE(data.size(), 4u) << stream;
  for (const std::string& json : data) ExpectNothingPlaces(json, "SSE event");
}

TEST_F(AuditorView, TheTcpSubscriptionPlacesNobody) {
  const auto events_of = [&](const std::string& token) {
    tools::DaemonClient client;
    ClientWatchdog deadline(client);
    std::vector<v1::Event> events;
    EXPECT_TRUE(ConnectAndAuthenticate(client, daemon_.ingest(), token).ok());
    v1::ClientFrame subscribe;
    subscribe.mutable_subscribe()->set_from_seq(1);
    EXPECT_TRUE(client.Send(subscribe).ok());
    for (int i = 0; i < 50; ++i) {
      v1::ServerFrame frame;
      if (!client.Receive(&frame).ok() || !frame.has_event()) break;
      events.push_back(frame.event().event());
      if (events.back().transition() == v1::Event::acknowledged) break;
    }
    client.Shutdown();
    return events;
  };
  const std::vector<v1::Event> whole = events_of(op_.token);
  ASSERT_FALSE(whole.empty());
  EXPECT_EQ(whole.front().protected_().lat(), kVictimLat);
  EXPECT_TRUE(whole.front().has_distance_m());

  const std::vector<v1::Event> audited = events_of(auditor_.token);
  ASSERT_EQ(audited.size(), whole.size());
  for (const v1::Event& event : audited) {
    EXPECT_TRUE(event.redacted()) << event.DebugString();
    EXPECT_FALSE(event.has_distance_m() || event.has_distance_lower_m() ||
                 event.has_distance_upper_m())
        << event.DebugString();
    EXPECT_FALSE(event.has_ack_note()) << event.DebugString();
    EXPECT_EQ(event.fixes_size(), 0) << event.DebugString();
    for (const v1::PositionReport& report : {event.supervised(), event.protected_()}) {
      EXPECT_EQ(report.lat(), 0) << event.DebugString();
      EXPECT_EQ(report.lon(), 0) << event.DebugString();
      EXPECT_EQ(report.accuracy_m(), 0) << event.DebugString();
      EXPECT_FALSE(report.has_time()) << event.DebugString();
    }
    EXPECT_TRUE(event.GetReflection()->GetUnknownFields(event).empty());
    std::string json;
    ASSERT_TRUE(pbutil::MessageToJsonString(event, &json).ok());
    ExpectNothingPlaces(json, "TCP event");
  }
}

TEST_F(AuditorView, OrdersAndZonesPlaceNobody) {
  // The operator and the admin who drew them see the places.
  for (const std::string& token : {op_.token, std::string(kHarnessToken)}) {
    const HttpReply order = HttpAs(token, daemon_.http(), "GET", "/v1/orders/KG-9");
    EXPECT_TRUE(Contains(order.body, "42.8705")) << order.body;
    EXPECT_TRUE(Contains(order.body, kHomeName)) << order.body;
    const HttpReply zones = HttpAs(token, daemon_.http(), "GET", "/v1/zones");
    EXPECT_TRUE(Contains(zones.body, "42.874")) << zones.body;
  }

  const HttpReply order = HttpAs(auditor_.token, daemon_.http(), "GET", "/v1/orders/KG-9");
  ASSERT_EQ(order.status, 200) << order.body;
  ExpectNothingPlaces(order.body, "GET /v1/orders/KG-9");
  v1::Order terms;
  ASSERT_TRUE(pbutil::JsonStringToMessage(order.body, &terms).ok()) << order.body;
  EXPECT_EQ(terms.case_reference(), "2026-DV-118");
  EXPECT_EQ(terms.violation_distance_m(), 300);
  EXPECT_EQ(terms.protected_(0).relation(), "victim");
  ASSERT_EQ(terms.zones_size(), 1);
  EXPECT_EQ(terms.zones(0).id(), "home");
  EXPECT_EQ(terms.zones(0).kind(), v1::Zone::exclusion);
  EXPECT_TRUE(terms.zones(0).redacted());
  EXPECT_EQ(terms.zones(0).schedule().windows(0).start(), "00:00");

  const HttpReply zones = HttpAs(auditor_.token, daemon_.http(), "GET", "/v1/zones");
  ASSERT_EQ(zones.status, 200) << zones.body;
  ExpectNothingPlaces(zones.body, "GET /v1/zones");
  EXPECT_TRUE(Contains(zones.body, R"("id":"shelter-1")")) << zones.body;
  const HttpReply shelter = HttpAs(auditor_.token, daemon_.http(), "GET", "/v1/zones/shelter-1");
  ASSERT_EQ(shelter.status, 200) << shelter.body;
  ExpectNothingPlaces(shelter.body, "GET /v1/zones/shelter-1");
  EXPECT_TRUE(Contains(shelter.body, R"("redacted":true)")) << shelter.body;

  // A redacted zone sent back is refused, not taken as a zone without a place.
  const HttpReply back = Http(daemon_.http(), "PUT", "/v1/zones/shelter-1", shelter.body);
  EXPECT_EQ(back.status, 400) << back.body;
  EXPECT_TRUE(Contains(back.body, "redacted")) << back.body;
}

TEST_F(AuditorView, MetricsPlaceNobodyAndOnlyTheEvidenceRoleExportsBundles) {
  const HttpReply metrics = HttpAs(auditor_.token, daemon_.http(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  for (const char* text : {kLatDigits, kLonDigits, "Oak Street", "Elm Road", "Birch Lane"}) {
    EXPECT_FALSE(Contains(metrics.body, text)) << text;
  }
  const std::string bundle_path = "/v1/alerts/" + violation_ + "/evidence";
  for (const std::string& token : {auditor_.token, op_.token}) {
    const HttpReply denied = HttpAs(token, daemon_.http(), "GET", bundle_path);
    EXPECT_EQ(denied.status, 403) << denied.body;
    EXPECT_TRUE(Contains(denied.body, "needs the evidence role")) << denied.body;
    EXPECT_FALSE(Contains(denied.body, kLatDigits)) << denied.body;
  }
  const HttpReply bundle = HttpAs(clerk_.token, daemon_.http(), "GET", bundle_path);
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  EXPECT_TRUE(Contains(bundle.body, "42.8703")) << "a court's bundle lost the victim's position";
  // The evidence role reads nothing else.
  EXPECT_EQ(HttpAs(clerk_.token, daemon_.http(), "GET", "/v1/alerts").status, 403);
  EXPECT_EQ(HttpAs(clerk_.token, daemon_.http(), "GET", "/v1/orders/KG-9").status, 403);
}

}  // namespace
}  // namespace stayaway
