#include "tools/simulate_command.h"

#include <fcntl.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "base/private_files.h"
#include "tools/command_line.h"
#include "tools/progress_meter.h"
#include "tools/sim/scenario.h"
#include "tools/sim/scenario_json.h"
#include "tools/sim/simulation.h"

namespace stayaway::tools {
namespace {

constexpr int kOk = 0;
constexpr int kUsage = 2;

template <typename T>
bool ParseWhole(std::string_view text, T* value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end;
}

bool ParseFraction(std::string_view text, double* value) {
  const std::string copy(text);
  char* end = nullptr;
  *value = std::strtod(copy.c_str(), &end);
  return !copy.empty() && end == copy.c_str() + copy.size() && *value >= 0 && *value <= 1;
}

}  // namespace

std::optional<TimeMs> ParseDurationMs(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  TimeMs unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1000;
      break;
    case 'm':
      unit = 60'000;
      break;
    case 'h':
      unit = 3'600'000;
      break;
    case 'd':
      unit = 86'400'000;
      break;
    default:
      return std::nullopt;
  }
  int64_t count = 0;
  if (!ParseWhole(text.substr(0, text.size() - 1), &count) || count <= 0 ||
      count > 366LL * 86'400'000 / unit) {
    return std::nullopt;
  }
  return count * unit;
}

namespace {

// The flags, as given (each is checked below, with its own message).
struct SimulateFlags {
  std::map<std::string, std::string> values;  // by name without the dashes, when given
  bool progress = false;
};

constexpr const char* kSimulateOptions[][3] = {
    {"orders", "N", "protection orders, from 1 to 1000000 (required)"},
    {"seed", "S", "the random seed: the same arguments give the same bytes (required)"},
    {"duration", "D", "how long: 3600s, 90m, 24h or 2d, at most a year (required)"},
    {"out", "DIR", "where orders.json, zones.json, fixes.ndjson and truth.json go (required)"},
    {"start", "TIME", "RFC 3339, default 2026-03-02T00:00:00Z"},
    {"approach-share", "X", "the share of orders whose aggressor approaches (0.3)"},
    {"zone-entry-share", "X", "the share that enter an exclusion zone (0.1)"},
    {"late-upload-share", "X", "the share of approaches uploaded late (0.3)"},
    {"near-miss-share", "X",
     "the share of the other orders that linger 40-200 m outside the violation distance "
     "(0.15)"},
};

CommandLine SimulateCommandLine(SimulateFlags* flags) {
  CommandLine line(
      "stayaway simulate", "--orders N --seed S --duration D --out DIR [options]",
      "Writes DIR/orders.json, zones.json, fixes.ndjson (for stayaway replay) and\n"
      "truth.json (for stayaway score): N protection orders in a simulated city, their\n"
      "people moving through the day, what their devices report, and the ground truth\n"
      "of every deliberate approach, zone entry and near miss.");
  for (const auto& [name, value_name, meaning] : kSimulateOptions) {
    line.Option(std::string("--") + name, &flags->values[name], value_name, meaning);
  }
  line.ProgressFlag(&flags->progress);
  line.Footer(
      "Shares are in [0, 1]; near misses linger for 10-40 minutes once or twice a day.\n"
      "GNSS fixes come with urban-canyon bursts (about 4% of them, 1-3 in a row,\n"
      "80-250 m off, stating a small accuracy). Same arguments, same bytes.");
  return line;
}

// Progress in simulated time: the fixes come out in the order a centre receives them.
class SimulatedTimeProgress : public sim::FixObserver {
 public:
  SimulatedTimeProgress(ProgressMeter* meter, TimeMs start_ms)
      : meter_(meter), start_ms_(start_ms) {}
  void OnFix(const sim::EmittedFix& fix) override {
    if (fix.received_ms > start_ms_)
      meter_->Update(static_cast<uint64_t>((fix.received_ms - start_ms_) / 60'000));
  }

 private:
  ProgressMeter* meter_;
  TimeMs start_ms_;
};

}  // namespace

void PrintSimulateUsage(std::ostream& out) {
  SimulateFlags flags;
  CommandLine line = SimulateCommandLine(&flags);
  out << line.Help();
}

int RunSimulateCommand(std::span<const std::string_view> args, std::ostream& out,
                       std::ostream& err) {
  SimulateFlags parsed;
  CommandLine line = SimulateCommandLine(&parsed);
  if (auto exit = line.Parse(args, out, err)) return *exit;
  std::map<std::string, std::string> flags;
  for (const auto& [name, value] : parsed.values) {
    if (line.Given("--" + name)) flags[name] = value;
  }
  if (!flags.count("orders") || !flags.count("seed") || !flags.count("duration") ||
      !flags.count("out")) {
    std::string missing = "required:";
    for (const char* required : {"orders", "seed", "duration", "out"}) {
      if (!flags.count(required)) missing += std::string(" --") + required;
    }
    return line.UsageError(err, missing);
  }
  sim::SimulationOptions options;
  if (!ParseWhole(flags["orders"], &options.orders) || options.orders < 1 ||
      options.orders > 1'000'000) {
    err << "stayaway simulate: --orders must be a whole number from 1 to 1000000\n";
    return kUsage;
  }
  if (!ParseWhole(flags["seed"], &options.seed)) {
    err << "stayaway simulate: --seed must be a whole number\n";
    return kUsage;
  }
  const std::optional<TimeMs> duration = ParseDurationMs(flags["duration"]);
  if (!duration) {
    err << "stayaway simulate: --duration must be like 3600s, 90m, 24h or 2d (at most a "
           "year)\n";
    return kUsage;
  }
  options.duration_ms = *duration;
  if (flags.count("start")) {
    google::protobuf::Timestamp ts;
    if (!google::protobuf::util::TimeUtil::FromString(flags["start"], &ts)) {
      err << "stayaway simulate: --start must be RFC 3339, like 2026-03-02T00:00:00Z\n";
      return kUsage;
    }
    options.start_ms = TimestampToMs(ts);
  }
  for (auto [name, target] : {std::pair{"approach-share", &options.approach_share},
                              std::pair{"zone-entry-share", &options.zone_entry_share},
                              std::pair{"late-upload-share", &options.late_upload_share},
                              std::pair{"near-miss-share", &options.near_miss_share}}) {
    if (flags.count(name) && !ParseFraction(flags[name], target)) {
      err << "stayaway simulate: --" << name << " must be a number in [0, 1]\n";
      return kUsage;
    }
  }

  const std::filesystem::path dir = flags["out"];
  if (Status s = MakePrivateDirectories(dir.string()); !s.ok()) {
    err << "stayaway simulate: " << s.message() << "\n";
    return kUsage;
  }
  // The files are streamed (a long simulation does not fit in memory): each is created
  // empty with mode 0600 first, and the stream then writes into it, keeping that mode.
  auto open = [&](const char* name, std::ofstream* file) {
    StatusOr<int> fd = OpenPrivateFile((dir / name).string(), O_TRUNC);
    if (!fd.ok()) {
      err << "stayaway simulate: " << fd.status().message() << "\n";
      return false;
    }
    ::close(*fd);
    file->open(dir / name, std::ios::binary | std::ios::trunc);
    if (!*file) err << "stayaway simulate: cannot write " << (dir / name).string() << "\n";
    return static_cast<bool>(*file);
  };

  const sim::Scenario scenario = sim::BuildScenario(options);
  std::ofstream orders, zones, fixes, truth;
  if (!open("orders.json", &orders) || !open("zones.json", &zones) ||
      !open("fixes.ndjson", &fixes) || !open("truth.json", &truth)) {
    return kUsage;
  }
  sim::WriteOrdersJson(scenario, orders);
  sim::WriteZonesJson(scenario, zones);
  std::vector<sim::DeviceEventTruth> device_events;
  ProgressMeter meter =
      ProgressMeter::ForCommand(parsed.progress, err, "simulate", "simulated minutes");
  meter.SetTotal(static_cast<uint64_t>(options.duration_ms / 60'000));
  SimulatedTimeProgress progress(&meter, options.start_ms);
  const sim::SimulationStats stats =
      sim::RunSimulation(scenario, fixes, meter.on() ? &progress : nullptr, &device_events);
  meter.Update(static_cast<uint64_t>(options.duration_ms / 60'000));
  meter.Finish();
  sim::WriteTruthJson(scenario, device_events, stats, truth);
  for (std::ofstream* file : {&orders, &zones, &fixes, &truth}) {
    file->close();
    if (!*file) {
      err << "stayaway simulate: writing to " << dir.string() << " failed\n";
      return kUsage;
    }
  }
  size_t near_miss_orders = 0, near_miss_visits = 0;
  for (const sim::SimOrder& order : scenario.orders) {
    if (order.script != sim::ScriptKind::kNearMiss) continue;
    ++near_miss_orders;
    near_miss_visits += order.script_spans.size();
  }
  out << "simulated " << scenario.orders.size() << " orders, " << scenario.devices.size()
      << " devices, " << FormatRfc3339(options.start_ms) << " + " << flags["duration"] << ": "
      << stats.fixes << " fixes (" << stats.pursuit_fixes << " in pursuit, " << stats.late_fixes
      << " uploaded late, " << stats.urban_canyon_fixes << " urban canyon in "
      << stats.canyon_bursts << " bursts), " << stats.ticks << " ticks, " << near_miss_visits
      << " near-miss visits in " << near_miss_orders << " orders, " << scenario.episodes.size()
      << " true episodes, " << device_events.size() << " sos/tamper signals -> " << dir.string()
      << "\n";
  return kOk;
}

}  // namespace stayaway::tools
