#include "engine/check_wheel.h"

#include <algorithm>

namespace stayaway::engine {

void CheckWheel::Add(uint32_t item, uint32_t due_s) {
  // Due in a second already gone over: filed where the next TakeDue starts.
  const uint32_t filed_s = std::max(due_s, next_s_);
  slots_[filed_s % kSlots].push_back(Entry{due_s, item});
  ++size_;
}

void CheckWheel::TakeDue(uint32_t now_s, std::vector<uint32_t>* due) {
  if (now_s < next_s_) return;
  const uint64_t seconds = static_cast<uint64_t>(now_s) - next_s_ + 1;
  const uint32_t slots = static_cast<uint32_t>(std::min<uint64_t>(seconds, kSlots));
  for (uint32_t k = 0; k < slots; ++k) {
    std::vector<Entry>& slot = slots_[(next_s_ + k) % kSlots];
    // Due ones out, the rest (a turn or more ahead) kept in place, in their order.
    auto kept = slot.begin();
    for (const Entry& entry : slot) {
      if (entry.due_s <= now_s) {
        due->push_back(entry.item);
      } else {
        *kept++ = entry;
      }
    }
    size_ -= static_cast<size_t>(slot.end() - kept);
    slot.erase(kept, slot.end());
  }
  next_s_ = now_s;
}

}  // namespace stayaway::engine
