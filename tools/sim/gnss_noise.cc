#include "tools/sim/gnss_noise.h"

#include <cmath>
#include <numbers>

namespace stayaway::sim {

const char* FixSourceName(FixSource source) {
  switch (source) {
    case FixSource::kGnss:
      return "gnss";
    case FixSource::kWifi:
      return "wifi";
    case FixSource::kCell:
      return "cell";
  }
  return "gnss";
}

Measurement DrawMeasurement(SimRandom& rng, DeviceKind kind, bool indoors, CanyonBurst* burst) {
  Measurement m;
  double stated = 0;
  if (kind == DeviceKind::kAnkleTag) {
    stated = indoors ? rng.Uniform(8, 25) : rng.Uniform(3, 8);
  } else {
    const double u = rng.Uniform01();
    if (indoors) {
      if (u < 0.70) {
        m.source = FixSource::kWifi;
        stated = rng.Uniform(15, 40);
      } else if (u < 0.95) {
        stated = rng.Uniform(10, 30);
      } else {
        m.source = FixSource::kCell;
        stated = rng.Uniform(300, 1500);
      }
    } else if (u < 0.98) {
      stated = rng.Uniform(5, 15);
    } else {
      m.source = FixSource::kCell;
      stated = rng.Uniform(300, 1500);
    }
  }
  m.stated_accuracy_m = std::round(stated * 10) / 10;
  if (m.source == FixSource::kGnss) {
    if (burst->remaining > 0) {
      --burst->remaining;
      burst->just_ended = burst->remaining == 0;
      m.urban_canyon = true;
    } else if (burst->just_ended) {
      burst->just_ended = false;
    } else if (rng.Chance(kCanyonBurstStartChance)) {
      const double u = rng.Uniform01();
      const int length = u < kCanyonBurstLengthShare[0]                                ? 1
                         : u < kCanyonBurstLengthShare[0] + kCanyonBurstLengthShare[1] ? 2
                                                                                       : 3;
      burst->remaining = length - 1;
      burst->just_ended = length == 1;
      burst->bearing_rad = rng.Uniform(0, 2 * std::numbers::pi);
      m.urban_canyon = true;
      m.burst_start = true;
    }
  }
  double error_m = 0, bearing = 0;
  if (m.urban_canyon) {
    error_m = rng.Uniform(kCanyonMinErrorM, kCanyonMaxErrorM);
    const double spread = kCanyonBearingSpreadDeg * std::numbers::pi / 180;
    bearing = burst->bearing_rad + rng.Uniform(-spread, spread);
  } else {
    error_m = std::fabs(rng.Normal()) * m.stated_accuracy_m;
    bearing = rng.Uniform(0, 2 * std::numbers::pi);
  }
  m.error_east_m = error_m * std::sin(bearing);
  m.error_north_m = error_m * std::cos(bearing);
  return m;
}

}  // namespace stayaway::sim
