#include "engine/alert_id.h"

#include <gtest/gtest.h>

namespace stayaway::engine {
namespace {

// Alert ids are in journals' derived events, evidence bundles and exports: they must never
// change. These were computed independently from the definition in alert_id.h.
TEST(AlertId, KeepsItsValues) {
  EXPECT_EQ(MakeAlertId("order-1", "proximity", 1), "53de6d9625f22b10");
  EXPECT_EQ(MakeAlertId("", "", 0), "985776653d579802");
  EXPECT_EQ(MakeAlertId("o-42", "zone:shelter-3", 7), "20038fac098ae944");
  EXPECT_EQ(MakeAlertId("order-1", "proximity", 1350), "00521d703d415ed2");  // leading zeros
}

}  // namespace
}  // namespace stayaway::engine
