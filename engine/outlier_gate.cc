#include "engine/outlier_gate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

namespace stayaway::engine {
namespace {

double SpeedOf(const GateFix& fix, double unknown_speed_mps) {
  return fix.speed_mps < 0 ? unknown_speed_mps : static_cast<double>(fix.speed_mps);
}

bool TooFast(const GateFix& a, const GateFix& b, double limit_mps) {
  return MovesImplausiblyFast(a.ecef, a.accuracy_m, a.time, b.ecef, b.accuracy_m, b.time,
                              limit_mps);
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

bool MovesImplausiblyFast(const geo::Ecef& a, double a_radius_m, TimeMs a_time, const geo::Ecef& b,
                          double b_radius_m, TimeMs b_time, double limit_mps) {
  const double excess_m = geo::ChordMeters(a, b) - a_radius_m - b_radius_m;
  if (excess_m <= 0) return false;
  const TimeMs dt_ms = a_time > b_time ? a_time - b_time : b_time - a_time;
  const double dt_s = std::max(1.0, static_cast<double>(dt_ms) / 1000.0);
  return excess_m / dt_s > limit_mps;
}

bool OutlierGate::JudgeAndRemember(const GateFix& fix, double unknown_speed_mps,
                                   double plausible_speed_mps) {
  // recent_[0, before) are the remembered fixes older than this one.
  const auto end = recent_.begin() + static_cast<std::ptrdiff_t>(size_);
  const auto at = std::lower_bound(recent_.begin(), end, fix.time,
                                   [](const GateFix& f, TimeMs t) { return f.time < t; });
  size_t before = static_cast<size_t>(at - recent_.begin());

  std::array<size_t, kWindow> window{};
  size_t count = 0;
  for (size_t i = before; i-- > 0 && count < kWindow;) {
    if (!recent_[i].outlier) window[count++] = i;
  }
  if (count > 0 && fix.time - recent_[window[0]].time > kMaxGapMs) {
    // After a gap the person may be anywhere: the gate starts over from this fix,
    // forgetting what came before (later fixes are judged against the new place, once
    // there are kMinFixes of them). Nothing is left to judge this one by.
    std::move(recent_.begin() + static_cast<std::ptrdiff_t>(before),
              recent_.begin() + static_cast<std::ptrdiff_t>(size_), recent_.begin());
    size_ -= before;
    before = 0;
    count = 0;
  }
  GateFix judged = fix;
  judged.outlier = false;
  const bool judged_at_all = count >= kMinFixes;
  // A quick pass first: the gate towards the medoid is at least this (its radius and speed
  // only widen it, and it is no newer than window[0]); a fix within it of every window fix
  // is consistent, whichever fix the medoid is.
  bool surely_consistent = false;
  if (judged_at_all) {
    const double newest_dt_s =
        std::max(0.0, static_cast<double>(fix.time - recent_[window[0]].time) / 1000.0);
    const double least_gate = 3 * static_cast<double>(fix.accuracy_m) +
                              (1.5 * SpeedOf(fix, unknown_speed_mps) + 0.5) * newest_dt_s + kSlackM;
    surely_consistent = true;
    for (size_t a = 0; a < count && surely_consistent; ++a) {
      surely_consistent = geo::ChordMeters(fix.ecef, recent_[window[a]].ecef) <= least_gate;
    }
  }
  if (judged_at_all && !surely_consistent) {
    // The medoid; on a tie the newer fix (the window runs newest first). Each pair's
    // distance is measured once.
    std::array<double, kWindow> sum{};
    for (size_t a = 0; a < count; ++a) {
      for (size_t b = a + 1; b < count; ++b) {
        const double d = geo::ChordMeters(recent_[window[a]].ecef, recent_[window[b]].ecef);
        sum[a] += d;
        sum[b] += d;
      }
    }
    size_t medoid = window[0];
    double best = INFINITY;
    for (size_t a = 0; a < count; ++a) {
      if (sum[a] < best) {
        best = sum[a];
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
      moved = recent_[i].outlier && !TooFast(recent_[i], fix, plausible_speed_mps);
      for (size_t j = first; j < i && moved; ++j) {
        moved = !TooFast(recent_[i], recent_[j], plausible_speed_mps);
      }
    }
    if (moved) {
      for (size_t i = first; i < before; ++i) recent_[i].outlier = false;
      judged.outlier = false;
    }
  }

  if (size_ == kCapacity) {
    if (before == 0) return judged.outlier;  // older than everything remembered
    std::move(recent_.begin() + 1, recent_.end(), recent_.begin());  // forget the oldest
    --size_;
  }
  const auto last = recent_.begin() + static_cast<std::ptrdiff_t>(size_);
  const auto place = std::upper_bound(recent_.begin(), last, fix.time,
                                      [](TimeMs t, const GateFix& f) { return t < f.time; });
  std::move_backward(place, last, last + 1);
  *place = judged;
  ++size_;
  return judged.outlier;
}

std::optional<OutlierGate> OutlierGate::FromFixes(std::span<const GateFix> fixes) {
  if (fixes.size() > kCapacity) return std::nullopt;
  for (size_t i = 1; i < fixes.size(); ++i) {
    if (fixes[i].time < fixes[i - 1].time) return std::nullopt;
  }
  OutlierGate gate;
  std::copy(fixes.begin(), fixes.end(), gate.recent_.begin());
  gate.size_ = fixes.size();
  return gate;
}

}  // namespace stayaway::engine
