#include "daemon/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace stayaway::daemon {
namespace {

// The fields of /proc/self/stat after the command name (which may hold spaces and
// parentheses, so it is skipped to its last ')'): field 3 (state) is fields[0].
std::optional<std::vector<std::string>> StatFields(const char* path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

// The system's boot time, seconds since the epoch (/proc/stat "btime").
std::optional<double> BootTime() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

}  // namespace

void RenderProcessMetrics(std::ostream* out) {
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  // /proc/[pid]/stat (proc(5)): utime 14, stime 15, starttime 22, vsize 23, rss 24; the
  // vector starts at field 3.
  if (auto fields = StatFields("/proc/self/stat"); fields && fields->size() > 21 && ticks > 0) {
    const double cpu =
        static_cast<double>(std::stoull((*fields)[11]) + std::stoull((*fields)[12])) /
        static_cast<double>(ticks);
    *out << "# HELP process_cpu_seconds_total User and system CPU time spent, in seconds.\n"
            "# TYPE process_cpu_seconds_total counter\n"
            "process_cpu_seconds_total "
         << cpu << '\n';
    *out << "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
            "# TYPE process_virtual_memory_bytes gauge\n"
            "process_virtual_memory_bytes "
         << (*fields)[20] << '\n';
    if (page > 0) {
      *out << "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
              "# TYPE process_resident_memory_bytes gauge\n"
              "process_resident_memory_bytes "
           << std::stoull((*fields)[21]) * static_cast<unsigned long long>(page) << '\n';
    }
    if (std::optional<double> boot = BootTime()) {
      const double start = *boot + static_cast<double>(std::stoull((*fields)[19])) /
                                       static_cast<double>(ticks);
      *out << "# HELP process_start_time_seconds Start time since the epoch, in seconds.\n"
              "# TYPE process_start_time_seconds gauge\n"
              "process_start_time_seconds "
           << static_cast<uint64_t>(start) << '\n';
    }
  }
  std::error_code ec;
  size_t open = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++open;
  }
  if (!ec) {
    // The directory iterator holds one descriptor of its own while it counts.
    *out << "# HELP process_open_fds Open file descriptors.\n"
            "# TYPE process_open_fds gauge\n"
            "process_open_fds "
         << (open > 0 ? open - 1 : 0) << '\n';
  }
  if (rlimit limit{}; ::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    *out << "# HELP process_max_fds The limit of open file descriptors.\n"
            "# TYPE process_max_fds gauge\n"
            "process_max_fds "
         << limit.rlim_cur << '\n';
  }
}

}  // namespace stayaway::daemon
