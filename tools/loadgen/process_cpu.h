// Process CPU use from /proc (Linux), so a load test can say what saturates: a process
// whose busiest thread is near one core is bound by that thread (stayawayd's engine
// thread is single by design); a whole process near the machine's core count is out of
// CPU; a process far from both is waiting (on the disk, on the network, on locks).
//
//   ProcessCpuSample before = SampleProcessCpu(pid);
//   ... run ...
//   CpuUse use = CpuUseBetween(before, SampleProcessCpu(pid));
//
// Thread-safety: pure functions of /proc; thread-safe.
#ifndef STAYAWAY_TOOLS_LOADGEN_PROCESS_CPU_H_
#define STAYAWAY_TOOLS_LOADGEN_PROCESS_CPU_H_

#include <chrono>
#include <map>

namespace stayaway::loadgen {

struct ProcessCpuSample {
  bool ok = false;  // false: no such process, or no /proc
  std::chrono::steady_clock::time_point taken;
  std::map<int, double> thread_cpu_s;  // thread id -> user + system CPU seconds so far
};

struct CpuUse {
  bool known = false;
  double process_cores = 0;         // CPU seconds per wall second, all threads
  double busiest_thread_cores = 0;  // the same for the busiest single thread
};

// pid 0 means this process.
ProcessCpuSample SampleProcessCpu(int pid);
// Threads that started between the samples count from zero; threads that ended are lost.
CpuUse CpuUseBetween(const ProcessCpuSample& before, const ProcessCpuSample& after);

}  // namespace stayaway::loadgen

#endif  // STAYAWAY_TOOLS_LOADGEN_PROCESS_CPU_H_
