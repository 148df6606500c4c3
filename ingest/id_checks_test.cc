#include "ingest/id_checks.h"

#include <gtest/gtest.h>

#include <string>

#include "ingest/json_codec.h"

namespace stayaway::ingest {
namespace {

TEST(IdChecks, OrdersNameTheFieldWhoseIdIsBad) {
  const auto message = [](std::string_view json) {
    StatusOr<std::vector<v1::Order>> orders = ParseOrdersJson(json);
    return orders.ok() ? std::string("ok") : orders.status().message();
  };
  const std::string good = R"({"id": "KG-1", "supervised": {"id": "p1", "devices": ["tag-1"]},
      "protected": [{"id": "p2", "devices": ["phone-2"]}],
      "zones": [{"id": "home", "kind": "exclusion",
                 "circle": {"lat": 1, "lon": 2, "radius_m": 50}}]})";
  EXPECT_EQ(message("[" + good + "]"), "ok");
  std::string bad = good;
  bad.replace(bad.find("\"KG-1\""), 6, "\"KG 1\"");
  EXPECT_TRUE(message("[" + good + "," + bad + "]")
                  .starts_with("orders[1].id \"KG 1\" is not a valid id: character 3 is a space"));
  bad = good;
  bad.replace(bad.find("\"p1\""), 4, "\"\"");
  EXPECT_TRUE(message("[" + bad + "]").starts_with("orders[0].supervised.id is empty"));
  bad = good;
  bad.replace(bad.find("\"phone-2\""), 9, "\"phone\\u0000\"");
  EXPECT_TRUE(message("[" + bad + "]")
                  .starts_with("orders[0].protected[0].devices[0] \"phone\\x00\" is not a valid "
                               "id: character 6 is a "
                               "NUL byte"));
  bad = good;
  bad.replace(bad.find("\"home\""), 6, "\"home/../x\"");
  EXPECT_TRUE(message("[" + bad + "]").starts_with("orders[0].zones[0].id \"home/../x\""));
  // An order without an id is left to its caller (the API takes it from the path).
  bad = good;
  bad.replace(bad.find("\"KG-1\""), 6, "\"\"");
  EXPECT_EQ(message("[" + bad + "]"), "ok");
}

TEST(IdChecks, ZonesAndFixes) {
  StatusOr<std::vector<v1::Zone>> zones = ParseZonesJson(
      R"([{"id": "shelter\r\n1", "kind": "exclusion", "circle": {"lat": 1, "lon": 2, "radius_m": 5}}])");
  ASSERT_FALSE(zones.ok());
  EXPECT_TRUE(zones.status().message().starts_with(
      "zones[0].id \"shelter\\x0d\\x0a1\" is not a valid id: character 8 is a carriage return"))
      << zones.status().message();
  v1::Fix fix;
  EXPECT_EQ(CheckFixIds(fix).message(), "device is empty; " + std::string(kIdentifierRule));
  fix.set_device("00:1a:2b:3c:4d:5e");
  EXPECT_TRUE(CheckFixIds(fix).ok());
}

TEST(IdChecks, DevicePatterns) {
  for (const std::string_view good : {"*", "tag-1", "tag-*", "acme:*", "356938*"}) {
    EXPECT_TRUE(CheckDevicePattern(good, "devices[0]").ok()) << good;
  }
  for (const std::string_view bad : {"", "**", "tag *", "-*", "tag-1\r\n*", "*tag", "ta*g"}) {
    const Status s = CheckDevicePattern(bad, "devices[0]");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(s.message().starts_with("devices[0]")) << s.message();
  }
}

}  // namespace
}  // namespace stayaway::ingest
