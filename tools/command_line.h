// CommandLine: the flags of one `stayaway` command, declared by the command and parsed by
// CLI11. "--name VALUE" and "--name=VALUE" both work; -h/--help anywhere on the line prints
// the command's help (its usage line, description and every option with its meaning) to
// the output stream and exits 0; a usage error prints "stayaway CMD: <what is wrong>" and
// the help to the error stream and exits 2. CLI11 itself is only included by
// command_line.cc: it is slow to compile, and every command includes this header.
//
//   CommandLine line("stayaway export", "--data-dir DIR --out EXPORT_DIR", "Writes ...");
//   std::string data_dir;
//   line.Required("--data-dir", &data_dir, "DIR", "the daemon's data directory");
//   if (auto exit = line.Parse(args, out, err)) return *exit;
//
// Values go into the variables given, converted by type; a value that does not convert is
// a usage error naming the flag. Variables keep their initial values (the defaults) when
// the flag is absent. Thread-compatible; a CommandLine must outlive no variable it fills.
#ifndef STAYAWAY_TOOLS_COMMAND_LINE_H_
#define STAYAWAY_TOOLS_COMMAND_LINE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace stayaway::tools {

class CommandLine {
 public:
  // `command` begins the usage line ("stayaway replay"), followed by `synopsis`;
  // `description` says what the command does, in a paragraph.
  CommandLine(std::string command, std::string synopsis, std::string description);
  ~CommandLine();
  CommandLine(CommandLine&&) noexcept;
  CommandLine& operator=(CommandLine&&) noexcept;

  // A flag with a value (names such as "--out" or "-o,--out"); VALUE_NAME shows in the
  // help ("DIR", "N"). Given more than once, the last one counts.
  void Option(const std::string& names, std::string* value, const std::string& value_name,
              const std::string& meaning);
  void Option(const std::string& names, uint64_t* value, const std::string& value_name,
              const std::string& meaning);
  void Option(const std::string& names, int64_t* value, const std::string& value_name,
              const std::string& meaning);
  void Option(const std::string& names, uint32_t* value, const std::string& value_name,
              const std::string& meaning);
  void Option(const std::string& names, double* value, const std::string& value_name,
              const std::string& meaning);
  // Repeatable: every value given, in order.
  void Option(const std::string& names, std::vector<std::string>* values,
              const std::string& value_name, const std::string& meaning);
  // A comma-separated list ("50,100,200"); given more than once, the lists add up.
  void Option(const std::string& names, std::vector<double>* values, const std::string& value_name,
              const std::string& meaning);
  // The same, and missing it is a usage error ("stayaway CMD: --out is required").
  void Required(const std::string& names, std::string* value, const std::string& value_name,
                const std::string& meaning);
  // A switch without a value: true when given.
  void Flag(const std::string& names, bool* value, const std::string& meaning);
  // Arguments without a flag, in order (a bundle's path, a subcommand's word); required
  // ones must be declared first.
  void Positional(const std::string& name, std::string* value, const std::string& meaning,
                  bool required);
  // --progress, the same for every command that shows progress (progress_meter.h).
  void ProgressFlag(bool* value);
  // Text after the options: formats, exit statuses, examples.
  void Footer(const std::string& text);

  // Parses the arguments after the command's name. nullopt: go on. Otherwise the exit
  // status to return at once: 0 after printing the help to `out`, 2 after a usage error.
  std::optional<int> Parse(std::span<const std::string_view> args, std::ostream& out,
                           std::ostream& err);
  // Whether a flag was on the line (after Parse).
  bool Given(const std::string& name) const;
  // Reports a usage error found after Parse: "stayaway CMD: <message>" and the help, on
  // `err`; returns 2.
  int UsageError(std::ostream& err, const std::string& message) const;
  // The help text (--help prints it).
  std::string Help() const;

 private:
  std::string command_;
  std::unique_ptr<CLI::App> app_;
};

// The credential flag of the commands that talk to a running stayawayd (credential_flag.h).
void TokenFileOption(CommandLine& line, std::string* token_file);

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_COMMAND_LINE_H_
