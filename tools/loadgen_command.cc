#include "tools/loadgen_command.h"

#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "tools/command_line.h"
#include "tools/credential_flag.h"
#include "tools/interrupt_flag.h"
#include "tools/loadgen/cleanup.h"
#include "tools/loadgen/daemon_run.h"
#include "tools/loadgen/http_client.h"
#include "tools/loadgen/run_report.h"
#include "tools/loadgen/workload.h"
#include "tools/progress_meter.h"

namespace stayaway::tools {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

// Orders and global zones, one request each as an integrator sends them. kOk, kFailed
// when the daemon refused one, kUsage when it cannot be reached.
int LoadWorkload(const loadgen::Workload& workload, const std::string& http,
                 const std::string& token, loadgen::RunRecords* created, std::ostream& err) {
  const auto started = std::chrono::steady_clock::now();
  for (const v1::Zone& zone : workload.global_zones()) {
    StatusOr<loadgen::HttpResponse> reply =
        loadgen::HttpRequest(http, "POST", "/v1/zones", ToJson(zone), token);
    if (!reply.ok()) {
      err << "stayaway loadgen: " << reply.status().message() << '\n';
      return kUsage;
    }
    if (reply->status / 100 != 2) {
      err << "stayaway loadgen: zone " << zone.id() << " refused: " << reply->status << " "
          << reply->body << '\n';
      return kFailed;
    }
    created->global_zones.push_back(zone.id());
  }
  for (const v1::Order& order : workload.orders()) {
    StatusOr<loadgen::HttpResponse> reply =
        loadgen::HttpRequest(http, "POST", "/v1/orders", ToJson(order), token);
    if (!reply.ok()) {
      err << "stayaway loadgen: " << reply.status().message() << '\n';
      return kUsage;
    }
    if (reply->status / 100 != 2) {
      err << "stayaway loadgen: order " << order.id() << " refused: " << reply->status << " "
          << reply->body << '\n';
      return kFailed;
    }
    created->orders.push_back(order.id());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  err << "stayaway loadgen: loaded " << workload.orders().size() << " orders and "
      << workload.global_zones().size() << " zones in " << seconds << " s\n";
  return kOk;
}

std::string DefaultIdPrefix() {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return "lg" + std::to_string(now) + "-";
}

}  // namespace

namespace {

struct LoadgenFlags {
  std::string target, http, input, id_prefix, token_file;
  std::vector<double> sweep;
  double rate = 0, duration_s = 0, violation_fraction = 0.1;
  uint64_t devices = 2000, batch = 0, connections = 1;
  int64_t daemon_pid = -1;
  bool keep = false;
  bool progress = false;
};

CommandLine LoadgenCommandLine(LoadgenFlags* flags) {
  CommandLine line(
      "stayaway loadgen", "--target HOST:PORT --http HOST:PORT --rate R --duration S [options]",
      "Loads orders over the HTTP API, then sends R fixes per second for S seconds to the\n"
      "ingest port, open loop, while subscribed to events; prints a JSON summary with ack\n"
      "and fix-to-alert latency percentiles in microseconds. Afterwards it revokes the\n"
      "orders it loaded and resolves the alerts they opened, unless --keep.");
  line.Option("--target", &flags->target, "HOST:PORT", "the daemon's ingest port (required)");
  line.Option("--http", &flags->http, "HOST:PORT", "the daemon's HTTP API (required)");
  line.Option("--rate", &flags->rate, "R", "fixes per second (this or --sweep is required)");
  line.Option("--duration", &flags->duration_s, "S", "seconds each rate runs (required)");
  line.Option("--sweep", &flags->sweep, "R1,R2,...",
              "several rates back to back, a JSON array; stops at saturation");
  line.Option("--input", &flags->input, "DIR",
              "DIR/orders.json, DIR/fixes.ndjson [, DIR/zones.json] instead of the built-in "
              "generator; fixes re-timed to the send schedule");
  line.Option("--devices", &flags->devices, "N",
              "built-in generator: N devices in N/2 orders (2000)");
  line.Option("--violation-fraction", &flags->violation_fraction, "F",
              "built-in: share of time each tag is in violation (0.1)");
  line.Option("--batch", &flags->batch, "N",
              "fixes per FixBatch (default: rate / 1000, at least 1)");
  line.Option("--id-prefix", &flags->id_prefix, "P",
              "put before every id (default: lg<milliseconds>-, unique)");
  line.Option("--connections", &flags->connections, "N",
              "spread the batches over N ingest connections (1)");
  line.Option("--daemon-pid", &flags->daemon_pid, "PID",
              "stayawayd's process id (same machine): report its CPU use");
  line.Flag("--keep", &flags->keep,
            "leave the orders in force and the alerts open, and say exactly what was left");
  TokenFileOption(line, &flags->token_file);
  line.ProgressFlag(&flags->progress);
  line.Footer(
      "The credential needs the ingest (its devices), operator and admin roles.\n"
      "Global zones from --input DIR/zones.json cannot be removed (the API has no DELETE\n"
      "for zones): they are named on stderr as left.\n"
      "Ctrl-C (or SIGTERM) stops sending, waits for the acks of what was sent, reports,\n"
      "and still removes what the run made; a second Ctrl-C stops at once.\n"
      "Exit status: 0 every fix acknowledged and every order and alert removed (or --keep),\n"
      "1 otherwise, 2 usage error or the daemon cannot be reached, 130 (143) after Ctrl-C\n"
      "(SIGTERM).");
  return line;
}

}  // namespace

void PrintLoadgenUsage(std::ostream& out) {
  LoadgenFlags flags;
  CommandLine line = LoadgenCommandLine(&flags);
  out << line.Help();
}

int RunLoadgenCommand(std::span<const std::string_view> args, std::ostream& out,
                      std::ostream& err) {
  LoadgenFlags flags;
  CommandLine line = LoadgenCommandLine(&flags);
  if (auto exit = line.Parse(args, out, err)) return *exit;
  if (flags.target.empty() || flags.http.empty() ||
      (!line.Given("--rate") && !line.Given("--sweep")) || !line.Given("--duration")) {
    return line.UsageError(err,
                           "--target, --http, --rate (or --sweep) and --duration are required");
  }
  const bool sweep = line.Given("--sweep");
  const std::vector<double> rates = sweep ? flags.sweep : std::vector<double>{flags.rate};
  bool rates_fine = !rates.empty();
  for (const double rate : rates) rates_fine = rates_fine && rate > 0 && std::isfinite(rate);
  if (!rates_fine || !(flags.duration_s > 0) || flags.duration_s > 24 * 3600 || flags.devices < 2 ||
      flags.connections == 0 || flags.connections > 256 || flags.batch > 10'000 ||
      (line.Given("--batch") && flags.batch == 0) ||
      !(flags.violation_fraction >= 0 && flags.violation_fraction <= 0.75) ||
      (line.Given("--daemon-pid") && (flags.daemon_pid <= 0 || flags.daemon_pid > INT32_MAX))) {
    return line.UsageError(
        err,
        "--rate/--sweep take positive numbers, --duration seconds > 0,\n"
        "  --devices a whole number >= 2, --batch 1..10000, --violation-fraction 0..0.75,\n"
        "  --connections 1..256, --daemon-pid a process id");
  }
  const std::string prefix = flags.id_prefix.empty() ? DefaultIdPrefix() : flags.id_prefix;

  std::optional<loadgen::Workload> workload;
  if (!flags.input.empty()) {
    StatusOr<loadgen::Workload> loaded = loadgen::Workload::FromReplayDir(flags.input, prefix);
    if (!loaded.ok()) {
      err << "stayaway loadgen: " << loaded.status().message() << '\n';
      return kUsage;
    }
    workload = std::move(*loaded);
  } else {
    workload = loadgen::Workload::BuiltIn({.devices = static_cast<size_t>(flags.devices),
                                           .violation_fraction = flags.violation_fraction,
                                           .id_prefix = prefix});
  }
  StatusOr<std::string> token = ResolveToken(flags.token_file);
  if (!token.ok()) {
    err << "stayaway loadgen: " << token.status().message() << '\n';
    return kUsage;
  }
  // From here on, Ctrl-C (or SIGTERM) stops the run and what it made is still removed.
  InterruptFlag interrupted;
  loadgen::RunRecords created;
  const int loaded = LoadWorkload(*workload, flags.http, *token, &created, err);
  // What was loaded before a refusal is taken away (or reported) all the same.
  auto clean_up = [&] {
    const loadgen::CleanupReport cleanup =
        flags.keep ? loadgen::LeftBehind(flags.http, *token, created)
                   : loadgen::RemoveRunRecords(flags.http, *token, created);
    loadgen::PrintCleanup(cleanup, prefix, flags.http, err);
    return cleanup.orders_and_alerts_removed();
  };
  if (loaded != kOk) {
    if (!created.orders.empty() || !created.global_zones.empty()) clean_up();
    return loaded;
  }

  std::vector<loadgen::RunReport> reports;
  uint64_t next_fix = 0, next_event_seq = 1;
  bool failed = false;
  for (const double rate : rates) {
    if (interrupted.raised()) break;
    loadgen::DaemonRunOptions options;
    options.interrupted = &interrupted.signal_number();
    options.ingest_target = flags.target;
    options.token = *token;
    options.rate_per_s = rate;
    options.duration_s = flags.duration_s;
    options.batch_size = flags.batch > 0
                             ? static_cast<size_t>(flags.batch)
                             : std::max<size_t>(1, static_cast<size_t>(std::llround(rate / 1000)));
    options.first_fix_index = next_fix;
    options.next_event_seq = &next_event_seq;
    options.daemon_pid = static_cast<int>(flags.daemon_pid);
    options.connections = static_cast<size_t>(flags.connections);
    err << "stayaway loadgen: " << rate << " fixes/s for " << flags.duration_s << " s, batches of "
        << options.batch_size << "\n";
    ProgressMeter meter = ProgressMeter::ForCommand(flags.progress, err, "loadgen", "fixes sent");
    if (meter.on()) {
      options.progress = [&meter](uint64_t sent, uint64_t scheduled) {
        meter.SetTotal(scheduled);
        meter.Update(sent);
      };
    }
    loadgen::RunReport report = loadgen::RunAgainstDaemon(*workload, options);
    meter.Finish();
    next_fix += report.fixes_scheduled;
    err << "stayaway loadgen:   achieved " << report.rate_achieved << " fixes/s, ack p99 "
        << report.ack_latency.PercentileMicros(99) << " us, " << report.alerts_observed
        << " alerts\n";
    failed |= report.fixes_rejected > 0 || report.fixes_unanswered > 0 || report.fixes_sent == 0;
    const bool saturated = report.saturated();
    reports.push_back(std::move(report));
    if (saturated && sweep) {
      err << "stayaway loadgen: saturated at " << rate << " fixes/s; sweep stops\n";
      break;
    }
  }
  if (sweep) {
    out << loadgen::ReportsToJson(reports) << '\n';
  } else if (!reports.empty()) {
    out << reports.front().ToJson() << '\n';
  }
  out.flush();
  if (interrupted.raised()) {
    err << "stayaway loadgen: interrupted (signal " << interrupted.signal()
        << "); removing what the run made first (once more to stop at once)\n";
  }
  const bool removed = clean_up();
  if (interrupted.raised()) return interrupted.exit_status();
  return failed || (!removed && !flags.keep) ? kFailed : kOk;
}

}  // namespace stayaway::tools
