// Deterministic alert ids: the same order, rule and alert count always give the same id,
// so a replay or a failover reproduces an alert instead of duplicating it. Pure, thread-safe.
#ifndef STAYAWAY_ENGINE_ALERT_ID_H_
#define STAYAWAY_ENGINE_ALERT_ID_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace stayaway::engine {

// 16 lower-case hex digits of a 64-bit FNV-1a hash over order id, rule key and the rule's
// alert number (1 for its first alert), separated so no two inputs collide by
// concatenation.
std::string MakeAlertId(std::string_view order_id, std::string_view rule_key,
                        uint32_t alert_number);

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_ALERT_ID_H_
