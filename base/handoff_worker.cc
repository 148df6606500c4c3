#include "base/handoff_worker.h"

#include <pthread.h>

#include <string>
#include <utility>

namespace stayaway {

HandoffWorker::HandoffWorker(const char* name) {
  thread_ = std::thread([this, thread_name = std::string(name).substr(0, 15)] {
    ::pthread_setname_np(::pthread_self(), thread_name.c_str());
    Serve();
  });
}

HandoffWorker::~HandoffWorker() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return !job_; });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void HandoffWorker::Hand(std::function<void()> job) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return !job_; });
    job_ = std::move(job);
  }
  changed_.notify_all();
}

void HandoffWorker::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [this] { return !job_; });
}

bool HandoffWorker::Busy() {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<bool>(job_);
}

void HandoffWorker::Serve() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || job_; });
    if (stopping_) return;
    // Run outside the lock; the job stays in job_ until it has finished, so that Hand and
    // Wait see it in flight.
    lock.unlock();
    job_();
    lock.lock();
    job_ = nullptr;
    changed_.notify_all();
  }
}

}  // namespace stayaway
