#include "engine/outlier_gate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

namespace stayaway::engine {
namespace {

// For a GateFix and a remembered Sample alike.
template <typename F>
double SpeedOf(const F& fix, double unknown_speed_mps) {
  return fix.speed_mps < 0 ? unknown_speed_mps : static_cast<double>(fix.speed_mps);
}

template <typename A, typename B>
bool TooFast(const A& a, const B& b, double limit_mps) {
  return MovesImplausiblyFast(a.ecef, a.accuracy_m, a.time, b.ecef, b.accuracy_m, b.time,
                              limit_mps);
}

}  // namespace

template <typename A, typename B>
bool OutlierGate::Consistent(const A& a, const B& b, double unknown_speed_mps) {
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
                                   [](const Sample& f, TimeMs t) { return f.time < t; });
  size_t before = static_cast<size_t>(at - recent_.begin());

  std::array<size_t, kWindow> window{};
  size_t count = 0;
  for (size_t i = before; i-- > 0 && count < kWindow;) {
    if (!outlier(i)) window[count++] = i;
  }
  if (count > 0 && fix.time - recent_[window[0]].time > kMaxGapMs) {
    // After a gap the person may be anywhere: the gate starts over from this fix,
    // forgetting what came before (later fixes are judged against the new place, once
    // there are kMinFixes of them). Nothing is left to judge this one by.
    std::move(recent_.begin() + static_cast<std::ptrdiff_t>(before),
              recent_.begin() + static_cast<std::ptrdiff_t>(size_), recent_.begin());
    outliers_ = static_cast<uint16_t>(outliers_ >> before);
    size_ = static_cast<uint8_t>(size_ - before);
    before = 0;
    count = 0;
  }
  bool judged_outlier = false;
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
    judged_outlier = !Consistent(fix, recent_[medoid], unknown_speed_mps);
  }
  if (judged_outlier && before + 1 >= kReanchor) {
    // The kReanchor - 1 fixes just before it, outliers all, and it: one new place?
    const size_t first = before + 1 - kReanchor;
    bool moved = true;
    for (size_t i = first; i < before && moved; ++i) {
      moved = outlier(i) && !TooFast(recent_[i], fix, plausible_speed_mps);
      for (size_t j = first; j < i && moved; ++j) {
        moved = !TooFast(recent_[i], recent_[j], plausible_speed_mps);
      }
    }
    if (moved) {
      for (size_t i = first; i < before; ++i) set_outlier(i, false);
      judged_outlier = false;
    }
  }

  if (size_ == kCapacity) {
    if (before == 0) return judged_outlier;  // older than everything remembered
    std::move(recent_.begin() + 1, recent_.end(), recent_.begin());  // forget the oldest
    outliers_ = static_cast<uint16_t>(outliers_ >> 1);
    --size_;
  }
  const auto last = recent_.begin() + static_cast<std::ptrdiff_t>(size_);
  const auto place = std::upper_bound(recent_.begin(), last, fix.time,
                                      [](TimeMs t, const Sample& f) { return t < f.time; });
  std::move_backward(place, last, last + 1);
  *place = Sample{fix.time, fix.ecef, fix.accuracy_m, fix.speed_mps};
  // The verdicts move with their fixes: those from `place` on go up by one.
  const auto p = static_cast<unsigned>(place - recent_.begin());
  const unsigned below = outliers_ & ((1u << p) - 1);
  const unsigned above = (static_cast<unsigned>(outliers_) >> p) << (p + 1);
  outliers_ = static_cast<uint16_t>(below | above | (judged_outlier ? 1u << p : 0u));
  ++size_;
  return judged_outlier;
}

std::vector<GateFix> OutlierGate::fixes() const {
  std::vector<GateFix> out;
  out.reserve(size_);
  for (size_t i = 0; i < size_; ++i) {
    const Sample& f = recent_[i];
    out.push_back(GateFix{f.time, f.ecef, f.accuracy_m, f.speed_mps, outlier(i)});
  }
  return out;
}

std::optional<OutlierGate> OutlierGate::FromFixes(std::span<const GateFix> fixes) {
  if (fixes.size() > kCapacity) return std::nullopt;
  for (size_t i = 1; i < fixes.size(); ++i) {
    if (fixes[i].time < fixes[i - 1].time) return std::nullopt;
  }
  OutlierGate gate;
  for (size_t i = 0; i < fixes.size(); ++i) {
    const GateFix& f = fixes[i];
    gate.recent_[i] = Sample{f.time, f.ecef, f.accuracy_m, f.speed_mps};
    gate.set_outlier(i, f.outlier);
  }
  gate.size_ = static_cast<uint8_t>(fixes.size());
  return gate;
}

}  // namespace stayaway::engine
