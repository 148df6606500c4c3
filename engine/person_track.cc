#include "engine/person_track.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <utility>

#include "geo/geodesic.h"

namespace stayaway::engine {

size_t PersonTrack::UpperBound(TimeMs t) const {
  const size_t n = size();
  // Fixes mostly arrive in time order: the answer is then the end.
  if (n == 0 || At(n - 1).time <= t) return n;
  size_t low = 0, high = n - 1;  // At(high).time > t
  while (low < high) {
    const size_t mid = low + (high - low) / 2;
    if (At(mid).time <= t) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

void PersonTrack::Insert(const TrackFix& fix, uint32_t capacity) {
  Insert(fix, geo::ToEcef(fix.position), capacity);
}

void PersonTrack::Insert(const TrackFix& fix, const geo::Ecef& ecef, uint32_t capacity) {
  size_t at = UpperBound(fix.time);
  if (size_ < capacity) {
    if (head_ != 0) {  // only if the capacity grew after the track filled up
      std::rotate(ring_.get(), ring_.get() + head_, ring_.get() + size_);
      head_ = 0;
    }
    // The whole ring at once: a track fills up to its capacity, so growing it step by
    // step would allocate on several of a person's first fixes (and end in the same block).
    if (allocated_ < capacity) {
      auto grown = std::make_unique<TrackFix[]>(capacity);
      std::copy(ring_.get(), ring_.get() + size_, grown.get());
      ring_ = std::move(grown);
      allocated_ = capacity;
    }
    std::copy_backward(ring_.get() + at, ring_.get() + size_, ring_.get() + size_ + 1);
    ring_[at] = fix;
    ++size_;
  } else {
    if (at == 0) return;
    // The oldest goes: the head moves on and the oldest's slot is now the last one.
    head_ = head_ + 1 == size_ ? 0 : head_ + 1;
    --at;
    for (size_t i = size() - 1; i > at; --i) At(i) = At(i - 1);
    At(at) = fix;
  }
  if (at == size() - 1) newest_ecef_ = ecef;
}

geo::Ecef PersonTrack::EcefOf(const TrackFix& fix) const {
  return &fix == Newest() ? newest_ecef_ : geo::ToEcef(fix.position);
}

const TrackFix* PersonTrack::Neighbour(TimeMs t) const {
  if (empty()) return nullptr;
  const size_t after = UpperBound(t);
  return after > 0 ? &At(after - 1) : &At(0);
}

std::optional<Placement> PersonTrack::PlaceAtRest(TimeMs t, const EngineSettings& settings) const {
  const TrackFix& newest = At(size() - 1);
  const TimeMs age_ms = t - newest.time;
  if (age_ms < 0 || age_ms > settings.counterpart_stale_ms) return std::nullopt;
  // Most placements are of people on the move: decided by the newest fix, before any work.
  if (newest.speed_mps < 0 || newest.speed_mps > kRestSpeedMps) return std::nullopt;
  std::array<double, kMaxRestRun> lat, lng, radius;  // only [0, n) is ever read
  size_t n = 0;
  TimeMs later = newest.time;  // the time of the fix after f in the run
  for (size_t i = size(); i-- > 0 && n < kMaxRestRun;) {
    const TrackFix& f = At(i);
    if (f.speed_mps < 0 || f.speed_mps > kRestSpeedMps || t - f.time > kRestWindowMs ||
        later - f.time > kRestGapMs) {
      break;
    }
    later = f.time;
    lat[n] = f.position.lat_deg;
    // Unwrapped around the newest fix, so a run astride the antimeridian has one median.
    lng[n] = newest.position.lng_deg +
             std::remainder(f.position.lng_deg - newest.position.lng_deg, 360.0);
    radius[n] = f.accuracy_m;
    ++n;
  }
  if (n < kMinRestFixes) return std::nullopt;
  // Selection, not sorting: this runs for every placement of a person at rest.
  auto median = [n](std::array<double, kMaxRestRun>& v) {
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(n / 2);
    std::nth_element(v.begin(), mid, v.begin() + static_cast<std::ptrdiff_t>(n));
    if (n % 2 == 1) return *mid;
    return (*std::max_element(v.begin(), mid) + *mid) / 2;
  };
  const double median_lat = median(lat);
  double median_lng = median(lng);
  // A run whose fixes do not agree is no rest: a device that reports speed 0 while it
  // moves, or someone creeping along, spreads its fixes far beyond their radii. At most
  // half of them may lie beyond 3 of their radii (plus the least radius) of the median
  // (stray multipath fixes are no movement), by a local flat-earth distance (runs span
  // metres).
  const double metres_per_deg_lat = 110'574.0;
  const double metres_per_deg_lng = 111'320.0 * std::cos(median_lat * M_PI / 180.0);
  size_t strays = 0;
  for (size_t i = 0, k = size(); i < n; ++i) {
    const TrackFix& f = At(--k);
    const double dn = (f.position.lat_deg - median_lat) * metres_per_deg_lat;
    const double de = std::remainder(f.position.lng_deg - median_lng, 360.0) * metres_per_deg_lng;
    if (std::hypot(dn, de) > 3 * f.accuracy_m + kMinRestRadiusM) ++strays;
  }
  if (2 * strays > n) return std::nullopt;
  if (median_lng >= 180) median_lng -= 360;
  if (median_lng < -180) median_lng += 360;
  // At rest between fixes the person is slow; beyond kRestQuietMs without a fix they may
  // have left, at the growth any stale counterpart gets.
  const double age_s = static_cast<double>(age_ms) / 1000.0;
  const double quiet_s = static_cast<double>(kRestQuietMs) / 1000.0;
  Placement p;
  p.position = {median_lat, median_lng};
  p.radius_m =
      std::max(kMinRestRadiusM, 1.25 * median(radius) / std::sqrt(static_cast<double>(n))) +
      kRestGrowthMps * std::min(age_s, quiet_s) +
      settings.stale_growth_mps * std::max(0.0, age_s - quiet_s);
  p.basis = PlacementBasis::kAtRest;
  p.source_time = newest.time;
  p.rest_fixes = static_cast<uint32_t>(n);
  p.from = &newest;
  return p;
}

std::optional<Placement> PersonTrack::PlaceAt(TimeMs t, const EngineSettings& settings) const {
  if (empty()) return std::nullopt;
  if (std::optional<Placement> rest = PlaceAtRest(t, settings)) return rest;
  const size_t after = UpperBound(t);
  const TrackFix* before = after > 0 ? &At(after - 1) : nullptr;
  const TrackFix* next = after < size() ? &At(after) : nullptr;

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

std::vector<TrackFix> PersonTrack::fixes() const {
  std::vector<TrackFix> out;
  out.reserve(size());
  for (size_t i = 0; i < size(); ++i) out.push_back(At(i));
  return out;
}

std::optional<PersonTrack> PersonTrack::FromFixes(std::vector<TrackFix> fixes) {
  for (size_t i = 1; i < fixes.size(); ++i) {
    if (fixes[i].time < fixes[i - 1].time) return std::nullopt;
  }
  PersonTrack track;
  if (!fixes.empty()) {
    track.ring_ = std::make_unique<TrackFix[]>(fixes.size());
    std::copy(fixes.begin(), fixes.end(), track.ring_.get());
    track.size_ = track.allocated_ = static_cast<uint32_t>(fixes.size());
    track.newest_ecef_ = geo::ToEcef(fixes.back().position);
  }
  return track;
}

}  // namespace stayaway::engine
