// Runs the real `stayaway` command line tool (built next to stayawayd) with its output
// captured, for the end-to-end suites. Not thread-safe: runs in one process share their
// capture files.
#ifndef STAYAWAY_TESTS_STAYAWAY_CLI_H_
#define STAYAWAY_TESTS_STAYAWAY_CLI_H_

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/daemon_harness.h"

namespace stayaway::testing_harness {

// Where the tools are built: STAYAWAY_BIN_DIR when set, else build/tools next to this
// test's build/tests.
inline fs::path ToolsDir() {
  if (const char* dir = std::getenv("STAYAWAY_BIN_DIR"); dir != nullptr && *dir != '\0') {
    return fs::path(dir);
  }
  return fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "tools";
}

inline fs::path StayawayBinary() { return ToolsDir() / "stayaway"; }

struct CommandRun {
  int status = -1;  // the exit status; -1 when the command did not exit normally
  std::string out;  // stdout, and stderr too unless asked apart
  std::string err;  // stderr when asked apart, else empty
};

inline std::string ReadCapture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `stayaway args` through the shell (so `args` may quote and redirect), its output written
// to `<temp>/stayaway-run-<pid>.out` and `.err` (stderr into .out when not `apart`).
inline CommandRun RunStayaway(const std::string& args, bool apart) {
  const std::string base = ::testing::TempDir() + "/stayaway-run-" + std::to_string(::getpid());
  const std::string redirect = " >" + base + ".out 2>" + (apart ? base + ".err" : "&1");
  const int rc = std::system((StayawayBinary().string() + " " + args + redirect).c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ReadCapture(base + ".out"),
          apart ? ReadCapture(base + ".err") : std::string()};
}

// stdout and stderr together in `out`, in the order written.
inline CommandRun Stayaway(const std::string& args) { return RunStayaway(args, false); }

// `stayaway evidence` of `alert_id` from `data_dir` into `bundle`, then a court's
// `stayaway verify` of it: both must succeed and verify must say VERIFIED.
inline void WriteVerifiedBundle(const fs::path& data_dir, const std::string& alert_id,
                                const fs::path& bundle) {
  const CommandRun written = Stayaway("evidence --data-dir " + data_dir.string() + " --alert " +
                                      alert_id + " --out " + bundle.string());
  ASSERT_EQ(written.status, 0) << written.out;
  const CommandRun verified = Stayaway("verify " + bundle.string());
  EXPECT_EQ(verified.status, 0) << verified.out;
  EXPECT_NE(verified.out.find("VERIFIED"), std::string::npos) << verified.out;
}

// stdout in `out`, stderr in `err`.
inline CommandRun StayawayApart(const std::string& args) { return RunStayaway(args, true); }

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_STAYAWAY_CLI_H_
