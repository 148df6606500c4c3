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

Measurement DrawMeasurement(SimRandom& rng, DeviceKind kind, bool indoors) {
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
  m.urban_canyon = m.source == FixSource::kGnss && rng.Chance(kUrbanCanyonShare);
  const double error_m = m.urban_canyon ? m.stated_accuracy_m * rng.Uniform(3, 8)
                                        : std::fabs(rng.Normal()) * m.stated_accuracy_m;
  const double bearing = rng.Uniform(0, 2 * std::numbers::pi);
  m.error_east_m = error_m * std::sin(bearing);
  m.error_north_m = error_m * std::cos(bearing);
  return m;
}

}  // namespace stayaway::sim
