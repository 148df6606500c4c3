// What the core's test suites share (core_test.cc, core_shared_log_test.cc): a start time,
// an order and fixes to feed, a clock the test moves, and submitting fixes and waiting for
// their outcomes. Test code only.
#ifndef STAYAWAY_DAEMON_CORE_TEST_SUPPORT_H_
#define STAYAWAY_DAEMON_CORE_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include "access/fix_mac.h"
#include "base/time.h"
#include "daemon/core.h"
#include "proto/stayaway.pb.h"

namespace stayaway::daemon::core_testing {

inline constexpr TimeMs kStart = 1741600800000;  // 2025-03-10T10:00:00Z

// KG-1: p1 (tag-1) must stay 300 m from p2 (phone-2).
inline v1::Order PairOrder(uint32_t version = 1) {
  v1::Order order;
  order.set_id("KG-1");
  order.set_version(version);
  order.mutable_supervised()->set_id("p1");
  order.mutable_supervised()->add_devices("tag-1");
  auto* victim = order.add_protected_();
  victim->set_id("p2");
  victim->add_devices("phone-2");
  order.set_violation_distance_m(300);
  return order;
}

// A fix with 5 m accuracy.
inline v1::Fix Fix(const std::string& device, uint64_t seq, TimeMs t, double lat, double lon) {
  v1::Fix fix;
  fix.set_device(device);
  fix.set_seq(seq);
  MsToTimestamp(t, fix.mutable_time());
  fix.set_lat(lat);
  fix.set_lon(lon);
  fix.set_accuracy_m(5);
  return fix;
}

// A wall clock the test sets (CoreOptions::clock = clock.fn()).
struct ManualClock {
  std::atomic<TimeMs> now{kStart};
  std::function<TimeMs()> fn() {
    return [this] { return now.load(); };
  }
};

// A device key of 32 bytes `fill`, and `fix` signed with one (access/fix_mac.h).
inline access::DeviceKey KeyOf(uint8_t fill) {
  access::DeviceKey key;
  key.fill(fill);
  return key;
}

inline v1::Fix Signed(v1::Fix fix, const access::DeviceKey& key) {
  access::SignFix(&fix, key);
  return fix;
}

// Submits `fixes` and waits (up to 10 s) for their outcomes.
inline std::vector<ingest::FixOutcome> SubmitAndWait(Core& core, std::vector<v1::Fix> fixes) {
  std::promise<std::vector<ingest::FixOutcome>> promise;
  auto future = promise.get_future();
  EXPECT_TRUE(core.SubmitFixes(std::move(fixes), "test",
                               [&](std::vector<ingest::FixOutcome> o) { promise.set_value(o); }));
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "the fixes were never answered";
    return {};
  }
  return future.get();
}

}  // namespace stayaway::daemon::core_testing

#endif  // STAYAWAY_DAEMON_CORE_TEST_SUPPORT_H_
