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

#include "tools/loadgen/daemon_run.h"
#include "tools/command_flags.h"
#include "tools/credential_flag.h"
#include "tools/loadgen/http_client.h"
#include "tools/loadgen/run_report.h"
#include "tools/loadgen/workload.h"

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
                 const std::string& token, std::ostream& err) {
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

void PrintLoadgenUsage(std::ostream& out) {
  out << "usage: stayaway loadgen --target HOST:PORT --http HOST:PORT --rate R --duration S\n"
         "                        [--sweep R1,R2,...] [--input DIR] [--devices N] [--batch N]\n"
         "                        [--violation-fraction F] [--id-prefix P]\n"
         "\n"
         "Loads orders over the HTTP API, then sends R fixes per second for S seconds to the\n"
         "ingest port, open loop, while subscribed to events; prints a JSON summary with ack\n"
         "and fix-to-alert latency percentiles in microseconds.\n"
         "  --sweep R1,R2,...   several rates back to back, a JSON array; stops at saturation\n"
         "  --input DIR         DIR/orders.json, DIR/fixes.ndjson [, DIR/zones.json] instead of\n"
         "                      the built-in generator; fixes re-timed to the send schedule\n"
         "  --devices N         built-in generator: N devices in N/2 orders (default 2000)\n"
         "  --violation-fraction F  built-in: share of time each tag is in violation (0.1)\n"
         "  --batch N           fixes per FixBatch (default: rate / 1000, at least 1)\n"
         "  --id-prefix P       put before every id (default: lg<milliseconds>-, unique)\n"
         "  --connections N     spread the batches over N ingest connections (default 1)\n"
         "  --daemon-pid PID    stayawayd's process id (same machine): report its CPU use\n"
      << kCredentialUsage
      << "The credential needs the ingest (its devices), operator and admin roles.\n";
}

int RunLoadgenCommand(std::span<const std::string_view> args, std::ostream& out,
                      std::ostream& err) {
  std::map<std::string, std::string> flags;
  if (!ParseFlags(args, &flags, err, "stayaway loadgen")) {
    PrintLoadgenUsage(err);
    return kUsage;
  }
  if (flags.count("help")) {
    PrintLoadgenUsage(out);
    return kOk;
  }
  if (!flags.count("target") || !flags.count("http") ||
      (!flags.count("rate") && !flags.count("sweep")) || !flags.count("duration")) {
    PrintLoadgenUsage(err);
    return kUsage;
  }
  std::optional<std::vector<double>> rates =
      ParseRates(flags.count("sweep") ? flags["sweep"] : flags["rate"]);
  double duration_s = 0, violation_fraction = 0.1;
  size_t devices = 2000, batch = 0, connections = 1;
  int daemon_pid = -1;
  if ((flags.count("daemon-pid") &&
       (!ParseNumber(flags["daemon-pid"], &daemon_pid) || daemon_pid <= 0)) ||
      !rates || !ParseNumber(flags["duration"], &duration_s) || !(duration_s > 0) ||
      duration_s > 24 * 3600 ||
      (flags.count("devices") && (!ParseNumber(flags["devices"], &devices) || devices < 2)) ||
      (flags.count("connections") && (!ParseNumber(flags["connections"], &connections) ||
                                      connections == 0 || connections > 256)) ||
      (flags.count("batch") &&
       (!ParseNumber(flags["batch"], &batch) || batch == 0 || batch > 10'000)) ||
      (flags.count("violation-fraction") &&
       (!ParseNumber(flags["violation-fraction"], &violation_fraction) ||
        !(violation_fraction >= 0 && violation_fraction <= 0.75)))) {
    err << "stayaway loadgen: --rate/--sweep take positive numbers, --duration seconds > 0,\n"
           "  --devices a whole number >= 2, --batch 1..10000, --violation-fraction 0..0.75,\n"
           "  --connections 1..256, --daemon-pid a process id\n";
    return kUsage;
  }
  const std::string prefix = flags.count("id-prefix") ? flags["id-prefix"] : DefaultIdPrefix();

  std::optional<loadgen::Workload> workload;
  if (flags.count("input")) {
    StatusOr<loadgen::Workload> loaded = loadgen::Workload::FromReplayDir(flags["input"], prefix);
    if (!loaded.ok()) {
      err << "stayaway loadgen: " << loaded.status().message() << '\n';
      return kUsage;
    }
    workload = std::move(*loaded);
  } else {
    workload = loadgen::Workload::BuiltIn(
        {.devices = devices, .violation_fraction = violation_fraction, .id_prefix = prefix});
  }
  StatusOr<std::string> token = ResolveToken(flags);
  if (!token.ok()) {
    err << "stayaway loadgen: " << token.status().message() << '\n';
    return kUsage;
  }
  if (const int loaded = LoadWorkload(*workload, flags["http"], *token, err); loaded != kOk) {
    return loaded;
  }

  std::vector<loadgen::RunReport> reports;
  uint64_t next_fix = 0, next_event_seq = 1;
  bool failed = false;
  for (const double rate : *rates) {
    loadgen::DaemonRunOptions options;
    options.ingest_target = flags["target"];
    options.token = *token;
    options.rate_per_s = rate;
    options.duration_s = duration_s;
    options.batch_size =
        batch > 0 ? batch : std::max<size_t>(1, static_cast<size_t>(std::llround(rate / 1000)));
    options.first_fix_index = next_fix;
    options.next_event_seq = &next_event_seq;
    options.daemon_pid = daemon_pid;
    options.connections = connections;
    err << "stayaway loadgen: " << rate << " fixes/s for " << duration_s << " s, batches of "
        << options.batch_size << "\n";
    loadgen::RunReport report = loadgen::RunAgainstDaemon(*workload, options);
    next_fix += report.fixes_scheduled;
    err << "stayaway loadgen:   achieved " << report.rate_achieved << " fixes/s, ack p99 "
        << report.ack_latency.PercentileMicros(99) << " us, " << report.alerts_observed
        << " alerts\n";
    failed |= report.fixes_rejected > 0 || report.fixes_unanswered > 0 || report.fixes_sent == 0;
    const bool saturated = report.saturated();
    reports.push_back(std::move(report));
    if (saturated && flags.count("sweep")) {
      err << "stayaway loadgen: saturated at " << rate << " fixes/s; sweep stops\n";
      break;
    }
  }
  if (flags.count("sweep")) {
    out << loadgen::ReportsToJson(reports) << '\n';
  } else {
    out << reports.front().ToJson() << '\n';
  }
  return failed ? kFailed : kOk;
}

}  // namespace stayaway::tools
