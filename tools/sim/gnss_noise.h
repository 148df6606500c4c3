// GnssNoise: what a device reports about where it is, given where it truly is.
//
// Each fix states an accuracy radius (metres). The stated radius is a 68% radius, as
// Android and most trackers define it: for an honest fix the horizontal error is
// |N(0, 1)| times the stated radius in a uniformly random direction, so about 68% of
// honest fixes fall within 1x and 95% within 2x of what they state.
//
// Not every fix is honest. In an urban canyon (multipath off tall buildings) a GNSS fix
// can be off by several times what it states; kUrbanCanyonShare of GNSS fixes carry an
// error of 3-8 times their stated radius, which the engine cannot see and must survive.
//
// Stated radii by device and situation (judgement, after NIJ-1004: 10 m 90% of the time
// in open sky, 30 m indoors):
//   ankle tag, moving:    GNSS 3-8 m
//   ankle tag, indoors:   GNSS 8-25 m
//   phone, moving:        GNSS 5-15 m (2% cell, 300-1500 m)
//   phone, indoors:       Wi-Fi 15-40 m (70%), GNSS 10-30 m (25%), cell 300-1500 m (5%)
//
// Thread-safety: pure functions of their arguments and the SimRandom they are given.
#ifndef STAYAWAY_TOOLS_SIM_GNSS_NOISE_H_
#define STAYAWAY_TOOLS_SIM_GNSS_NOISE_H_

#include "tools/sim/random.h"

namespace stayaway::sim {

enum class DeviceKind { kAnkleTag, kPhone };
enum class FixSource { kGnss, kWifi, kCell };

const char* FixSourceName(FixSource source);  // "gnss", "wifi", "cell"

inline constexpr double kUrbanCanyonShare = 0.03;

struct Measurement {
  FixSource source = FixSource::kGnss;
  double stated_accuracy_m = 0;  // the radius the fix reports, rounded to 0.1 m
  double error_east_m = 0;       // true error of the reported position
  double error_north_m = 0;
  bool urban_canyon = false;  // error drawn beyond the stated radius on purpose
};

// One measurement for a device of `kind`, moving or staying indoors.
Measurement DrawMeasurement(SimRandom& rng, DeviceKind kind, bool indoors);

}  // namespace stayaway::sim

#endif  // STAYAWAY_TOOLS_SIM_GNSS_NOISE_H_
