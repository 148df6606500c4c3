#include "tools/command_line.h"

#include <CLI/CLI.hpp>
#include <utility>

#include "base/command_help.h"

namespace stayaway::tools {
namespace {

constexpr int kHelpShown = 0;
constexpr int kUsageError = 2;

}  // namespace

CommandLine::CommandLine(std::string command, std::string synopsis, std::string description)
    : command_(std::move(command)),
      app_(std::make_unique<CLI::App>(std::move(description), command_)) {
  UseCommandHelp(*app_, std::move(synopsis));
  app_->set_help_flag("-h,--help", "show this help and exit");
}

CommandLine::~CommandLine() = default;
CommandLine::CommandLine(CommandLine&&) noexcept = default;
CommandLine& CommandLine::operator=(CommandLine&&) noexcept = default;

void CommandLine::Option(const std::string& names, std::string* value,
                         const std::string& value_name, const std::string& meaning) {
  app_->add_option(names, *value, meaning)->type_name(value_name);
}

void CommandLine::Option(const std::string& names, uint64_t* value, const std::string& value_name,
                         const std::string& meaning) {
  app_->add_option(names, *value, meaning)->type_name(value_name);
}

void CommandLine::Option(const std::string& names, int64_t* value, const std::string& value_name,
                         const std::string& meaning) {
  app_->add_option(names, *value, meaning)->type_name(value_name);
}

void CommandLine::Option(const std::string& names, uint32_t* value, const std::string& value_name,
                         const std::string& meaning) {
  app_->add_option(names, *value, meaning)->type_name(value_name);
}

void CommandLine::Option(const std::string& names, double* value, const std::string& value_name,
                         const std::string& meaning) {
  app_->add_option(names, *value, meaning)->type_name(value_name);
}

void CommandLine::Option(const std::string& names, std::vector<double>* values,
                         const std::string& value_name, const std::string& meaning) {
  app_->add_option(names, *values, meaning)->type_name(value_name)->delimiter(',');
}

void CommandLine::Option(const std::string& names, std::vector<std::string>* values,
                         const std::string& value_name, const std::string& meaning) {
  // One value per occurrence: "--key A --key B".
  app_->add_option(names, *values, meaning)->type_name(value_name)->allow_extra_args(false);
}

void CommandLine::Required(const std::string& names, std::string* value,
                           const std::string& value_name, const std::string& meaning) {
  app_->add_option(names, *value, meaning)->type_name(value_name)->required();
}

void CommandLine::Flag(const std::string& names, bool* value, const std::string& meaning) {
  app_->add_flag(names, *value, meaning);
}

void CommandLine::Positional(const std::string& name, std::string* value,
                             const std::string& meaning, bool required) {
  CLI::Option* option = app_->add_option(name, *value, meaning)->type_name("");
  if (required) option->required();
}

void CommandLine::ProgressFlag(bool* value) {
  Flag("--progress", value,
       "show progress on stderr even when it is not a terminal (on a terminal it always is)");
}

void CommandLine::Footer(const std::string& text) { app_->footer(text); }

std::optional<int> CommandLine::Parse(std::span<const std::string_view> args, std::ostream& out,
                                      std::ostream& err) {
  // Help wins over anything else on the line, even over what is wrong with it.
  for (std::string_view arg : args) {
    if (arg == "-h" || arg == "--help") {
      out << Help();
      return kHelpShown;
    }
  }
  // CLI11 takes the arguments last first.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app_->parse(reversed);
  } catch (const CLI::ExtrasError&) {
    return UsageError(err, UnexpectedArgument(app_->remaining(), args));
  } catch (const CLI::ParseError& error) {
    return UsageError(err, error.what());
  }
  return std::nullopt;
}

bool CommandLine::Given(const std::string& name) const { return app_->count(name) > 0; }

int CommandLine::UsageError(std::ostream& err, const std::string& message) const {
  err << command_ << ": " << message << "\n\n" << Help();
  return kUsageError;
}

std::string CommandLine::Help() const { return app_->help(); }

void TokenFileOption(CommandLine& line, std::string* token_file) {
  line.Option("--token-file", token_file, "FILE",
              "the credential's bearer token (default: $STAYAWAY_TOKEN); never on the line");
}

}  // namespace stayaway::tools
