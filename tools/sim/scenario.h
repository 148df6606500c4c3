// Scenario: everything about a simulated city that is decided before the clock starts:
// the orders with their people, devices and zones, each person's places and holds, the
// deliberate approaches, zone entries and near misses (scripts), and the ground-truth
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
// staging point beyond the outer ring, walks in to a closest point, stays, walks back
// and drives home. Each order has at most one kind of script:
//   - an approach (approach_share of orders): well inside the violation distance of the
//     protected person, who is held at home, for 3-10 minutes;
//   - a zone entry (zone_entry_share): inside one of the order's exclusion zones while
//     the protected persons are held elsewhere, or inside the shelter nearest his home,
//     for 2-6 minutes;
//   - a near miss (near_miss_share, of the orders the other two leave): he lives or works
//     near the protected persons' home, so he goes to a spot violation_m + U(40, 200) m
//     from it (inside the warning ring when there is one) while they are held at home
//     indoors, and stays there 10-40 minutes, once or (40%) twice a day. Spot and way
//     are chosen, and checked segment by segment, so that his true path keeps more than
//     violation_m + kNearMissMarginM from the home and more than kNearMissMarginM beyond
//     every zone's and shelter's buffer: a near miss raises warnings and never a
//     violation. It brings no planned gaps or late uploads.
// Approaches and zone entries play once, near misses once or twice a day, each visit in
// its own slot of the simulated time; during a visit (with 70 minutes before and 20
// after) the order's devices have no random coverage gaps.
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
// A near miss keeps at least this much beyond the violation distance, and beyond every
// zone's and shelter's buffer, all along its way.
inline constexpr double kNearMissMarginM = 40;

struct SimulationOptions {
  uint64_t seed = 1;
  uint32_t orders = 100;
  TimeMs start_ms = 1772409600000;  // 2026-03-02T00:00:00Z, a Monday (06:00 in Bishkek)
  TimeMs duration_ms = 24 * 3'600'000LL;
  double approach_share = 0.3;     // orders with one deliberate approach
  double zone_entry_share = 0.1;   // orders with one deliberate zone or shelter entry
  double late_upload_share = 0.3;  // approaches whose walk-in the tag uploads late
  // Orders with near misses, of those without an approach or zone entry (at most
  // 1 - approach_share - zone_entry_share of all orders get one).
  double near_miss_share = 0.15;
  double mean_hours_between_gaps = 8;  // coverage gaps per device (outside scripts)
  double buffered_gap_share = 0.6;     // gaps whose fixes are uploaded afterwards
};

enum class Role { kSupervised, kVictim, kChild };
enum class ScriptKind { kNone, kApproach, kZoneEntry, kNearMiss };
enum class EpisodeKind { kProximityViolation, kProximityWarning, kExclusionZone };

const char* EpisodeKindName(EpisodeKind kind);  // the engine's event kind names
const char* ScriptKindName(ScriptKind kind);    // "approach", "zone_entry", "near_miss"

struct SimPerson {
  std::string id;
  std::string device;  // the one device the person carries
  Role role = Role::kSupervised;
  size_t order = 0;
  MovementPlan plan;
};

struct TimeSpan {
  TimeMs from_ms = 0;
  TimeMs until_ms = 0;
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
  // Each visit of the script, from leaving home to coming back, sorted (one for an
  // approach or zone entry, one or two a day for a near miss).
  std::vector<TimeSpan> script_spans;
  TimeMs script_start_ms = 0;  // the first visit's start
  TimeMs script_end_ms = 0;    // the last visit's end

  // Whether t falls within one of the script's visits (ends included).
  bool InScript(TimeMs t) const;

  double OuterRingM() const { return warning_m > 0 ? warning_m : violation_m; }
};

// A device flag planned for the first fix measured at or after time_ms.
struct PlannedFlag {
  TimeMs time_ms = 0;
  const char* flag = "";  // "sos" or "strap_open"
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
