// `--help` on every `stayaway` command: exit 0, the usage on stdout (nothing on stderr),
// naming the command and describing each option it takes. A command missing what it
// needs says which, exits 2 and shows the usage on stderr.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/stayaway_cli.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

struct Command {
  std::string name;
  std::vector<std::string> options;  // each must be named in its help
};

TEST(CommandHelp, EveryCommandAnswersHelpOnStdoutWithItsOptions) {
  const std::vector<Command> commands = {
      {"replay", {"--orders", "--fixes", "--zones", "--config", "--format", "--lanes"}},
      {"feed", {"--target", "--fixes", "--speed", "--batch"}},
      {"watch", {"--target", "--from", "--format", "--count", "--token-file"}},
      {"evidence",
       {"--data-dir", "--alert", "--order", "--from", "--to", "--margin-min", "--out", "--zip"}},
      {"verify", {"--key", "--keys", "--report"}},
      {"report", {"--data-dir", "--export", "--from", "--to", "--format", "--tree-size", "--out"}},
      {"export", {"--data-dir", "--out"}},
      {"import", {"--from", "--data-dir"}},
      {"keys", {"list", "rotate", "--data-dir"}},
      {"simulate", {"--orders", "--seed", "--duration", "--out"}},
      {"score", {"--truth", "--events"}},
      {"loadgen", {"--target", "--http", "--rate", "--duration", "--sweep"}},
  };
  for (const Command& command : commands) {
    for (const char* flag : {"--help", "-h"}) {
      SCOPED_TRACE(command.name + " " + flag);
      const CommandRun run = StayawayApart(command.name + " " + flag);
      EXPECT_EQ(run.status, 0) << run.out << run.err;
      EXPECT_EQ(run.err, "");
      EXPECT_EQ(run.out.rfind("usage: stayaway " + command.name, 0), 0u) << run.out;
      for (const std::string& option : command.options) {
        EXPECT_NE(run.out.find(option), std::string::npos) << option << " in\n" << run.out;
      }
    }
  }
  // Help wins over anything else on the line.
  EXPECT_EQ(StayawayApart("export --data-dir /nonexistent --help").status, 0);
}

TEST(CommandHelp, AMissingRequiredOptionIsNamed) {
  const CommandRun simulate = StayawayApart("simulate --orders 3 --duration 1h --out /tmp/x");
  EXPECT_EQ(simulate.status, 2);
  EXPECT_NE(simulate.err.find("stayaway simulate: required: --seed\n"), std::string::npos)
      << simulate.err;
  EXPECT_NE(simulate.err.find("usage: stayaway simulate"), std::string::npos);
  const CommandRun watch = StayawayApart("watch --count 1");
  EXPECT_EQ(watch.status, 2);
  EXPECT_NE(watch.err.find("stayaway watch: --target is required\n"), std::string::npos)
      << watch.err;
  const CommandRun report = StayawayApart("report --data-dir /tmp/x --from 2026-03-01T00:00:00Z");
  EXPECT_EQ(report.status, 2);
  EXPECT_NE(report.err.find("stayaway report: --to is required\n"), std::string::npos)
      << report.err;
  const CommandRun backwards = StayawayApart(
      "report --data-dir /tmp/x --from 2026-03-02T00:00:00Z --to 2026-03-01T00:00:00Z");
  EXPECT_EQ(backwards.status, 2);
  EXPECT_NE(backwards.err.find("is after --to"), std::string::npos) << backwards.err;
  const CommandRun verify_report = StayawayApart("verify --report r.json --help");
  EXPECT_EQ(verify_report.status, 0);
  EXPECT_NE(verify_report.out.find("--data-dir"), std::string::npos) << verify_report.out;
  const CommandRun exported = StayawayApart("export --out /tmp/x");
  EXPECT_EQ(exported.status, 2);
  EXPECT_NE(exported.err.find("usage: stayaway export"), std::string::npos) << exported.err;
}

}  // namespace
}  // namespace stayaway
