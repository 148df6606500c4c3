#include "tools/sim/random.h"

#include <cmath>
#include <cstdint>
#include <numbers>

namespace stayaway::sim {
namespace {

uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

SimRandom::SimRandom(uint64_t seed) {
  uint64_t x = seed;
  for (uint64_t& word : state_) word = SplitMix64(&x);
}

SimRandom SimRandom::ForStream(uint64_t seed, uint64_t stream, uint64_t substream) {
  // Mix the three numbers so nearby (stream, substream) pairs land far apart.
  uint64_t x = seed;
  uint64_t mixed = SplitMix64(&x);
  x = mixed ^ (stream * 0xd1b54a32d192ed03ULL);
  mixed = SplitMix64(&x);
  x = mixed ^ (substream * 0x8cb92ba72f3d8dd7ULL);
  return SimRandom(SplitMix64(&x));
}

uint64_t SimRandom::NextU64() {
  const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = Rotl(state_[3], 45);
  return result;
}

double SimRandom::Uniform01() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }

uint64_t SimRandom::Below(uint64_t n) {
  // Reject the top partial block so every residue is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x = NextU64();
  while (x >= limit) x = NextU64();
  return x % n;
}

double SimRandom::Normal() {
  // 1 - Uniform01() is in (0, 1], so the logarithm is finite.
  const double u1 = 1.0 - Uniform01();
  const double u2 = Uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double SimRandom::Exponential(double mean) { return -mean * std::log(1.0 - Uniform01()); }

}  // namespace stayaway::sim
