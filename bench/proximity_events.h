// The engine's own events for the benchmarks of what keeps them (the event log, the alert
// book): 1,000 orders (a tag and a phone each) whose tags walk in and out of the violation
// distance, every device reporting every 30 s, so that proximity warnings and violations
// open, escalate, step down and close. Deterministic. Header-only: each benchmark binary
// that includes it makes its own.
#ifndef STAYAWAY_BENCH_PROXIMITY_EVENTS_H_
#define STAYAWAY_BENCH_PROXIMITY_EVENTS_H_

#include <cmath>
#include <string>
#include <vector>

#include "base/time.h"
#include "engine/engine.h"
#include "proto/stayaway.pb.h"

namespace stayaway::bench {

// The first `count` events of that run.
inline std::vector<v1::Event> ProximityEvents(size_t count) {
  constexpr int kOrders = 1000;
  engine::Engine engine;
  std::vector<v1::Event> out;
  for (int i = 0; i < kOrders; ++i) {
    v1::Order order;
    order.set_id("KG-2026-" + std::to_string(100000 + i));
    order.set_version(1);
    order.mutable_supervised()->set_id("aggressor-" + std::to_string(i));
    order.mutable_supervised()->add_devices("tag-" + std::to_string(i));
    auto* victim = order.add_protected_();
    victim->set_id("victim-" + std::to_string(i));
    victim->add_devices("phone-" + std::to_string(i));
    order.set_violation_distance_m(500);
    order.set_warning_distance_m(1000);
    (void)engine.ApplyOrder(order, &out);
  }
  const TimeMs start = 1'780'000'000'000;
  std::vector<uint64_t> seqs(2 * kOrders, 0);
  for (int step = 0; out.size() < count; ++step) {
    const TimeMs t = start + step * 30'000;
    // The tag's distance from the phone cycles over 3 km .. 0.3 km .. 3 km.
    const double metres = 300 + 2700 * std::fabs(std::sin(step * 0.25));
    for (int i = 0; i < kOrders; ++i) {
      for (const bool tag : {false, true}) {
        v1::Fix fix;
        fix.set_device((tag ? "tag-" : "phone-") + std::to_string(i));
        fix.set_seq(++seqs[static_cast<size_t>(2 * i + tag)]);
        MsToTimestamp(t, fix.mutable_time());
        MsToTimestamp(t + 400, fix.mutable_received());
        fix.set_lat(42.80 + i * 0.001 + (tag ? metres / 111'320.0 : 0));
        fix.set_lon(74.60);
        fix.set_accuracy_m(8);
        fix.set_speed_mps(1.2);
        fix.set_battery_pct(80);
        (void)engine.ApplyFix(fix, &out);
      }
    }
  }
  out.resize(count);
  return out;
}

}  // namespace stayaway::bench

#endif  // STAYAWAY_BENCH_PROXIMITY_EVENTS_H_
