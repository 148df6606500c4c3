// Tests of ValidateOrder (order_validation.h) for the order's time zone: empty means UTC,
// an IANA name (or a link to one) is taken, anything else is refused naming the field.
#include "engine/order_validation.h"

#include <gtest/gtest.h>

#include "proto/stayaway.pb.h"

namespace stayaway::engine {
namespace {

v1::Order Order(const std::string& time_zone) {
  v1::Order order;
  order.set_id("KG-16");
  order.set_version(1);
  order.mutable_supervised()->set_id("p1");
  order.mutable_supervised()->add_devices("tag-1");
  v1::Party* victim = order.add_protected_();
  victim->set_id("p2");
  victim->add_devices("phone-2");
  order.set_violation_distance_m(300);
  order.set_time_zone(time_zone);
  return order;
}

TEST(OrderValidation, TimeZoneEmptyMeansUtc) { EXPECT_TRUE(ValidateOrder(Order("")).ok()); }

TEST(OrderValidation, TimeZoneIanaNamesAreTaken) {
  EXPECT_TRUE(ValidateOrder(Order("Asia/Bishkek")).ok());
  EXPECT_TRUE(ValidateOrder(Order("UTC")).ok());
  EXPECT_TRUE(ValidateOrder(Order("Europe/Kiev")).ok());  // a link to Europe/Kyiv
}

TEST(OrderValidation, AnUnknownTimeZoneIsRefusedClearly) {
  for (const char* name : {"Mars/Olympus_Mons", "asia/bishkek ", "+06:00", "Asia/Bishkek\n"}) {
    const Status status = ValidateOrder(Order(name));
    ASSERT_FALSE(status.ok()) << name;
    EXPECT_EQ(status.message(), "order KG-16: time_zone \"" + std::string(name) +
                                    "\" is not an IANA time zone name (such as "
                                    "\"Asia/Bishkek\"); leave it empty for UTC")
        << name;
  }
}

}  // namespace
}  // namespace stayaway::engine
