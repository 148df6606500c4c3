// Scenario: everything about a simulated city that is decided before the clock starts:
// the orders with their people, devices and zones, each person's places and holds, the
// deliberate approaches and zone entries (scripts), and the ground-truth violation
// episodes those scripts produce.
//
// Layout, chosen so that the only violations are the scripted ones:
//   - each person lives within kActivityRadiusM of an anchor; journeys between places
//     stay within sqrt(2) times that (L-shaped routes);
//   - an order's protected persons share one anchor, and it lies at least
//     2 sqrt(2) kActivityRadiusM + outer ring + kSeparationMarginM from the supervised
//     person's anchor, so outside a script he is never within his warning distance of
//     them or of their zones (the margin also covers cell fixes stated at 1.5 km);
//   - supervised persons' places keep clear of every shelter and their routes detour
//     round them.
// A script overrides this for a while: the supervised person leaves home, drives to a
// staging point beyond the outer ring, walks in to a closest point (an approach: well
// inside the violation distance of the protected person, who is held at home; a zone
// entry: inside one of the order's exclusion zones while the protected persons are held
// elsewhere, or inside the shelter nearest his home), stays a few minutes, walks back
// and drives home.
//
// Ground truth: for each script the true positions are sampled every 2 s and every
// crossing refined by bisection to 10 ms. An episode is a maximal interval in which the
// true geodesic distance between the supervised and a protected person is < the
// violation (or warning) distance, or the true signed distance to an exclusion zone
// (geo::ZoneShape on the zone exactly as written to orders.json / zones.json) is < its
// buffer. Every protected person, order zone and shelter is checked during a script.
//
// Deterministic: a function of SimulationOptions only. Memory is linear in the orders.
// Thread-safety: BuildScenario is thread-safe; a Scenario is a plain value.
#ifndef STAYAWAY_TOOLS_SIM_SCENARIO_H_
#define STAYAWAY_TOOLS_SIM_SCENARIO_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/time.h"
#include "geo/lat_lng.h"
#include "tools/sim/city_model.h"
#include "tools/sim/gnss_noise.h"
#include "tools/sim/movement.h"

namespace stayaway::sim {

inline constexpr double kActivityRadiusM = 1500;
inline constexpr double kSeparationMarginM = 3000;
// The tag reports every 15 s while within its order's outer ring + this of a protected
// person (pursuit mode), else once a minute. Phones report once a minute.
inline constexpr double kPursuitMarginM = 1000;
inline constexpr TimeMs kNormalFixIntervalMs = 60'000;
inline constexpr TimeMs kPursuitFixIntervalMs = 15'000;

struct SimulationOptions {
  uint64_t seed = 1;
  uint32_t orders = 100;
  TimeMs start_ms = 1772409600000;  // 2026-03-02T00:00:00Z, a Monday (06:00 in Bishkek)
  TimeMs duration_ms = 24 * 3'600'000LL;
  double approach_share = 0.3;         // orders with one deliberate approach
  double zone_entry_share = 0.1;       // orders with one deliberate zone or shelter entry
  double late_upload_share = 0.3;      // approaches whose walk-in the tag uploads late
  double mean_hours_between_gaps = 8;  // coverage gaps per device (outside scripts)
  double buffered_gap_share = 0.6;     // gaps whose fixes are uploaded afterwards
};

enum class Role { kSupervised, kVictim, kChild };
enum class ScriptKind { kNone, kApproach, kZoneEntry };
enum class EpisodeKind { kProximityViolation, kProximityWarning, kExclusionZone };

const char* EpisodeKindName(EpisodeKind kind);  // the engine's event kind names
const char* ScriptKindName(ScriptKind kind);    // "approach", "zone_entry"

struct SimPerson {
  std::string id;
  std::string device;  // the one device the person carries
  Role role = Role::kSupervised;
  size_t order = 0;
  MovementPlan plan;
};

// An order's exclusion zone: a rectangle given by its corners, rounded as written.
struct SimZone {
  std::string id;
  std::string name;
  std::vector<geo::LatLng> ring;  // closed: first == last
  EnuPoint centre;
  double buffer_m = 100;
};

struct SimOrder {
  std::string id;
  double violation_m = 500;
  double warning_m = 1000;  // 0: no warning ring
  size_t supervised = 0;    // index into Scenario::persons
  std::vector<size_t> protected_persons;
  std::vector<SimZone> zones;
  ScriptKind script = ScriptKind::kNone;
  bool late_upload = false;  // the tag buffers its walk-in and uploads it afterwards
  TimeMs script_start_ms = 0;
  TimeMs script_end_ms = 0;

  double OuterRingM() const { return warning_m > 0 ? warning_m : violation_m; }
};

// A device flag planned for the first fix measured at or after time_ms.
struct PlannedFlag {
  TimeMs time_ms = 0;
  const char* flag = "";  // "sos" or "strap_open"
};

struct TimeSpan {
  TimeMs from_ms = 0;
  TimeMs until_ms = 0;
};

struct SimDevice {
  std::string id;
  size_t person = 0;
  size_t order = 0;
  DeviceKind kind = DeviceKind::kAnkleTag;
  TimeMs first_fix_ms = 0;  // phase: the first measurement
  double battery_start_pct = 100;
  std::vector<PlannedFlag> flags;     // sorted by time
  std::vector<TimeSpan> forced_gaps;  // scripted buffered gaps, sorted
  std::vector<TimeSpan> quiet;        // no random gaps here (scripts)
};

struct TruthEpisode {
  std::string order_id;
  EpisodeKind kind = EpisodeKind::kProximityViolation;
  std::string rule;              // the engine's rule key: proximity:S:P, zone:ID, zone:global:ID
  std::string protected_person;  // proximity episodes
  std::string zone_id;           // zone episodes
  TimeMs start_ms = 0;
  TimeMs end_ms = 0;
  double limit_m = 0;    // violation or warning distance, or zone buffer
  double closest_m = 0;  // smallest true distance (signed for zones)
  ScriptKind script = ScriptKind::kNone;
  bool late_upload = false;  // the script's walk-in reached the centre late
};

struct Scenario {
  SimulationOptions options;
  CityModel city = CityModel::Default();
  std::vector<SimOrder> orders;
  std::vector<SimPerson> persons;
  std::vector<SimDevice> devices;
  std::vector<TruthEpisode> episodes;  // sorted by start, then order
};

Scenario BuildScenario(const SimulationOptions& options);

// Rounds degrees to the 7 decimals (about 1 cm) the simulator writes.
double RoundDegrees(double degrees);
// The zone's polygon as GeoJSON text, exactly as orders.json holds it.
std::string ZoneGeoJson(const SimZone& zone);

}  // namespace stayaway::sim

#endif  // STAYAWAY_TOOLS_SIM_SCENARIO_H_
