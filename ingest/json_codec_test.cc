#include "ingest/json_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "base/time.h"

namespace stayaway::ingest {
namespace {

constexpr TimeMs kTenOClock = 1740823200000;  // 2025-03-01T10:00:00Z

TEST(ParseReplayLine, ParsesAFixWithEveryField) {
  const auto input = ParseReplayLine(
      R"({"device": "tag-1", "seq": 7, "time": "2025-03-01T10:00:00Z", "lat": 42.87,)"
      R"( "lon": 74.59, "accuracy_m": 8, "received": "2025-03-01T10:00:05.250Z",)"
      R"( "source": "wifi", "speed_mps": 1.5, "heading_deg": 90, "battery_pct": 0,)"
      R"( "flags": ["strap_open", "sos"]})");
  ASSERT_TRUE(input.ok()) << input.status().ToString();
  ASSERT_TRUE(input->has_fix());
  const v1::Fix& fix = input->fix();
  EXPECT_EQ(fix.device(), "tag-1");
  EXPECT_EQ(fix.seq(), 7u);
  EXPECT_EQ(TimestampToMs(fix.time()), kTenOClock);
  EXPECT_EQ(TimestampToMs(fix.received()), kTenOClock + 5250);
  EXPECT_DOUBLE_EQ(fix.lat(), 42.87);
  EXPECT_DOUBLE_EQ(fix.lon(), 74.59);
  EXPECT_DOUBLE_EQ(fix.accuracy_m(), 8);
  EXPECT_EQ(fix.source(), v1::Fix::wifi);
  ASSERT_TRUE(fix.has_speed_mps());
  EXPECT_DOUBLE_EQ(fix.speed_mps(), 1.5);
  EXPECT_TRUE(fix.has_heading_deg());
  // An explicit 0 of an optional field is present, not absent.
  ASSERT_TRUE(fix.has_battery_pct());
  EXPECT_DOUBLE_EQ(fix.battery_pct(), 0);
  ASSERT_EQ(fix.flags_size(), 2);
  EXPECT_EQ(fix.flags(0), v1::Fix::strap_open);
  EXPECT_EQ(fix.flags(1), v1::Fix::sos);
}

TEST(ParseReplayLine, ReceivedDefaultsToTimeAndOptionalsStayAbsent) {
  const auto input = ParseReplayLine(
      R"({"device":"tag-1","seq":1,"time":"2025-03-01T10:00:00Z","lat":42.87,"lon":74.59,)"
      R"("accuracy_m":8})");
  ASSERT_TRUE(input.ok()) << input.status().ToString();
  const v1::Fix& fix = input->fix();
  ASSERT_TRUE(fix.has_received());
  EXPECT_EQ(TimestampToMs(fix.received()), kTenOClock);
  EXPECT_FALSE(fix.has_speed_mps());
  EXPECT_FALSE(fix.has_heading_deg());
  EXPECT_FALSE(fix.has_battery_pct());
}

TEST(ParseReplayLine, ParsesATick) {
  const auto input = ParseReplayLine(R"(  {"tick": "2025-03-01T10:05:00Z"}  )");
  ASSERT_TRUE(input.ok()) << input.status().ToString();
  ASSERT_TRUE(input->has_tick());
  EXPECT_EQ(TimestampToMs(input->tick().tick()), kTenOClock + 5 * 60'000);
}

TEST(ParseReplayLine, TickWithOtherFieldsIsRefusedAsATick) {
  const auto input = ParseReplayLine(R"({"tick": "2025-03-01T10:05:00Z", "device": "tag-1"})");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(input.status().message(), "tick: unknown field \"device\"");
}

TEST(ParseReplayLine, TickWithBadTimeSaysSo) {
  const auto input = ParseReplayLine(R"({"tick": "soon"})");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().message(),
            "tick: invalid time \"soon\", expected RFC 3339 such as 2025-03-01T10:00:00Z");
}

TEST(ParseReplayLine, TickWithoutTimeIsRefused) {
  const auto input = ParseReplayLine(R"({"tick": null})");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().message(), "tick has no time");
}

TEST(ParseReplayLine, FixWithoutTimeIsRefused) {
  const auto input = ParseReplayLine(R"({"device":"tag-1","seq":1,"lat":1,"lon":2})");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(input.status().message(), "fix has no time");
}

TEST(ParseReplayLine, BadJsonGivesOneLineMessage) {
  const auto input = ParseReplayLine(R"({"device":"tag-1","seq":1,)");
  ASSERT_FALSE(input.ok());
  const std::string& message = input.status().message();
  EXPECT_TRUE(message.starts_with("fix: ")) << message;
  EXPECT_NE(message.find("Unexpected end of string"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(ParseReplayLine, UnknownFieldIsNamed) {
  const auto input = ParseReplayLine(
      R"({"device":"tag-1","seq":1,"time":"2025-03-01T10:00:00Z","latitude":42.87})");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().message(), "fix: unknown field \"latitude\"");
}

TEST(ParseReplayLine, BadTimeSaysWhatIsExpected) {
  const auto input = ParseReplayLine(R"({"device":"tag-1","seq":1,"time":"2025-03-01 10:00"})");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().message(),
            "fix: time: invalid time \"2025-03-01 10:00\", expected RFC 3339 such as "
            "2025-03-01T10:00:00Z");
}

TEST(ParseReplayLine, WrongValueTypeNamesTheField) {
  const auto input =
      ParseReplayLine(R"({"device":"tag-1","seq":1,"time":"2025-03-01T10:00:00Z","lat":"north"})");
  ASSERT_FALSE(input.ok());
  EXPECT_TRUE(input.status().message().starts_with("fix: lat: invalid value \"north\""))
      << input.status().message();
}

TEST(ParseReplayLine, UnknownFlagNamesTheElement) {
  const auto input =
      ParseReplayLine(R"({"device":"tag-1","time":"2025-03-01T10:00:00Z","flags":["strap_cut"]})");
  ASSERT_FALSE(input.ok());
  EXPECT_TRUE(input.status().message().starts_with("fix: flags[0]: invalid value \"strap_cut\""))
      << input.status().message();
}

TEST(ParseReplayLine, DoesNotCheckRanges) {
  // Ranges are the engine's to refuse, so every ingest path says the same thing.
  const auto input = ParseReplayLine(
      R"({"device":"tag-1","seq":1,"time":"2025-03-01T10:00:00Z","lat":91.5,"lon":200,)"
      R"("accuracy_m":-1})");
  ASSERT_TRUE(input.ok()) << input.status().ToString();
  EXPECT_DOUBLE_EQ(input->fix().lat(), 91.5);
}

TEST(ParseReplayLine, DeepNestingIsRefusedBeforeParsing) {
  // 100k levels would exhaust the stack or stall Protobuf's parser.
  std::string line = R"({"device":"tag-1","flags":)";
  line += std::string(30'000, '[');
  line += std::string(30'000, ']');
  line += "}";
  const auto input = ParseReplayLine(line);
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().message(), "JSON is nested deeper than 8 levels");
}

TEST(ParseReplayLine, BracketsInsideStringsDoNotCountAsNesting) {
  // Parsed through (no nesting error), then refused for what the string holds.
  const auto input = ParseReplayLine(R"({"device":"[[[[[[[[[[{{{{{{{{\"","seq":1,)"
                                     R"("time":"2025-03-01T10:00:00Z"})");
  ASSERT_FALSE(input.ok());
  EXPECT_TRUE(input.status().message().starts_with(
      "fix: device \"[[[[[[[[[[{{{{{{{{\\x22\" is not a valid id: character 1 is '['"))
      << input.status().message();
}

TEST(ParseReplayLine, HugeLineIsRefused) {
  std::string line = R"({"device":")" + std::string(kMaxReplayLineBytes, 'x') +
                     R"(","time":"2025-03-01T10:00:00Z"})";
  const auto input = ParseReplayLine(line);
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().message(),
            "line is " + std::to_string(line.size()) + " bytes, more than the limit of 65536");
}

TEST(ParseReplayLine, NonObjectIsRefused) {
  EXPECT_EQ(ParseReplayLine("[1,2]").status().message(),
            "expected a JSON object (a fix or a tick)");
  EXPECT_EQ(ParseReplayLine("   ").status().message(), "empty line, expected a JSON object");
}

constexpr char kOrders[] = R"([
  {"id": "KG-2025-0001", "case_reference": "B-17/2025", "issuing_authority": "court",
   "version": 2, "state": "active",
   "supervised": {"id": "p1", "devices": ["tag-1"]},
   "protected": [{"id": "p2", "devices": ["phone-2"], "relation": "victim"},
                 {"id": "p3", "devices": ["phone-3"], "relation": "child"}],
   "violation_distance_m": 500, "warning_distance_m": 1000,
   "valid_from": "2025-01-01T00:00:00Z", "valid_until": "2026-01-01T00:00:00Z",
   "zones": [
     {"id": "home", "kind": "exclusion", "buffer_m": 100,
      "geometry": {"type": "Polygon",
                   "coordinates": [[[74.58, 42.86], [74.59, 42.86], [74.59, 42.87],
                                    [74.58, 42.86]]]}},
     {"id": "school", "kind": "exclusion", "circle": {"lat": 42.88, "lon": 74.6, "radius_m": 150},
      "schedule": {"time_zone": "Asia/Bishkek",
                   "windows": [{"days": ["mon", "tue", "wed", "thu", "fri"],
                                "start": "07:30", "end": "17:00"}]}}]},
  {"id": "KG-2025-0002", "supervised": {"id": "p4", "devices": ["tag-4"]},
   "protected": [{"id": "p2", "devices": ["phone-2"]}], "violation_distance_m": 300}
])";

TEST(ParseOrdersJson, ParsesOrdersWithPolygonCircleAndSchedule) {
  const auto orders = ParseOrdersJson(kOrders);
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();
  ASSERT_EQ(orders->size(), 2u);
  const v1::Order& order = (*orders)[0];
  EXPECT_EQ(order.id(), "KG-2025-0001");
  EXPECT_EQ(order.version(), 2u);
  EXPECT_EQ(order.state(), v1::Order::active);
  EXPECT_EQ(order.supervised().devices(0), "tag-1");
  ASSERT_EQ(order.protected__size(), 2);
  EXPECT_EQ(order.protected_(1).relation(), "child");
  EXPECT_DOUBLE_EQ(order.violation_distance_m(), 500);
  EXPECT_EQ(TimestampToMs(order.valid_until()), 1767225600000);
  ASSERT_EQ(order.zones_size(), 2);

  const v1::Zone& home = order.zones(0);
  EXPECT_EQ(home.kind(), v1::Zone::exclusion);
  EXPECT_DOUBLE_EQ(home.buffer_m(), 100);
  ASSERT_TRUE(home.has_geometry());
  EXPECT_EQ(home.geometry().fields().at("type").string_value(), "Polygon");
  const auto& ring = home.geometry().fields().at("coordinates").list_value().values(0);
  ASSERT_EQ(ring.list_value().values_size(), 4);
  EXPECT_DOUBLE_EQ(ring.list_value().values(1).list_value().values(0).number_value(), 74.59);
  EXPECT_FALSE(home.has_circle());

  const v1::Zone& school = order.zones(1);
  ASSERT_TRUE(school.has_circle());
  EXPECT_DOUBLE_EQ(school.circle().radius_m(), 150);
  EXPECT_EQ(school.schedule().time_zone(), "Asia/Bishkek");
  ASSERT_EQ(school.schedule().windows(0).days_size(), 5);
  EXPECT_EQ(school.schedule().windows(0).days(4), v1::WeeklySchedule::fri);
  EXPECT_EQ(school.schedule().windows(0).end(), "17:00");

  EXPECT_EQ((*orders)[1].state(), v1::Order::state_unspecified);
}

TEST(ParseOrdersJson, EmptyArrayIsNoOrders) {
  const auto orders = ParseOrdersJson(" [ ] \n");
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();
  EXPECT_TRUE(orders->empty());
}

TEST(ParseOrdersJson, NonArrayIsRefused) {
  // Protobuf alone would take a lone object as a one-element list.
  const auto orders = ParseOrdersJson(R"({"id": "KG-2025-0001"})");
  ASSERT_FALSE(orders.ok());
  EXPECT_EQ(orders.status().message(), "orders: expected a JSON array of orders, found '{'");
  EXPECT_EQ(ParseOrdersJson("").status().message(),
            "orders: expected a JSON array of orders, found nothing");
}

TEST(ParseOrdersJson, TextAfterTheArrayIsRefused) {
  const auto orders = ParseOrdersJson(R"([], "zones": [])");
  ASSERT_FALSE(orders.ok());
  EXPECT_EQ(orders.status().message(), "orders: unexpected text after the array");
}

TEST(ParseOrdersJson, UnknownFieldNamesItsPath) {
  const auto orders = ParseOrdersJson(R"([{"id": "a"}, {"id": "b", "zones": [{"radius": 1}]}])");
  ASSERT_FALSE(orders.ok());
  EXPECT_EQ(orders.status().message(), "orders[1].zones[0]: unknown field \"radius\"");
}

TEST(ParseOrdersJson, UnknownEnumValueNamesItsPath) {
  const auto orders = ParseOrdersJson(R"([{"id": "a", "state": "paused"}])");
  ASSERT_FALSE(orders.ok());
  EXPECT_TRUE(orders.status().message().starts_with("orders[0].state: invalid value \"paused\""))
      << orders.status().message();
}

TEST(ParseOrdersJson, DeepGeometryIsRefused) {
  std::string text = R"([{"id": "a", "zones": [{"geometry": {"coordinates": )";
  text += std::string(1000, '[') + std::string(1000, ']') + "}}]}]";
  const auto orders = ParseOrdersJson(text);
  ASSERT_FALSE(orders.ok());
  EXPECT_EQ(orders.status().message(), "orders: JSON is nested deeper than 31 levels");
}

TEST(ParseZonesJson, ParsesGlobalZones) {
  const auto zones = ParseZonesJson(
      R"([{"id": "shelter", "name": "Shelter", "kind": "exclusion", "buffer_m": 200,)"
      R"( "circle": {"lat": 42.87, "lon": 74.6, "radius_m": 50}}])");
  ASSERT_TRUE(zones.ok()) << zones.status().ToString();
  ASSERT_EQ(zones->size(), 1u);
  EXPECT_EQ((*zones)[0].id(), "shelter");
  EXPECT_DOUBLE_EQ((*zones)[0].circle().radius_m(), 50);
  EXPECT_EQ(ParseZonesJson("{}").status().message(),
            "zones: expected a JSON array of zones, found '{'");
}

TEST(ParseEngineConfigJson, ParsesAndRefusesUnknownFields) {
  const auto config = ParseEngineConfigJson(R"({"comms_lost_ms": 300000,)"
                                            R"( "proximity_violation": {"confirm_fixes": 3}})");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->comms_lost_ms(), 300000u);
  EXPECT_EQ(config->proximity_violation().confirm_fixes(), 3u);
  EXPECT_EQ(ParseEngineConfigJson(R"({"comms_lost": 1})").status().message(),
            "config: unknown field \"comms_lost\"");
}

TEST(EventToJson, PrintsFieldNamesEnumNamesAndZeroScalars) {
  v1::Event event;
  event.set_alert_id("a1");
  event.set_order_id("KG-2025-0001");
  event.set_kind(v1::Event::proximity_violation);
  event.set_transition(v1::Event::opened);
  MsToTimestamp(kTenOClock, event.mutable_time());
  const std::string json = EventToJson(event);
  EXPECT_EQ(json, R"({"alert_id":"a1","order_id":"KG-2025-0001","order_version":0,)"
                  R"("kind":"proximity_violation","transition":"opened","late":false,)"
                  R"("fixes":[],"rule":"",)"
                  R"("time":"2025-03-01T10:00:00Z"})");
}

TEST(EventToJson, UnsetOptionalsAndMessagesAreOmitted) {
  v1::Event event;
  event.set_kind(v1::Event::strap_tamper);
  const std::string json = EventToJson(event);
  for (const char* absent : {"certainty", "distance_m", "distance_lower_m", "distance_upper_m",
                             "limit_m", "supervised", "protected", "detected_at"}) {
    EXPECT_EQ(json.find(std::string("\"") + absent + "\""), std::string::npos)
        << absent << " in " << json;
  }
  EXPECT_NE(json.find(R"("late":false)"), std::string::npos) << json;
}

TEST(EventToJson, SetOptionalsArePrintedEvenWhenZero) {
  v1::Event event;
  event.set_kind(v1::Event::proximity_warning);
  event.set_certainty(v1::Event::possible);
  event.set_distance_m(0);
  event.set_distance_lower_m(0);
  event.set_distance_upper_m(812.5);
  event.set_limit_m(1000);
  event.set_late(true);
  v1::PositionReport* supervised = event.mutable_supervised();
  supervised->set_person("p1");
  supervised->set_device("tag-1");
  supervised->set_lat(42.87);
  supervised->set_basis(v1::PositionReport::interpolated);
  MsToTimestamp(kTenOClock + 250, supervised->mutable_time());
  v1::FixRef* ref = event.add_fixes();
  ref->set_device("tag-1");
  ref->set_seq(7);
  MsToTimestamp(kTenOClock, event.mutable_time());
  MsToTimestamp(kTenOClock + 60'000, event.mutable_detected_at());
  const std::string json = EventToJson(event);
  // The exact bytes, pinned: replay output must not change under a Protobuf upgrade
  // without this test saying so. uint64 seq prints as a string in the JSON mapping.
  EXPECT_EQ(json, R"({"alert_id":"","order_id":"","order_version":0,"kind":"proximity_warning",)"
                  R"("transition":"transition_unspecified","late":true,)"
                  R"("supervised":{"person":"p1","device":"tag-1","lat":42.87,"lon":0,)"
                  R"("accuracy_m":0,"basis":"interpolated","time":"2025-03-01T10:00:00.250Z"},)"
                  R"("fixes":[{"device":"tag-1","seq":"7"}],)"
                  R"("rule":"","certainty":"possible","time":"2025-03-01T10:00:00Z",)"
                  R"("detected_at":"2025-03-01T10:01:00Z","distance_m":0,"distance_lower_m":0,)"
                  R"("distance_upper_m":812.5,"limit_m":1000})");
  EXPECT_EQ(EventToJson(event), json);  // stable
}

TEST(EventToJson, ARedactedEventHasNoCoordinatesAtAllNotZeros) {
  v1::Event event;
  event.set_kind(v1::Event::proximity_violation);
  event.set_late(false);
  v1::PositionReport* victim = event.mutable_protected_();
  victim->set_person("p2");
  victim->set_device("phone-2");
  victim->set_lat(42.8703);
  EXPECT_NE(
      EventToJson(event).find(R"("protected":{"person":"p2","device":"phone-2","lat":42.8703,)"),
      std::string::npos)
      << EventToJson(event);
  // As access/redaction.h leaves it: the position cleared, the markers set.
  victim->clear_lat();
  victim->set_withheld(true);
  event.mutable_supervised()->set_person("p1");
  event.mutable_supervised()->set_withheld(true);
  event.set_redacted(true);
  const std::string json = EventToJson(event);
  EXPECT_EQ(json, R"({"kind":"proximity_violation",)"
                  R"("supervised":{"person":"p1","withheld":true},)"
                  R"("protected":{"person":"p2","device":"phone-2","withheld":true},)"
                  R"("redacted":true})");
  EXPECT_EQ(RedactedToJson(event), json);
}

}  // namespace
}  // namespace stayaway::ingest
