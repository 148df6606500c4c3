// ClientWatchdog: shuts a DaemonClient down when a test has waited on it too long, so a
// daemon that never answers fails the test instead of hanging it. Shared by the
// end-to-end suites that talk to the TCP port.
#ifndef STAYAWAY_TESTS_CLIENT_WATCHDOG_H_
#define STAYAWAY_TESTS_CLIENT_WATCHDOG_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tools/daemon_client.h"

namespace stayaway::testing_harness {

class ClientWatchdog {
 public:
  explicit ClientWatchdog(tools::DaemonClient& client,
                          std::chrono::milliseconds limit = std::chrono::seconds(10))
      : thread_([this, &client, limit] {
          std::unique_lock lock(mu_);
          if (!done_cv_.wait_for(lock, limit, [this] { return done_; })) client.Shutdown();
        }) {}
  ~ClientWatchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    done_cv_.notify_one();
    thread_.join();
  }
  ClientWatchdog(const ClientWatchdog&) = delete;
  ClientWatchdog& operator=(const ClientWatchdog&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_CLIENT_WATCHDOG_H_
