#include "tools/sim/movement.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace stayaway::sim {
namespace {

constexpr TimeMs kMinute = 60'000;
constexpr TimeMs kDay = 24 * 60 * kMinute;

TimeMs Minutes(double m) { return static_cast<TimeMs>(std::llround(m * 60'000.0)); }

}  // namespace

EnuPoint PathSegment::At(TimeMs t) const {
  if (t <= t0_ms) return from;
  if (t >= t1_ms) return to;
  return Lerp(from, to, static_cast<double>(t - t0_ms) / static_cast<double>(t1_ms - t0_ms));
}

double PathSegment::SpeedMps() const {
  return PlaneDistance(from, to) * 1000.0 / static_cast<double>(t1_ms - t0_ms);
}

TimeMs AppendJourney(EnuPoint from, const std::vector<EnuPoint>& route, double speed_mps,
                     TimeMs t0_ms, std::vector<PathSegment>* out) {
  TimeMs t = t0_ms;
  EnuPoint previous = from;
  for (const EnuPoint& corner : route) {
    const double metres = PlaneDistance(previous, corner);
    const TimeMs duration =
        std::max<TimeMs>(1000, static_cast<TimeMs>(std::llround(metres / speed_mps * 1000.0)));
    out->push_back(PathSegment{t, t + duration, previous, corner});
    t += duration;
    previous = corner;
  }
  return t;
}

PersonMovement::PersonMovement(const CityModel* city, const MovementPlan* plan, SimRandom rng,
                               TimeMs start_ms)
    : city_(city), plan_(plan), rng_(rng), now_ms_(start_ms) {
  // A first instant at home, so every time from start_ms on is covered.
  segments_.push_back(
      PathSegment{start_ms, start_ms + 1, plan_->places[0].point, plan_->places[0].point});
  now_ms_ = start_ms + 1;
}

const PathSegment& PersonMovement::SegmentAt(TimeMs t) {
  while (segments_.back().t1_ms < t) Extend();
  while (head_ + 1 < segments_.size() && segments_[head_].t1_ms < t) ++head_;
  if (head_ >= 16) {
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  return segments_[head_];
}

EnuPoint PersonMovement::PositionAt(TimeMs t) { return SegmentAt(t).At(t); }
double PersonMovement::SpeedAt(TimeMs t) { return SegmentAt(t).SpeedMps(); }
bool PersonMovement::StayingAt(TimeMs t) { return SegmentAt(t).IsStay(); }

void PersonMovement::AppendStay(TimeMs until_ms) {
  if (until_ms <= now_ms_) return;
  const EnuPoint here = plan_->places[current_place_].point;
  segments_.push_back(PathSegment{now_ms_, until_ms, here, here});
  now_ms_ = until_ms;
}

void PersonMovement::AppendTravel(size_t to_place) {
  const EnuPoint from = plan_->places[current_place_].point;
  const EnuPoint to = plan_->places[to_place].point;
  const bool walk = PlaneDistance(from, to) < kLongestWalkM;
  const double speed =
      walk ? plan_->walking_speed_mps : rng_.Uniform(kMinDrivingSpeedMps, kMaxDrivingSpeedMps);
  const std::vector<EnuPoint> route =
      city_->Route(from, to, rng_.Chance(0.5), /*straight=*/false, plan_->shelter_clearance_m);
  std::vector<PathSegment> journey;
  now_ms_ = AppendJourney(from, route, speed, now_ms_, &journey);
  segments_.insert(segments_.end(), journey.begin(), journey.end());
  current_place_ = to_place;
}

TimeMs PersonMovement::EstimatedTravelMs(size_t from_place, size_t to_place) const {
  if (from_place == to_place) return 0;
  const EnuPoint a = plan_->places[from_place].point, b = plan_->places[to_place].point;
  const double straight = PlaneDistance(a, b);
  // The L-shaped route is at most sqrt(2) times the straight line; detours add a little.
  const double route_m = 1.6 * straight;
  const double speed = straight < kLongestWalkM ? plan_->walking_speed_mps : kMinDrivingSpeedMps;
  return static_cast<TimeMs>(route_m / speed * 1000.0);
}

PersonMovement::Activity PersonMovement::NextActivity() {
  const TimeMs local = now_ms_ + plan_->utc_offset_minutes * kMinute;
  const TimeMs into_day = ((local % kDay) + kDay) % kDay;
  const TimeMs midnight = now_ms_ - into_day;  // local midnight, as UTC milliseconds
  auto at = [&](double hours) { return midnight + Minutes(hours * 60); };
  const size_t home = 0, day_place = 1;
  const size_t errands = plan_->places.size() - 2;
  auto random_errand = [&]() {
    size_t e = 2 + static_cast<size_t>(rng_.Below(errands));
    if (e == current_place_) e = 2 + (e - 2 + 1) % errands;
    return e;
  };
  const bool night = now_ms_ < at(7) || now_ms_ >= at(21.5);
  const PlaceKind kind = plan_->places[current_place_].kind;
  if (night) {
    if (kind != PlaceKind::kHome) return {now_ms_, home};
    const TimeMs morning = now_ms_ < at(7) ? at(7) : at(24 + 7);
    return {morning + Minutes(rng_.Uniform(0, 90)), day_place};
  }
  // Where one return draws twice, it is a braced list: those evaluate left to right on
  // every compiler, unlike a call's arguments, so keep them braced (or draw into locals).
  switch (kind) {
    case PlaceKind::kHome:
      if (now_ms_ < at(11)) return {now_ms_ + Minutes(rng_.Uniform(0, 10)), day_place};
      return {now_ms_ + Minutes(rng_.Uniform(30, 150)), random_errand()};
    case PlaceKind::kDayPlace: {
      const TimeMs day_end = plan_->child ? at(14) + Minutes(rng_.Uniform(0, 30))
                                          : at(17) + Minutes(rng_.Uniform(0, 60));
      const TimeMs stay_until = std::max(day_end, now_ms_ + Minutes(rng_.Uniform(10, 30)));
      return {stay_until, rng_.Chance(0.5) ? random_errand() : home};
    }
    case PlaceKind::kErrand:
      return {now_ms_ + Minutes(rng_.Uniform(10, 45)),
              rng_.Chance(0.6) || errands < 2 ? home : random_errand()};
  }
  return {now_ms_, home};
}

void PersonMovement::Extend() {
  const TimeMs before = now_ms_;
  if (next_hold_ < plan_->holds.size()) {
    const Hold& hold = plan_->holds[next_hold_];
    const TimeMs depart_by = hold.from_ms - EstimatedTravelMs(current_place_, hold.place);
    if (now_ms_ >= depart_by - kMinute) {
      if (current_place_ != hold.place) {
        AppendTravel(hold.place);
        return;
      }
      if (!hold.script.empty()) {
        AppendStay(hold.script.front().t0_ms);
        // The hold's lead time makes a late arrival impossible in practice; should one
        // happen, the script still plays as written (truth follows the script).
        for (const PathSegment& s : hold.script) {
          if (s.t1_ms > now_ms_) {
            segments_.push_back(s);
            now_ms_ = s.t1_ms;
          }
        }
      }
      AppendStay(hold.until_ms);
      ++next_hold_;
      if (now_ms_ == before) AppendStay(now_ms_ + kMinute);
      return;
    }
    const Activity activity = NextActivity();
    if (activity.stay_until_ms > depart_by - 30 * kMinute) {
      AppendStay(std::max(now_ms_ + 1000, depart_by));
      return;
    }
    AppendStay(activity.stay_until_ms);
    AppendTravel(activity.next_place);
    return;
  }
  const Activity activity = NextActivity();
  AppendStay(activity.stay_until_ms);
  AppendTravel(activity.next_place);
}

}  // namespace stayaway::sim
