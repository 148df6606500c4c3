// INTERNAL to engine/: the constants and helpers that more than one of the engine's rule
// files (engine_fixes.cc, engine_ticks.cc, engine.cc) share. Everyone outside engine/
// uses engine/engine.h. Stateless; safe from any thread.
#ifndef STAYAWAY_ENGINE_ENGINE_RULES_INTERNAL_H_
#define STAYAWAY_ENGINE_ENGINE_RULES_INTERNAL_H_

#include "base/time.h"
#include "engine/engine_config.h"
#include "engine/engine_state.h"

namespace stayaway::engine::internal {

// Device signals and location-unknown alerts are never debounced.
constexpr Debounce kImmediate{1, 0};
// A fix older than this when it arrives is refused: devices buffer through coverage gaps
// for hours or days, never for months; older is a broken clock (1970, GPS week rollover).
constexpr TimeMs kMaxFixAgeMs = 30LL * 86'400'000;

// The horizon of the duplicate memory at `now`: a fix older than this is refused, so a
// range whose fixes are all older can be closed (seq_set.h). Saturates at kNever.
inline TimeMs SeqForgetBefore(TimeMs now) {
  return now < internal::kNever + kMaxFixAgeMs ? internal::kNever : now - kMaxFixAgeMs;
}

}  // namespace stayaway::engine::internal

#endif  // STAYAWAY_ENGINE_ENGINE_RULES_INTERNAL_H_
