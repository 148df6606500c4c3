#include "ingest/owntracks_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "base/time.h"
#include "ingest/traccar_codec.h"

namespace stayaway::ingest {
namespace {

constexpr TimeMs kTenOClock = 1740823200000;  // 2025-03-01T10:00:00Z

// The message of a refused payload, or a marker when it was wrongly accepted.
std::string Error(std::string_view payload, std::string_view device = "phone-17") {
  const auto message = ParseOwnTracks(payload, device);
  if (message.ok()) return "accepted";
  EXPECT_EQ(message.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(message.status().message().starts_with("owntracks: ")) << message.status().message();
  return message.status().message();
}

TEST(ParseOwnTracks, MapsEveryFieldOfTheAppsLocationMessage) {
  // What OwnTracks for Android publishes for a manual report (t: u).
  const auto message =
      ParseOwnTracks(R"({"_type":"location","acc":12,"alt":760,"batt":87,"bs":1,"conn":"m",)"
                     R"("created_at":1740823201,"lat":42.874621,"lon":74.569762,"m":1,"t":"u",)"
                     R"("tid":"p1","tst":1740823200,"vac":3,"vel":36,"cog":271,)"
                     R"("topic":"owntracks/anna/ignored-here","inregions":["home"],"SSID":"x"})",
                     "phone-17");
  ASSERT_TRUE(message.ok()) << message.status().ToString();
  EXPECT_EQ(message->type, "location");
  ASSERT_TRUE(message->fix.has_value());
  const v1::Fix& fix = *message->fix;
  EXPECT_EQ(fix.device(), "phone-17");  // the caller's (topic's) device wins over "topic"
  EXPECT_EQ(TimestampToMs(fix.time()), kTenOClock);  // tst, not created_at
  EXPECT_EQ(fix.seq(), static_cast<uint64_t>(kTenOClock) * 8);
  EXPECT_DOUBLE_EQ(fix.lat(), 42.874621);
  EXPECT_DOUBLE_EQ(fix.lon(), 74.569762);
  EXPECT_DOUBLE_EQ(fix.accuracy_m(), 12);
  ASSERT_TRUE(fix.has_speed_mps());
  EXPECT_DOUBLE_EQ(fix.speed_mps(), 10);  // 36 km/h
  ASSERT_TRUE(fix.has_heading_deg());
  EXPECT_DOUBLE_EQ(fix.heading_deg(), 271);
  ASSERT_TRUE(fix.has_battery_pct());
  EXPECT_DOUBLE_EQ(fix.battery_pct(), 87);
  EXPECT_EQ(fix.flags_size(), 0);
  EXPECT_FALSE(fix.no_position());
  EXPECT_FALSE(fix.has_received());  // the daemon stamps it
}

TEST(ParseOwnTracks, AMinimalLocationGetsTheUnknownAccuracyAndNoOptionalFields) {
  const auto message =
      ParseOwnTracks(R"({"_type":"location","lat":1.5,"lon":-2.5,"tst":1740823200})", "p");
  ASSERT_TRUE(message.ok()) << message.status().ToString();
  const v1::Fix& fix = *message->fix;
  EXPECT_DOUBLE_EQ(fix.accuracy_m(), kUnknownAccuracyM);
  EXPECT_FALSE(fix.has_speed_mps());
  EXPECT_FALSE(fix.has_heading_deg());
  EXPECT_FALSE(fix.has_battery_pct());
}

TEST(ParseOwnTracks, UnknownSentinelsReadAsAbsentAndNorthIsZero) {
  // acc 0 is the platform's "no estimate"; negative vel, cog and batt are "unknown".
  const auto message =
      ParseOwnTracks(R"({"_type":"location","lat":1,"lon":2,"tst":1740823200,"acc":0,"vel":-1,)"
                     R"("cog":-1,"batt":-1})",
                     "p");
  ASSERT_TRUE(message.ok()) << message.status().ToString();
  EXPECT_DOUBLE_EQ(message->fix->accuracy_m(), kUnknownAccuracyM);
  EXPECT_FALSE(message->fix->has_speed_mps());
  EXPECT_FALSE(message->fix->has_heading_deg());
  EXPECT_FALSE(message->fix->has_battery_pct());

  const auto north =
      ParseOwnTracks(R"({"_type":"location","lat":1,"lon":2,"tst":1740823200,"cog":360})", "p");
  ASSERT_TRUE(north.ok());
  EXPECT_DOUBLE_EQ(north->fix->heading_deg(), 0);
}

TEST(ParseOwnTracks, AFractionalTstIsKeptToTheMillisecond) {
  const auto message =
      ParseOwnTracks(R"({"_type":"location","lat":1,"lon":2,"tst":1740823200.25})", "p");
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(TimestampToMs(message->fix->time()), kTenOClock + 250);
}

TEST(ParseOwnTracks, ARepeatedMessageDerivesTheSameSeqAndALaterOneAnother) {
  const std::string a = R"({"_type":"location","lat":1,"lon":2,"tst":1740823200})";
  const std::string b = R"({"_type":"location","lat":1,"lon":2,"tst":1740823201})";
  EXPECT_EQ(ParseOwnTracks(a, "p")->fix->seq(), ParseOwnTracks(a, "p")->fix->seq());
  EXPECT_LT(ParseOwnTracks(a, "p")->fix->seq(), ParseOwnTracks(b, "p")->fix->seq());
}

TEST(ParseOwnTracks, OtherTypesAreReturnedWithoutAFixNotRefused) {
  for (const char* payload :
       {R"({"_type":"transition","event":"enter","desc":"home","tst":1740823200})",
        R"({"_type":"waypoint","desc":"home","lat":1,"lon":2,"rad":50,"tst":1})",
        R"({"_type":"lwt","tst":1740823200})", R"({"_type":"card","name":"Anna"})",
        R"({"_type":"status","android":{}})", R"({"_type":"some-future-type"})"}) {
    const auto message = ParseOwnTracks(payload, "phone-17");
    ASSERT_TRUE(message.ok()) << payload << ": " << message.status().ToString();
    EXPECT_FALSE(message->fix.has_value()) << payload;
  }
  EXPECT_EQ(ParseOwnTracks(R"({"_type":"lwt"})", "p")->type, "lwt");
}

TEST(ParseOwnTracks, InHttpModeTheDeviceComesFromThePayloadsTopic) {
  const auto message = ParseOwnTracks(
      R"({"_type":"location","lat":1,"lon":2,"tst":1740823200,"topic":"owntracks/anna/phone-9"})",
      "");
  ASSERT_TRUE(message.ok()) << message.status().ToString();
  EXPECT_EQ(message->fix->device(), "phone-9");
  EXPECT_NE(Error(R"({"_type":"location","lat":1,"lon":2,"tst":1740823200})", "").find("no device"),
            std::string::npos);
}

TEST(ParseOwnTracks, RefusesWhatCannotBeALocation) {
  EXPECT_NE(Error("not json").find("JSON object"), std::string::npos);
  EXPECT_NE(Error("[1,2]").find("JSON object"), std::string::npos);
  EXPECT_NE(Error(R"({"_type":"location","lat":1,)").find("owntracks"), std::string::npos);
  EXPECT_NE(Error(R"({"lat":1,"lon":2,"tst":1})").find("_type is missing"), std::string::npos);
  EXPECT_NE(Error(R"({"_type":5})").find("_type"), std::string::npos);
  EXPECT_NE(Error(R"({"_type":"location","lon":2,"tst":1740823200})").find("lat is missing"),
            std::string::npos);
  EXPECT_NE(Error(R"({"_type":"location","lat":1,"tst":1740823200})").find("lon is missing"),
            std::string::npos);
  EXPECT_NE(Error(R"({"_type":"location","lat":1,"lon":2})").find("tst is missing"),
            std::string::npos);
  EXPECT_NE(Error(R"({"_type":"location","lat":"1","lon":2,"tst":1740823200})")
                .find("lat: expected a number"),
            std::string::npos);
  EXPECT_NE(Error(R"({"_type":"location","lat":1,"lon":2,"tst":"1740823200"})").find("tst"),
            std::string::npos);
  EXPECT_NE(
      Error(R"({"_type":"location","lat":1,"lon":2,"tst":1740823200,"batt":"87"})").find("batt"),
      std::string::npos);
  EXPECT_NE(
      Error(R"({"_type":"location","lat":1,"lon":2,"tst":1740823200,"alt":"high"})").find("alt"),
      std::string::npos);
  EXPECT_NE(Error(R"({"_type":"location","lat":1,"lon":2,"tst":-5})").find("tst"),
            std::string::npos);
  EXPECT_NE(Error(R"({"_type":"location","lat":1,"lon":2,"tst":1e12})").find("tst"),
            std::string::npos);
  EXPECT_NE(Error(R"({"_type":"encrypted","data":"abc"})").find("encrypt"), std::string::npos);
}

TEST(ParseOwnTracks, RefusesADeviceOutsideTheIdentifierRule) {
  const std::string location = R"({"_type":"location","lat":1,"lon":2,"tst":1740823200})";
  EXPECT_NE(Error(location, "anna phone").find("device id"), std::string::npos);
  EXPECT_NE(Error(location, std::string(65, 'a')).find("device id"), std::string::npos);
  EXPECT_EQ(Error(location, std::string(64, 'a')), "accepted");
}

TEST(ParseOwnTracks, RefusesHugeAndDeeplyNestedPayloadsBeforeParsing) {
  std::string huge = R"({"_type":"location","lat":1,"lon":2,"tst":1740823200,"x":")";
  huge += std::string(kMaxOwnTracksBytes, 'a');
  huge += "\"}";
  EXPECT_NE(Error(huge).find("over the limit"), std::string::npos);
  std::string deep = R"({"_type":"location","lat":1,"lon":2,"tst":1740823200,"x":)";
  deep += std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_NE(Error(deep).find("nested deeper"), std::string::npos);
}

TEST(OwnTracksTopicDevice, IsTheTopicsLastLevel) {
  EXPECT_EQ(*OwnTracksTopicDevice("owntracks/anna/phone-17"), "phone-17");
  EXPECT_EQ(*OwnTracksTopicDevice("centre/owntracks/anna/p"), "p");
  EXPECT_FALSE(OwnTracksTopicDevice("owntracks/anna/").ok());
  EXPECT_FALSE(OwnTracksTopicDevice("phone").ok());
}

TEST(OwnTracksTypeLabel, KeepsTheAppsTypesAndFoldsTheRest) {
  EXPECT_EQ(OwnTracksTypeLabel("transition"), "transition");
  EXPECT_EQ(OwnTracksTypeLabel("lwt"), "lwt");
  EXPECT_EQ(OwnTracksTypeLabel("x-random-123"), "other");
}

}  // namespace
}  // namespace stayaway::ingest
