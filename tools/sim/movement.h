// Movement: where a simulated person truly is, moment by moment.
//
// A person's day is a chain of PathSegments in the city plane (city_model.h): stays (a
// segment whose ends coincide) at home, at work or school and at errand places, and
// journeys between them along street routes, on foot (about 1.4 m/s) or by car
// (10-15 m/s). A plain daily rhythm in local time drives the choice: home at night, the
// day place (work, or school for a child) in the day, errands after, home by 21:30.
//
// Holds are the scenario's constraints on that rhythm (scenario.h): "be at place P from
// time A until B", optionally with a script to play in between (the supervised person's
// deliberate approach, which starts and ends at home). The person heads for the hold's
// place in time, playing the script exactly as written, so the ground truth computed from
// the script is where the person really is.
//
// PersonMovement generates the chain lazily, a few segments ahead of the time asked for,
// so a person costs a few hundred bytes however long the simulation runs.
//
// Units: metres, metres per second, milliseconds since the Unix epoch (TimeMs).
// Thread-safety: PersonMovement is thread-compatible (PositionAt mutates it).
#ifndef STAYAWAY_TOOLS_SIM_MOVEMENT_H_
#define STAYAWAY_TOOLS_SIM_MOVEMENT_H_

#include <cstddef>
#include <vector>

#include "base/time.h"
#include "tools/sim/city_model.h"
#include "tools/sim/random.h"

namespace stayaway::sim {

// Straight, uniform motion from `from` at t0_ms to `to` at t1_ms (t1_ms > t0_ms).
struct PathSegment {
  TimeMs t0_ms = 0;
  TimeMs t1_ms = 0;
  EnuPoint from;
  EnuPoint to;

  EnuPoint At(TimeMs t) const;  // clamped to the segment's span
  double SpeedMps() const;
  bool IsStay() const { return from == to; }
};

// Appends to `out` a journey along `route` (corner points, the first one after `from`) at
// speed_mps, starting at t0_ms; returns the arrival time.
TimeMs AppendJourney(EnuPoint from, const std::vector<EnuPoint>& route, double speed_mps,
                     TimeMs t0_ms, std::vector<PathSegment>* out);

// Walking pace and driving speeds the simulator uses, metres per second.
inline constexpr double kWalkingSpeedMps = 1.4;
inline constexpr double kMinDrivingSpeedMps = 10;
inline constexpr double kMaxDrivingSpeedMps = 15;
// Trips shorter than this (straight line) are walked, longer ones driven.
inline constexpr double kLongestWalkM = 1200;

enum class PlaceKind { kHome, kDayPlace, kErrand };

struct Place {
  EnuPoint point;
  PlaceKind kind = PlaceKind::kErrand;
};

struct Hold {
  TimeMs from_ms = 0;   // be at `place` by this time...
  TimeMs until_ms = 0;  // ...and stay there (or play the script) until this time
  size_t place = 0;     // index into MovementPlan::places
  // Played from script.front().t0_ms; it starts and ends at `place`. Empty: just stay.
  std::vector<PathSegment> script;
};

struct MovementPlan {
  std::vector<Place> places;  // [0] home, [1] the day place, then errand places
  bool child = false;         // school hours instead of working hours
  double walking_speed_mps = kWalkingSpeedMps;
  double shelter_clearance_m = 0;  // > 0: routes keep this far from every shelter
  int utc_offset_minutes = 360;    // local time of the daily rhythm (Bishkek: UTC+6)
  std::vector<Hold> holds;         // sorted by from_ms, not overlapping
};

class PersonMovement {
 public:
  // The person is at home (places[0]) at start_ms. `city` and `plan` must outlive this
  // object (the simulation keeps one plan per person, in its Scenario).
  PersonMovement(const CityModel* city, const MovementPlan* plan, SimRandom rng, TimeMs start_ms);

  // The true position at t. Calls must come with non-decreasing t.
  EnuPoint PositionAt(TimeMs t);
  // Speed (m/s) and whether the person is staying somewhere (indoors) at t; same rule.
  double SpeedAt(TimeMs t);
  bool StayingAt(TimeMs t);

  const MovementPlan& plan() const { return *plan_; }

 private:
  const PathSegment& SegmentAt(TimeMs t);
  void Extend();
  void AppendStay(TimeMs until_ms);
  void AppendTravel(size_t to_place);
  TimeMs EstimatedTravelMs(size_t from_place, size_t to_place) const;
  // The ordinary next step from the current place at now_ms_: stay until, then go where.
  struct Activity {
    TimeMs stay_until_ms;
    size_t next_place;
  };
  Activity NextActivity();

  const CityModel* city_;
  const MovementPlan* plan_;
  SimRandom rng_;
  size_t current_place_ = 0;
  TimeMs now_ms_;  // end of the last generated segment
  size_t next_hold_ = 0;
  // Generated segments; those before head_ are in the past and dropped in batches.
  std::vector<PathSegment> segments_;
  size_t head_ = 0;
};

}  // namespace stayaway::sim

#endif  // STAYAWAY_TOOLS_SIM_MOVEMENT_H_
