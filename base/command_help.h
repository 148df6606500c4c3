// How every stayaway binary's --help reads: "usage: PROGRAM SYNOPSIS" first, then what the
// command does, its options one a line with their meaning (CLI11 formats them), and a
// closing text. Used by the .cc files that parse flags with CLI11 (daemon/config.cc,
// tools/command_line.cc); this header does not include CLI11, which is slow to compile.
// Thread-compatible.
#ifndef STAYAWAY_BASE_COMMAND_HELP_H_
#define STAYAWAY_BASE_COMMAND_HELP_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace stayaway {

// Makes `app`'s help "usage: <app name> <synopsis>\n\n<description>\n<options>\n<footer>".
// `synopsis` follows the program name on the usage line ("--orders FILE [options]").
void UseCommandHelp(CLI::App& app, std::string synopsis);

// "unexpected argument 'X'" naming, of `unexpected` (what CLI11 left over, in any order),
// the one that comes first in `args` (the command line as given).
std::string UnexpectedArgument(const std::vector<std::string>& unexpected,
                               std::span<const std::string_view> args);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_COMMAND_HELP_H_
