#include "tools/interrupt_flag.h"

#include <cassert>

namespace stayaway::tools {
namespace {

// Written by the signal handler, so a lock-free atomic (async-signal-safe).
std::atomic<int> g_signal{0};
std::atomic<bool> g_alive{false};
static_assert(std::atomic<int>::is_always_lock_free);

void Raise(int number) { g_signal.store(number); }

}  // namespace

InterruptFlag::InterruptFlag() {
  [[maybe_unused]] const bool was_alive = g_alive.exchange(true);
  assert(!was_alive);
  g_signal.store(0);
  struct sigaction action {};
  action.sa_handler = Raise;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // the second signal ends the process
  ::sigaction(SIGINT, &action, &previous_int_);
  ::sigaction(SIGTERM, &action, &previous_term_);
}

InterruptFlag::~InterruptFlag() {
  ::sigaction(SIGINT, &previous_int_, nullptr);
  ::sigaction(SIGTERM, &previous_term_, nullptr);
  g_alive.store(false);
}

bool InterruptFlag::raised() const { return g_signal.load() != 0; }
int InterruptFlag::signal() const { return g_signal.load(); }
const std::atomic<int>& InterruptFlag::signal_number() const { return g_signal; }

}  // namespace stayaway::tools
