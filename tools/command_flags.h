// Command-line flags as the peer benchmark driver (bench/peers/peer_bench_main.cc) takes
// them: "--name VALUE" or "--name=VALUE" (and "-h"/"--help"), whole numbers and rate
// lists. The `stayaway` commands use command_line.h (CLI11) instead.
// Header-only; pure functions, thread-safe.
#ifndef STAYAWAY_TOOLS_COMMAND_FLAGS_H_
#define STAYAWAY_TOOLS_COMMAND_FLAGS_H_

#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace stayaway::tools {

// Fills `out` by flag name without the dashes ("help" for -h and --help). False, with
// the reason on `err` prefixed by `command`, on a stray argument or a missing value.
inline bool ParseFlags(std::span<const std::string_view> args,
                       std::map<std::string, std::string>* out, std::ostream& err,
                       std::string_view command) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      (*out)["help"] = "1";
      continue;
    }
    if (!arg.starts_with("--")) {
      err << command << ": unexpected argument '" << arg << "'\n";
      return false;
    }
    if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
      (*out)[std::string(arg.substr(2, eq - 2))] = std::string(arg.substr(eq + 1));
    } else if (i + 1 < args.size()) {
      (*out)[std::string(arg.substr(2))] = std::string(args[++i]);
    } else {
      err << command << ": " << arg << " needs a value\n";
      return false;
    }
  }
  return true;
}

// True when any argument asks for help (-h or --help): the command then prints its usage
// to stdout and exits 0, whatever else is on the line.
inline bool WantsHelp(std::span<const std::string_view> args) {
  for (std::string_view arg : args) {
    if (arg == "-h" || arg == "--help") return true;
  }
  return false;
}

// The whole of `text` as a number of type Number.
template <typename Number>
bool ParseNumber(std::string_view text, Number* value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

// "2000,5000,10000": positive, finite rates; nullopt for anything else or an empty list.
inline std::optional<std::vector<double>> ParseRates(std::string_view text) {
  std::vector<double> rates;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    double rate = 0;
    if (!ParseNumber(text.substr(0, comma), &rate) || !(rate > 0) || !std::isfinite(rate)) {
      return std::nullopt;
    }
    rates.push_back(rate);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  if (rates.empty()) return std::nullopt;
  return rates;
}

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_COMMAND_FLAGS_H_
