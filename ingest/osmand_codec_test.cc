#include "ingest/osmand_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "base/identifier.h"
#include "base/time.h"
#include "ingest/traccar_codec.h"

namespace stayaway::ingest {
namespace {

constexpr TimeMs kTenOClock = 1740823200000;  // 2025-03-01T10:00:00Z

// The message of a refused request, or a marker when it was wrongly accepted.
std::string Error(std::string_view query) {
  const auto fix = ParseOsmAndQuery(query);
  if (fix.ok()) return "accepted";
  EXPECT_EQ(fix.status().code(), StatusCode::kInvalidArgument);
  return fix.status().message();
}

std::string JsonError(std::string_view body) {
  const auto fix = ParseOsmAndJson(body);
  if (fix.ok()) return "accepted";
  EXPECT_EQ(fix.status().code(), StatusCode::kInvalidArgument);
  return fix.status().message();
}

// ---------------------------------------------------------------------------------
// Query strings and form bodies.
// ---------------------------------------------------------------------------------

TEST(ParseOsmAndQuery, DecodesTheRequestTheTraccarClientAppSends) {
  // Traccar Client for Android: a GET to the server URL with these parameters, speed in
  // knots, battery in percent, charge as a boolean.
  const auto fix = ParseOsmAndQuery(
      "/?id=356938035643809&timestamp=1740823200&lat=42.874621&lon=74.569762"
      "&speed=1.9438444924406046&bearing=271.5&altitude=760.0&accuracy=12.0&batt=87.0"
      "&charge=false");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_EQ(fix->device(), "356938035643809");
  EXPECT_EQ(TimestampToMs(fix->time()), kTenOClock);
  EXPECT_EQ(fix->seq(), static_cast<uint64_t>(kTenOClock) * 8);  // no alarm
  EXPECT_DOUBLE_EQ(fix->lat(), 42.874621);
  EXPECT_DOUBLE_EQ(fix->lon(), 74.569762);
  EXPECT_DOUBLE_EQ(fix->accuracy_m(), 12);
  ASSERT_TRUE(fix->has_speed_mps());
  EXPECT_NEAR(fix->speed_mps(), 1.0, 1e-9);  // 1.9438 knots is 1 m/s
  ASSERT_TRUE(fix->has_heading_deg());
  EXPECT_DOUBLE_EQ(fix->heading_deg(), 271.5);
  ASSERT_TRUE(fix->has_battery_pct());
  EXPECT_DOUBLE_EQ(fix->battery_pct(), 87);
  EXPECT_EQ(fix->flags_size(), 0);
  EXPECT_FALSE(fix->has_received());  // the daemon stamps it
}

TEST(ParseOsmAndQuery, ReadsAFormBodyAndABareOrQuestionMarkedQuery) {
  for (const char* text :
       {"id=phone-1&timestamp=1740823200&lat=42.87&lon=74.59",
        "?id=phone-1&timestamp=1740823200&lat=42.87&lon=74.59",
        "/?id=phone-1&timestamp=1740823200&lat=42.87&lon=74.59&",
        "lon=74.59&&lat=42.87&timestamp=1740823200&id=phone-1"}) {
    const auto fix = ParseOsmAndQuery(text);
    ASSERT_TRUE(fix.ok()) << text << ": " << fix.status().ToString();
    EXPECT_EQ(fix->device(), "phone-1");
    EXPECT_EQ(TimestampToMs(fix->time()), kTenOClock);
    EXPECT_DOUBLE_EQ(fix->lat(), 42.87);
    EXPECT_DOUBLE_EQ(fix->lon(), 74.59);
  }
}

TEST(ParseOsmAndQuery, ReadsIsoTimestamps) {
  for (const char* ts : {"2025-03-01T10%3A00%3A00Z", "2025-03-01T10:00:00.000Z",
                         "2025-03-01T16%3A00%3A00%2B06%3A00", "2025-03-01+10%3A00%3A00",
                         "2025-03-01%2010:00:00"}) {
    const auto fix =
        ParseOsmAndQuery(std::string("id=p&lat=1&lon=2&timestamp=") + ts);
    ASSERT_TRUE(fix.ok()) << ts << ": " << fix.status().ToString();
    EXPECT_EQ(TimestampToMs(fix->time()), kTenOClock) << ts;
    EXPECT_EQ(fix->seq(), static_cast<uint64_t>(kTenOClock) * 8) << ts;
  }
}

TEST(ParseOsmAndQuery, TellsSecondsFromMillisecondsAsTraccarDoes) {
  auto fix = ParseOsmAndQuery("id=p&lat=1&lon=2&timestamp=1740823200250");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_EQ(TimestampToMs(fix->time()), kTenOClock + 250);
  EXPECT_EQ(fix->seq(), static_cast<uint64_t>(kTenOClock + 250) * 8);

  fix = ParseOsmAndQuery("id=p&lat=1&lon=2&timestamp=1740823200.5");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_EQ(TimestampToMs(fix->time()), kTenOClock + 500);
}

TEST(ParseOsmAndQuery, ARetryOfTheSameReportIsTheSameFix) {
  const char* query = "id=p&lat=42.87&lon=74.59&timestamp=1740823200&accuracy=9";
  const auto a = ParseOsmAndQuery(query);
  const auto b = ParseOsmAndQuery(query);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->SerializeAsString(), b->SerializeAsString());
}

TEST(ParseOsmAndQuery, AnSosWithTheTimeOfTheLastReportIsNotADuplicate) {
  // The app's SOS button resends the last location, with its timestamp, plus alarm=sos.
  const char* report = "id=p&lat=42.87&lon=74.59&timestamp=1740823200";
  const auto plain = ParseOsmAndQuery(report);
  const auto sos = ParseOsmAndQuery(std::string(report) + "&alarm=sos");
  const auto sos_retry = ParseOsmAndQuery(std::string(report) + "&alarm=sos");
  ASSERT_TRUE(plain.ok() && sos.ok() && sos_retry.ok());
  EXPECT_NE(plain->seq(), sos->seq());
  EXPECT_EQ(sos->seq(), sos_retry->seq());
  EXPECT_EQ(sos->seq(), static_cast<uint64_t>(kTenOClock) * 8 + 4);
}

TEST(ParseOsmAndQuery, MapsAlarms) {
  auto fix = ParseOsmAndQuery("id=p&lat=1&lon=2&timestamp=1740823200&alarm=sos");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  ASSERT_EQ(fix->flags_size(), 1);
  EXPECT_EQ(fix->flags(0), v1::Fix::sos);

  fix = ParseOsmAndQuery("id=p&lat=1&lon=2&timestamp=1740823200&alarm=tampering%2Csos");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  ASSERT_EQ(fix->flags_size(), 2);
  EXPECT_EQ(fix->flags(0), v1::Fix::strap_open);
  EXPECT_EQ(fix->flags(1), v1::Fix::sos);

  // An alarm stayaway has no flag for is ignored, not an error.
  fix = ParseOsmAndQuery("id=p&lat=1&lon=2&timestamp=1740823200&alarm=fallDown");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_EQ(fix->flags_size(), 0);
}

TEST(ParseOsmAndQuery, UrlDecodesNamesAndValues) {
  const auto fix =
      ParseOsmAndQuery("%69d=phone%5Fof%2DAigul%3A1&timestamp=1740823200&location=42.87%2C74.59");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_EQ(fix->device(), "phone_of-Aigul:1");
  // '+' is a space, which no id holds.
  EXPECT_NE(ParseOsmAndQuery("id=phone+of%20Aigul&timestamp=1740823200&lat=1&lon=2")
                .status()
                .message()
                .find("device id \"phone of Aigul\" is not a valid id: character 6 is a space"),
            std::string::npos);
  EXPECT_DOUBLE_EQ(fix->lat(), 42.87);
  EXPECT_DOUBLE_EQ(fix->lon(), 74.59);
}

TEST(ParseOsmAndQuery, AcceptsTraccarsAliases) {
  const auto fix =
      ParseOsmAndQuery("deviceid=123456&timestamp=1740823200&location=60.0,30.0&heading=45");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_EQ(fix->device(), "123456");
  EXPECT_DOUBLE_EQ(fix->lat(), 60);
  EXPECT_DOUBLE_EQ(fix->lon(), 30);
  EXPECT_DOUBLE_EQ(fix->heading_deg(), 45);
}

TEST(ParseOsmAndQuery, NeverPretendsAnUnknownAccuracyIsExact) {
  const std::string base = "id=p&lat=1&lon=2&timestamp=1740823200";
  auto accuracy = [&](const std::string& extra) {
    const auto fix = ParseOsmAndQuery(base + extra);
    EXPECT_TRUE(fix.ok()) << extra << ": " << fix.status().ToString();
    return fix.ok() ? fix->accuracy_m() : -1;
  };
  EXPECT_DOUBLE_EQ(accuracy(""), kUnknownAccuracyM);
  EXPECT_DOUBLE_EQ(accuracy("&accuracy=0"), kUnknownAccuracyM);
  EXPECT_DOUBLE_EQ(accuracy("&accuracy=-1"), kUnknownAccuracyM);
  EXPECT_DOUBLE_EQ(accuracy("&hdop=2.0"), 2.0 * kUereM);
  EXPECT_DOUBLE_EQ(accuracy("&hdop=0.0"), kUnknownAccuracyM);
  EXPECT_DOUBLE_EQ(accuracy("&hdop=2.0&accuracy=7"), 7);
  // No current fix: kept (for its alarm), but coarse.
  EXPECT_DOUBLE_EQ(accuracy("&accuracy=5&valid=false"), kNoFixAccuracyM);
  EXPECT_DOUBLE_EQ(accuracy("&accuracy=5&valid=0"), kNoFixAccuracyM);
  EXPECT_DOUBLE_EQ(accuracy("&accuracy=3000&valid=false"), 3000);
  EXPECT_DOUBLE_EQ(accuracy("&accuracy=5&valid=true"), 5);
}

TEST(ParseOsmAndQuery, UnknownSentinelsAndExtrasReadAsAbsent) {
  const auto fix = ParseOsmAndQuery(
      "id=p&lat=1&lon=2&timestamp=1740823200&speed=-1&bearing=-1&cell=257,02,16,2224"
      "&cell=257,02,16,2223,-90&wifi=00-14-22-01-23-45,-80&ignition=true&charge=true");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_FALSE(fix->has_speed_mps());
  EXPECT_FALSE(fix->has_heading_deg());
  EXPECT_FALSE(fix->has_battery_pct());

  const auto north = ParseOsmAndQuery("id=p&lat=1&lon=2&timestamp=1740823200&bearing=360");
  ASSERT_TRUE(north.ok());
  EXPECT_DOUBLE_EQ(north->heading_deg(), 0);
}

TEST(ParseOsmAndQuery, RefusesMissingRequiredParameters) {
  EXPECT_EQ(Error("timestamp=1740823200&lat=1&lon=2"),
            "osmand: parameter id is missing or empty");
  EXPECT_EQ(Error("id=&timestamp=1740823200&lat=1&lon=2"),
            "osmand: parameter id is missing or empty");
  EXPECT_EQ(Error("id=p&lat=1&lon=2"), "osmand: parameter timestamp is missing");
  EXPECT_EQ(Error("id=p&timestamp=1740823200&lon=2"), "osmand: parameter lat is missing");
  EXPECT_EQ(Error("id=p&timestamp=1740823200&lat=1"), "osmand: parameter lon is missing");
  EXPECT_EQ(Error(""), "osmand: parameter id is missing or empty");
}

TEST(ParseOsmAndQuery, AnAlarmWithoutAnyPositionStillGetsThrough) {
  // A panic press before the phone has a fix: no lat/lon, but the SOS must not be lost.
  auto fix = ParseOsmAndQuery("id=phone-2&timestamp=1740823200&alarm=sos&batt=40");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_TRUE(fix->no_position());
  ASSERT_EQ(fix->flags_size(), 1);
  EXPECT_EQ(fix->flags(0), v1::Fix::sos);
  EXPECT_DOUBLE_EQ(fix->battery_pct(), 40);
  // Without an alarm a missing position is still an error, and half a position too.
  EXPECT_FALSE(ParseOsmAndQuery("id=p&timestamp=1740823200").ok());
  EXPECT_FALSE(ParseOsmAndQuery("id=p&timestamp=1740823200&alarm=sos&lat=1").ok());
}

TEST(ParseOsmAndQuery, RefusesValuesThatAreNotFiniteNumbers) {
  const std::string base = "id=p&timestamp=1740823200";
  EXPECT_EQ(Error(base + "&lat=abc&lon=2"), "osmand: lat \"abc\" is not a finite number");
  EXPECT_EQ(Error(base + "&lat=nan&lon=2"), "osmand: lat \"nan\" is not a finite number");
  EXPECT_EQ(Error(base + "&lat=1&lon=inf"), "osmand: lon \"inf\" is not a finite number");
  EXPECT_EQ(Error(base + "&lat=12abc&lon=2"), "osmand: lat \"12abc\" is not a finite number");
  EXPECT_EQ(Error(base + "&lat=&lon=2"), "osmand: lat \"\" is not a finite number");
  EXPECT_EQ(Error(base + "&lat=1&lon=2&speed=1e999"),
            "osmand: speed \"1e999\" is not a finite number");
  EXPECT_EQ(Error(base + "&lat=1&lon=2&batt=full"), "osmand: batt \"full\" is not a finite number");
  EXPECT_EQ(Error(base + "&lat=1&lon=2&altitude=high"),
            "osmand: altitude \"high\" is not a finite number");
  EXPECT_EQ(Error(base + "&lat=1&lon=2&heading=NaN"),
            "osmand: heading \"NaN\" is not a finite number");
  EXPECT_EQ(Error(base + "&location=1;2"), "osmand: location \"1;2\" is not lat,lon");
  EXPECT_EQ(Error(base + "&location=1,2,3"), "osmand: location \"1,2,3\" is not lat,lon");
  EXPECT_EQ(Error(base + "&location=1,x"),
            "osmand: location longitude \"x\" is not a finite number");
  EXPECT_EQ(Error(base + "&lat=1&lon=2&valid=maybe"),
            "osmand: valid \"maybe\" is not true, false, 1 or 0");
}

TEST(ParseOsmAndQuery, RefusesBadTimestamps) {
  const std::string base = "id=p&lat=1&lon=2&timestamp=";
  EXPECT_EQ(Error(base + "yesterday"),
            "osmand: timestamp: invalid time \"yesterday\", expected ISO 8601 such as "
            "2025-03-01T10:00:00Z");
  EXPECT_NE(Error(base + "2025-02-30T10:00:00Z").find("invalid time \"2025-02-30"),
            std::string::npos);
  EXPECT_NE(Error(base + "-1").find("invalid time"), std::string::npos);
  EXPECT_EQ(Error(base + "1969-12-31T23:59:59Z"),
            "osmand: timestamp is before 1970: no sequence number can be derived");
  EXPECT_EQ(Error(base + "99999999999999999"),
            "osmand: timestamp \"99999999999999999\" is out of range");
  EXPECT_EQ(Error(base + "1.2.3"), "osmand: timestamp \"1.2.3\" is not a finite number");
}

TEST(ParseOsmAndQuery, RefusesParametersGivenTwice) {
  const std::string base = "id=p&timestamp=1740823200&lat=1&lon=2";
  EXPECT_EQ(Error(base + "&lat=3"), "osmand: parameter lat is given twice");
  EXPECT_EQ(Error(base + "&deviceid=q"),
            "osmand: parameters id and deviceid are the same and both given");
  EXPECT_EQ(Error(base + "&location=1,2"),
            "osmand: parameters location and lat/lon are both given");
}

TEST(ParseOsmAndQuery, RefusesMalformedEscapesAndOversizedInput) {
  EXPECT_EQ(Error("id=p%G1&timestamp=1740823200&lat=1&lon=2"),
            "osmand: malformed %-escape in \"p%G1\"");
  EXPECT_EQ(Error("id=p&timestamp=1740823200&lat=1&lon=2%4"),
            "osmand: malformed %-escape in \"2%4\"");
  const std::string huge =
      "id=p&timestamp=1740823200&lat=1&lon=2&pad=" + std::string(kMaxOsmAndQueryBytes, 'x');
  EXPECT_EQ(Error(huge), "osmand: request of " + std::to_string(huge.size()) +
                             " bytes is over the limit of 8192");
  EXPECT_EQ(Error("id=" + std::string(kMaxIdentifierBytes + 1, 'x') +
                  "&timestamp=1740823200&lat=1&lon=2"),
            "osmand: device id \"" + std::string(kMaxIdentifierBytes + 1, 'x') +
                "\" is not a valid id: it is 65 characters long, more than 64; " +
                std::string(kIdentifierRule));
  EXPECT_EQ(Error("id=ph%0D%0Aone&timestamp=1740823200&lat=1&lon=2"),
            "osmand: device id \"ph\\x0d\\x0aone\" is not a valid id: character 3 is a "
            "carriage return (CR); " +
                std::string(kIdentifierRule));
  EXPECT_EQ(
      Error("id=ph%00one&timestamp=1740823200&lat=1&lon=2")
          .find("osmand: device id \"ph\\x00one\" is not a valid id: character 3 is a NUL byte"),
      0u);
  // Control bytes in a quoted value do not reach the message.
  EXPECT_EQ(Error("id=p&timestamp=1740823200&lat=%0A1&lon=2"),
            "osmand: lat \"?1\" is not a finite number");
}

// ---------------------------------------------------------------------------------
// JSON bodies (newer Traccar Client versions).
// ---------------------------------------------------------------------------------

constexpr const char* kAppJson =
    R"({"location":{"event":"motionchange","is_moving":true,)"
    R"("uuid":"0e9a2473-a9a7-4c00-997b-fb97d2154e75","timestamp":"2025-03-01T10:00:00.250Z",)"
    R"("odometer":1520,"coords":{"latitude":42.874621,"longitude":74.569762,"accuracy":3.8,)"
    R"("speed":1.4,"speed_accuracy":0.26,"heading":63,"heading_accuracy":0.28,)"
    R"("altitude":760.7,"altitude_accuracy":3.8},"activity":{"type":"walking","confidence":100},)"
    R"("battery":{"is_charging":false,"level":0.79},"extras":{}},"device_id":"8737767034"})";

TEST(ParseOsmAndJson, DecodesTheAppsJson) {
  const auto fix = ParseOsmAndJson(kAppJson);
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_EQ(fix->device(), "8737767034");
  EXPECT_EQ(TimestampToMs(fix->time()), kTenOClock + 250);
  EXPECT_EQ(fix->seq(), static_cast<uint64_t>(kTenOClock + 250) * 8);
  EXPECT_DOUBLE_EQ(fix->lat(), 42.874621);
  EXPECT_DOUBLE_EQ(fix->lon(), 74.569762);
  EXPECT_DOUBLE_EQ(fix->accuracy_m(), 3.8);
  EXPECT_DOUBLE_EQ(fix->speed_mps(), 1.4);  // already m/s in this form
  EXPECT_DOUBLE_EQ(fix->heading_deg(), 63);
  EXPECT_DOUBLE_EQ(fix->battery_pct(), 79);
  EXPECT_EQ(fix->flags_size(), 0);
}

TEST(ParseOsmAndJson, ReadsMinusOneAsUnknown) {
  const auto fix = ParseOsmAndJson(
      R"({"location":{"extras":{},"mock":true,"coords":{"speed_accuracy":-1,"speed":-1,)"
      R"("longitude":-122.406417,"floor":null,"heading_accuracy":-1,"latitude":37.785834,)"
      R"("accuracy":-1,"altitude":0,"heading":-1},"is_moving":false,)"
      R"("battery":{"level":-1,"is_charging":false},"timestamp":"2025-05-09T04:11:30.579Z"},)"
      R"("device_id":"658765"})");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_FALSE(fix->has_speed_mps());
  EXPECT_FALSE(fix->has_heading_deg());
  EXPECT_FALSE(fix->has_battery_pct());
  EXPECT_DOUBLE_EQ(fix->accuracy_m(), kUnknownAccuracyM);
}

TEST(ParseOsmAndJson, ReadsAnAlarmFromLocationOrExtras) {
  auto fix = ParseOsmAndJson(
      R"({"device_id":"p","location":{"timestamp":"2025-03-01T10:00:00Z","alarm":"sos",)"
      R"("coords":{"latitude":1,"longitude":2}}})");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  ASSERT_EQ(fix->flags_size(), 1);
  EXPECT_EQ(fix->flags(0), v1::Fix::sos);

  fix = ParseOsmAndJson(
      R"({"device_id":"p","location":{"timestamp":"2025-03-01T10:00:00Z",)"
      R"("extras":{"alarm":"sos","note":7},"coords":{"latitude":1,"longitude":2}}})");
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  ASSERT_EQ(fix->flags_size(), 1);
  EXPECT_EQ(fix->flags(0), v1::Fix::sos);
}

TEST(ParseOsmAndJson, RefusesWhatItCannotDecode) {
  const std::string coords = R"("coords":{"latitude":1,"longitude":2})";
  EXPECT_EQ(JsonError(R"({"location":{"timestamp":"2025-03-01T10:00:00Z",)" + coords + "}}"),
            "osmand: device_id is missing or empty");
  EXPECT_EQ(JsonError(R"({"device_id":"p"})"), "osmand: no \"location\" object");
  EXPECT_EQ(JsonError(R"({"device_id":"p","location":{"timestamp":"2025-03-01T10:00:00Z"}})"),
            "osmand: no \"location.coords\" object");
  EXPECT_EQ(JsonError(R"({"device_id":"p","location":{)" + coords + "}}"),
            "osmand: location.timestamp is missing");
  EXPECT_NE(JsonError(R"({"device_id":"p","location":{"timestamp":"soon",)" + coords + "}}")
                .find("osmand: location.timestamp: invalid time \"soon\""),
            std::string::npos);
  EXPECT_EQ(JsonError(R"({"device_id":"p","location":{"timestamp":"2025-03-01T10:00:00Z",)"
                      R"("coords":{"latitude":"1","longitude":2}}})"),
            "osmand: location.coords.latitude: expected a number, found a string");
  EXPECT_EQ(JsonError(R"({"device_id":"p","location":{"timestamp":"2025-03-01T10:00:00Z",)"
                      R"("coords":{"latitude":1}}})"),
            "osmand: location.coords.longitude is missing");
  EXPECT_EQ(JsonError(R"({"device_id":7,"location":{}})"),
            "osmand: device_id: expected a string, found a number");
  EXPECT_EQ(JsonError("[1]"), "osmand: expected a JSON object");
  EXPECT_EQ(JsonError(""), "osmand: expected a JSON object");
  EXPECT_NE(JsonError(R"({"device_id":)").find("osmand: invalid JSON"), std::string::npos);
  EXPECT_EQ(JsonError("{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}"),
            "osmand: JSON is nested deeper than 16 levels");
  EXPECT_EQ(JsonError("{\"pad\":\"" + std::string(kMaxOsmAndJsonBytes, 'x') + "\"}"),
            "osmand: body of " + std::to_string(kMaxOsmAndJsonBytes + 10) +
                " bytes is over the limit of " + std::to_string(kMaxOsmAndJsonBytes));
}

}  // namespace
}  // namespace stayaway::ingest
