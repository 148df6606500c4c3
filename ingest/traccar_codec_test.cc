#include "ingest/traccar_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "base/identifier.h"
#include "base/time.h"

namespace stayaway::ingest {
namespace {

constexpr TimeMs kTenOClock = 1740823200000;  // 2025-03-01T10:00:00Z

// A body as Traccar 6 forwards it (Jackson, dates as ISO text, id 0 because forwarding
// runs before the position is stored), with `position_extra` spliced into the position.
std::string Forward(const std::string& position_fields) {
  return R"({"position":{"id":0,"attributes":{"priority":0,"sat":9,"event":0,)"
         R"("ignition":false,"motion":false,"batteryLevel":64,"battery":3.91,"alarm":"sos",)"
         R"("distance":0.0,"totalDistance":84129.52,"hours":0},"deviceId":3,"protocol":"h02",)"
         R"("serverTime":"2025-03-01T10:00:02.118+00:00",)"
         R"("deviceTime":"2025-03-01T10:00:00.000+00:00",)"
         R"("fixTime":"2025-03-01T10:00:00.000+00:00","outdated":false,"valid":true,)"
         R"("latitude":42.874621,"longitude":74.569762,"altitude":760.0,)"
         R"("speed":1.9438444924406046,"course":271.0,"address":null,"accuracy":8.0,)"
         R"("network":{"radioType":"gsm","considerIp":false,"cellTowers":[{"cellId":2224,)"
         R"("locationAreaCode":16,"mobileCountryCode":437,"mobileNetworkCode":1}]},)"
         R"("geofenceIds":null)" +
         position_fields +
         R"(},"device":{"id":3,"attributes":{},"groupId":0,"calendarId":0,"name":"Tag KG-17",)"
         R"("uniqueId":"864502031234567","status":"online",)"
         R"("lastUpdate":"2025-03-01T10:00:02.118+00:00","positionId":0,"phone":null,)"
         R"("model":null,"contact":null,"category":null,"disabled":false,)"
         R"("expirationTime":null}})";
}

// The same body with one top-level position field's JSON text replaced.
std::string With(const std::string& field, const std::string& value) {
  std::string body = Forward("");
  const std::string key = "\"" + field + "\":";
  const std::size_t at = body.find(key);
  EXPECT_NE(at, std::string::npos) << field;
  const std::size_t start = at + key.size();
  std::size_t end = start;
  if (body[start] == '"') {
    end = body.find('"', start + 1) + 1;
  } else if (body[start] == '{') {
    end = body.find('}', start) + 1;
  } else {
    end = body.find_first_of(",}", start);
  }
  return body.replace(start, end - start, value);
}

std::string Error(std::string_view body) {
  const auto fix = ParseTraccarForward(body);
  if (fix.ok()) return "accepted";
  EXPECT_EQ(fix.status().code(), StatusCode::kInvalidArgument);
  return fix.status().message();
}

TEST(ParseTraccarForward, DecodesAForwardedPosition) {
  const auto fix = ParseTraccarForward(Forward(""));
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_EQ(fix->device(), "864502031234567");
  EXPECT_EQ(TimestampToMs(fix->time()), kTenOClock);
  EXPECT_EQ(fix->seq(), static_cast<uint64_t>(kTenOClock) * 8 + 4);  // id 0: time and sos
  EXPECT_DOUBLE_EQ(fix->lat(), 42.874621);
  EXPECT_DOUBLE_EQ(fix->lon(), 74.569762);
  EXPECT_DOUBLE_EQ(fix->accuracy_m(), 8);
  EXPECT_NEAR(fix->speed_mps(), 1.0, 1e-9);  // knots to m/s
  EXPECT_DOUBLE_EQ(fix->heading_deg(), 271);
  EXPECT_DOUBLE_EQ(fix->battery_pct(), 64);  // batteryLevel, not battery (volts)
  ASSERT_EQ(fix->flags_size(), 1);
  EXPECT_EQ(fix->flags(0), v1::Fix::sos);
  EXPECT_FALSE(fix->has_received());  // the daemon stamps it, not Traccar's serverTime
}

TEST(ParseTraccarForward, ARetriedForwardIsTheSameFix) {
  const auto a = ParseTraccarForward(Forward(""));
  const auto b = ParseTraccarForward(Forward(""));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->SerializeAsString(), b->SerializeAsString());
}

TEST(ParseTraccarForward, UsesTraccarsDatabaseIdWhenItHasOne) {
  const auto fix = ParseTraccarForward(With("id", "918273"));
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_EQ(fix->seq(), 918273u);
  for (const char* id : {"-5", "1.5", "1e300"}) {
    const auto other = ParseTraccarForward(With("id", id));
    ASSERT_TRUE(other.ok()) << id << ": " << other.status().ToString();
    EXPECT_EQ(other->seq(), static_cast<uint64_t>(kTenOClock) * 8 + 4) << id;
  }
}

TEST(ParseTraccarForward, ReadsTheTimeFormatsJacksonWrites) {
  for (const char* time :
       {R"("2025-03-01T10:00:00.000+00:00")", R"("2025-03-01T10:00:00.000+0000")",
        R"("2025-03-01T10:00:00Z")", R"("2025-03-01T16:00:00.000+06:00")",
        R"("2025-03-01T05:30:00.000-04:30")", "1740823200000"}) {
    const auto fix = ParseTraccarForward(With("fixTime", time));
    ASSERT_TRUE(fix.ok()) << time << ": " << fix.status().ToString();
    EXPECT_EQ(TimestampToMs(fix->time()), kTenOClock) << time;
  }
}

TEST(ParseTraccarForward, AnUnknownAccuracyIsNotExact) {
  auto fix = ParseTraccarForward(With("accuracy", "0.0"));
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_DOUBLE_EQ(fix->accuracy_m(), kUnknownAccuracyM);
  std::string body = Forward("");
  body.erase(body.find(R"("accuracy":8.0,)"), std::string(R"("accuracy":8.0,)").size());
  fix = ParseTraccarForward(body);
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_DOUBLE_EQ(fix->accuracy_m(), kUnknownAccuracyM);
}

TEST(ParseTraccarForward, AnInvalidPositionIsForwardedAsCoarse) {
  const auto fix = ParseTraccarForward(With("valid", "false"));
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_DOUBLE_EQ(fix->accuracy_m(), kNoFixAccuracyM);
  EXPECT_EQ(TimestampToMs(fix->time()), kTenOClock);
  ASSERT_EQ(fix->flags_size(), 1);  // the SOS is not lost
  EXPECT_EQ(fix->flags(0), v1::Fix::sos);
}

TEST(ParseTraccarForward, AnOutdatedPositionTakesTheReportTime) {
  // Traccar repeated the last location (fixTime 09:40) for an alarm reported at 10:00.
  std::string body = With("outdated", "true");
  body.replace(body.find("\"fixTime\":\"2025-03-01T10"), 24, "\"fixTime\":\"2025-03-01T09");
  body.replace(body.find("T09:00"), 6, "T09:40");
  const auto fix = ParseTraccarForward(body);
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_EQ(TimestampToMs(fix->time()), kTenOClock);
  EXPECT_EQ(fix->seq(), static_cast<uint64_t>(kTenOClock) * 8 + 4);
  EXPECT_DOUBLE_EQ(fix->accuracy_m(), kNoFixAccuracyM);
  ASSERT_EQ(fix->flags_size(), 1);
  EXPECT_EQ(fix->flags(0), v1::Fix::sos);

  std::string no_device_time = With("outdated", "true");
  no_device_time.erase(no_device_time.find(R"("deviceTime":)"),
                       std::string(R"("deviceTime":"2025-03-01T10:00:00.000+00:00",)").size());
  EXPECT_EQ(Error(no_device_time), "traccar: position.deviceTime is missing");
}

TEST(ParseTraccarForward, AnAlarmRepeatingTheLastFixTimeIsNotADuplicate) {
  // Many trackers send an alarm packet carrying their last GPS fix and its time.
  std::string plain = Forward("");
  plain.replace(plain.find(R"("alarm":"sos")"), 13, R"("alarm":"")");
  const auto position = ParseTraccarForward(plain);
  const auto alarm = ParseTraccarForward(Forward(""));
  ASSERT_TRUE(position.ok() && alarm.ok());
  EXPECT_EQ(position->seq(), static_cast<uint64_t>(kTenOClock) * 8);
  EXPECT_NE(position->seq(), alarm->seq());
}

TEST(ParseTraccarForward, MapsAlarms) {
  const auto flags = [](const std::string& alarm) {
    std::string body = Forward("");
    body.replace(body.find(R"("alarm":"sos")"), 13, R"("alarm":")" + alarm + "\"");
    const auto fix = ParseTraccarForward(body);
    EXPECT_TRUE(fix.ok()) << alarm << ": " << fix.status().ToString();
    std::string out;
    for (const int f : fix->flags()) out += v1::Fix::Flag_Name(f) + " ";
    return out;
  };
  EXPECT_EQ(flags("sos"), "sos ");
  EXPECT_EQ(flags("sos,tampering"), "strap_open sos ");
  EXPECT_EQ(flags("removing"), "strap_open ");
  EXPECT_EQ(flags("tampering, removing"), "strap_open ");
  EXPECT_EQ(flags("jamming"), "jamming_suspected ");
  EXPECT_EQ(flags("sos,sos"), "sos ");
  EXPECT_EQ(flags("powerCut,lowBattery,geofenceEnter"), "");
  EXPECT_EQ(flags(""), "");
}

TEST(ParseTraccarForward, IgnoresAttributesOfUnexpectedTypes) {
  std::string body = Forward("");
  body.replace(body.find(R"("batteryLevel":64)"), 17, R"("batteryLevel":"64%")");
  body.replace(body.find(R"("alarm":"sos")"), 13, R"("alarm":["sos"])");
  const auto fix = ParseTraccarForward(body);
  ASSERT_TRUE(fix.ok()) << fix.status().ToString();
  EXPECT_FALSE(fix->has_battery_pct());
  EXPECT_EQ(fix->flags_size(), 0);
}

TEST(ParseTraccarForward, NormalisesCourseAndSentinels) {
  auto fix = ParseTraccarForward(With("course", "360.0"));
  ASSERT_TRUE(fix.ok());
  EXPECT_DOUBLE_EQ(fix->heading_deg(), 0);
  fix = ParseTraccarForward(With("course", "-1"));
  ASSERT_TRUE(fix.ok());
  EXPECT_FALSE(fix->has_heading_deg());
  fix = ParseTraccarForward(With("speed", "-1"));
  ASSERT_TRUE(fix.ok());
  EXPECT_FALSE(fix->has_speed_mps());
  fix = ParseTraccarForward(With("speed", "0.0"));
  ASSERT_TRUE(fix.ok());
  ASSERT_TRUE(fix->has_speed_mps());
  EXPECT_DOUBLE_EQ(fix->speed_mps(), 0);
}

TEST(ParseTraccarForward, RefusesWhatItCannotDecode) {
  EXPECT_EQ(Error(R"({"device":{"uniqueId":"x"}})"), "traccar: no \"position\" object");
  EXPECT_EQ(Error(R"({"position":{"latitude":1}})"), "traccar: no \"device\" object");
  EXPECT_EQ(Error(R"({"position":[],"device":{}})"),
            "traccar: position: expected an object, found an array");
  EXPECT_EQ(Error(With("latitude", R"("42.87")")),
            "traccar: position.latitude: expected a number, found a string");
  EXPECT_EQ(Error(With("longitude", "null")), "traccar: position.longitude is missing");
  EXPECT_EQ(Error(With("valid", R"("yes")")),
            "traccar: position.valid: expected a boolean, found a string");
  EXPECT_EQ(Error(With("fixTime", "null")), "traccar: position.fixTime is missing");
  EXPECT_EQ(Error(With("fixTime", R"("01/03/2025 10:00")")),
            "traccar: position.fixTime: invalid time \"01/03/2025 10:00\", expected ISO 8601 "
            "such as 2025-03-01T10:00:00Z");
  EXPECT_EQ(Error(With("fixTime", "1.5")),
            "traccar: position.fixTime: 1.5 is not a time in epoch milliseconds");
  EXPECT_EQ(Error(With("fixTime", "true")),
            "traccar: position.fixTime: expected a time (ISO 8601 text or epoch milliseconds)");
  EXPECT_EQ(Error(With("fixTime", R"("1969-12-31T23:59:59Z")")),
            "traccar: position.fixTime is before 1970: no sequence number can be derived");

  std::string body = Forward("");
  body.replace(body.find(R"("uniqueId":"864502031234567")"), 28, R"("uniqueId":"")");
  EXPECT_EQ(Error(body), "traccar: device.uniqueId is missing or empty");
  body = Forward("");
  body.replace(body.find(R"("uniqueId":"864502031234567")"), 28, R"("uniqueId":864502031234567)");
  EXPECT_EQ(Error(body), "traccar: device.uniqueId: expected a string, found a number");
  body = Forward("");
  body.replace(body.find(R"("uniqueId":"864502031234567")"), 28,
               R"("uniqueId":")" + std::string(kMaxIdentifierBytes + 1, '7') + "\"");
  EXPECT_EQ(Error(body), "traccar: device.uniqueId \"" + std::string(kMaxIdentifierBytes + 1, '7') +
                             "\" is not a valid id: it is 65 characters long, more than 64; " +
                             std::string(kIdentifierRule));
  body = Forward("");
  body.replace(body.find(R"("uniqueId":"864502031234567")"), 28,
               R"("uniqueId":"8645\r\nX-Injected: yes")");
  EXPECT_EQ(Error(body),
            "traccar: device.uniqueId \"8645\\x0d\\x0aX-Injected: yes\" is not a "
            "valid id: character 5 is a carriage return (CR); " +
                std::string(kIdentifierRule));
}

TEST(ParseTraccarForward, RefusesMalformedOversizedAndDeepBodies) {
  EXPECT_EQ(Error(""), "traccar: expected a JSON object");
  EXPECT_EQ(Error(R"([{"position":{}}])"), "traccar: expected a JSON object");
  EXPECT_NE(Error(R"({"position": {"latitude": 1,)").find("traccar: invalid JSON"),
            std::string::npos);
  EXPECT_NE(Error(R"({"position": {}} trailing)").find("traccar: invalid JSON"),
            std::string::npos);
  const std::string deep = R"({"position":{"attributes":{"x":)" + std::string(20, '[') +
                           std::string(20, ']') + "}}}";
  EXPECT_EQ(Error(deep), "traccar: JSON is nested deeper than 16 levels");
  // Brackets inside strings do not count as nesting.
  EXPECT_EQ(Error(Forward(R"(,"note":")" + std::string(100, '[') + "\"")), "accepted");
  const std::string big = Forward(R"(,"pad":")" + std::string(kMaxTraccarBodyBytes, 'x') + "\"");
  EXPECT_EQ(Error(big), "traccar: body of " + std::to_string(big.size()) +
                            " bytes is over the limit of " +
                            std::to_string(kMaxTraccarBodyBytes));
}

TEST(ParseIsoTime, ReadsTheFormsSendersUse) {
  for (const char* text :
       {"2025-03-01T10:00:00Z", "2025-03-01T10:00:00.000Z", "2025-03-01T10:00:00.000999Z",
        "2025-03-01t10:00:00z", "2025-03-01T10:00:00", "2025-03-01 10:00:00",
        "2025-03-01T10:00Z", "2025-03-01T12:00:00+02", "2025-03-01T12:00:00+0200",
        "2025-03-01T12:00:00+02:00", "2025-03-01T00:00:00-10:00", "2025-03-01T10:00:00,0Z"}) {
    const auto ms = codec::ParseIsoTime(text);
    ASSERT_TRUE(ms.ok()) << text << ": " << ms.status().ToString();
    EXPECT_EQ(*ms, kTenOClock) << text;
  }
  EXPECT_EQ(*codec::ParseIsoTime("2025-03-01T10:00:00.25Z"), kTenOClock + 250);
  EXPECT_EQ(*codec::ParseIsoTime("2025-03-01T10:00:00.1239Z"), kTenOClock + 123);
  EXPECT_EQ(*codec::ParseIsoTime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*codec::ParseIsoTime("2024-02-29T00:00:00Z"), 1709164800000);
  EXPECT_EQ(*codec::ParseIsoTime("1969-12-31T23:59:59.999Z"), -1);
}

TEST(ParseIsoTime, RefusesMalformedAndImpossibleTimes) {
  for (const char* text :
       {"", "2025-03-01", "2025-3-01T10:00:00Z", "2025-03-01T10Z", "2025-02-29T10:00:00Z",
        "2025-13-01T10:00:00Z", "2025-00-10T10:00:00Z", "2025-03-00T10:00:00Z",
        "2025-03-01T24:00:00Z", "2025-03-01T10:60:00Z", "2025-03-01T10:00:60Z",
        "2025-03-01T10:00:00.Z", "2025-03-01T10:00:00+2", "2025-03-01T10:00:00+02:0",
        "2025-03-01T10:00:00+24:00", "2025-03-01T10:00:00Zjunk", "2025-03-01T10:00:00 Z",
        "2025-03-01X10:00:00Z"}) {
    const auto ms = codec::ParseIsoTime(text);
    EXPECT_FALSE(ms.ok()) << text;
  }
}

}  // namespace
}  // namespace stayaway::ingest
