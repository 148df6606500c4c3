#include "daemon/mqtt_bridge.h"

#include <gtest/gtest.h>

namespace stayaway::daemon {
namespace {

TEST(ParseMqttBroker, ReadsHostAndPortInEveryForm) {
  MqttOptions options;
  ASSERT_TRUE(ParseMqttBroker("broker.centre.example:8883", &options).ok());
  EXPECT_EQ(options.host, "broker.centre.example");
  EXPECT_EQ(options.port, 8883);
  ASSERT_TRUE(ParseMqttBroker("127.0.0.1", &options).ok());
  EXPECT_EQ(options.host, "127.0.0.1");
  EXPECT_EQ(options.port, 1883);
  ASSERT_TRUE(ParseMqttBroker("[::1]:1884", &options).ok());
  EXPECT_EQ(options.host, "::1");
  EXPECT_EQ(options.port, 1884);
}

TEST(ParseMqttBroker, RefusesWhatIsNotHostAndPort) {
  MqttOptions options;
  for (const char* text : {"", ":1883", "host:", "host:0", "host:65536", "host:12ab", "::1:1883",
                           "[::1", "[::1]1883"}) {
    EXPECT_FALSE(ParseMqttBroker(text, &options).ok()) << text;
  }
}

TEST(EventTopic, AnOrdersEventGoesToItsOrderTopic) {
  v1::Event event;
  event.set_order_id("order-17");
  event.set_device("tag-1");  // the order wins
  EXPECT_EQ(EventTopic("stayaway/events/", event), "stayaway/events/order-17");
}

TEST(EventTopic, EventsWithoutAnOrderGoToTheirDeviceOrTheCentre) {
  v1::Event device_event;
  device_event.set_device("tag-1");
  EXPECT_EQ(EventTopic("stayaway/events/", device_event), "stayaway/events/device/tag-1");
  EXPECT_EQ(EventTopic("stayaway/events/", v1::Event()), "stayaway/events/centre");
}

TEST(EventTopic, EscapesWhatMqttGivesAMeaningTo) {
  // Orders journaled before the identifier rule may hold any character.
  v1::Event event;
  event.set_order_id("a/b+c#d%e f");
  EXPECT_EQ(EventTopic("x/", event), "x/a%2Fb%2Bc%23d%25e%20f");
}

}  // namespace
}  // namespace stayaway::daemon
