// stayaway: the command-line tool. Dispatches on its first argument to a subcommand; each
// subcommand lives in its own *_command.{h,cc} pair with a Run...Command function that
// takes its arguments and output streams, so tests can drive it without a process.
#include <sys/stat.h>

#include <iostream>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "base/huge_page_heap.h"
#include "base/version.h"
#include "tools/evidence_commands.h"
#include "tools/export_commands.h"
#include "tools/keys_command.h"
#include "tools/live_commands.h"
#include "tools/loadgen_command.h"
#include "tools/replay_command.h"
#include "tools/report_command.h"
#include "tools/score_command.h"
#include "tools/simulate_command.h"

namespace {

void PrintUsage(std::ostream& out) {
  out << "usage: stayaway <command> [options]\n"
         "\n"
         "commands:\n"
         "  replay   feed orders and a file of fixes through the engine; events to stdout\n"
         "  feed     stream a file of fixes live into a running stayawayd\n"
         "  watch    subscribe to a running stayawayd's events and print them\n"
         "  evidence write the verifiable evidence bundle of one alert\n"
         "  verify   check an evidence bundle (or a statistics report) offline\n"
         "  report   the centre's statistics of a period, from its signed log\n"
         "  export   write the whole history, with proofs, for another system\n"
         "  import   check an export and build a new data directory from it\n"
         "  keys     list the centre's signing keys, or rotate to a new one\n"
         "  simulate write a simulated city: orders, zones, fixes and the ground truth\n"
         "  score    compare replayed events with a simulation's ground truth\n"
         "  loadgen  drive a running stayawayd at a fixed rate and measure its latency\n"
         "  help     show this text, or `stayaway help <command>` for one command\n"
         "  version  the version and the commit it was built from (also --version)\n"
         "\n"
         "Run `stayaway <command> --help` for the options of a command.\n";
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any thread: the heap on transparent huge pages (runs again with them).
  stayaway::EnableHugePageHeap(argv);
  // Replay output can be millions of lines; C stdio synchronisation only slows it down.
  std::ios::sync_with_stdio(false);
  // Bundles, exports, imports and simulations are written owner-only with explicit modes
  // (base/private_files.h); the umask also covers anything a library creates.
  ::umask(077);
  const std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (args.empty()) {
    PrintUsage(std::cerr);
    return stayaway::tools::kExitUsage;
  }
  const std::string_view command = args[0];
  const std::span<const std::string_view> rest(args.begin() + 1, args.end());

  if (command == "-h" || command == "--help") {
    PrintUsage(std::cout);
    return stayaway::tools::kExitOk;
  }
  if (command == "--version" || command == "version") {
    std::cout << "stayaway " << stayaway::VersionText() << '\n';
    return stayaway::tools::kExitOk;
  }
  using Run = int (*)(std::span<const std::string_view>, std::ostream&, std::ostream&);
  static constexpr std::pair<std::string_view, Run> kCommands[] = {
      {"replay", stayaway::tools::RunReplayCommand},
      {"feed", stayaway::tools::RunFeedCommand},
      {"watch", stayaway::tools::RunWatchCommand},
      {"evidence", stayaway::tools::RunEvidenceCommand},
      {"verify", stayaway::tools::RunVerifyCommand},
      {"report", stayaway::tools::RunReportCommand},
      {"export", stayaway::tools::RunExportCommand},
      {"import", stayaway::tools::RunImportCommand},
      {"keys", stayaway::tools::RunKeysCommand},
      {"simulate", stayaway::tools::RunSimulateCommand},
      {"score", stayaway::tools::RunScoreCommand},
      {"loadgen", stayaway::tools::RunLoadgenCommand},
  };
  if (command == "help") {
    // `stayaway help CMD` is `stayaway CMD --help`.
    for (const auto& [name, run] : kCommands) {
      if (!rest.empty() && rest[0] == name) {
        const std::string_view help[] = {"--help"};
        return run(std::span<const std::string_view>(help), std::cout, std::cerr);
      }
    }
    PrintUsage(std::cout);
    return stayaway::tools::kExitOk;
  }
  for (const auto& [name, run] : kCommands) {
    if (command != name) continue;
    const int status = run(rest, std::cout, std::cerr);
    // Replay output can be large and buffered: flushed before the status is returned.
    std::cout.flush();
    return status;
  }
  std::cerr << "stayaway: unknown command '" << command << "'\n\n";
  PrintUsage(std::cerr);
  return stayaway::tools::kExitUsage;
}
