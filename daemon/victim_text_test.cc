#include "daemon/victim_text.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "base/time.h"

namespace stayaway::daemon {
namespace {

v1::ProtectedAlert Alert(v1::Event::Kind kind, std::optional<v1::Event::Certainty> certainty = {}) {
  v1::ProtectedAlert alert;
  alert.set_alert_id("a1b2c3d4e5f60718");
  alert.set_order_id("KG-2026-17");
  alert.set_kind(kind);
  if (certainty) alert.set_certainty(*certainty);
  // 2026-12-06 08:05:30 UTC: 14:05 in Bishkek (UTC+6), 11:05 in Moscow (UTC+3).
  alert.mutable_time()->set_seconds(1796544330);  // 2026-12-06T08:05:30Z
  return alert;
}

const date::time_zone& Zone(const std::string& name) { return *FindTimeZone(name).value(); }

TEST(VictimText, LevelsAreHerAppsLevels) {
  EXPECT_EQ(VictimLevelOf(Alert(v1::Event::proximity_violation, v1::Event::confirmed)),
            "violation");
  EXPECT_EQ(VictimLevelOf(Alert(v1::Event::proximity_violation, v1::Event::possible)), "near");
  EXPECT_EQ(VictimLevelOf(Alert(v1::Event::exclusion_zone, v1::Event::confirmed)), "violation");
  EXPECT_EQ(VictimLevelOf(Alert(v1::Event::proximity_warning, v1::Event::confirmed)), "near");
  EXPECT_EQ(VictimLevelOf(Alert(v1::Event::sos)), "sos");
  EXPECT_EQ(VictimLevelOf(Alert(v1::Event::strap_tamper)), "tamper");
  EXPECT_EQ(VictimLevelOf(Alert(v1::Event::case_tamper)), "tamper");
  EXPECT_EQ(VictimLevelOf(Alert(v1::Event::comms_lost)), "");
  EXPECT_EQ(VictimLevelOf(Alert(v1::Event::low_battery)), "");
}

TEST(VictimText, TheDaemonsWordsInHerLanguageAtTheCentresTime) {
  v1::VictimGateway gateway;
  EXPECT_EQ(VictimText(gateway, Alert(v1::Event::proximity_violation, v1::Event::confirmed),
                       Zone("Asia/Bishkek")),
            "Move to a safe place now. Help is informed. (14:05)");
  gateway.set_language("ru");
  EXPECT_EQ(VictimText(gateway, Alert(v1::Event::proximity_warning, v1::Event::confirmed),
                       Zone("Europe/Moscow")),
            "Он рядом. Будьте внимательны: центр тоже это видит. (11:05)");
  // Under victim_notification distance her view carries the distance, and so does the text.
  v1::ProtectedAlert near = Alert(v1::Event::proximity_violation, v1::Event::confirmed);
  near.set_distance_m(120);
  EXPECT_EQ(VictimText(gateway, near, Zone("UTC")),
            "Уйдите в безопасное место. Помощь извещена. Около 120 м. (08:05)");
  gateway.set_language("en");
  EXPECT_EQ(VictimText(gateway, near, Zone("UTC")),
            "Move to a safe place now. Help is informed. About 120 m away. (08:05)");
}

TEST(VictimText, AnOrdersTemplateFillsEveryPlaceholderWhereverItIs) {
  v1::VictimGateway gateway;
  gateway.set_text_template("[{order}/{alert}] {time}: {status}{distance} {unknown} {time}");
  EXPECT_EQ(VictimText(gateway, Alert(v1::Event::sos), Zone("Asia/Bishkek")),
            "[KG-2026-17/a1b2c3d4e5f60718] 14:05: Your SOS reached the centre. It is acting on "
            "it. {unknown} 14:05");
}

TEST(VictimText, UnknownTimeZonesAreRefused) {
  EXPECT_FALSE(FindTimeZone("Mars/Olympus_Mons").ok());
  EXPECT_TRUE(FindTimeZone("Asia/Bishkek").ok());
}

}  // namespace
}  // namespace stayaway::daemon
