// Simulation: runs a Scenario's clock and writes what the devices report, as the
// `stayaway replay` fixes stream (FIXES.ndjson, see ingest/json_codec.h).
//
// Every device measures on its own cadence: an ankle tag once a minute, every 15 s while
// its wearer is within his order's outer ring + kPursuitMarginM of a protected person
// (pursuit mode); phones once a minute. Each measurement takes the person's true position
// (movement.h) and adds the error of gnss_noise.h, each device keeping its own urban-canyon
// burst state from one measurement to the next. Devices lose coverage now and then
// (about every mean_hours_between_gaps hours, 3-25 minutes): in some gaps they keep
// measuring into a buffer and upload it on reconnection newest first, with `received`
// stamps after the gap (late, out of order); in others the fixes are lost. Scripts add
// planned gaps (a tag uploading an approach late) and flags (sos, strap_open), each on
// the first fix measured at or after its planned time.
//
// The stream is ordered as a centre would receive it: by `received` time (fix time plus
// a few seconds of latency, or the upload time), with a tick at every whole minute after
// the start, placed after every line received at or before it. Writing is streamed:
// memory holds one pending measurement and canyon state per device plus the lines of the last
// seconds.
//
// Thread-safety: RunSimulation only reads the Scenario and keeps its own state, so
// concurrent calls (on the same or different scenarios) are safe; the observer is called
// from the calling thread.
#ifndef STAYAWAY_TOOLS_SIM_SIMULATION_H_
#define STAYAWAY_TOOLS_SIM_SIMULATION_H_

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "base/time.h"
#include "geo/lat_lng.h"
#include "tools/sim/gnss_noise.h"
#include "tools/sim/scenario.h"

namespace stayaway::sim {

// One fix as written, with what only the simulator knows about it.
struct EmittedFix {
  const SimDevice* device = nullptr;
  uint64_t seq = 0;
  TimeMs time_ms = 0;
  TimeMs received_ms = 0;
  geo::LatLng reported;  // as written (rounded to 7 decimals)
  geo::LatLng truth;     // where the device really was
  Measurement measurement;
  bool pursuit = false;        // measured in pursuit mode
  bool uploaded_late = false;  // buffered during a gap and uploaded afterwards
  const char* flag = nullptr;  // "sos", "strap_open" or none
};

// Sees every fix as it is written to the stream, in stream order (late uploads after the
// fixes received before them).
class FixObserver {
 public:
  virtual ~FixObserver() = default;
  virtual void OnFix(const EmittedFix& fix) = 0;
};

// A safety signal a device sent, for truth.json: the engine should raise `kind`.
struct DeviceEventTruth {
  std::string order_id;
  std::string device;
  std::string kind;  // the engine's alert kind: "sos" or "strap_tamper"
  TimeMs time_ms = 0;
  uint64_t seq = 0;
  bool uploaded_late = false;
};

struct SimulationStats {
  uint64_t fixes = 0;  // lines of fixes written
  uint64_t ticks = 0;
  uint64_t pursuit_fixes = 0;
  uint64_t late_fixes = 0;  // uploaded after a gap
  uint64_t lost_fixes = 0;  // measured during a gap without buffering (never sent)
  uint64_t urban_canyon_fixes = 0;
  uint64_t canyon_bursts = 0;  // bursts whose first canyon fix was written
  uint64_t gaps = 0;
};

// Runs the scenario from options.start_ms for options.duration_ms and writes the fixes
// stream to `fixes`. `observer` (may be null) sees each fix; `device_events` (may be null)
// receives the safety signals sent.
SimulationStats RunSimulation(const Scenario& scenario, std::ostream& fixes, FixObserver* observer,
                              std::vector<DeviceEventTruth>* device_events);

// The random stream person `person` of a scenario with `seed` moves by: the simulation
// and anyone who wants to retrace a person's true path (tests) use the same one.
SimRandom MovementRandom(uint64_t seed, size_t person);

// One fixes line for `fix`, without newline, in the replay format.
std::string FormatFixLine(const EmittedFix& fix, double speed_mps, double battery_pct);

}  // namespace stayaway::sim

#endif  // STAYAWAY_TOOLS_SIM_SIMULATION_H_
