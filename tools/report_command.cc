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
#include "tools/command_flags.h"

namespace stayaway::tools {
namespace {

constexpr std::string_view kReportUsage =
    "usage: stayaway report (--data-dir DIR | --export DIR) --from TIME --to TIME\n"
    "                       [--format json|csv|html] [--tree-size N] [--out FILE]\n"
    "\n"
    "The centre's statistics of a period, computed from the records under a signed\n"
    "checkpoint, which the report states so anyone holding the records recomputes it\n"
    "(`stayaway verify --report`): orders in force by issuing authority, alerts by kind and\n"
    "certainty, confirmed violations, time to acknowledge and to resolve (p50, p90, max)\n"
    "per kind and per credential, overdue acknowledgements, resolutions by disposition,\n"
    "hours without communications and tampers per device.\n"
    "  --data-dir DIR   the daemon's data directory (a copy, or the daemon stopped)\n"
    "  --export DIR     or an export written by `stayaway export`, checked first\n"
    "  --from TIME      the period's start, RFC 3339 (included)\n"
    "  --to TIME        the period's end, RFC 3339 (included)\n"
    "  --format F       json (the default, what verify compares), csv or html\n"
    "  --tree-size N    the checkpoint signed at tree size N (default: the newest)\n"
    "  --out FILE       write to FILE (mode 0600) instead of stdout\n";

constexpr std::string_view kVerifyUsage =
    "usage: stayaway verify --report REPORT.json (--data-dir DIR | --export DIR)\n"
    "                       [--key KEY]... [--keys FILE]\n"
    "  --report FILE   a statistics report in JSON (stayaway report, GET /v1/reports/summary)\n"
    "  --data-dir DIR  the records to recompute it from: a data directory or a copy of one\n"
    "  --export DIR    or an export written by `stayaway export`, checked first\n"
    "  --key KEY       the centre's key as GET /v1/keys publishes it (base64), or 64 hex\n"
    "                  digits; the report's checkpoint must be signed by it (repeatable)\n"
    "  --keys FILE     a saved answer of GET /v1/keys: any key it lists\n"
    "Without a key the checkpoint is checked only against the key the report states.\n";

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

// Exactly one of --data-dir and --export.
bool OneSource(const std::map<std::string, std::string>& flags) {
  return flags.count("data-dir") + flags.count("export") == 1;
}

}  // namespace

int RunReportCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  if (WantsHelp(args)) {
    out << kReportUsage;
    return 0;
  }
  std::map<std::string, std::string> flags;
  if (!ParseFlags(args, &flags, err, "stayaway report")) {
    err << kReportUsage;
    return 2;
  }
  for (const auto& [name, value] : flags) {
    if (name != "data-dir" && name != "export" && name != "from" && name != "to" &&
        name != "format" && name != "tree-size" && name != "out") {
      err << "stayaway report: unknown flag --" << name << "\n" << kReportUsage;
      return 2;
    }
  }
  for (const char* required : {"from", "to"}) {
    if (!flags.count(required)) {
      err << "stayaway report: --" << required << " is required\n" << kReportUsage;
      return 2;
    }
  }
  if (!OneSource(flags)) {
    err << "stayaway report: give --data-dir or --export\n" << kReportUsage;
    return 2;
  }
  evidence::StatisticsRequest request;
  StatusOr<TimeMs> from = ParseTime("--from", flags["from"]);
  StatusOr<TimeMs> to = ParseTime("--to", flags["to"]);
  for (const Status& s : {from.status(), to.status()}) {
    if (!s.ok()) {
      err << "stayaway report: " << s.message() << '\n';
      return 2;
    }
  }
  request.from_ms = *from;
  request.to_ms = *to;
  if (request.from_ms > request.to_ms) {
    err << "stayaway report: --from " << flags["from"] << " is after --to " << flags["to"] << '\n';
    return 2;
  }
  if (flags.count("tree-size") &&
      (!ParseNumber(flags["tree-size"], &request.tree_size) || request.tree_size == 0)) {
    err << "stayaway report: --tree-size takes a positive whole number of leaves\n";
    return 2;
  }
  const std::string format = flags.count("format") ? flags["format"] : "json";
  if (format != "json" && format != "csv" && format != "html") {
    err << "stayaway report: --format is json, csv or html, not \"" << format << "\"\n";
    return 2;
  }
  Records records;
  if (Status s = records.Open(flags["data-dir"], flags["export"]); !s.ok()) {
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
  if (!flags.count("out")) {
    out << text;
    return 0;
  }
  if (Status s = WriteFileAtomically(flags["out"], text); !s.ok()) {
    err << "stayaway report: " << s.message() << '\n';
    return 1;
  }
  return 0;
}

int RunVerifyReportCommand(std::span<const std::string_view> args, std::ostream& out,
                           std::ostream& err) {
  if (WantsHelp(args)) {
    out << kVerifyUsage;
    return 0;
  }
  std::string report_path, data_dir, export_dir;
  std::vector<evidence::PublicKey> trusted;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view flag = args[i];
    if (i + 1 == args.size()) {
      err << "stayaway verify: " << flag << " needs a value\n" << kVerifyUsage;
      return 2;
    }
    const std::string value(args[++i]);
    if (flag == "--report") {
      report_path = value;
    } else if (flag == "--data-dir") {
      data_dir = value;
    } else if (flag == "--export") {
      export_dir = value;
    } else if (flag == "--key") {
      StatusOr<evidence::PublicKey> key = evidence::ParsePublishedKey(value);
      if (!key.ok()) {
        err << "stayaway verify: --key: " << key.status().message() << '\n';
        return 2;
      }
      trusted.push_back(*key);
    } else if (flag == "--keys") {
      StatusOr<std::string> text = ReadWholeFile(value);
      if (!text.ok()) {
        err << "stayaway verify: --keys " << value << ": " << text.status().message() << '\n';
        return 2;
      }
      StatusOr<std::vector<evidence::PublicKey>> keys = evidence::ParsePublishedKeyList(*text);
      if (!keys.ok()) {
        err << "stayaway verify: --keys " << value << ": " << keys.status().message() << '\n';
        return 2;
      }
      trusted.insert(trusted.end(), keys->begin(), keys->end());
    } else {
      err << "stayaway verify: unexpected argument \"" << flag << "\"\n" << kVerifyUsage;
      return 2;
    }
  }
  if (report_path.empty() || data_dir.empty() == export_dir.empty()) {
    err << "stayaway verify: give --report and one of --data-dir, --export\n" << kVerifyUsage;
    return 2;
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
  const evidence::StatisticsVerification verified =
      evidence::VerifyStatisticsReport(*report, records.data_dir(), trusted);
  for (const std::string& line : verified.checks) out << "ok: " << line << '\n';
  for (const std::string& line : verified.problems) out << "MISMATCH: " << line << '\n';
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
