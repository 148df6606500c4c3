#include "tools/sim/simulation.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <queue>
#include <utility>

#include "tools/sim/movement.h"

namespace stayaway::sim {
namespace {

constexpr TimeMs kMinute = 60'000;
constexpr TimeMs kHour = 60 * kMinute;
constexpr TimeMs kDay = 24 * kHour;
constexpr TimeMs kUploadSpacingMs = 200;  // between the lines of one upload

struct PendingFix {
  EmittedFix fix;
  double speed_mps = 0;
  double battery_pct = 0;
};

struct OutputLine {
  TimeMs received_ms;
  uint64_t serial;
  PendingFix pending;
};

struct ReceivedLater {
  bool operator()(const OutputLine& a, const OutputLine& b) const {
    if (a.received_ms != b.received_ms) return a.received_ms > b.received_ms;
    return a.serial > b.serial;
  }
};

struct Gap {
  TimeSpan span;
  bool buffered = false;
};

struct DeviceState {
  explicit DeviceState(SimRandom r) : rng(r) {}
  SimRandom rng;
  uint64_t seq = 0;
  size_t next_flag = 0;
  size_t next_forced_gap = 0;
  Gap random_gap;  // the current or next random coverage gap
  bool in_gap = false;
  CanyonBurst canyon;  // the urban-canyon burst this device may be in
  std::vector<PendingFix> buffer;
};

class Simulator {
 public:
  Simulator(const Scenario& scenario, std::ostream& out, FixObserver* observer,
            std::vector<DeviceEventTruth>* device_events)
      : scenario_(scenario),
        options_(scenario.options),
        end_ms_(options_.start_ms + options_.duration_ms),
        next_tick_ms_(options_.start_ms + kMinute),
        out_(out),
        observer_(observer),
        device_events_(device_events) {
    movers_.reserve(scenario.persons.size());
    for (size_t p = 0; p < scenario.persons.size(); ++p) {
      movers_.emplace_back(&scenario.city, &scenario.persons[p].plan,
                           MovementRandom(options_.seed, p), options_.start_ms);
    }
    devices_.reserve(scenario.devices.size());
    for (size_t d = 0; d < scenario.devices.size(); ++d) {
      devices_.emplace_back(SimRandom::ForStream(options_.seed, d, 3));
      DeviceState& state = devices_.back();
      state.random_gap = DrawGap(scenario.devices[d], &state, options_.start_ms);
    }
  }

  SimulationStats Run() {
    using Due = std::pair<TimeMs, size_t>;
    std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due;
    for (size_t d = 0; d < scenario_.devices.size(); ++d) {
      due.push({scenario_.devices[d].first_fix_ms, d});
    }
    while (!due.empty() && due.top().first < end_ms_) {
      const auto [t, d] = due.top();
      due.pop();
      WriteReceivedBefore(t);
      due.push({Measure(d, t), d});
    }
    WriteReceivedBefore(std::numeric_limits<TimeMs>::max());
    WriteTicksBefore(std::numeric_limits<TimeMs>::max());
    return stats_;
  }

 private:
  // The next random gap starting after `after`, moved out of the device's quiet spans.
  Gap DrawGap(const SimDevice& device, DeviceState* state, TimeMs after) {
    Gap gap;
    const double mean_ms = options_.mean_hours_between_gaps * static_cast<double>(kHour);
    TimeMs from = after + static_cast<TimeMs>(state->rng.Exponential(mean_ms));
    const double minutes = std::exp(state->rng.Uniform(std::log(3.0), std::log(25.0)));
    const auto length = static_cast<TimeMs>(minutes * static_cast<double>(kMinute));
    gap.buffered = state->rng.Chance(options_.buffered_gap_share);
    for (bool moved = true; moved;) {
      moved = false;
      for (const TimeSpan& q : device.quiet) {
        if (from < q.until_ms && from + length > q.from_ms) {
          from = q.until_ms + kMinute;
          moved = true;
        }
      }
    }
    gap.span = {from, from + length};
    return gap;
  }

  // Whether device d is out of coverage at t, and whether it buffers.
  bool InGap(size_t d, TimeMs t, bool* buffered) {
    const SimDevice& device = scenario_.devices[d];
    DeviceState& state = devices_[d];
    while (state.random_gap.span.until_ms <= t) {
      state.random_gap = DrawGap(device, &state, state.random_gap.span.until_ms);
    }
    while (state.next_forced_gap < device.forced_gaps.size() &&
           device.forced_gaps[state.next_forced_gap].until_ms <= t) {
      ++state.next_forced_gap;
    }
    if (state.next_forced_gap < device.forced_gaps.size() &&
        device.forced_gaps[state.next_forced_gap].from_ms <= t) {
      *buffered = true;
      return true;
    }
    if (state.random_gap.span.from_ms <= t) {
      *buffered = state.random_gap.buffered;
      return true;
    }
    return false;
  }

  double Battery(const SimDevice& device, TimeMs t) const {
    double pct = 0;
    if (device.kind == DeviceKind::kAnkleTag) {
      pct = device.battery_start_pct -
            0.5 * static_cast<double>(t - options_.start_ms) / static_cast<double>(kHour);
    } else {
      // Full at 07:00 local, 4 % an hour through the day to 40 % at 22:00, charged
      // back to full overnight.
      const TimeMs local = t + 360 * kMinute;
      const double hours = static_cast<double>((((local - 7 * kHour) % kDay) + kDay) % kDay) /
                           static_cast<double>(kHour);
      pct = hours < 15 ? 100 - 4 * hours : 40 + (hours - 15) / 9 * 60;
    }
    return std::round(std::max(20.0, pct) * 10) / 10;
  }

  // Measures device d at t; returns the time of its next measurement.
  TimeMs Measure(size_t d, TimeMs t) {
    const SimDevice& device = scenario_.devices[d];
    const SimOrder& order = scenario_.orders[device.order];
    DeviceState& state = devices_[d];
    PersonMovement& mover = movers_[device.person];
    const EnuPoint position = mover.PositionAt(t);
    const bool indoors = mover.StayingAt(t);
    const double speed = mover.SpeedAt(t);

    bool pursuit = false;
    if (device.kind == DeviceKind::kAnkleTag) {
      for (size_t p : order.protected_persons) {
        if (PlaneDistance(position, movers_[p].PositionAt(t)) <
            order.OuterRingM() + kPursuitMarginM) {
          pursuit = true;
        }
      }
    }
    const TimeMs next = t + (pursuit ? kPursuitFixIntervalMs : kNormalFixIntervalMs);

    bool buffered = false;
    const bool gap = InGap(d, t, &buffered);
    if (gap && !state.in_gap) ++stats_.gaps;
    state.in_gap = gap;
    if (gap && !buffered) {
      ++stats_.lost_fixes;
      return next;
    }

    PendingFix pending;
    EmittedFix& fix = pending.fix;
    fix.device = &device;
    fix.seq = ++state.seq;
    fix.time_ms = t;
    fix.pursuit = pursuit;
    fix.measurement = DrawMeasurement(state.rng, device.kind, indoors, &state.canyon);
    const geo::LatLng seen =
        scenario_.city.ToLatLng({position.east_m + fix.measurement.error_east_m,
                                 position.north_m + fix.measurement.error_north_m});
    fix.reported = {RoundDegrees(seen.lat_deg), RoundDegrees(seen.lng_deg)};
    fix.truth = scenario_.city.ToLatLng(position);
    if (state.next_flag < device.flags.size() && device.flags[state.next_flag].time_ms <= t) {
      fix.flag = device.flags[state.next_flag++].flag;
    }
    pending.speed_mps = std::round(speed * 10) / 10;
    pending.battery_pct = Battery(device, t);

    if (gap) {
      fix.uploaded_late = true;
      state.buffer.push_back(pending);
      return next;
    }
    // Online: this fix, then anything buffered during the gap, newest first.
    const double latency_s =
        device.kind == DeviceKind::kAnkleTag ? state.rng.Uniform(0.5, 3) : state.rng.Uniform(1, 8);
    TimeMs received = t + static_cast<TimeMs>(latency_s * 1000);
    Send(std::move(pending), received);
    for (auto it = state.buffer.rbegin(); it != state.buffer.rend(); ++it) {
      received += kUploadSpacingMs;
      Send(std::move(*it), received);
    }
    state.buffer.clear();
    return next;
  }

  void Send(PendingFix pending, TimeMs received_ms) {
    pending.fix.received_ms = received_ms;
    output_.push(OutputLine{received_ms, serial_++, std::move(pending)});
  }

  void WriteTicksBefore(TimeMs received_ms) {
    while (next_tick_ms_ < received_ms && next_tick_ms_ <= end_ms_) {
      out_ << "{\"tick\": \"" << FormatRfc3339(next_tick_ms_) << "\"}\n";
      ++stats_.ticks;
      next_tick_ms_ += kMinute;
    }
  }

  // Writes every queued line received before `limit_ms`, with the ticks between them.
  void WriteReceivedBefore(TimeMs limit_ms) {
    while (!output_.empty() && output_.top().received_ms < limit_ms) {
      const OutputLine& line = output_.top();
      const EmittedFix& fix = line.pending.fix;
      WriteTicksBefore(line.received_ms);
      out_ << FormatFixLine(fix, line.pending.speed_mps, line.pending.battery_pct) << '\n';
      ++stats_.fixes;
      if (fix.pursuit) ++stats_.pursuit_fixes;
      if (fix.uploaded_late) ++stats_.late_fixes;
      if (fix.measurement.urban_canyon) ++stats_.urban_canyon_fixes;
      if (fix.measurement.burst_start) ++stats_.canyon_bursts;
      if (observer_ != nullptr) observer_->OnFix(fix);
      if (device_events_ != nullptr && fix.flag != nullptr) {
        const std::string flag = fix.flag;
        device_events_->push_back(DeviceEventTruth{
            scenario_.orders[fix.device->order].id, fix.device->id,
            flag == "sos" ? "sos" : "strap_tamper", fix.time_ms, fix.seq, fix.uploaded_late});
      }
      output_.pop();
    }
  }

  const Scenario& scenario_;
  const SimulationOptions& options_;
  const TimeMs end_ms_;
  TimeMs next_tick_ms_;
  std::ostream& out_;
  FixObserver* observer_;
  std::vector<DeviceEventTruth>* device_events_;
  std::vector<PersonMovement> movers_;
  std::vector<DeviceState> devices_;
  std::priority_queue<OutputLine, std::vector<OutputLine>, ReceivedLater> output_;
  uint64_t serial_ = 0;
  SimulationStats stats_;
};

}  // namespace

SimRandom MovementRandom(uint64_t seed, size_t person) {
  return SimRandom::ForStream(seed, person, 2);
}

std::string FormatFixLine(const EmittedFix& fix, double speed_mps, double battery_pct) {
  char buffer[512];
  const std::string time = FormatRfc3339(fix.time_ms);
  const std::string received = FormatRfc3339(fix.received_ms);
  int n = std::snprintf(
      buffer, sizeof(buffer),
      "{\"device\": \"%s\", \"seq\": %" PRIu64
      ", \"time\": \"%s\", \"lat\": %.7f, \"lon\": %.7f, \"accuracy_m\": %.1f, "
      "\"received\": \"%s\", \"source\": \"%s\", \"speed_mps\": %.1f, \"battery_pct\": %.1f",
      fix.device->id.c_str(), fix.seq, time.c_str(), fix.reported.lat_deg, fix.reported.lng_deg,
      fix.measurement.stated_accuracy_m, received.c_str(), FixSourceName(fix.measurement.source),
      speed_mps, battery_pct);
  std::string line(buffer, static_cast<size_t>(std::max(0, n)));
  if (fix.flag != nullptr) {
    line += ", \"flags\": [\"";
    line += fix.flag;
    line += "\"]";
  }
  line += '}';
  return line;
}

SimulationStats RunSimulation(const Scenario& scenario, std::ostream& fixes, FixObserver* observer,
                              std::vector<DeviceEventTruth>* device_events) {
  Simulator simulator(scenario, fixes, observer, device_events);
  return simulator.Run();
}

}  // namespace stayaway::sim
