#include "tools/sim/scenario.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <numbers>
#include <optional>
#include <utility>

#include "geo/geodesic.h"
#include "geo/zone_shape.h"

namespace stayaway::sim {
namespace {

constexpr TimeMs kMinute = 60'000;
constexpr TimeMs kDay = 24 * 60 * kMinute;
constexpr double kSupervisedShelterClearanceM = 300;
constexpr TimeMs kTruthStepMs = 2000;
constexpr TimeMs kTruthResolutionMs = 10;

// Violation and warning distances as courts set them (DOMAIN.md): Spain 500 m, Uruguay
// 200-300 m with a wide warning ring, France 1 km with a ring at twice the distance.
struct Terms {
  double violation_m;
  double warning_m;
};
constexpr Terms kTerms[] = {{500, 1000}, {500, 1000},  {300, 600},
                            {200, 1000}, {1000, 2000}, {300, 0}};

std::string Numbered(const char* prefix, size_t n, const char* suffix) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%s%06zu%s", prefix, n, suffix);
  return buffer;
}

EnuPoint Offset(EnuPoint p, EnuPoint unit, double metres) {
  return {p.east_m + unit.east_m * metres, p.north_m + unit.north_m * metres};
}

EnuPoint UnitFrom(EnuPoint from, EnuPoint to) {
  const double d = PlaneDistance(from, to);
  if (d < 1e-9) return {1, 0};
  return {(to.east_m - from.east_m) / d, (to.north_m - from.north_m) / d};
}

SimZone RectangleZone(const CityModel& city, std::string id, std::string name, EnuPoint centre,
                      double half_east_m, double half_north_m, double buffer_m) {
  SimZone zone;
  zone.id = std::move(id);
  zone.name = std::move(name);
  zone.centre = centre;
  zone.buffer_m = buffer_m;
  const EnuPoint corners[] = {{centre.east_m - half_east_m, centre.north_m - half_north_m},
                              {centre.east_m + half_east_m, centre.north_m - half_north_m},
                              {centre.east_m + half_east_m, centre.north_m + half_north_m},
                              {centre.east_m - half_east_m, centre.north_m + half_north_m}};
  for (const EnuPoint& c : corners) {
    const geo::LatLng p = city.ToLatLng(c);
    zone.ring.push_back({RoundDegrees(p.lat_deg), RoundDegrees(p.lng_deg)});
  }
  zone.ring.push_back(zone.ring.front());
  return zone;
}

// One thing whose distance to the supervised person decides an episode.
struct TruthTarget {
  EpisodeKind kind;
  std::string rule;
  std::string protected_person;
  std::string zone_id;
  double limit_m;
  EnuPoint screen_centre;  // planar screen: farther than screen_reach_m is outside
  double screen_reach_m;
  std::function<double(geo::LatLng)> distance;  // true distance (signed for zones)
};

// Finds every episode of `targets` along `script` and appends them to `out`.
void ComputeTruth(const CityModel& city, const SimOrder& order,
                  const std::vector<PathSegment>& script, std::vector<TruthTarget>& targets,
                  std::vector<TruthEpisode>* out) {
  auto position = [&](TimeMs t) {
    auto it = std::lower_bound(script.begin(), script.end(), t,
                               [](const PathSegment& s, TimeMs v) { return s.t1_ms < v; });
    if (it == script.end()) --it;
    return it->At(t);
  };
  auto inside = [&](TruthTarget& target, TimeMs t, double* distance) {
    const EnuPoint p = position(t);
    if (PlaneDistance(p, target.screen_centre) > target.screen_reach_m) {
      *distance = PlaneDistance(p, target.screen_centre);
      return false;
    }
    *distance = target.distance(city.ToLatLng(p));
    return *distance < target.limit_m;
  };
  const TimeMs t0 = script.front().t0_ms, t1 = script.back().t1_ms;
  for (TruthTarget& target : targets) {
    bool was_inside = false;
    TimeMs previous = t0, episode_start = 0;
    double closest = 0;
    for (TimeMs t = t0;; t = std::min(t + kTruthStepMs, t1)) {
      double d = 0;
      const bool now_inside = inside(target, t, &d);
      if (now_inside != was_inside) {
        // Bisect for the first instant with the new state.
        TimeMs lo = previous, hi = t;
        while (hi - lo > kTruthResolutionMs) {
          const TimeMs mid = lo + (hi - lo) / 2;
          double dm = 0;
          (inside(target, mid, &dm) == now_inside ? hi : lo) = mid;
        }
        if (now_inside) {
          episode_start = hi;
          closest = d;
        } else {
          out->push_back(TruthEpisode{order.id, target.kind, target.rule, target.protected_person,
                                      target.zone_id, episode_start, hi, target.limit_m, closest,
                                      order.script, order.late_upload});
        }
        was_inside = now_inside;
      }
      if (now_inside) closest = std::min(closest, d);
      previous = t;
      if (t == t1) break;
    }
    if (was_inside) {
      out->push_back(TruthEpisode{order.id, target.kind, target.rule, target.protected_person,
                                  target.zone_id, episode_start, t1, target.limit_m, closest,
                                  order.script, order.late_upload});
    }
  }
}

// Where a near miss takes the supervised person, and the way there and back.
struct NearMissWay {
  EnuPoint spot;     // violation_m + U(40, 200) m from the protected persons' home
  EnuPoint staging;  // beyond the outer ring, on the ray from the home through the spot
  std::vector<EnuPoint> drive_in;   // street route home -> staging
  std::vector<EnuPoint> drive_out;  // staging -> home
};

// How far from its centre a zone's rectangle reaches (its farthest corner), metres.
double ZoneReachM(const CityModel& city, const SimZone& zone) {
  double reach = 0;
  for (const geo::LatLng& corner : zone.ring) {
    reach = std::max(reach, PlaneDistance(city.ToEnu(corner), zone.centre));
  }
  return reach;
}

// True when the path from `from` through `route` keeps more than violation_m +
// kNearMissMarginM from `protected_home` and more than kNearMissMarginM beyond the
// buffer of every zone of the order (its farthest corner, conservatively) and every
// shelter. Planar distances; the plane and the ellipsoid differ by millimetres here.
bool KeepsClear(const CityModel& city, const SimOrder& order, EnuPoint protected_home,
                EnuPoint from, const std::vector<EnuPoint>& route) {
  EnuPoint a = from;
  for (const EnuPoint& b : route) {
    if (PlaneDistanceToSegment(protected_home, a, b) < order.violation_m + kNearMissMarginM) {
      return false;
    }
    for (const SimZone& zone : order.zones) {
      if (PlaneDistanceToSegment(zone.centre, a, b) <
          ZoneReachM(city, zone) + zone.buffer_m + kNearMissMarginM) {
        return false;
      }
    }
    for (const Shelter& shelter : city.shelters()) {
      if (PlaneDistanceToSegment(shelter.centre, a, b) <
          shelter.radius_m + shelter.buffer_m + kNearMissMarginM) {
        return false;
      }
    }
    a = b;
  }
  return true;
}

// A spot and way for a near miss of `order`, or nullopt when none of a few tries keeps
// clear of everything (the order then gets no script). The spot lies toward his home
// (within 60 degrees) first, anywhere round the home after 12 tries.
std::optional<NearMissWay> FindNearMissWay(const CityModel& city, SimRandom& rng,
                                           const SimOrder& order, EnuPoint supervised_home,
                                           EnuPoint protected_home) {
  const EnuPoint toward = UnitFrom(protected_home, supervised_home);
  const double base = std::atan2(toward.north_m, toward.east_m);
  for (int attempt = 0; attempt < 24; ++attempt) {
    const double spread = attempt < 12 ? std::numbers::pi / 3 : std::numbers::pi;
    const double angle = base + rng.Uniform(-spread, spread);
    const EnuPoint dir{std::cos(angle), std::sin(angle)};
    NearMissWay way;
    way.spot = Offset(protected_home, dir, order.violation_m + rng.Uniform(40, 200));
    way.staging = Offset(protected_home, dir, order.OuterRingM() + rng.Uniform(300, 800));
    way.drive_in =
        city.Route(supervised_home, way.staging, false, true, kSupervisedShelterClearanceM);
    way.drive_out =
        city.Route(way.staging, supervised_home, false, true, kSupervisedShelterClearanceM);
    if (std::hypot(way.spot.east_m, way.spot.north_m) < city.radius_m() &&
        KeepsClear(city, order, protected_home, supervised_home, way.drive_in) &&
        KeepsClear(city, order, protected_home, way.staging, {way.spot}) &&
        KeepsClear(city, order, protected_home, way.staging, way.drive_out)) {
      return way;
    }
  }
  return std::nullopt;
}

}  // namespace

bool SimOrder::InScript(TimeMs t) const {
  for (const TimeSpan& span : script_spans) {
    if (t >= span.from_ms && t <= span.until_ms) return true;
  }
  return false;
}

const char* EpisodeKindName(EpisodeKind kind) {
  switch (kind) {
    case EpisodeKind::kProximityViolation:
      return "proximity_violation";
    case EpisodeKind::kProximityWarning:
      return "proximity_warning";
    case EpisodeKind::kExclusionZone:
      return "exclusion_zone";
  }
  return "";
}

const char* ScriptKindName(ScriptKind kind) {
  switch (kind) {
    case ScriptKind::kNone:
      return "none";
    case ScriptKind::kApproach:
      return "approach";
    case ScriptKind::kZoneEntry:
      return "zone_entry";
    case ScriptKind::kNearMiss:
      return "near_miss";
  }
  return "";
}

double RoundDegrees(double degrees) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.7f", degrees);
  return std::strtod(buffer, nullptr);
}

std::string ZoneGeoJson(const SimZone& zone) {
  std::string out = R"({"type": "Polygon", "coordinates": [[)";
  char buffer[64];
  for (size_t i = 0; i < zone.ring.size(); ++i) {
    std::snprintf(buffer, sizeof(buffer), "%s[%.7f, %.7f]", i == 0 ? "" : ", ",
                  zone.ring[i].lng_deg, zone.ring[i].lat_deg);
    out += buffer;
  }
  out += "]]}";
  return out;
}

Scenario BuildScenario(const SimulationOptions& options) {
  Scenario s;
  s.options = options;
  const CityModel& city = s.city;
  const TimeMs start = options.start_ms, end = options.start_ms + options.duration_ms;
  const double days = static_cast<double>(options.duration_ms) / static_cast<double>(kDay);
  const double anchor_radius = city.radius_m() - 1.5 * kActivityRadiusM;
  s.orders.reserve(options.orders);

  for (size_t i = 0; i < options.orders; ++i) {
    SimRandom rng = SimRandom::ForStream(options.seed, i, 1);
    const size_t n = i + 1;
    SimOrder order;
    order.id = Numbered("SIM-", n, "");
    const Terms terms = kTerms[rng.Below(std::size(kTerms))];
    order.violation_m = terms.violation_m;
    order.warning_m = terms.warning_m;
    const double outer = order.OuterRingM();

    // Anchors far enough apart that daily life never brings them within the outer ring.
    const double separation =
        2 * std::numbers::sqrt2 * kActivityRadiusM + outer + kSeparationMarginM;
    const EnuPoint s_anchor = city.RandomPoint(rng, {0, 0}, anchor_radius,
                                               kActivityRadiusM + kSupervisedShelterClearanceM);
    EnuPoint p_anchor = s_anchor;
    bool placed = false;
    for (int attempt = 0; attempt < 64 && !placed; ++attempt) {
      p_anchor = city.RandomPoint(rng, {0, 0}, anchor_radius, 0);
      placed = PlaneDistance(p_anchor, s_anchor) >= separation;
    }
    if (!placed) {
      p_anchor = Offset(s_anchor, UnitFrom(s_anchor, {0, 0}), separation);
    }

    auto make_places = [&](EnuPoint anchor, double clearance, size_t errands) {
      std::vector<Place> places;
      places.push_back(
          {city.RandomPoint(rng, anchor, kActivityRadiusM, clearance), PlaceKind::kHome});
      places.push_back(
          {city.RandomPoint(rng, anchor, kActivityRadiusM, clearance), PlaceKind::kDayPlace});
      for (size_t e = 0; e < errands; ++e) {
        places.push_back(
            {city.RandomPoint(rng, anchor, kActivityRadiusM, clearance), PlaceKind::kErrand});
      }
      return places;
    };

    SimPerson supervised{order.id + "-s", Numbered("tag-", n, ""), Role::kSupervised, i, {}};
    supervised.plan.places = make_places(s_anchor, kSupervisedShelterClearanceM, 3);
    supervised.plan.shelter_clearance_m = kSupervisedShelterClearanceM;
    supervised.plan.walking_speed_mps = kWalkingSpeedMps * rng.Uniform(0.85, 1.15);
    SimPerson victim{order.id + "-v", Numbered("phone-", n, "-v"), Role::kVictim, i, {}};
    victim.plan.places = make_places(p_anchor, 0, 3);
    victim.plan.walking_speed_mps = kWalkingSpeedMps * rng.Uniform(0.85, 1.15);
    const bool has_child = rng.Chance(0.4);
    SimPerson child{order.id + "-c", Numbered("phone-", n, "-c"), Role::kChild, i, {}};
    if (has_child) {
      child.plan.places = make_places(p_anchor, 0, 2);
      child.plan.places[0] = victim.plan.places[0];  // they live together
      child.plan.child = true;
      child.plan.walking_speed_mps = kWalkingSpeedMps * rng.Uniform(0.85, 1.15);
    }

    // Exclusion zones: the victim's home for half the orders, her work too for some.
    // Each half-size is drawn into its own local: two draws in one call's arguments come
    // in whatever order the compiler picks (GCC and Clang differ), and the simulator
    // promises the same bytes from every build. North is drawn before east, the order
    // GCC used, so the cities of earlier GCC builds stay as they were.
    if (rng.Chance(0.5)) {
      const double home_half_north_m = rng.Uniform(30, 60);
      const double home_half_east_m = rng.Uniform(30, 60);
      order.zones.push_back(RectangleZone(city, "home", "Protected person's home",
                                          victim.plan.places[0].point, home_half_east_m,
                                          home_half_north_m, 100));
      if (rng.Chance(0.5)) {
        const double work_half_north_m = rng.Uniform(40, 80);
        const double work_half_east_m = rng.Uniform(40, 80);
        order.zones.push_back(RectangleZone(city, "work", "Protected person's workplace",
                                            victim.plan.places[1].point, work_half_east_m,
                                            work_half_north_m, 50));
      }
    }

    SimDevice tag{supervised.device, 0, i, DeviceKind::kAnkleTag, 0, 0, {}, {}, {}};
    tag.first_fix_ms = start + 1000 * static_cast<TimeMs>(rng.Below(60));
    tag.battery_start_pct = std::round(rng.Uniform(50, 100));
    SimDevice victim_phone{victim.device, 0, i, DeviceKind::kPhone, 0, 100, {}, {}, {}};
    victim_phone.first_fix_ms = start + 1000 * static_cast<TimeMs>(rng.Below(60));
    SimDevice child_phone{child.device, 0, i, DeviceKind::kPhone, 0, 100, {}, {}, {}};
    child_phone.first_fix_ms = start + 1000 * static_cast<TimeMs>(rng.Below(60));

    // Safety signals outside any script: a strap cut now and then, a victim's press.
    auto random_time = [&]() {
      return start + static_cast<TimeMs>(rng.Uniform01() * static_cast<double>(end - start));
    };
    if (rng.Chance(0.03 * days)) tag.flags.push_back({random_time(), "strap_open"});
    if (rng.Chance(0.02 * days)) victim_phone.flags.push_back({random_time(), "sos"});

    // The script, if this order gets one.
    const double u = rng.Uniform01();
    ScriptKind kind = ScriptKind::kNone;
    if (u < options.approach_share) {
      kind = ScriptKind::kApproach;
    } else if (u < options.approach_share + options.zone_entry_share) {
      kind = ScriptKind::kZoneEntry;
    } else if (u < options.approach_share + options.zone_entry_share + options.near_miss_share) {
      kind = ScriptKind::kNearMiss;
    }
    // Each visit from leaving home (t = 0) to coming back, before it is placed in time.
    std::vector<std::vector<PathSegment>> visits;
    size_t protected_hold_place = 0, child_hold_place = 0;
    TimeMs walk_in_start = 0, dwell_start = 0;  // of the (one) approach visit
    const EnuPoint home = supervised.plan.places[0].point;
    const double walk = supervised.plan.walking_speed_mps;
    if (kind == ScriptKind::kApproach || kind == ScriptKind::kZoneEntry) {
      EnuPoint target, staging, closest;
      if (kind == ScriptKind::kApproach) {
        target = victim.plan.places[0].point;
        const EnuPoint dir = UnitFrom(target, home);
        staging = Offset(target, dir, outer + 800);
        closest = Offset(target, dir, order.violation_m * rng.Uniform(0.2, 0.7));
      } else if (!order.zones.empty() && rng.Chance(0.6)) {
        const SimZone& zone = order.zones[rng.Below(order.zones.size())];
        target = zone.centre;
        const EnuPoint dir = UnitFrom(target, home);
        staging = Offset(target, dir, zone.buffer_m + 700);
        closest = Offset(target, {1, 0}, rng.Uniform(-15, 15));
        // The protected persons are elsewhere: at work or school when he enters the home
        // zone, at home when he enters the work zone.
        protected_hold_place = zone.id == "home" ? 1 : 0;
        child_hold_place = protected_hold_place;
      } else {
        // Into the shelter nearest his home, while the protected persons are at home.
        const Shelter* nearest = &city.shelters().front();
        for (const Shelter& shelter : city.shelters()) {
          if (PlaneDistance(shelter.centre, home) < PlaneDistance(nearest->centre, home)) {
            nearest = &shelter;
          }
        }
        target = nearest->centre;
        const EnuPoint dir = UnitFrom(target, home);
        staging = Offset(target, dir, nearest->radius_m + nearest->buffer_m + 700);
        closest = Offset(target, {1, 0}, rng.Uniform(-15, 15));
      }
      const double drive = rng.Uniform(kMinDrivingSpeedMps, kMaxDrivingSpeedMps);
      const TimeMs dwell = kind == ScriptKind::kApproach ? 1000 * (180 + rng.Below(420))
                                                         : 1000 * (120 + rng.Below(240));
      std::vector<PathSegment> script;
      TimeMs t = 0;
      t = AppendJourney(home, city.Route(home, staging, false, true, kSupervisedShelterClearanceM),
                        drive, t, &script);
      walk_in_start = t;
      t = AppendJourney(staging, {closest}, walk, t, &script);
      dwell_start = t;
      script.push_back(PathSegment{t, t + dwell, closest, closest});
      t += dwell;
      t = AppendJourney(closest, {staging}, walk, t, &script);
      AppendJourney(staging, city.Route(staging, home, false, true, kSupervisedShelterClearanceM),
                    drive, t, &script);
      visits.push_back(std::move(script));
    } else if (kind == ScriptKind::kNearMiss) {
      const std::optional<NearMissWay> way =
          FindNearMissWay(city, rng, order, home, victim.plan.places[0].point);
      if (way) {
        const double drive = rng.Uniform(kMinDrivingSpeedMps, kMaxDrivingSpeedMps);
        const int per_day = rng.Chance(0.4) ? 2 : 1;
        const int count = per_day * std::max(1, static_cast<int>(std::ceil(days - 1e-9)));
        for (int k = 0; k < count; ++k) {
          const TimeMs stay = 1000 * static_cast<TimeMs>(600 + rng.Below(1800));
          std::vector<PathSegment> script;
          TimeMs t = AppendJourney(home, way->drive_in, drive, 0, &script);
          t = AppendJourney(way->staging, {way->spot}, walk, t, &script);
          script.push_back(PathSegment{t, t + stay, way->spot, way->spot});
          t += stay;
          t = AppendJourney(way->spot, {way->staging}, walk, t, &script);
          AppendJourney(way->staging, way->drive_out, drive, t, &script);
          visits.push_back(std::move(script));
        }
      }
    }
    // Each visit in its own slot of the time between 90 minutes after the start and 20
    // before the end; neighbouring slots keep 45 minutes each from their boundary, so the
    // holds (an hour of lead, 15 minutes after) never overlap. When a visit does not fit
    // its slot, the last visit is dropped and the rest placed again.
    std::vector<std::vector<PathSegment>> timed;
    const TimeMs w0 = start + 90 * kMinute, w1 = end - 20 * kMinute;
    while (!visits.empty() && timed.empty() && w1 > w0) {
      const auto slots = static_cast<TimeMs>(visits.size());
      std::vector<TimeMs> starts;
      for (TimeMs k = 0; k < slots; ++k) {
        const TimeMs lo = w0 + (w1 - w0) * k / slots + (k > 0 ? 45 * kMinute : 0);
        const TimeMs hi = w0 + (w1 - w0) * (k + 1) / slots - (k + 1 < slots ? 45 * kMinute : 0);
        const TimeMs latest = hi - visits[static_cast<size_t>(k)].back().t1_ms;
        if (latest - lo < 1000) break;
        starts.push_back(lo + 1000 * static_cast<TimeMs>(
                                         rng.Below(static_cast<uint64_t>((latest - lo) / 1000))));
      }
      if (starts.size() < visits.size()) {
        visits.pop_back();
        continue;
      }
      for (size_t k = 0; k < visits.size(); ++k) {
        for (PathSegment& segment : visits[k]) {
          segment.t0_ms += starts[k];
          segment.t1_ms += starts[k];
        }
      }
      walk_in_start += starts.front();
      dwell_start += starts.front();
      timed = std::move(visits);
    }
    if (timed.empty()) kind = ScriptKind::kNone;
    if (kind != ScriptKind::kNone) {
      order.script = kind;
      const TimeMs lead = 60 * kMinute;
      for (const std::vector<PathSegment>& script : timed) {
        const TimeSpan span{script.front().t0_ms, script.back().t1_ms};
        order.script_spans.push_back(span);
        supervised.plan.holds.push_back(Hold{span.from_ms - lead, span.until_ms, 0, script});
        victim.plan.holds.push_back(
            Hold{span.from_ms - lead, span.until_ms + 15 * kMinute, protected_hold_place, {}});
        if (has_child) {
          child.plan.holds.push_back(
              Hold{span.from_ms - lead, span.until_ms + 15 * kMinute, child_hold_place, {}});
        }
        const TimeSpan quiet{span.from_ms - 70 * kMinute, span.until_ms + 20 * kMinute};
        tag.quiet.push_back(quiet);
        victim_phone.quiet.push_back(quiet);
        child_phone.quiet.push_back(quiet);
      }
      order.script_start_ms = order.script_spans.front().from_ms;
      order.script_end_ms = order.script_spans.back().until_ms;
      if (kind == ScriptKind::kApproach) {
        if (rng.Chance(0.5)) victim_phone.flags.push_back({dwell_start + 30'000, "sos"});
        if (rng.Chance(options.late_upload_share)) {
          const TimeMs gap_start = walk_in_start + 1000 * static_cast<TimeMs>(rng.Below(120));
          order.late_upload = true;
          tag.forced_gaps.push_back(
              {gap_start, gap_start + 1000 * static_cast<TimeMs>(240 + rng.Below(180))});
        }
      }
      std::sort(tag.flags.begin(), tag.flags.end(),
                [](const PlannedFlag& a, const PlannedFlag& b) { return a.time_ms < b.time_ms; });
      std::sort(victim_phone.flags.begin(), victim_phone.flags.end(),
                [](const PlannedFlag& a, const PlannedFlag& b) { return a.time_ms < b.time_ms; });
    }

    // Register persons and devices.
    order.supervised = s.persons.size();
    tag.person = s.persons.size();
    s.persons.push_back(std::move(supervised));
    order.protected_persons.push_back(s.persons.size());
    victim_phone.person = s.persons.size();
    s.persons.push_back(std::move(victim));
    s.devices.push_back(std::move(tag));
    s.devices.push_back(std::move(victim_phone));
    if (has_child) {
      order.protected_persons.push_back(s.persons.size());
      child_phone.person = s.persons.size();
      s.persons.push_back(std::move(child));
      s.devices.push_back(std::move(child_phone));
    }

    if (order.script != ScriptKind::kNone) {
      std::vector<TruthTarget> targets;
      const std::string& s_id = s.persons[order.supervised].id;
      for (size_t p : order.protected_persons) {
        const SimPerson& person = s.persons[p];
        const EnuPoint where = person.plan.places[person.plan.holds.front().place].point;
        const geo::LatLng where_ll = city.ToLatLng(where);
        auto distance = [where_ll](geo::LatLng x) {
          return geo::GeodesicDistanceMeters(x, where_ll);
        };
        const std::string rule = "proximity:" + s_id + ":" + person.id;
        targets.push_back({EpisodeKind::kProximityViolation, rule, person.id, "", order.violation_m,
                           where, order.violation_m + 50, distance});
        if (order.warning_m > 0) {
          targets.push_back({EpisodeKind::kProximityWarning, rule, person.id, "", order.warning_m,
                             where, order.warning_m + 50, distance});
        }
      }
      std::vector<std::shared_ptr<geo::ZoneShape>> shapes;
      for (const SimZone& zone : order.zones) {
        auto shape = geo::ZoneShape::FromGeoJson(ZoneGeoJson(zone));
        if (!shape.ok()) std::abort();  // our own rectangles: always valid
        std::shared_ptr<geo::ZoneShape> shared = std::move(*shape);
        targets.push_back({EpisodeKind::kExclusionZone, "zone:" + zone.id, "", zone.id,
                           zone.buffer_m, zone.centre, 120 + zone.buffer_m + 50,
                           [shared](geo::LatLng x) { return shared->SignedDistance(x).signed_m; }});
      }
      for (const Shelter& shelter : city.shelters()) {
        const geo::LatLng c = city.ToLatLng(shelter.centre);
        auto shape = geo::ZoneShape::FromCircle({RoundDegrees(c.lat_deg), RoundDegrees(c.lng_deg)},
                                                shelter.radius_m);
        if (!shape.ok()) std::abort();
        std::shared_ptr<geo::ZoneShape> shared = std::move(*shape);
        targets.push_back({EpisodeKind::kExclusionZone, "zone:global:" + shelter.id, "", shelter.id,
                           shelter.buffer_m, shelter.centre,
                           shelter.radius_m + shelter.buffer_m + 50,
                           [shared](geo::LatLng x) { return shared->SignedDistance(x).signed_m; }});
      }
      for (const Hold& hold : s.persons[order.supervised].plan.holds) {
        ComputeTruth(city, order, hold.script, targets, &s.episodes);
      }
    }
    s.orders.push_back(std::move(order));
  }
  std::stable_sort(
      s.episodes.begin(), s.episodes.end(),
      [](const TruthEpisode& a, const TruthEpisode& b) { return a.start_ms < b.start_ms; });
  return s;
}

}  // namespace stayaway::sim
