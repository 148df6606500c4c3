#include "tools/command_line.h"

#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace stayaway::tools {
namespace {

struct Flags {
  std::string out;
  uint64_t count = 7;
  double speed = 1;
  std::vector<std::string> keys;
  std::vector<double> rates;
  bool zip = false;
  bool progress = false;
};

CommandLine Declare(Flags* flags) {
  CommandLine line("stayaway demo", "--out DIR [options]", "Does the demo.");
  line.Required("--out", &flags->out, "DIR", "where it goes");
  line.Option("--count", &flags->count, "N", "how many (7)");
  line.Option("--speed", &flags->speed, "X", "how fast");
  line.Option("--key", &flags->keys, "KEY", "a key (repeatable)");
  line.Option("--sweep", &flags->rates, "R1,R2", "rates");
  line.Flag("--zip", &flags->zip, "one ZIP file");
  line.ProgressFlag(&flags->progress);
  line.Footer("Exit status: 0 fine.");
  return line;
}

struct Outcome {
  std::optional<int> exit;
  std::string out, err;
};

Outcome Parse(Flags* flags, std::vector<std::string_view> args) {
  CommandLine line = Declare(flags);
  std::ostringstream out, err;
  Outcome outcome;
  outcome.exit = line.Parse(args, out, err);
  outcome.out = out.str();
  outcome.err = err.str();
  return outcome;
}

TEST(CommandLine, ValuesOfEitherFormGoIntoTheirVariablesAndDefaultsStay) {
  Flags flags;
  const Outcome parsed = Parse(
      &flags, {"--out=d", "--speed", "2.5", "--key", "a", "--key=b", "--sweep", "50,100", "--zip"});
  ASSERT_FALSE(parsed.exit) << parsed.err;
  EXPECT_EQ(parsed.out + parsed.err, "");
  EXPECT_EQ(flags.out, "d");
  EXPECT_EQ(flags.count, 7u) << "absent: the default stays";
  EXPECT_DOUBLE_EQ(flags.speed, 2.5);
  EXPECT_EQ(flags.keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(flags.rates, (std::vector<double>{50, 100}));
  EXPECT_TRUE(flags.zip);
  EXPECT_FALSE(flags.progress);
}

TEST(CommandLine, HelpGoesToStdoutWithEveryOptionAndWinsOverErrors) {
  Flags flags;
  const Outcome help = Parse(&flags, {"--bogus", "--count", "x", "-h"});
  ASSERT_EQ(help.exit, 0);
  EXPECT_EQ(help.err, "");
  EXPECT_EQ(help.out.rfind("usage: stayaway demo --out DIR [options]\n\nDoes the demo.\n", 0), 0u)
      << help.out;
  for (const char* part : {"--out DIR", "where it goes", "--count N", "how many (7)", "--zip",
                           "--progress", "show progress on stderr", "Exit status: 0 fine."}) {
    EXPECT_NE(help.out.find(part), std::string::npos) << part << " in\n" << help.out;
  }
}

TEST(CommandLine, UsageErrorsNameTheFlagOnStderrAndExitTwo) {
  for (const auto& [args, message] :
       std::vector<std::pair<std::vector<std::string_view>, std::string>>{
           {{"--count", "3"}, "stayaway demo: --out is required\n"},
           {{"--out", "d", "--count", "x"}, "--count"},
           {{"--out", "d", "--count"}, "--count"},
           {{"--out", "d", "--frob", "1"}, "stayaway demo: unexpected argument '--frob'\n"},
           {{"--out", "d", "stray"}, "stayaway demo: unexpected argument 'stray'\n"}}) {
    Flags flags;
    const Outcome refused = Parse(&flags, args);
    EXPECT_EQ(refused.exit, 2) << message;
    EXPECT_EQ(refused.out, "");
    EXPECT_EQ(refused.err.rfind("stayaway demo: ", 0), 0u) << refused.err;
    EXPECT_NE(refused.err.find(message), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("usage: stayaway demo"), std::string::npos) << "the help follows";
  }
}

TEST(CommandLine, GivenTellsWhatWasOnTheLine) {
  Flags flags;
  CommandLine line = Declare(&flags);
  std::ostringstream out, err;
  const std::vector<std::string_view> args = {"--out", "d", "--count", "7"};
  ASSERT_FALSE(line.Parse(args, out, err));
  EXPECT_TRUE(line.Given("--count")) << "given, even with the default's value";
  EXPECT_FALSE(line.Given("--speed"));
  std::ostringstream later;
  EXPECT_EQ(line.UsageError(later, "--count must be odd"), 2);
  EXPECT_EQ(later.str().rfind("stayaway demo: --count must be odd\n\nusage: stayaway demo", 0), 0u);
}

}  // namespace
}  // namespace stayaway::tools
