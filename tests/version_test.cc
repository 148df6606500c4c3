// `stayaway --version` and `stayawayd --version`: both answer at once, exit 0, and name the
// same version and the commit they were built from (base/version.h).
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <string>

#include "tests/daemon_harness.h"
#include "tests/stayaway_cli.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

// What the daemon binary prints for `args`, and its exit status.
std::pair<std::string, int> RunDaemon(const std::string& args) {
  FILE* pipe = ::popen((DaemonBinary().string() + " " + args + " 2>&1").c_str(), "r");
  std::string out;
  char buffer[256];
  while (pipe != nullptr && std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  const int status = pipe == nullptr ? -1 : ::pclose(pipe);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

TEST(Version, BothBinariesNameTheVersionAndTheCommit) {
  const std::regex shape(
      R"(^(stayaway|stayawayd) \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(\+changes)?|unknown)\)\n$)");
  const CommandRun tool = Stayaway("--version");
  EXPECT_EQ(tool.status, 0);
  EXPECT_TRUE(std::regex_match(tool.out, shape)) << tool.out;
  EXPECT_EQ(Stayaway("version").out, tool.out);
  const auto [daemon, status] = RunDaemon("--version");
  EXPECT_EQ(status, 0) << daemon;
  EXPECT_TRUE(std::regex_match(daemon, shape)) << daemon;
  // The same build: the same text after the program's name.
  EXPECT_EQ(daemon.substr(daemon.find(' ')), tool.out.substr(tool.out.find(' ')));
  EXPECT_NE(RunDaemon("--help").first.find("--version"), std::string::npos);
}

}  // namespace
}  // namespace stayaway
