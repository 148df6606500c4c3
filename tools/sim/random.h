// SimRandom: the simulator's only source of randomness, a xoshiro256** generator seeded
// through SplitMix64, with the few distributions the simulator needs written out here.
//
// Why not <random>: std::mt19937_64 is portable but std::normal_distribution and friends
// are not (libstdc++ and libc++, or two libstdc++ versions, may draw different numbers
// from the same engine). The simulator promises byte-identical files for a seed, so every
// distribution is computed here from raw 64-bit outputs with fixed formulas.
//
//   SimRandom rng = SimRandom::ForStream(seed, /*stream=*/order_index, /*substream=*/2);
//   double accuracy_m = rng.Uniform(3, 8);
//   double error_m = std::fabs(rng.Normal()) * accuracy_m;
//
// The transcendental functions (log, cos) come from the C library, as do GeographicLib's:
// the byte-for-byte promise holds for one platform and C library (tested), not across
// every libm ever written.
//
// Streams: ForStream(seed, a, b) gives an independent generator per (seed, a, b), so each
// person or device draws from its own stream and the order in which the simulation asks
// for numbers from different streams never changes any of them.
//
// Thread-safety: a SimRandom is a plain value, thread-compatible.
#ifndef STAYAWAY_TOOLS_SIM_RANDOM_H_
#define STAYAWAY_TOOLS_SIM_RANDOM_H_

#include <array>
#include <cstdint>

namespace stayaway::sim {

class SimRandom {
 public:
  explicit SimRandom(uint64_t seed);
  // An independent generator for (seed, stream, substream).
  static SimRandom ForStream(uint64_t seed, uint64_t stream, uint64_t substream = 0);

  uint64_t NextU64();
  // Uniform in [0, 1), 53 random bits.
  double Uniform01();
  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform01(); }
  // Uniform integer in [0, n); n > 0. Unbiased (rejection of the top partial block).
  uint64_t Below(uint64_t n);
  // True with probability p.
  bool Chance(double p) { return Uniform01() < p; }
  // Standard normal N(0, 1) by the Box-Muller transform (one value per call).
  double Normal();
  // Exponential with the given mean (> 0).
  double Exponential(double mean);

 private:
  std::array<uint64_t, 4> state_;
};

}  // namespace stayaway::sim

#endif  // STAYAWAY_TOOLS_SIM_RANDOM_H_
