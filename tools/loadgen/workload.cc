#include "tools/loadgen/workload.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>

#include "ingest/json_codec.h"

namespace stayaway::loadgen {
namespace {

// The built-in story, see the header.
constexpr double kViolationDistanceM = 300;
constexpr double kWarningDistanceM = 600;
constexpr double kFarM = 800;
constexpr double kNearM = 120;
constexpr double kCycleS = 120;
constexpr double kTransitionS = 15;
constexpr double kRotationS = 600;  // the tag circles its phone once in ten minutes
constexpr double kMetresPerDegree = 111'320;
constexpr std::size_t kOrdersPerRow = 100;

double Fraction(double x) { return x - std::floor(x); }

// A few metres of deterministic jitter from the fix index.
double Jitter(uint64_t index, uint64_t salt) {
  uint64_t z = index * 0x9E3779B97F4A7C15ULL + salt;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z % 1000) / 1000.0 * 4.0 - 2.0;  // [-2, 2) m: within the radii
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void PrefixParty(std::string_view prefix, v1::Party* party) {
  party->set_id(std::string(prefix) + party->id());
  for (std::string& device : *party->mutable_devices()) device = std::string(prefix) + device;
}

}  // namespace

Workload Workload::BuiltIn(const BuiltInWorkloadOptions& options) {
  Workload w;
  w.violation_fraction_ =
      std::clamp(options.violation_fraction, 0.0, (kCycleS - 2 * kTransitionS) / kCycleS);
  const std::size_t orders = std::max<std::size_t>(1, (options.devices + 1) / 2);
  const std::string& p = options.id_prefix;
  for (std::size_t k = 0; k < orders; ++k) {
    const std::string n = std::to_string(k);
    v1::Order& order = w.orders_.emplace_back();
    order.set_id(p + "order-" + n);
    order.set_case_reference("load test " + p + n);
    order.set_version(1);
    order.set_state(v1::Order::active);
    MsToTimestamp(0, order.mutable_valid_from());
    order.mutable_supervised()->set_id(p + "aggressor-" + n);
    order.mutable_supervised()->add_devices(p + "tag-" + n);
    v1::Party* protected_party = order.add_protected_();
    protected_party->set_id(p + "victim-" + n);
    protected_party->add_devices(p + "phone-" + n);
    protected_party->set_relation("victim");
    order.set_violation_distance_m(kViolationDistanceM);
    order.set_warning_distance_m(kWarningDistanceM);
  }
  w.IndexDevices();
  return w;
}

StatusOr<Workload> Workload::FromReplayDir(const std::string& dir, std::string_view id_prefix) {
  Workload w;
  StatusOr<std::string> orders_text = ReadFile(dir + "/orders.json");
  if (!orders_text.ok()) return orders_text.status();
  StatusOr<std::vector<v1::Order>> orders = ingest::ParseOrdersJson(*orders_text);
  if (!orders.ok()) return InvalidArgument(dir + "/orders.json: " + orders.status().message());
  w.orders_ = std::move(*orders);
  for (v1::Order& order : w.orders_) {
    order.set_id(std::string(id_prefix) + order.id());
    PrefixParty(id_prefix, order.mutable_supervised());
    for (v1::Party& party : *order.mutable_protected_()) PrefixParty(id_prefix, &party);
  }
  if (StatusOr<std::string> zones_text = ReadFile(dir + "/zones.json"); zones_text.ok()) {
    StatusOr<std::vector<v1::Zone>> zones = ingest::ParseZonesJson(*zones_text);
    if (!zones.ok()) return InvalidArgument(dir + "/zones.json: " + zones.status().message());
    w.global_zones_ = std::move(*zones);
    for (v1::Zone& zone : w.global_zones_) zone.set_id(std::string(id_prefix) + zone.id());
  }
  w.IndexDevices();

  std::ifstream in(dir + "/fixes.ndjson");
  if (!in) return NotFound("cannot read " + dir + "/fixes.ndjson");
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    StatusOr<v1::Input> input = ingest::ParseReplayLine(line);
    if (!input.ok()) {
      return InvalidArgument(dir + "/fixes.ndjson line " + std::to_string(number) + ": " +
                             input.status().message());
    }
    if (!input->has_fix()) continue;  // ticks: the daemon keeps its own clock
    v1::Fix fix = std::move(*input->mutable_fix());
    fix.set_device(std::string(id_prefix) + fix.device());
    fix.clear_received();
    fix.clear_time();
    std::optional<uint32_t> device = w.DeviceIndex(fix.device());
    if (!device) {  // a device no order names: sent anyway, the daemon refuses it
      device = static_cast<uint32_t>(w.device_ids_.size());
      w.device_index_[fix.device()] = *device;
      w.device_ids_.push_back(fix.device());
      w.supervised_.push_back(false);
      w.counterparts_.emplace_back();
    }
    w.replay_devices_.push_back(*device);
    w.replay_fixes_.push_back(std::move(fix));
  }
  if (w.replay_fixes_.empty()) return InvalidArgument(dir + "/fixes.ndjson holds no fixes");
  w.replay_positions_.resize(w.device_ids_.size());
  for (uint32_t place = 0; place < w.replay_devices_.size(); ++place) {
    std::vector<uint32_t>& positions = w.replay_positions_[w.replay_devices_[place]];
    w.replay_ordinals_.push_back(static_cast<uint32_t>(positions.size()));
    positions.push_back(place);
  }
  return w;
}

void Workload::IndexDevices() {
  auto add = [this](const std::string& id, bool supervised) {
    auto [it, inserted] = device_index_.emplace(id, static_cast<uint32_t>(device_ids_.size()));
    if (inserted) {
      device_ids_.push_back(id);
      supervised_.push_back(supervised);
      counterparts_.emplace_back();
    } else if (supervised) {
      supervised_[it->second] = true;
    }
    return it->second;
  };
  for (const v1::Order& order : orders_) {
    std::vector<uint32_t> tags;
    for (const std::string& d : order.supervised().devices()) tags.push_back(add(d, true));
    for (const v1::Party& party : order.protected_()) {
      for (const std::string& d : party.devices()) {
        const uint32_t phone = add(d, false);
        if (order.state() == v1::Order::revoked || order.state() == v1::Order::suspended) continue;
        for (const uint32_t tag : tags) {
          counterparts_[tag].push_back({phone, order.violation_distance_m()});
          counterparts_[phone].push_back({tag, order.violation_distance_m()});
        }
      }
    }
  }
}

std::optional<uint32_t> Workload::DeviceIndex(std::string_view device_id) const {
  const auto it = device_index_.find(std::string(device_id));
  if (it == device_index_.end()) return std::nullopt;
  return it->second;
}

uint32_t Workload::DeviceOfFix(uint64_t index) const {
  if (!replay_fixes_.empty()) return replay_devices_[index % replay_devices_.size()];
  return static_cast<uint32_t>(index % device_ids_.size());
}

// The stream goes round the devices (built-in) or the file (replay) again and again: a
// device's seq is its fixes in the laps before plus its rank in this one.
uint64_t Workload::SeqOfFix(uint64_t index) const {
  if (replay_fixes_.empty()) return index / device_ids_.size() + 1;
  const uint64_t lap = index / replay_fixes_.size();
  const uint64_t place = index % replay_fixes_.size();
  const uint64_t per_lap = replay_positions_[replay_devices_[place]].size();
  return lap * per_lap + replay_ordinals_[place] + 1;
}

std::optional<uint64_t> Workload::FixOfSeq(uint32_t device, uint64_t seq) const {
  if (seq == 0 || device >= device_ids_.size()) return std::nullopt;
  if (replay_fixes_.empty()) return (seq - 1) * device_ids_.size() + device;
  const std::vector<uint32_t>& positions = replay_positions_[device];
  if (positions.empty()) return std::nullopt;
  const uint64_t lap = (seq - 1) / positions.size();
  return lap * replay_fixes_.size() + positions[(seq - 1) % positions.size()];
}

void Workload::MakeFix(uint64_t index, TimeMs event_time, v1::Fix* fix) const {
  fix->Clear();
  if (!replay_fixes_.empty()) {
    *fix = replay_fixes_[index % replay_fixes_.size()];
  } else {
    // Devices alternate tag, phone of order 0, tag, phone of order 1, ...
    const uint32_t device = DeviceOfFix(index);
    const std::size_t k = device / 2;
    const std::size_t orders = device_ids_.size() / 2;
    const double anchor_lat = 42.6 + 0.02 * static_cast<double>(k / kOrdersPerRow);
    const double anchor_lon = 74.2 + 0.025 * static_cast<double>(k % kOrdersPerRow);
    double east_m = Jitter(index, 1), north_m = Jitter(index, 2);
    if (device % 2 == 0) {  // the tag
      const double t = static_cast<double>(event_time) / 1000.0;
      const double phase = kCycleS * static_cast<double>(k) / static_cast<double>(orders);
      const double u = std::fmod(t + phase, kCycleS);
      const double near_s = violation_fraction_ * kCycleS;
      double distance_m = kFarM;
      if (u < kTransitionS) {
        distance_m = kFarM - (kFarM - kNearM) * u / kTransitionS;
      } else if (u < kTransitionS + near_s) {
        distance_m = kNearM;
      } else if (u < 2 * kTransitionS + near_s) {
        distance_m = kNearM + (kFarM - kNearM) * (u - kTransitionS - near_s) / kTransitionS;
      }
      const double angle =
          2 * std::numbers::pi * Fraction(static_cast<double>(k) * 0.6180339887 + t / kRotationS);
      east_m += distance_m * std::cos(angle);
      north_m += distance_m * std::sin(angle);
      fix->set_accuracy_m(6);
      fix->set_battery_pct(80);
    } else {
      fix->set_accuracy_m(10);
      fix->set_battery_pct(64);
    }
    fix->set_device(device_ids_[device]);
    fix->set_lat(anchor_lat + north_m / kMetresPerDegree);
    fix->set_lon(anchor_lon +
                 east_m / (kMetresPerDegree * std::cos(anchor_lat * std::numbers::pi / 180)));
    fix->set_source(v1::Fix::gnss);
  }
  fix->set_seq(SeqOfFix(index));
  MsToTimestamp(event_time, fix->mutable_time());
}

}  // namespace stayaway::loadgen
