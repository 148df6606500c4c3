#include "base/work_crew.h"

#include <pthread.h>

#include <algorithm>
#include <string>

namespace stayaway {

WorkCrew::WorkCrew(unsigned lanes, const char* name) : lanes_(std::max(1u, lanes)) {
  threads_.reserve(lanes_ - 1);
  for (unsigned lane = 1; lane < lanes_; ++lane) {
    threads_.emplace_back([this, lane, thread_name = std::string(name) + "-" +
                                                      std::to_string(lane)] {
      // Linux limits a thread name to 15 characters.
      ::pthread_setname_np(::pthread_self(), thread_name.substr(0, 15).c_str());
      Serve(lane);
    });
  }
}

WorkCrew::~WorkCrew() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  start_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void WorkCrew::Run(const std::function<void(unsigned)>& job) {
  if (lanes_ == 1) {
    job(0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &job;
    running_ = lanes_ - 1;
    ++generation_;
  }
  start_.notify_all();
  job(0);
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [this] { return running_ == 0; });
  job_ = nullptr;
}

void WorkCrew::Serve(unsigned lane) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(unsigned)>* job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      start_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      job = job_;
    }
    (*job)(lane);
    std::lock_guard<std::mutex> lock(mu_);
    if (--running_ == 0) done_.notify_one();
  }
}

}  // namespace stayaway
