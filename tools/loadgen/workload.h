// Workload: the orders and the endless stream of fixes a load test sends, shared by
// `stayaway loadgen` and the peer benchmarks (bench/peers/) so both see the same work.
//
// Two sources:
//   - Built-in: `devices` devices in devices / 2 orders, one ankle tag (supervised) and one
//     phone (protected) each, with a 300 m violation and a 600 m warning distance. Each
//     phone sits at its own place (orders are ~2 km apart, in and around Bishkek); its tag
//     circles it at 800 m and, for `violation_fraction` of each 120 s cycle, comes in to
//     120 m, walking in and out over 15 s at under 50 m/s (so the engine never sees an
//     implausible jump). Cycles are evenly staggered across orders, so at any moment about
//     that fraction of orders is in violation and alerts open and close all the time.
//     Positions are a pure function of (fix index, event time).
//   - Replay files (`--input DIR`): DIR/orders.json, DIR/fixes.ndjson and, when present,
//     DIR/zones.json in the formats of `stayaway replay` (README). Ticks are skipped; the
//     fixes are sent in file order, from the start again when the file runs out, each
//     re-timed to its send time.
//
// Every id (orders, persons, devices, global zones) gets `id_prefix` in front, so repeated
// runs against one daemon never collide. Each device numbers its own fixes 1, 2, 3, ... in
// stream order, as real devices count, so the daemon's duplicate memory holds one range
// per device (numbers spread over the whole stream would fill it with gaps); an event's
// FixRef (device, seq) maps straight back to the fix that caused it (FixOfSeq).
//
// Thread-safety: immutable after construction; MakeFix is const and thread-safe.
#ifndef STAYAWAY_TOOLS_LOADGEN_WORKLOAD_H_
#define STAYAWAY_TOOLS_LOADGEN_WORKLOAD_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace stayaway::loadgen {

struct BuiltInWorkloadOptions {
  std::size_t devices = 2000;       // rounded up to an even number, at least 2
  double violation_fraction = 0.1;  // of each supervised person's time, in [0, 0.75]
  std::string id_prefix = "lg-";
};

// The distance rules between devices, as a peer benchmark needs them: for a supervised
// device its protected devices, for a protected device its supervised ones.
struct Counterpart {
  uint32_t device = 0;  // index into Workload::device_ids()
  double limit_m = 0;   // the order's violation distance
};

class Workload {
 public:
  static Workload BuiltIn(const BuiltInWorkloadOptions& options);
  // InvalidArgument naming the file and line at fault; NotFound for a missing file.
  static StatusOr<Workload> FromReplayDir(const std::string& dir, std::string_view id_prefix);

  const std::vector<v1::Order>& orders() const { return orders_; }
  const std::vector<v1::Zone>& global_zones() const { return global_zones_; }
  const std::vector<std::string>& device_ids() const { return device_ids_; }
  bool IsSupervised(uint32_t device) const { return supervised_[device]; }
  const std::vector<Counterpart>& CounterpartsOf(uint32_t device) const {
    return counterparts_[device];
  }
  std::optional<uint32_t> DeviceIndex(std::string_view device_id) const;

  // The device fix number `index` comes from.
  uint32_t DeviceOfFix(uint64_t index) const;
  // Fix number `index` of the stream, measured at `event_time` (also its send time).
  void MakeFix(uint64_t index, TimeMs event_time, v1::Fix* fix) const;
  // The seq fix number `index` carries: its device's count of fixes so far, from 1.
  uint64_t SeqOfFix(uint64_t index) const;
  // The fix index that `device` sent as `seq`; nullopt for seq 0 (never sent) or a device
  // the stream never sends from.
  std::optional<uint64_t> FixOfSeq(uint32_t device, uint64_t seq) const;
  // True for the built-in generator, false for replay files.
  bool built_in() const { return replay_fixes_.empty(); }

 private:
  Workload() = default;
  void IndexDevices();

  std::vector<v1::Order> orders_;
  std::vector<v1::Zone> global_zones_;
  std::vector<std::string> device_ids_;
  std::vector<bool> supervised_;
  std::vector<std::vector<Counterpart>> counterparts_;
  std::unordered_map<std::string, uint32_t> device_index_;
  // Built-in generator.
  double violation_fraction_ = 0;
  // Replay files: the fixes, their device already prefixed and indexed.
  std::vector<v1::Fix> replay_fixes_;
  std::vector<uint32_t> replay_devices_;
  std::vector<uint32_t> replay_ordinals_;                // a fix's rank among its device's
  std::vector<std::vector<uint32_t>> replay_positions_;  // per device, its fixes' places
};

}  // namespace stayaway::loadgen

#endif  // STAYAWAY_TOOLS_LOADGEN_WORKLOAD_H_
