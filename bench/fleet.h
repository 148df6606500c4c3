// Fleet: the synthetic monitoring load the engine benchmarks share (engine_bench,
// memory_bench). Start reading here before any engine benchmark.
//
// Orders of ten devices each: a supervised person wearing one ankle tag, and three
// protected persons (a victim and two children) carrying three devices each (phone,
// watch, tablet). Orders sit at random places over a ~300 km square; within an order the
// supervised person starts 5 km west of the protected persons and everybody wanders a
// few metres per fix, so nobody comes near anybody: the common case the engine must
// make cheap. Every device reports every kReportIntervalMs of event time, in a fixed
// random order of devices (fixes of one order do not arrive back to back), so
// counterparts are always fresh and the stream is in time order.
//
//   Fleet fleet(/*devices=*/100'000, /*seed=*/1);
//   engine::Engine engine;
//   fleet.ApplyOrders(engine);
//   v1::Fix fix;
//   for (...) { fleet.NextFix(&fix); engine.ApplyFix(fix, &events); }
//
// Deterministic for a seed. Thread-compatible.
#ifndef STAYAWAY_BENCH_FLEET_H_
#define STAYAWAY_BENCH_FLEET_H_

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "engine/engine.h"
#include "proto/stayaway.pb.h"

namespace stayaway::bench {

class Fleet {
 public:
  static constexpr int kDevicesPerOrder = 10;
  static constexpr int kProtectedPersons = 3;
  static constexpr int kDevicesPerProtected = 3;
  static constexpr TimeMs kReportIntervalMs = 30'000;
  static constexpr TimeMs kStartMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

  Fleet(size_t devices, uint64_t seed) : rng_(seed) {
    const size_t orders = std::max<size_t>(1, devices / kDevicesPerOrder);
    std::uniform_real_distribution<double> place(0, kSpanDeg);
    std::uniform_real_distribution<double> near(-0.005, 0.005);  // ~500 m
    for (size_t o = 0; o < orders; ++o) {
      const double lat = kBaseLat + place(rng_), lng = kBaseLng + place(rng_);
      const std::string n = std::to_string(o);
      v1::Order& order = orders_.emplace_back();
      order.set_id("ORD-" + n);
      order.set_version(1);
      order.set_violation_distance_m(500);
      order.set_warning_distance_m(1000);
      v1::Party* supervised = order.mutable_supervised();
      supervised->set_id("S-" + n);
      AddPerson({lat + near(rng_), lng - kApartDeg + near(rng_)});
      AddDevice(supervised, "tag-" + n);
      for (int p = 0; p < kProtectedPersons; ++p) {
        v1::Party* party = order.add_protected_();
        party->set_id("P-" + n + "-" + std::to_string(p));
        party->set_relation(p == 0 ? "victim" : "child");
        AddPerson({lat + near(rng_), lng + near(rng_)});
        for (int d = 0; d < kDevicesPerProtected; ++d) {
          AddDevice(party, "ph-" + n + "-" + std::to_string(p) + std::to_string(d));
        }
      }
    }
    // A fixed random order of reports within each interval.
    order_.resize(devices_.size());
    std::iota(order_.begin(), order_.end(), 0u);
    std::shuffle(order_.begin(), order_.end(), rng_);
    std::uniform_real_distribution<double> step(-kStepDeg, kStepDeg);
    steps_.resize(4096);
    for (auto& s : steps_) s = {step(rng_), step(rng_)};
  }

  size_t devices() const { return devices_.size(); }
  size_t orders() const { return orders_.size(); }
  const std::vector<v1::Order>& order_list() const { return orders_; }

  void ApplyOrders(engine::Engine& engine) const {
    std::vector<v1::Event> events;
    for (const v1::Order& order : orders_) (void)engine.ApplyOrder(order, &events);
  }

  // The next fix of the stream into *fix (reusing its storage): the next device in the
  // report order, its person moved a few metres, at the next event time.
  void NextFix(v1::Fix* fix) {
    Device& device = devices_[order_[next_]];
    Position& at = persons_[device.person];
    const Position& s = steps_[step_++ & (steps_.size() - 1)];
    at.lat += s.lat;
    at.lng += s.lng;
    const TimeMs t = kStartMs + (round_ * kReportIntervalMs) +
                     static_cast<TimeMs>(next_) * kReportIntervalMs / static_cast<TimeMs>(order_.size());
    fix->set_device(device.id);
    fix->set_seq(++device.seq);
    fix->set_lat(at.lat);
    fix->set_lon(at.lng);
    fix->set_accuracy_m(8);
    MsToTimestamp(t, fix->mutable_time());
    MsToTimestamp(t + 800, fix->mutable_received());
    if (++next_ == order_.size()) {
      next_ = 0;
      ++round_;
    }
  }

  // `rounds` reports from every device (one: every person has a position), applied in
  // batches through ApplyFixes.
  void WarmUp(engine::Engine& engine, int rounds = 1) {
    std::vector<v1::Event> events;
    std::vector<v1::Fix> batch(4096);
    size_t left = static_cast<size_t>(rounds) * devices_.size();
    while (left > 0) {
      batch.resize(std::min(left, batch.size()));
      for (v1::Fix& fix : batch) NextFix(&fix);
      engine.ApplyFixes(batch, &events, [](size_t, const Status&, std::vector<v1::Event>*) {});
      left -= batch.size();
    }
  }

 private:
  struct Position {
    double lat;
    double lng;
  };
  struct Device {
    std::string id;
    uint32_t person;  // index in persons_
    uint64_t seq = 0;
  };
  static constexpr double kBaseLat = 41.0;  // Kyrgyzstan, roughly
  static constexpr double kBaseLng = 72.0;
  static constexpr double kSpanDeg = 2.7;     // ~300 km
  static constexpr double kApartDeg = 0.06;   // ~5 km of longitude at 41-44 N
  static constexpr double kStepDeg = 0.0001;  // ~10 m

  void AddPerson(Position at) { persons_.push_back(at); }
  // A device of the person added last.
  void AddDevice(v1::Party* party, std::string id) {
    party->add_devices(id);
    devices_.push_back(Device{std::move(id), static_cast<uint32_t>(persons_.size() - 1)});
  }

  std::mt19937_64 rng_;
  std::vector<v1::Order> orders_;
  std::vector<Position> persons_;  // where each person is now
  std::vector<Device> devices_;
  std::vector<uint32_t> order_;
  std::vector<Position> steps_;
  size_t next_ = 0;
  size_t step_ = 0;
  int64_t round_ = 0;
};

}  // namespace stayaway::bench

#endif  // STAYAWAY_BENCH_FLEET_H_
