// StallReporter: when a test has run longer than it should, says where it is and aborts, so
// that a test that hangs names the step it hung at instead of being killed silently by
// ctest's timeout. The test sets the step it is at (Set); the report prints it and the
// tail of a daemon's log, then runs `before_abort` (which kills the daemon, or it would
// outlive the test). Thread-safe.
#ifndef STAYAWAY_TESTS_STALL_REPORTER_H_
#define STAYAWAY_TESTS_STALL_REPORTER_H_

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

namespace stayaway::testing_harness {

class StallReporter {
 public:
  // `log` is the daemon's log whose last `log_tail_bytes` the report shows.
  StallReporter(std::chrono::seconds limit, std::filesystem::path log,
                std::function<void()> before_abort, size_t log_tail_bytes = 4000)
      : log_(std::move(log)),
        before_abort_(std::move(before_abort)),
        log_tail_bytes_(log_tail_bytes),
        thread_([this, limit] {
          std::unique_lock lock(mu_);
          if (done_cv_.wait_for(lock, limit, [this] { return done_; })) return;
          std::fprintf(stderr, "STALLED after %lld s at: %s\n--- the end of %s ---\n%s\n",
                       static_cast<long long>(limit.count()), step_.c_str(), log_.c_str(),
                       LogTail().c_str());
          std::fflush(stderr);
          before_abort_();
          std::abort();
        }) {}
  ~StallReporter() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    done_cv_.notify_one();
    thread_.join();
  }
  StallReporter(const StallReporter&) = delete;
  StallReporter& operator=(const StallReporter&) = delete;

  void Set(std::string step) {
    std::lock_guard lock(mu_);
    step_ = std::move(step);
  }

 private:
  std::string LogTail() const {
    std::ifstream in(log_, std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    const std::string text = all.str();
    return text.size() > log_tail_bytes_ ? text.substr(text.size() - log_tail_bytes_) : text;
  }

  const std::filesystem::path log_;
  const std::function<void()> before_abort_;
  const size_t log_tail_bytes_;
  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::string step_ = "the start";
  std::thread thread_;  // last: it reads the members above
};

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_STALL_REPORTER_H_
