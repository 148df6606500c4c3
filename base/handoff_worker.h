// HandoffWorker: one named thread that runs the jobs handed to it, one at a time and in
// the order given, while the thread that hands them over goes on with its own work. At
// most one job is in flight: Hand waits for the previous job to finish before it hands
// over the next, so a producer never runs more than one job ahead.
//
//   HandoffWorker worker("sa-board");
//   for (...) {
//     ... work of this round ...
//     worker.Hand([batch = std::move(batch)] { ... the rest of the round ... });
//   }
//   worker.Wait();  // everything handed over has run
//
// A job must not throw (an exception escaping it ends the process, as on any thread).
// What a job writes is visible to the caller once Wait returns, or once the next Hand has
// returned; what the caller wrote before Hand is visible to the job.
// Thread-safety: Hand and Wait are called from one thread; the destructor waits for the
// job in flight, then joins the thread.
#ifndef STAYAWAY_BASE_HANDOFF_WORKER_H_
#define STAYAWAY_BASE_HANDOFF_WORKER_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace stayaway {

class HandoffWorker {
 public:
  // `name` names the thread (top -H, perf); Linux keeps 15 characters of it.
  explicit HandoffWorker(const char* name);
  ~HandoffWorker();
  HandoffWorker(const HandoffWorker&) = delete;
  HandoffWorker& operator=(const HandoffWorker&) = delete;

  // Waits for the job in flight, if any, then hands `job` to the worker and returns.
  void Hand(std::function<void()> job);
  // Waits until the job handed over last has run.
  void Wait();
  // True while the job handed over last has not finished (Hand would wait).
  bool Busy();

 private:
  void Serve();

  std::mutex mu_;
  std::condition_variable changed_;
  std::function<void()> job_;  // guarded by mu_: handed over, not yet finished
  bool stopping_ = false;      // guarded by mu_
  std::thread thread_;
};

}  // namespace stayaway

#endif  // STAYAWAY_BASE_HANDOFF_WORKER_H_
