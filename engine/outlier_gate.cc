#include "engine/outlier_gate.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace stayaway::engine {
namespace {

double SpeedOf(const GateFix& fix, double unknown_speed_mps) {
  return fix.speed_mps < 0 ? unknown_speed_mps : static_cast<double>(fix.speed_mps);
}

}  // namespace

bool OutlierGate::Consistent(const GateFix& a, const GateFix& b, double unknown_speed_mps) {
  const double dt_s = std::fabs(static_cast<double>(a.time - b.time)) / 1000.0;
  const double v =
      1.5 * std::max(SpeedOf(a, unknown_speed_mps), SpeedOf(b, unknown_speed_mps)) + 0.5;
  const double gate =
      3 * std::hypot(static_cast<double>(a.accuracy_m), static_cast<double>(b.accuracy_m)) +
      v * dt_s + kSlackM;
  return geo::ChordMeters(a.ecef, b.ecef) <= gate;
}

bool OutlierGate::Plausible(const GateFix& a, const GateFix& b, double plausible_speed_mps) {
  const double dt_s = std::max(1.0, std::fabs(static_cast<double>(a.time - b.time)) / 1000.0);
  const double excess_m = geo::ChordMeters(a.ecef, b.ecef) - static_cast<double>(a.accuracy_m) -
                          static_cast<double>(b.accuracy_m);
  return excess_m <= plausible_speed_mps * dt_s;
}

bool OutlierGate::JudgeAndRemember(const GateFix& fix, double unknown_speed_mps,
                                   double plausible_speed_mps) {
  // recent_[0, before) are the remembered fixes older than this one.
  const auto at = std::lower_bound(recent_.begin(), recent_.end(), fix.time,
                                   [](const GateFix& f, TimeMs t) { return f.time < t; });
  const size_t before = static_cast<size_t>(at - recent_.begin());

  std::array<size_t, kWindow> window{};
  size_t count = 0;
  for (size_t i = before; i-- > 0 && count < kWindow;) {
    if (!recent_[i].outlier) window[count++] = i;
  }
  GateFix judged = fix;
  judged.outlier = false;
  if (count >= kMinFixes) {
    // The medoid; on a tie the newer fix (the window runs newest first).
    size_t medoid = window[0];
    double best = INFINITY;
    for (size_t a = 0; a < count; ++a) {
      double sum = 0;
      for (size_t b = 0; b < count; ++b) {
        if (a != b) sum += geo::ChordMeters(recent_[window[a]].ecef, recent_[window[b]].ecef);
      }
      if (sum < best) {
        best = sum;
        medoid = window[a];
      }
    }
    judged.outlier = !Consistent(fix, recent_[medoid], unknown_speed_mps);
  }
  if (judged.outlier && before + 1 >= kReanchor) {
    // The kReanchor - 1 fixes just before it, outliers all, and it: one new place?
    const size_t first = before + 1 - kReanchor;
    bool moved = true;
    for (size_t i = first; i < before && moved; ++i) {
      moved = recent_[i].outlier && Plausible(recent_[i], fix, plausible_speed_mps);
      for (size_t j = first; j < i && moved; ++j) {
        moved = Plausible(recent_[i], recent_[j], plausible_speed_mps);
      }
    }
    if (moved) {
      for (size_t i = first; i < before; ++i) recent_[i].outlier = false;
      judged.outlier = false;
    }
  }

  if (recent_.size() >= kCapacity) {
    if (before == 0) return judged.outlier;  // older than everything remembered
    recent_.erase(recent_.begin());
  }
  const auto place = std::upper_bound(recent_.begin(), recent_.end(), fix.time,
                                      [](TimeMs t, const GateFix& f) { return t < f.time; });
  recent_.insert(place, judged);
  return judged.outlier;
}

std::optional<OutlierGate> OutlierGate::FromFixes(std::vector<GateFix> fixes) {
  if (fixes.size() > kCapacity) return std::nullopt;
  for (size_t i = 1; i < fixes.size(); ++i) {
    if (fixes[i].time < fixes[i - 1].time) return std::nullopt;
  }
  OutlierGate gate;
  gate.recent_ = std::move(fixes);
  return gate;
}

}  // namespace stayaway::engine
