// CheckWheel: which items (devices) a clock tick must look at, filed by the second each is
// due, so that a tick costs what is due rather than a walk over every item. The engine
// files each device for the second its silence would reach comms_lost_ms
// (engine_state.h); a tick takes what is due and files again those not lost yet.
//
// A ring of kSlots one-second slots: an item due at second s waits in slot s mod kSlots,
// with its due second, so that one due a whole turn or more later stays put when its slot
// comes round early. TakeDue(now) goes over the slots of the seconds since the last call up
// to now (every slot once at most) and takes the items due by then. The second of the last
// call is gone over again by the next, because an item may be added for it afterwards; an
// item added for a second already gone over is filed under that one, so the next TakeDue
// takes it whatever its time.
//
// Memory: 8 bytes an item, plus each slot's vector. Thread-compatible.
#ifndef STAYAWAY_ENGINE_CHECK_WHEEL_H_
#define STAYAWAY_ENGINE_CHECK_WHEEL_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace stayaway::engine {

class CheckWheel {
 public:
  static constexpr uint32_t kSlots = 4096;  // seconds: 68 minutes a turn

  CheckWheel() : slots_(kSlots) {}

  // Files `item` as due at second `due_s`.
  void Add(uint32_t item, uint32_t due_s);
  // Appends to *due every item due at or before second `now_s` (in no particular order)
  // and forgets them. `now_s` never goes back between calls (one that does takes nothing).
  void TakeDue(uint32_t now_s, std::vector<uint32_t>* due);
  // Items filed.
  std::size_t size() const { return size_; }

 private:
  struct Entry {
    uint32_t due_s;
    uint32_t item;
  };
  std::vector<std::vector<Entry>> slots_;
  uint32_t next_s_ = 0;  // the first second the next TakeDue goes over
  std::size_t size_ = 0;
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_CHECK_WHEEL_H_
