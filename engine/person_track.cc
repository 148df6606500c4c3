#include "engine/person_track.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "geo/geodesic.h"

namespace stayaway::engine {
namespace {

bool TimeBefore(TimeMs t, const TrackFix& f) { return t < f.time; }

}  // namespace

void PersonTrack::Insert(const TrackFix& fix, uint32_t capacity) {
  auto at = std::upper_bound(fixes_.begin(), fixes_.end(), fix.time, TimeBefore);
  if (fixes_.size() >= capacity) {
    if (at == fixes_.begin()) return;
    // Dropping the front shifts every position left by one.
    const auto index = (at - fixes_.begin()) - 1;
    fixes_.erase(fixes_.begin());
    at = fixes_.begin() + index;
  }
  fixes_.insert(at, fix);
}

const TrackFix* PersonTrack::Neighbour(TimeMs t) const {
  if (fixes_.empty()) return nullptr;
  auto after = std::upper_bound(fixes_.begin(), fixes_.end(), t, TimeBefore);
  if (after != fixes_.begin()) return &*std::prev(after);
  return &*after;
}

std::optional<Placement> PersonTrack::PlaceAt(TimeMs t, const EngineSettings& settings) const {
  if (fixes_.empty()) return std::nullopt;
  auto after = std::upper_bound(fixes_.begin(), fixes_.end(), t, TimeBefore);
  const TrackFix* before = after != fixes_.begin() ? &*std::prev(after) : nullptr;
  const TrackFix* next = after != fixes_.end() ? &*after : nullptr;

  Placement p;
  if (before != nullptr && before->time == t) {
    p.position = before->position;
    p.radius_m = before->accuracy_m;
    p.basis = PlacementBasis::kFix;
    p.source_time = t;
    p.from = before;
    return p;
  }
  if (before != nullptr && next != nullptr &&
      next->time - before->time <= settings.max_interpolation_gap_ms) {
    const double fraction =
        static_cast<double>(t - before->time) / static_cast<double>(next->time - before->time);
    p.position = geo::GeodesicInterpolate(before->position, next->position, fraction);
    p.radius_m = before->accuracy_m + (next->accuracy_m - before->accuracy_m) * fraction;
    p.basis = PlacementBasis::kInterpolated;
    p.source_time = t;
    p.from = before;
    p.to = next;
    return p;
  }
  // Not bracketed closely: the nearest fix in time (ties go to the earlier one).
  const TrackFix* nearest = before;
  if (nearest == nullptr || (next != nullptr && next->time - t < t - before->time)) {
    nearest = next;
  }
  const TimeMs age_ms = nearest->time > t ? nearest->time - t : t - nearest->time;
  if (age_ms > settings.counterpart_stale_ms) return std::nullopt;
  const double growth_mps =
      std::max(settings.stale_growth_mps, static_cast<double>(nearest->speed_mps));
  p.position = nearest->position;
  p.radius_m = nearest->accuracy_m + growth_mps * static_cast<double>(age_ms) / 1000.0;
  p.basis = PlacementBasis::kExtrapolated;
  p.source_time = nearest->time;
  p.from = nearest;
  return p;
}

std::optional<PersonTrack> PersonTrack::FromFixes(std::vector<TrackFix> fixes) {
  for (size_t i = 1; i < fixes.size(); ++i) {
    if (fixes[i].time < fixes[i - 1].time) return std::nullopt;
  }
  PersonTrack track;
  track.fixes_ = std::move(fixes);
  return track;
}

}  // namespace stayaway::engine
