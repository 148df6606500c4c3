#include "tools/report_command.h"

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "base/file_io.h"
#include "base/time.h"
#include "evidence/history_export.h"
#include "evidence/statistics_csv.h"
#include "evidence/statistics_html.h"
#include "evidence/statistics_json.h"
#include "evidence/statistics_report.h"
#include "evidence/trusted_keys.h"
#include "tools/command_line.h"
#include "tools/progress_meter.h"

namespace stayaway::tools {
namespace {

StatusOr<TimeMs> ParseTime(std::string_view flag, const std::string& value) {
  google::protobuf::Timestamp ts;
  if (!google::protobuf::util::TimeUtil::FromString(value, &ts)) {
    return InvalidArgument(std::string(flag) + " takes an RFC 3339 time such as " +
                           "2026-03-01T00:00:00Z, not \"" + value + "\"");
  }
  return TimestampToMs(ts);
}

// Where the records are: a data directory as it is, or an export checked and rebuilt into
// a private temporary one, removed when this goes.
class Records {
 public:
  ~Records() {
    if (!temporary_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(temporary_, ignored);
    }
  }
  Status Open(const std::string& data_dir, const std::string& export_dir) {
    if (export_dir.empty()) {
      data_dir_ = data_dir;
      return Status::Ok();
    }
    std::string dir = (std::filesystem::temp_directory_path() / "stayaway-report-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) {
      return FailedPrecondition("cannot make a directory to check the export in");
    }
    temporary_ = dir;
    data_dir_ = dir + "/data";
    StatusOr<evidence::HistoryCounts> imported = evidence::ImportHistory(export_dir, data_dir_);
    if (!imported.ok()) return FailedPrecondition("the export: " + imported.status().message());
    return Status::Ok();
  }
  const std::string& data_dir() const { return data_dir_; }

 private:
  std::string data_dir_;
  std::string temporary_;
};

}  // namespace

int RunReportCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  CommandLine line(
      "stayaway report",
      "(--data-dir DIR | --export DIR) --from TIME --to TIME [--format json|csv|html]\n"
      "                       [--tree-size N] [--out FILE]",
      "The centre's statistics of a period, computed from the records under a signed\n"
      "checkpoint, which the report states so anyone holding the records recomputes it\n"
      "(`stayaway verify --report`): orders in force by issuing authority, alerts by kind and\n"
      "certainty, confirmed violations, time to acknowledge and to resolve (p50, p90, max)\n"
      "per kind and per credential, overdue acknowledgements, resolutions by disposition,\n"
      "hours without communications and tampers per device.");
  std::string data_dir, export_dir, from_text, to_text, format = "json", out_path;
  uint64_t tree_size = 0;
  line.Option("--data-dir", &data_dir, "DIR",
              "the daemon's data directory (a copy, or the daemon stopped)");
  line.Option("--export", &export_dir, "DIR",
              "or an export written by `stayaway export`, checked first");
  line.Option("--from", &from_text, "TIME", "the period's start, RFC 3339 (included; required)");
  line.Option("--to", &to_text, "TIME", "the period's end, RFC 3339 (included; required)");
  line.Option("--format", &format, "F", "json (the default, what verify compares), csv or html");
  line.Option("--tree-size", &tree_size, "N",
              "the checkpoint signed at tree size N (default: the newest)");
  line.Option("--out", &out_path, "FILE", "write to FILE (mode 0600) instead of stdout");
  line.Footer("Exit status: 0 written, 1 the records refused, 2 usage error.");
  if (auto exit = line.Parse(args, out, err)) return *exit;
  for (const char* required : {"--from", "--to"}) {
    if (!line.Given(required)) return line.UsageError(err, std::string(required) + " is required");
  }
  if (line.Given("--data-dir") == line.Given("--export")) {
    return line.UsageError(err, "give --data-dir or --export");
  }
  evidence::StatisticsRequest request;
  StatusOr<TimeMs> from = ParseTime("--from", from_text);
  StatusOr<TimeMs> to = ParseTime("--to", to_text);
  for (const Status& s : {from.status(), to.status()}) {
    if (!s.ok()) {
      err << "stayaway report: " << s.message() << '\n';
      return 2;
    }
  }
  request.from_ms = *from;
  request.to_ms = *to;
  if (request.from_ms > request.to_ms) {
    err << "stayaway report: --from " << from_text << " is after --to " << to_text << '\n';
    return 2;
  }
  request.tree_size = tree_size;
  if (line.Given("--tree-size") && request.tree_size == 0) {
    err << "stayaway report: --tree-size takes a positive whole number of leaves\n";
    return 2;
  }
  if (format != "json" && format != "csv" && format != "html") {
    err << "stayaway report: --format is json, csv or html, not \"" << format << "\"\n";
    return 2;
  }
  Records records;
  if (Status s = records.Open(data_dir, export_dir); !s.ok()) {
    err << "stayaway report: " << s.message() << '\n';
    return 1;
  }
  request.data_dir = records.data_dir();
  StatusOr<evidence::Statistics> statistics = evidence::StatisticsOfDataDir(request);
  if (!statistics.ok()) {
    err << "stayaway report: " << statistics.status().message() << '\n';
    return 1;
  }
  const std::string text = format == "csv"    ? evidence::StatisticsCsv(*statistics)
                           : format == "html" ? evidence::StatisticsHtml(*statistics)
                                              : evidence::StatisticsJson(*statistics);
  if (out_path.empty()) {
    out << text;
    return 0;
  }
  if (Status s = WriteFileAtomically(out_path, text); !s.ok()) {
    err << "stayaway report: " << s.message() << '\n';
    return 1;
  }
  return 0;
}

int RunVerifyReportCommand(std::span<const std::string_view> args, std::ostream& out,
                           std::ostream& err) {
  CommandLine line("stayaway verify",
                   "--report REPORT.json (--data-dir DIR | --export DIR) [--key KEY]... "
                   "[--keys FILE]",
                   "Recomputes a statistics report from the records it was computed from and\n"
                   "checks its signed checkpoint.");
  std::string report_path, data_dir, export_dir;
  std::vector<std::string> key_texts, key_files;
  bool progress = false;
  line.Option("--report", &report_path, "FILE",
              "a statistics report in JSON (stayaway report, GET /v1/reports/summary)");
  line.Option("--data-dir", &data_dir, "DIR",
              "the records to recompute it from: a data directory or a copy of one");
  line.Option("--export", &export_dir, "DIR",
              "or an export written by `stayaway export`, checked first");
  line.Option("--key", &key_texts, "KEY",
              "the centre's key as GET /v1/keys publishes it (base64), or 64 hex digits; the "
              "report's checkpoint must be signed by it (repeatable)");
  line.Option("--keys", &key_files, "FILE", "a saved answer of GET /v1/keys: any key it lists");
  line.ProgressFlag(&progress);
  line.Footer(
      "Without a key the checkpoint is checked only against the key the report states.\n"
      "Exit status: 0 VERIFIED, 1 NOT VERIFIED, 2 usage error.");
  if (auto exit = line.Parse(args, out, err)) return *exit;
  std::vector<evidence::PublicKey> trusted;
  for (const std::string& text : key_texts) {
    StatusOr<evidence::PublicKey> key = evidence::ParsePublishedKey(text);
    if (!key.ok()) return line.UsageError(err, "--key: " + key.status().message());
    trusted.push_back(*key);
  }
  for (const std::string& file : key_files) {
    StatusOr<std::string> text = ReadWholeFile(file);
    StatusOr<std::vector<evidence::PublicKey>> keys =
        text.ok() ? evidence::ParsePublishedKeyList(*text)
                  : StatusOr<std::vector<evidence::PublicKey>>(text.status());
    if (!keys.ok()) return line.UsageError(err, "--keys " + file + ": " + keys.status().message());
    trusted.insert(trusted.end(), keys->begin(), keys->end());
  }
  if (report_path.empty() || data_dir.empty() == export_dir.empty()) {
    return line.UsageError(err, "give --report and one of --data-dir, --export");
  }
  StatusOr<std::string> report = ReadWholeFile(report_path);
  if (!report.ok()) {
    err << "stayaway verify: " << report.status().message() << '\n';
    return 2;
  }
  Records records;
  if (Status s = records.Open(data_dir, export_dir); !s.ok()) {
    out << "MISMATCH: " << s.message() << "\nNOT VERIFIED\n";
    return 1;
  }
  ProgressMeter meter = ProgressMeter::ForCommand(progress, err, "verify", "journal records");
  evidence::RecordProgress told;
  if (meter.on()) told = [&meter](uint64_t done, uint64_t) { meter.Update(done); };
  const evidence::StatisticsVerification verified =
      evidence::VerifyStatisticsReport(*report, records.data_dir(), trusted, told);
  meter.Finish();
  for (const std::string& text : verified.checks) out << "ok: " << text << '\n';
  for (const std::string& text : verified.problems) out << "MISMATCH: " << text << '\n';
  if (!verified.ok) {
    out << "NOT VERIFIED\n";
    return 1;
  }
  if (verified.signer_pinned) {
    out << "VERIFIED: the checkpoint is signed by the key given (" << verified.signer_key_id
        << "), the records reproduce it, and every figure is recomputed byte for byte\n";
  } else {
    out << "NOTE: no key was given, so the checkpoint was checked only against the key the "
           "report states ("
        << verified.signer_key_id
        << "): the figures follow from the records, but this does not show who signed them. "
           "Give the centre's key with --key (as GET /v1/keys publishes it) or --keys FILE.\n"
        << "VERIFIED against the report's own key: the records reproduce the checkpoint and "
           "every figure is recomputed byte for byte\n";
  }
  return 0;
}

}  // namespace stayaway::tools
