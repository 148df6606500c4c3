// InterruptFlag: while one is alive, the first SIGINT (Ctrl-C) or SIGTERM the process gets
// sets the flag instead of ending the process, so that a command can stop its work and
// still clean up after itself (stayaway loadgen revokes the orders it made). The handler
// resets itself: a second signal ends the process as usual, for a user who will not wait.
//
//   InterruptFlag interrupted;
//   while (!interrupted.raised()) { ... }
//   if (interrupted.raised()) return interrupted.exit_status();  // after cleaning up
//
// One at a time per process: constructing a second while one is alive is a bug. The
// destructor puts back the handlers it replaced. Thread-safe: raised() may be read from
// any thread.
#ifndef STAYAWAY_TOOLS_INTERRUPT_FLAG_H_
#define STAYAWAY_TOOLS_INTERRUPT_FLAG_H_

#include <signal.h>

#include <atomic>

namespace stayaway::tools {

class InterruptFlag {
 public:
  InterruptFlag();
  ~InterruptFlag();
  InterruptFlag(const InterruptFlag&) = delete;
  InterruptFlag& operator=(const InterruptFlag&) = delete;

  bool raised() const;
  // The signal that raised it (SIGINT or SIGTERM); 0 while not raised.
  int signal() const;
  // What a shell reports for a process ended by that signal: 128 + its number.
  int exit_status() const { return 128 + signal(); }
  // The flag itself, for code that takes a plain atomic (set by the handler only).
  const std::atomic<int>& signal_number() const;

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_INTERRUPT_FLAG_H_
