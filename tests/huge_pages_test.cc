// stayawayd gives its heap transparent huge pages by itself (base/huge_page_heap.h): it
// runs again with glibc.malloc.hugetlb=1 added to GLIBC_TUNABLES, keeping its pid, its
// arguments, its name and the operator's other tunables, and leaves an operator's own choice alone.
// The real daemon: its start-up log line says whether its heap asked for huge pages.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "base/sanitized_build.h"
#include "tests/daemon_harness.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

// Starts a daemon with the two variables as given (nullptr: unset), waits for it to answer,
// and returns its log.
std::string StartWith(const char* glibc_tunables, const char* opt_out) {
  auto set = [](const char* name, const char* value) {
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  };
  set("GLIBC_TUNABLES", glibc_tunables);
  set("STAYAWAY_HUGE_PAGES", opt_out);
  Daemon daemon;
  set("GLIBC_TUNABLES", nullptr);
  set("STAYAWAY_HUGE_PAGES", nullptr);
  EXPECT_EQ(Http(daemon.http(), "GET", "/healthz").status, 200) << daemon.Log();
  // Run again, it keeps its pid and its name (ps, pkill and systemd's logs go by it).
  std::ifstream comm("/proc/" + std::to_string(daemon.pid()) + "/comm");
  std::string name;
  std::getline(comm, name);
  EXPECT_EQ(name, "stayawayd");
  return daemon.Log();
}

bool SaysHugePages(const std::string& log, const std::string& on_or_off) {
  return log.find("\"msg\":\"stayawayd listening\"") != std::string::npos &&
         log.find("\"heap_huge_pages\":\"" + on_or_off + "\"") != std::string::npos;
}

TEST(HugePages, TheDaemonTurnsThemOnItselfAndLeavesAnOperatorsChoiceAlone) {
  if (kSanitizedBuild) GTEST_SKIP() << "a sanitizer's allocator is not glibc's: nothing to do";
  std::string log = StartWith(nullptr, nullptr);
  EXPECT_TRUE(SaysHugePages(log, "on")) << log;
  log = StartWith("glibc.malloc.arena_max=4", nullptr);
  EXPECT_TRUE(SaysHugePages(log, "on")) << log;
  log = StartWith("glibc.malloc.hugetlb=0", nullptr);
  EXPECT_TRUE(SaysHugePages(log, "off")) << log;
  log = StartWith(nullptr, "0");
  EXPECT_TRUE(SaysHugePages(log, "off")) << log;
}

}  // namespace
}  // namespace stayaway
