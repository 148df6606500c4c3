// PersonTrack: the recent plausible fixes of one person (from all of their devices),
// sorted by event time, and where that person was at a given time.
//
// Bounded: at most `capacity` fixes are kept; the oldest goes first. Placement follows
// engine.h: interpolation between bracketing fixes up to max_interpolation_gap_ms apart,
// otherwise the nearest fix in time (the earlier one on a tie) with its
// radius grown by max(stale_growth_mps, its reported speed) times the age, and unknown
// beyond counterpart_stale_ms. Thread-compatible.
#ifndef STAYAWAY_ENGINE_PERSON_TRACK_H_
#define STAYAWAY_ENGINE_PERSON_TRACK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "base/time.h"
#include "engine/engine_config.h"
#include "geo/geodesic.h"
#include "geo/lat_lng.h"

namespace stayaway::engine {

using DeviceIndex = uint32_t;

// One fix as the track keeps it. speed_mps < 0 means the device reported none.
struct TrackFix {
  TimeMs time = 0;
  geo::LatLng position;
  double accuracy_m = 0;  // exactly as sent: certainty at the boundary depends on it
  uint64_t seq = 0;
  float speed_mps = -1;
  DeviceIndex device = 0;
};

enum class PlacementBasis : uint8_t { kFix, kInterpolated, kExtrapolated, kAtRest };

// A person at rest (engine.h, "Positions and uncertainty"): the trailing run of their fixes
// that report a speed of at most kRestSpeedMps, within kRestWindowMs before the time asked
// about, at least kMinRestFixes of them, is summarised by its coordinate-wise median.
inline constexpr double kRestSpeedMps = 0.5;
inline constexpr TimeMs kRestWindowMs = 15 * 60'000;
inline constexpr size_t kMinRestFixes = 3;
inline constexpr size_t kMaxRestRun = 64;  // more than any track keeps
// The run ends at a gap of more than kRestGapMs between its fixes. Its fixes must agree:
// at least half of them within 3 of their radii plus kMinRestRadiusM of the median, else
// the person is not at rest. The median's radius: 1.25
// median(r) / sqrt(n) (the median of n fixes, each within its stated 68% radius), never below
// kMinRestRadiusM, grown for the age of the run's newest fix at kRestGrowthMps up to
// kRestQuietMs (a person at rest starts moving slowly; the next fix says so) and at
// stale_growth_mps beyond (no fix for that long: they may have left).
inline constexpr double kMinRestRadiusM = 3;
inline constexpr double kRestGrowthMps = 0.5;
inline constexpr TimeMs kRestQuietMs = 90'000;
inline constexpr TimeMs kRestGapMs = 3 * 60'000;

// Where a person is taken to be at some time, and from which fixes.
struct Placement {
  geo::LatLng position;
  double radius_m = 0;
  PlacementBasis basis = PlacementBasis::kFix;
  TimeMs source_time = 0;  // the fix's time (interpolated: the requested time)
  uint32_t rest_fixes = 0;         // at rest: how many fixes the median summarises
  const TrackFix* from = nullptr;  // at rest: the run's newest fix
  const TrackFix* to = nullptr;  // the second bracketing fix when interpolated
};

class PersonTrack {
 public:
  PersonTrack() = default;
  PersonTrack(PersonTrack&& other) noexcept { *this = std::move(other); }
  PersonTrack& operator=(PersonTrack&& other) noexcept {
    ring_ = std::move(other.ring_);
    size_ = std::exchange(other.size_, 0);
    head_ = std::exchange(other.head_, 0);
    allocated_ = std::exchange(other.allocated_, 0);
    newest_ecef_ = other.newest_ecef_;
    return *this;
  }

  // Inserts in event-time order (after fixes of equal time). When full, drops the oldest;
  // a fix older than everything in a full track is not kept. `ecef` is the fix's
  // position in ECEF (the caller has it already); the overload without computes it.
  void Insert(const TrackFix& fix, const geo::Ecef& ecef, uint32_t capacity);
  void Insert(const TrackFix& fix, uint32_t capacity);

  // The latest fix with time <= t, else the earliest after t; nullptr when empty.
  const TrackFix* Neighbour(TimeMs t) const;
  const TrackFix* Newest() const { return empty() ? nullptr : &At(size() - 1); }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // The ECEF position of one of this track's fixes. The newest fix's is kept from its
  // Insert: most chord screens measure to a counterpart's newest fix, and ECEF costs
  // trigonometry.
  geo::Ecef EcefOf(const TrackFix& fix) const;

  // Where the person was at t; nullopt when no fix is within counterpart_stale_ms. At or
  // after the newest fix, a person at rest is placed at the median of their rest run.
  // The returned pointers stay valid until the next Insert.
  std::optional<Placement> PlaceAt(TimeMs t, const EngineSettings& settings) const;

  // The at-rest placement at t >= the newest fix's time; nullopt when the person is not at
  // rest then (PlaceAt tries this first).
  std::optional<Placement> PlaceAtRest(TimeMs t, const EngineSettings& settings) const;

  // For engine snapshots: the fixes, oldest first, and a track rebuilt from them.
  // FromFixes refuses (nullopt) fixes out of time order.
  std::vector<TrackFix> fixes() const;
  static std::optional<PersonTrack> FromFixes(std::vector<TrackFix> fixes);

 private:
  // The i-th oldest fix.
  const TrackFix& At(size_t i) const {
    const size_t j = head_ + i;
    return ring_[j < size_ ? j : j - size_];
  }
  TrackFix& At(size_t i) { return const_cast<TrackFix&>(std::as_const(*this).At(i)); }
  // The index of the first fix later than t (size() when none is).
  size_t UpperBound(TimeMs t) const;

  // The fixes in ascending time, rotated so the oldest is at head_ (0 unless the track is
  // full). A full track drops its oldest fix into the slot the newest takes, instead of
  // shifting every fix down. An array and 32-bit counts rather than a vector: a track is
  // in every person's state, and 8 bytes less keeps a person at eight cache lines.
  std::unique_ptr<TrackFix[]> ring_;
  uint32_t size_ = 0;  // fixes in ring_
  uint32_t head_ = 0;
  uint32_t allocated_ = 0;  // slots in ring_
  geo::Ecef newest_ecef_;   // of At(size() - 1)
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_PERSON_TRACK_H_
