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
  static constexpr std::size_t kLineWidth = 80;

  explicit CommandHelpFormatter(std::string synopsis) : synopsis_(std::move(synopsis)) {
    column_width(34);
  }

  // Each option on its own line, its meaning wrapped to 80 columns beside it.
  std::string make_option(const CLI::Option* opt, bool is_positional) const override {
    const std::string name = "  " + make_option_name(opt, is_positional) + make_option_opts(opt);
    const std::size_t column = get_column_width();
    std::string out = name;
    if (name.size() + 1 > column) {
      out += '\n';
      out += std::string(column, ' ');
    } else {
      out += std::string(column - name.size(), ' ');
    }
    std::istringstream words(make_option_desc(opt));
    std::size_t width = column;
    bool first = true;
    for (std::string word; words >> word;) {
      if (!first && width + 1 + word.size() > kLineWidth) {
        out += '\n';
        out += std::string(column, ' ');
        width = column;
        first = true;
      }
      if (!first) {
        out += ' ';
        ++width;
      }
      out += word;
      width += word.size();
      first = false;
    }
    return out + '\n';
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
