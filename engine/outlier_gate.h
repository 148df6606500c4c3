// OutlierGate: judges each fix of a person against where that person's own recent fixes
// say they were, so that one bad GNSS fix (multipath in an urban canyon, off by hundreds of
// metres while stating a few) cannot raise an alert level.
//
// The estimate is robust: the medoid (the fix with the smallest sum of distances to the
// others) of the person's kWindow latest accepted fixes before the fix's time, so bad fixes
// never move it. Two fixes a and b are consistent when they are no further apart than
//   3 * hypot(r_a, r_b) + v * |t_a - t_b| + kSlackM,
//   v = 1.5 * max(speed_a, speed_b) + 0.5 m/s,
// with radii the stated 68% accuracy, speeds as reported (a device that reports no speed
// counts as moving at the caller's unknown_speed_mps), times in seconds. Reported speeds
// come from Doppler, which multipath leaves nearly intact, so a stationary person's gate
// is tight and a driving person's wide. A fix inconsistent with the medoid is an outlier.
// With fewer than kMinFixes accepted fixes before it, a fix is not judged; after a gap of
// more than kMaxGapMs since the newest of them it is not judged either, and the fixes
// before the gap are forgotten.
//
// A device that reports no speed is judged as moving at unknown_speed_mps (the engine
// passes its plausible-speed limit: without Doppler a canyon jump and a car look alike, so
// such a device's fixes are in effect not gated; corroboration still applies). A person
// who really moved where the gate did not expect it (a speed reported wrong, a jump after
// a gap the window does not show) is followed: when kReanchor consecutive outliers are
// all plausible from one another (no faster than plausible_speed_mps after both radii),
// the last is accepted and the ones before it are remembered as accepted, so the medoid
// moves there. A canyon burst shorter than that is caught whole, and the fixes after it
// are judged against where the person was before it.
// A fix older than every remembered one in a full memory is judged by nothing and not
// remembered.
//
// Deterministic; thread-compatible. Distances are ECEF chords (metres).
#ifndef STAYAWAY_ENGINE_OUTLIER_GATE_H_
#define STAYAWAY_ENGINE_OUTLIER_GATE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/time.h"
#include "geo/geodesic.h"

namespace stayaway::engine {

// True when moving from a to b (ECEF metres, accuracy radii, times in ms) needs a speed
// above limit_mps after both radii. Fixes in the same second are judged as one second
// apart: device clocks tick in seconds. The chord under-estimates distance, so this errs
// towards plausible. The engine's implausible-movement rule and the gate's re-anchoring
// share it.
bool MovesImplausiblyFast(const geo::Ecef& a, double a_radius_m, TimeMs a_time, const geo::Ecef& b,
                          double b_radius_m, TimeMs b_time, double limit_mps);

struct GateFix {
  TimeMs time = 0;
  geo::Ecef ecef;
  float accuracy_m = 0;
  float speed_mps = -1;  // < 0: none reported
  bool outlier = false;  // as judged (remembered fixes only)
};

class OutlierGate {
 public:
  static constexpr size_t kWindow = 5;     // accepted fixes the medoid is taken over
  static constexpr size_t kMinFixes = 3;   // fewer accepted before a fix: it is not judged
  static constexpr size_t kReanchor = 4;   // consecutive consistent outliers: a real move
  static constexpr size_t kCapacity = 10;  // remembered fixes
  static constexpr double kSlackM = 10;
  // A fix whose newest accepted predecessor is older than this is not judged, and the gate
  // starts over from it: after a gap the person may be anywhere (a shielded tag, a
  // tunnel), and the gate's speeds say nothing of the time between.
  static constexpr TimeMs kMaxGapMs = 2 * 60'000;

  // True when `fix` is an outlier; remembers it either way (see above). fix.outlier is
  // ignored.
  bool JudgeAndRemember(const GateFix& fix, double unknown_speed_mps, double plausible_speed_mps);

  // For engine snapshots: the remembered fixes, ascending time, and a gate rebuilt from
  // them (nullopt when they are out of order or too many).
  std::vector<GateFix> fixes() const;
  static std::optional<OutlierGate> FromFixes(std::span<const GateFix> fixes);

 private:
  // A remembered fix: a GateFix without its verdict, which is a bit of outliers_ (a bool
  // would pad each of them by 8 bytes: the gate is a large part of a person's state).
  struct Sample {
    TimeMs time = 0;
    geo::Ecef ecef;
    float accuracy_m = 0;
    float speed_mps = -1;
  };
  template <typename A, typename B>
  static bool Consistent(const A& a, const B& b, double unknown_speed_mps);
  bool outlier(size_t i) const { return (outliers_ >> i) & 1u; }
  void set_outlier(size_t i, bool outlier) {
    outliers_ = static_cast<uint16_t>(outlier ? outliers_ | (1u << i) : outliers_ & ~(1u << i));
  }

  // Held inline, not on the heap: every fix of the person reads them, and a pointer to
  // follow would be one more cache miss per fix.
  std::array<Sample, kCapacity> recent_{};  // [0, size_) in ascending time
  uint16_t outliers_ = 0;                   // bit i: recent_[i] was judged an outlier
  uint8_t size_ = 0;
  static_assert(kCapacity <= 16, "outliers_ has a bit per remembered fix");
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_OUTLIER_GATE_H_
