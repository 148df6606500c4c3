#include "ingest/event_text.h"

#include <gtest/gtest.h>

#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {
namespace {

TEST(EventToText, ShowsTransitionKindDistanceAndLateness) {
  v1::Event e;
  e.set_alert_id("6f1c0e2b9a4d3e11");
  e.set_order_id("KG-2025-0001");
  e.set_rule("proximity:p1:p2");
  e.set_kind(v1::Event::proximity_violation);
  e.set_transition(v1::Event::escalated);
  e.set_certainty(v1::Event::confirmed);
  MsToTimestamp(1740996000000, e.mutable_time());          // 2025-03-03T10:00:00Z
  MsToTimestamp(1740996000000 + 600000, e.mutable_detected_at());
  e.set_late(true);
  e.set_distance_m(398.4);
  e.set_distance_lower_m(380.4);
  e.set_distance_upper_m(416.4);
  e.set_limit_m(500);
  e.mutable_supervised()->set_person("p1");
  e.mutable_supervised()->set_device("tag-1");
  const std::string line = EventToText(e);
  EXPECT_EQ(line.rfind("2025-03-03T10:00:00Z ESCALATED    proximity_violation", 0), 0u) << line;
  EXPECT_NE(line.find("confirmed KG-2025-0001 proximity:p1:p2  398 m [380, 416] limit 500 m"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("p1@tag-1"), std::string::npos) << line;
  EXPECT_NE(line.find("LATE, detected 2025-03-03T10:10:00Z"), std::string::npos) << line;
  EXPECT_NE(line.find("alert 6f1c0e2b9a4d3e11"), std::string::npos) << line;
}

TEST(EventToText, DeviceAlertHasNoDistanceOrCertainty) {
  v1::Event e;
  e.set_kind(v1::Event::strap_tamper);
  e.set_transition(v1::Event::opened);
  e.set_order_id("KG-2025-0001");
  e.set_rule("strap_tamper:tag-1");
  MsToTimestamp(0, e.mutable_time());
  const std::string line = EventToText(e);
  EXPECT_EQ(line.find(" m ["), std::string::npos) << line;
  EXPECT_EQ(line.find("LATE"), std::string::npos) << line;
  EXPECT_NE(line.find("OPENED       strap_tamper"), std::string::npos) << line;
}

}  // namespace
}  // namespace stayaway::ingest
