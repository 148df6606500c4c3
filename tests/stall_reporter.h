// StallReporter: when a test has run longer than it should, says where it is and aborts, so
// that a test that hangs names the step it hung at instead of being killed silently by
// ctest's timeout. The test sets the step it is at (Set), with the progress made within
// it if it has many parts; the report lists every step with the second it began and the
// second of its last progress (so a slow run shows where its time went, not only where
// it ended) and the tail of a daemon's log, then runs `before_abort` (which kills the
// daemon, or it would outlive the test). Thread-safe.
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
#include <vector>

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
          std::fprintf(stderr, "STALLED after %lld s; the steps:\n%s",
                       static_cast<long long>(limit.count()), StepHistory().c_str());
          std::fprintf(stderr, "--- the end of %s ---\n%s\n", log_.c_str(), LogTail().c_str());
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

  // The step the test is at, and how far it is within it ("event 8354 of 15800"): the
  // same step with new progress only updates it.
  void Set(std::string step, std::string progress = "") {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (steps_.back().name != step) steps_.push_back({std::move(step), now, now, ""});
    steps_.back().progress = std::move(progress);
    steps_.back().last_progress = now;
  }

 private:
  struct Step {
    std::string name;
    std::chrono::steady_clock::time_point began, last_progress;
    std::string progress;
  };

  // One line a step: the seconds after the start it began and last progressed at.
  std::string StepHistory() const {
    std::string lines;
    for (const Step& step : steps_) {
      const std::chrono::duration<double> began = step.began - start_;
      const std::chrono::duration<double> last = step.last_progress - start_;
      char at[64];
      std::snprintf(at, sizeof at, "%8.2f s .. %8.2f s  ", began.count(), last.count());
      lines += at + step.name + (step.progress.empty() ? "" : ", " + step.progress) + "\n";
    }
    return lines;
  }

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
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::vector<Step> steps_{{"the start", start_, start_, ""}};
  std::thread thread_;  // last: it reads the members above
};

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_STALL_REPORTER_H_
