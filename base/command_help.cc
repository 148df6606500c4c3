#include "base/command_help.h"

#include <CLI/CLI.hpp>
#include <memory>
#include <sstream>
#include <utility>

namespace stayaway {
namespace {

// The usage line first: people and scripts (and tests) look for "usage: stayaway replay".
class CommandHelpFormatter : public CLI::Formatter {
 public:
  explicit CommandHelpFormatter(std::string synopsis) : synopsis_(std::move(synopsis)) {
    column_width(34);
  }

  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    std::ostringstream out;
    out << "usage: " << app->get_name();
    if (!synopsis_.empty()) out << ' ' << synopsis_;
    out << "\n";
    if (!app->get_description().empty()) out << '\n' << app->get_description() << '\n';
    out << make_positionals(app) << make_groups(app, mode);
    const std::string footer = app->get_footer();
    if (!footer.empty()) out << '\n' << footer << (footer.back() == '\n' ? "" : "\n");
    (void)name;
    return out.str();
  }

 private:
  std::string synopsis_;
};

}  // namespace

void UseCommandHelp(CLI::App& app, std::string synopsis) {
  app.formatter(std::make_shared<CommandHelpFormatter>(std::move(synopsis)));
}

std::string UnexpectedArgument(const std::vector<std::string>& unexpected,
                               std::span<const std::string_view> args) {
  for (std::string_view arg : args) {
    for (const std::string& left : unexpected) {
      if (arg == left) return "unexpected argument '" + left + "'";
    }
  }
  return unexpected.empty() ? std::string() : "unexpected argument '" + unexpected.front() + "'";
}

}  // namespace stayaway
