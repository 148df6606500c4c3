// WorkCrew: a fixed set of threads that run one job on every lane at once and return when
// all lanes are done (fork-join). The calling thread is lane 0; lanes 1..n-1 are threads
// of the crew, started once and parked between jobs, so a job costs a wake-up, not a
// thread start.
//
//   WorkCrew crew(2);
//   crew.Run([&](unsigned lane) { ... work on the part of the data lane owns ... });
//
// What a job's lanes touch is the job's business: the crew promises only that everything
// a lane wrote is visible to the caller when Run returns, and that everything the caller
// wrote before Run is visible to every lane.
// Thread-safety: Run may be called by one thread at a time; the destructor joins the
// threads and must not race with Run.
#ifndef STAYAWAY_BASE_WORK_CREW_H_
#define STAYAWAY_BASE_WORK_CREW_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace stayaway {

class WorkCrew {
 public:
  // `lanes` >= 1; 1 runs every job on the caller alone. `name` names the threads (for
  // top -H and perf): "<name>-1", "<name>-2", ...
  explicit WorkCrew(unsigned lanes, const char* name = "sa-lane");
  ~WorkCrew();
  WorkCrew(const WorkCrew&) = delete;
  WorkCrew& operator=(const WorkCrew&) = delete;

  unsigned lanes() const { return lanes_; }

  // Runs job(lane) for every lane in [0, lanes()), lane 0 on the calling thread, and
  // returns when all have returned. The job must not throw.
  void Run(const std::function<void(unsigned lane)>& job);

 private:
  void Serve(unsigned lane);

  const unsigned lanes_;
  std::mutex mu_;
  std::condition_variable start_;  // a new job, or stopping
  std::condition_variable done_;   // the last lane finished
  const std::function<void(unsigned)>* job_ = nullptr;  // guarded by mu_
  uint64_t generation_ = 0;                             // guarded by mu_: bumped per job
  unsigned running_ = 0;                                // guarded by mu_: lanes still busy
  bool stopping_ = false;                               // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace stayaway

#endif  // STAYAWAY_BASE_WORK_CREW_H_
