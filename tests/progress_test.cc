// Progress on stderr (tools/progress_meter.h), end to end with the real binaries: with
// --progress each long command writes progress lines and a final "done" line to stderr
// and exactly the stdout it writes without; without --progress, with stderr a file (not a
// terminal), stderr has no progress at all.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/daemon_harness.h"
#include "tests/stayaway_cli.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

fs::path FreshDir(const std::string& name) {
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("progress-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  DataDirCleanup::Add(dir);
  return dir;
}

// Whether a line of `text` starts with `prefix` (progress lines do; the commands' own
// messages start "stayaway CMD: ").
bool HasLineStarting(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0 || text.find("\n" + prefix) != std::string::npos ||
         text.find("\r" + prefix) != std::string::npos;
}

// `command` once without and once with --progress (the same arguments otherwise, with
// `with_progress_args` where a second run must differ, e.g. another output directory).
// Checks the stderr of each, and returns the two runs.
std::pair<CommandRun, CommandRun> RunBothWays(const std::string& command,
                                              const std::string& without_args,
                                              const std::string& with_args) {
  const std::string done = command + ": done: ";
  CommandRun quiet = StayawayApart(command + " " + without_args);
  EXPECT_FALSE(HasLineStarting(quiet.err, command + ": "))
      << "no progress line at all without --progress:\n"
      << quiet.err;
  CommandRun shown = StayawayApart(command + " --progress " + with_args);
  EXPECT_TRUE(HasLineStarting(shown.err, done)) << shown.err;
  // Plain lines, not a rewritten terminal line, when stderr is a file.
  EXPECT_EQ(shown.err.find('\r'), std::string::npos) << shown.err;
  EXPECT_EQ(shown.out.find(done), std::string::npos) << "progress leaked onto stdout";
  EXPECT_EQ(shown.status, quiet.status) << shown.err;
  return {quiet, shown};
}

TEST(Progress, ReplayAndSimulateShowProgressOnStderrOnlyWhenAsked) {
  const fs::path examples = fs::path(STAYAWAY_SOURCE_DIR) / "examples";
  const std::string replay_args = "--orders " + (examples / "orders.json").string() + " --zones " +
                                  (examples / "zones.json").string() + " --fixes " +
                                  (examples / "fixes.ndjson").string();
  const auto [replay_quiet, replay_shown] = RunBothWays("replay", replay_args, replay_args);
  EXPECT_EQ(replay_quiet.status, 0) << replay_quiet.err;
  EXPECT_FALSE(replay_quiet.out.empty());
  EXPECT_EQ(replay_shown.out, replay_quiet.out) << "the events do not change";
  // The summary still ends stderr's story; progress comes with the lines and bytes read.
  EXPECT_NE(replay_shown.err.find("summary: lines="), std::string::npos);
  EXPECT_NE(replay_shown.err.find(" lines, "), std::string::npos) << replay_shown.err;
  EXPECT_NE(replay_shown.err.find(" MB"), std::string::npos) << replay_shown.err;

  const fs::path dir = FreshDir("simulate");
  const std::string sim = "--orders 4 --seed 7 --duration 2h --out ";
  const auto [sim_quiet, sim_shown] =
      RunBothWays("simulate", sim + (dir / "a").string(), sim + (dir / "b").string());
  EXPECT_EQ(sim_quiet.status, 0) << sim_quiet.err;
  std::string expected = sim_quiet.out;
  expected.replace(expected.rfind((dir / "a").string()), (dir / "a").string().size(),
                   (dir / "b").string());
  EXPECT_EQ(sim_shown.out, expected);
  EXPECT_NE(sim_shown.err.find("simulate: done: 120 simulated minutes"), std::string::npos)
      << sim_shown.err;
  // The same arguments, the same bytes, progress or not.
  EXPECT_EQ(ReadCapture((dir / "a" / "fixes.ndjson").string()),
            ReadCapture((dir / "b" / "fixes.ndjson").string()));
}

// `stayaway args...` with its stderr on a terminal (a pseudo-terminal this test reads) and
// its stdout into `out_path`; what the terminal showed.
std::string RunWithStderrOnATerminal(const std::vector<std::string>& args,
                                     const fs::path& out_path) {
  int terminal = -1;
  const pid_t pid = ::forkpty(&terminal, nullptr, nullptr, nullptr);
  if (pid == 0) {
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, STDOUT_FILENO);
    const std::string binary = StayawayBinary().string();
    std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  std::string shown;
  char buffer[4096];
  for (ssize_t n; (n = ::read(terminal, buffer, sizeof buffer)) > 0;) shown.append(buffer, n);
  ::close(terminal);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << shown;
  return shown;
}

TEST(Progress, OnATerminalReplayRewritesOneLineWithoutBeingAsked) {
  const fs::path examples = fs::path(STAYAWAY_SOURCE_DIR) / "examples";
  const fs::path dir = FreshDir("terminal");
  const std::vector<std::string> args = {"replay",
                                         "--orders",
                                         (examples / "orders.json").string(),
                                         "--zones",
                                         (examples / "zones.json").string(),
                                         "--fixes",
                                         (examples / "fixes.ndjson").string()};
  const std::string shown = RunWithStderrOnATerminal(args, dir / "events.ndjson");
  EXPECT_NE(shown.find("\rreplay: done: 211 lines"), std::string::npos) << shown;
  EXPECT_NE(shown.find("summary: lines=211"), std::string::npos) << shown;
  // The events went to stdout, the same as with stderr in a file.
  const CommandRun apart = StayawayApart(args[0] + " " + args[1] + " " + args[2] + " " + args[3] +
                                         " " + args[4] + " " + args[5] + " " + args[6]);
  EXPECT_EQ(ReadCapture((dir / "events.ndjson").string()), apart.out);
  EXPECT_EQ(shown.find("\"kind\""), std::string::npos) << "no event on the terminal";
}

TEST(Progress, FeedLoadgenExportImportAndVerifyShowProgressOnStderrOnlyWhenAsked) {
  const fs::path dir = FreshDir("daemon");
  Daemon daemon({}, dir);
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson(1)).status, 201);
  // tag-1 close to phone-2: a violation of KG-7, so there is an alert to cut evidence of.
  auto fixes_file = [&](const std::string& name, uint64_t first_seq) {
    const fs::path path = dir / name;
    std::ofstream out(path);
    const TimeMs t = NowMs() - 60'000;
    for (uint64_t i = 0; i < 6; ++i) {
      out << FixJson("phone-2", first_seq + i, t + static_cast<TimeMs>(i) * 5'000, 74.59) << '\n'
          << FixJson("tag-1", first_seq + i, t + static_cast<TimeMs>(i) * 5'000 + 1'000, 74.5905)
          << '\n';
    }
    return path.string();
  };
  const std::string target = " --target " + daemon.ingest() + " --speed 1000 --fixes ";
  const auto [feed_quiet, feed_shown] =
      RunBothWays("feed", target + fixes_file("a.ndjson", 1), target + fixes_file("b.ndjson", 7));
  EXPECT_EQ(feed_quiet.out, "fed 12 fixes, 0 refused\n") << feed_quiet.err;
  EXPECT_EQ(feed_shown.out, feed_quiet.out);
  EXPECT_NE(feed_shown.err.find("feed: done: 12 lines"), std::string::npos) << feed_shown.err;

  const std::string loadgen = "--target " + daemon.ingest() +
                              " --http 127.0.0.1:" + std::to_string(daemon.http()) +
                              " --rate 100 --duration 1 --devices 4 --batch 5";
  const auto [loadgen_quiet, loadgen_shown] = RunBothWays("loadgen", loadgen, loadgen);
  EXPECT_EQ(loadgen_quiet.status, 0) << loadgen_quiet.err;
  EXPECT_EQ(loadgen_shown.out.front(), '{') << "stdout is the JSON report only";
  EXPECT_NE(loadgen_shown.err.find("loadgen: done: 100 fixes sent"), std::string::npos)
      << loadgen_shown.err;

  const std::string alert_id = WaitForOpenAlertId(daemon.http(), "KG-7");
  ASSERT_FALSE(alert_id.empty()) << daemon.Log();
  EXPECT_EQ(daemon.Stop(), 0);
  const fs::path data = dir / "data";

  const auto [export_quiet, export_shown] =
      RunBothWays("export", "--data-dir " + data.string() + " --out " + (dir / "x1").string(),
                  "--data-dir " + data.string() + " --out " + (dir / "x2").string());
  EXPECT_EQ(export_quiet.status, 0) << export_quiet.err;
  std::string expected = export_quiet.out;
  expected.replace(expected.find((dir / "x1").string()), (dir / "x1").string().size(),
                   (dir / "x2").string());
  EXPECT_EQ(export_shown.out, expected);
  EXPECT_NE(export_shown.err.find("export: done: "), std::string::npos);

  const auto [import_quiet, import_shown] = RunBothWays(
      "import", "--from " + (dir / "x1").string() + " --data-dir " + (dir / "n1").string(),
      "--from " + (dir / "x1").string() + " --data-dir " + (dir / "n2").string());
  EXPECT_EQ(import_quiet.status, 0) << import_quiet.err;
  expected = import_quiet.out;
  expected.replace(expected.find((dir / "n1").string()), (dir / "n1").string().size(),
                   (dir / "n2").string());
  EXPECT_EQ(import_shown.out, expected);

  const fs::path bundle = dir / "bundle";
  const CommandRun written = Stayaway("evidence --data-dir " + data.string() + " --alert " +
                                      alert_id + " --out " + bundle.string());
  ASSERT_EQ(written.status, 0) << written.out;
  const auto [verify_quiet, verify_shown] = RunBothWays("verify", bundle.string(), bundle.string());
  EXPECT_EQ(verify_quiet.status, 0) << verify_quiet.out;
  EXPECT_EQ(verify_shown.out, verify_quiet.out);
  EXPECT_NE(verify_shown.err.find("verify: done: "), std::string::npos);
}

}  // namespace
}  // namespace stayaway
