#include "tools/loadgen/process_cpu.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace stayaway::loadgen {

ProcessCpuSample SampleProcessCpu(int pid) {
  ProcessCpuSample sample;
  sample.taken = std::chrono::steady_clock::now();
  const std::string task_dir =
      (pid == 0 ? std::string("/proc/self") : "/proc/" + std::to_string(pid)) + "/task";
  const double ticks_per_s = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(task_dir, error)) {
    std::ifstream in(entry.path() / "stat");
    std::string text;
    if (!std::getline(in, text)) continue;
    // "tid (comm) state ppid ...": comm may hold spaces, so count fields after its ')'.
    const size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    sample.thread_cpu_s[std::stoi(entry.path().filename().string())] =
        (utime + stime) / ticks_per_s;
  }
  sample.ok = !error && !sample.thread_cpu_s.empty();
  return sample;
}

CpuUse CpuUseBetween(const ProcessCpuSample& before, const ProcessCpuSample& after) {
  CpuUse use;
  const double wall_s = std::chrono::duration<double>(after.taken - before.taken).count();
  if (!before.ok || !after.ok || wall_s <= 0) return use;
  use.known = true;
  for (const auto& [tid, cpu_s] : after.thread_cpu_s) {
    const auto it = before.thread_cpu_s.find(tid);
    const double used = cpu_s - (it == before.thread_cpu_s.end() ? 0 : it->second);
    use.process_cores += used / wall_s;
    use.busiest_thread_cores = std::max(use.busiest_thread_cores, used / wall_s);
  }
  return use;
}

}  // namespace stayaway::loadgen
