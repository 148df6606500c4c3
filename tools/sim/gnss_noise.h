// GnssNoise: what a device reports about where it is, given where it truly is.
//
// Each fix states an accuracy radius (metres). The stated radius is a 68% radius, as
// Android and most trackers define it: for an honest fix the horizontal error is
// |N(0, 1)| times the stated radius in a uniformly random direction, so about 68% of
// honest fixes fall within 1x and 95% within 2x of what they state.
//
// Not every fix is honest. In an urban canyon (multipath off tall buildings) a GNSS
// receiver can lock onto reflections for a few seconds to a minute, so the bad fixes come
// in bursts. A GNSS fix outside a burst starts one with kCanyonBurstStartChance; the
// burst lasts 1, 2 or 3 GNSS fixes of that device (45 / 35 / 20 %, kCanyonBurstLengthShare),
// the starting fix included, and the GNSS fix after it is honest, so every run of canyon
// fixes is exactly one burst. A Wi-Fi or cell fix in between neither ends the burst nor
// counts in it (the device is still among the same buildings). Each canyon fix is
// 80-250 m off (absolute, whatever the fix states) in the burst's bearing +-30 degrees,
// while it states the device's normal small radius: the engine cannot tell it from its
// accuracy and must survive it. The chance is chosen so that kUrbanCanyonShare (4%) of
// GNSS fixes are canyon fixes. The fix's reported speed is the true speed (Doppler speed
// does not suffer from multipath; the simulation reports it from the true movement).
//
// Stated radii by device and situation (judgement, after NIJ-1004: 10 m 90% of the time
// in open sky, 30 m indoors):
//   ankle tag, moving:    GNSS 3-8 m
//   ankle tag, indoors:   GNSS 8-25 m
//   phone, moving:        GNSS 5-15 m (2% cell, 300-1500 m)
//   phone, indoors:       Wi-Fi 15-40 m (70%), GNSS 10-30 m (25%), cell 300-1500 m (5%)
//
// Thread-safety: pure functions of their arguments, the SimRandom and the CanyonBurst
// they are given (one of each per device).
#ifndef STAYAWAY_TOOLS_SIM_GNSS_NOISE_H_
#define STAYAWAY_TOOLS_SIM_GNSS_NOISE_H_

#include "tools/sim/random.h"

namespace stayaway::sim {

enum class DeviceKind { kAnkleTag, kPhone };
enum class FixSource { kGnss, kWifi, kCell };

const char* FixSourceName(FixSource source);  // "gnss", "wifi", "cell"

// The share of GNSS fixes that are urban-canyon fixes, in the long run.
inline constexpr double kUrbanCanyonShare = 0.04;
// Chance that a burst lasts 1, 2 or 3 GNSS fixes.
inline constexpr double kCanyonBurstLengthShare[3] = {0.45, 0.35, 0.20};
inline constexpr double kMeanCanyonBurstLength = 1 * kCanyonBurstLengthShare[0] +
                                                 2 * kCanyonBurstLengthShare[1] +
                                                 3 * kCanyonBurstLengthShare[2];
// A renewal process: bursts of mean length L alternate with honest runs of one fix plus
// a geometric (1 - p) / p more, 1 / p in all, so the canyon share is L / (L + 1 / p);
// solved for p.
inline constexpr double kCanyonBurstStartChance =
    kUrbanCanyonShare / (kMeanCanyonBurstLength * (1 - kUrbanCanyonShare));
inline constexpr double kCanyonMinErrorM = 80;
inline constexpr double kCanyonMaxErrorM = 250;
inline constexpr double kCanyonBearingSpreadDeg = 30;

struct Measurement {
  FixSource source = FixSource::kGnss;
  double stated_accuracy_m = 0;  // the radius the fix reports, rounded to 0.1 m
  double error_east_m = 0;       // true error of the reported position
  double error_north_m = 0;
  bool urban_canyon = false;  // error drawn beyond the stated radius on purpose
  bool burst_start = false;   // the first canyon fix of its burst
};

// A device's urban-canyon state between two of its measurements.
struct CanyonBurst {
  int remaining = 0;        // canyon GNSS fixes still to come in the current burst
  bool just_ended = false;  // the last GNSS fix ended a burst: this one is honest
  double bearing_rad = 0;   // the burst's direction of error (clockwise from north)
};

// One measurement for a device of `kind`, moving or staying indoors; `burst` is that
// device's canyon state, updated.
Measurement DrawMeasurement(SimRandom& rng, DeviceKind kind, bool indoors, CanyonBurst* burst);

}  // namespace stayaway::sim

#endif  // STAYAWAY_TOOLS_SIM_GNSS_NOISE_H_
