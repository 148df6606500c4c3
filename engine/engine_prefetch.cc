// Prefetching: loading the memory of the fixes ahead while one is applied. Part of the
// engine rules; see engine_state.h.
//
// A fix's state is a chain of dependent loads: index slot, device, person, then the
// person's track and orders, then the order. With many devices each link is a cache miss,
// and one fix waits for them one after another. In a batch, the fixes a few places ahead
// get their chain started early, one link per step, so the misses of several fixes
// overlap. The prefetches read only what fixes cannot change (slots, a device's person)
// and hint at addresses; a wrong guess costs a wasted load, never a different result.
#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>

#include "engine/engine_state.h"
#include "proto/stayaway.pb.h"

namespace stayaway::engine {

void EngineState::Prefetch(const v1::Fix& fix, FixChain& chain, int step) const {
  using internal::kNoSlot;
  switch (step) {
    case 0:
      chain.hash = device_index_.HashOf(fix.device());
      __builtin_prefetch(device_index_.SlotAddress(chain.hash));
      break;
    case 1: {
      if (chain.device == kNoSlot) chain.device = device_index_.Guess(chain.hash).value_or(kNoSlot);
      if (chain.device == kNoSlot) break;
      const auto* device = reinterpret_cast<const char*>(&devices_[chain.device]);
      __builtin_prefetch(device);
      __builtin_prefetch(device + 64);
      break;
    }
    case 2:
      chain.person = chain.device == kNoSlot ? kNoSlot : devices_[chain.device].person;
      if (chain.person != kNoSlot) __builtin_prefetch(&persons_[chain.person]);
      break;
    case 3:
      if (chain.person != kNoSlot) {
        const PersonState& p = persons_[chain.person];
        if (const TrackFix* newest = p.track.Newest()) __builtin_prefetch(newest);
        if (!p.orders.empty()) __builtin_prefetch(p.orders.data());
      }
      break;
    case 4:
      if (chain.person != kNoSlot && !persons_[chain.person].orders.empty()) {
        const auto* order =
            reinterpret_cast<const char*>(&orders_[persons_[chain.person].orders[0].order]);
        for (size_t line = 0; line < sizeof(OrderState); line += 64) {
          __builtin_prefetch(order + line);
        }
      }
      break;
    default:
      break;
  }
}

void EngineState::Pipelined(size_t n, int first_step, int last_step,
                            FunctionRef<const v1::Fix&(size_t)> fix_at,
                            FunctionRef<uint32_t(size_t)> known_device,
                            FunctionRef<void(size_t)> body) const {
  // How far ahead of the fix being applied each step runs: far enough for its load to
  // arrive, near enough to still be in cache when the next step needs it.
  constexpr std::array<size_t, 5> kAhead = {12, 8, 4, 2, 1};
  constexpr size_t kRing = 16;  // > kAhead[0]: what the steps learnt, per fix
  std::array<FixChain, kRing> ring;
  auto step = [&](size_t j, int s) {
    FixChain& chain = ring[j % kRing];
    if (s == first_step) {
      chain = FixChain();
      chain.device = known_device(j);
    }
    Prefetch(fix_at(j), chain, s);
  };
  // The first fixes get their early steps at once, in order of need.
  for (int s = first_step; s <= last_step; ++s) {
    for (size_t j = 0; j < std::min(n, kAhead[static_cast<size_t>(s)]); ++j) step(j, s);
  }
  for (size_t i = 0; i < n; ++i) {
    for (int s = first_step; s <= last_step; ++s) {
      if (i + kAhead[static_cast<size_t>(s)] < n) step(i + kAhead[static_cast<size_t>(s)], s);
    }
    body(i);
  }
}

}  // namespace stayaway::engine
