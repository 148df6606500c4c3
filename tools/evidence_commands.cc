#include "tools/evidence_commands.h"

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>
#include <stdlib.h>

#include <charconv>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "base/file_io.h"
#include "base/time.h"
#include "base/zip_archive.h"
#include "evidence/bundle.h"
#include "evidence/trusted_keys.h"
#include "tools/command_line.h"
#include "tools/progress_meter.h"
#include "tools/report_command.h"

namespace stayaway::tools {

namespace {

// The files of `dir` (a bundle: plain files only) as one ZIP file at `path`, mode 0600.
Status ZipDirectory(const std::string& dir, const std::string& path) {
  std::map<std::string, std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    StatusOr<std::string> bytes = ReadWholeFile(entry.path().string());
    if (!bytes.ok()) return bytes.status();
    files[entry.path().filename().string()] = std::move(*bytes);
  }
  if (ec) return FailedPrecondition("cannot read " + dir + ": " + ec.message());
  StatusOr<std::string> archive = WriteZip(files);
  if (!archive.ok()) return archive.status();
  return WriteFileAtomically(path, *archive);
}

// A bundle's ZIP file unpacked into a new private directory beside the system's temporary
// files; the caller removes it.
StatusOr<std::string> UnzipToPrivateDirectory(const std::string& path) {
  constexpr std::size_t kMaxBundleBytes = std::size_t{1} << 30;
  StatusOr<std::string> archive = ReadWholeFile(path);
  if (!archive.ok()) return archive.status();
  StatusOr<std::map<std::string, std::string>> files = ReadZip(*archive, kMaxBundleBytes);
  if (!files.ok()) return files.status();
  std::string dir = (std::filesystem::temp_directory_path() / "stayaway-verify-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr)
    return FailedPrecondition("cannot make a directory to unpack into");
  for (const auto& [name, bytes] : *files) {
    if (Status s = WriteFileAtomically(dir + "/" + name, bytes); !s.ok()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
      return s;
    }
  }
  return dir;
}

}  // namespace

int RunEvidenceCommand(std::span<const std::string_view> args, std::ostream& out,
                       std::ostream& err) {
  CommandLine line(
      "stayaway evidence",
      "--data-dir DIR --alert ID --out BUNDLE [--margin-min N] [--zip]\n"
      "       stayaway evidence --data-dir DIR --order ID --from TIME --to TIME --out BUNDLE "
      "[--zip]",
      "Cuts a court evidence bundle from a stayawayd data directory: the inputs and events\n"
      "of one alert (or of one order over a period) with Merkle proofs, the signed\n"
      "checkpoint, the keys and a printable report. `stayaway verify BUNDLE` checks it.");
  evidence::BundleRequest request;
  std::string from, to;
  int64_t margin_min = 30;
  bool zip = false;
  line.Option("--data-dir", &request.data_dir, "DIR", "the daemon's data directory (required)");
  line.Option("--alert", &request.alert_id, "ID", "the alert");
  line.Option("--order", &request.order_id, "ID", "or the order, with --from and --to");
  line.Option("--from", &from, "TIME", "the period's start (RFC 3339), with --order");
  line.Option("--to", &to, "TIME", "the period's end (RFC 3339), with --order");
  line.Option("--margin-min", &margin_min, "N",
              "minutes of fixes kept before and after the alert (30)");
  line.Option("--out", &request.out_dir, "BUNDLE",
              "the bundle: a new directory, or with --zip one ZIP file (required)");
  line.Flag("--zip", &zip, "write one ZIP file (mode 0600) holding the same files");
  line.Footer("Exit status: 0 written, 1 refused (the reason on stderr), 2 usage error.");
  if (auto exit = line.Parse(args, out, err)) return *exit;
  for (const auto& [flag, text, ms] :
       {std::tuple{"--from", &from, &request.from_ms}, std::tuple{"--to", &to, &request.to_ms}}) {
    if (text->empty()) continue;
    google::protobuf::Timestamp ts;
    if (!google::protobuf::util::TimeUtil::FromString(*text, &ts)) {
      return line.UsageError(
          err, std::string(flag) + " takes an RFC 3339 time such as 2025-03-01T10:00:00Z");
    }
    *ms = TimestampToMs(ts);
  }
  if (margin_min < 0) return line.UsageError(err, "--margin-min takes whole minutes");
  request.margin_ms = static_cast<TimeMs>(margin_min) * 60'000;
  const bool by_alert = !request.alert_id.empty() && request.order_id.empty();
  const bool by_order = request.alert_id.empty() && !request.order_id.empty() &&
                        request.from_ms != 0 && request.to_ms != 0;
  if (request.data_dir.empty() || request.out_dir.empty() || (!by_alert && !by_order)) {
    return line.UsageError(
        err, "give --data-dir, --out and either --alert or --order with --from and --to");
  }
  const std::string destination = request.out_dir;
  if (zip) request.out_dir = destination + ".unzipped.tmp";
  if (Status s = evidence::WriteBundle(request); !s.ok()) {
    err << "stayaway evidence: " << s.message() << '\n';
    return 1;
  }
  if (zip) {
    Status zipped = ZipDirectory(request.out_dir, destination);
    std::error_code ignored;
    std::filesystem::remove_all(request.out_dir, ignored);
    if (!zipped.ok()) {
      err << "stayaway evidence: " << zipped.message() << '\n';
      return 1;
    }
    request.out_dir = destination;
  }
  out << "wrote the evidence bundle of "
      << (by_alert ? "alert " + request.alert_id : "order " + request.order_id) << " to "
      << request.out_dir << "\n";
  return 0;
}

int RunVerifyCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  // A statistics report is checked against the records it was computed from.
  for (std::string_view arg : args) {
    if (arg == "--report" || arg.starts_with("--report=")) {
      return RunVerifyReportCommand(args, out, err);
    }
  }
  CommandLine line(
      "stayaway verify",
      "[--key KEY]... [--keys FILE] BUNDLE\n"
      "       stayaway verify --report REPORT.json (--data-dir DIR | --export DIR) [--key KEY]...",
      "Checks an evidence bundle offline: every hash, Merkle proof and signature, and that\n"
      "the engine reproduces the alert from the bundle's inputs.");
  std::string bundle;
  std::vector<std::string> key_texts, key_files;
  bool progress = false;
  line.Positional("bundle", &bundle,
                  "a bundle's directory, or its ZIP file (stayaway evidence --zip)", true);
  line.Option("--key", &key_texts, "KEY",
              "the centre's key exactly as GET /v1/keys publishes it (base64), or 64 hex "
              "digits; the bundle must be signed by it (repeatable)");
  line.Option("--keys", &key_files, "FILE", "a saved answer of GET /v1/keys: any key it lists");
  line.ProgressFlag(&progress);
  line.Footer(
      "A key rotated from a given key is trusted through its endorsement (key_history.json).\n"
      "--report FILE checks a statistics report instead: recomputed from the records of\n"
      "--data-dir or --export (stayaway verify --report --help).\n"
      "Without a key the signatures are checked only against the key inside the bundle.\n"
      "Exit status: 0 VERIFIED, 1 NOT VERIFIED, 2 usage error.");
  if (auto exit = line.Parse(args, out, err)) return *exit;
  evidence::VerifyOptions options;
  for (const std::string& text : key_texts) {
    StatusOr<evidence::PublicKey> key = evidence::ParsePublishedKey(text);
    if (!key.ok()) return line.UsageError(err, "--key: " + key.status().message());
    options.trusted_keys.push_back(*key);
  }
  for (const std::string& file : key_files) {
    StatusOr<std::string> text = ReadWholeFile(file);
    StatusOr<std::vector<evidence::PublicKey>> keys =
        text.ok() ? evidence::ParsePublishedKeyList(*text)
                  : StatusOr<std::vector<evidence::PublicKey>>(text.status());
    if (!keys.ok()) return line.UsageError(err, "--keys " + file + ": " + keys.status().message());
    options.trusted_keys.insert(options.trusted_keys.end(), keys->begin(), keys->end());
  }
  ProgressMeter meter = ProgressMeter::ForCommand(progress, err, "verify", "checks");
  if (meter.on()) options.progress = [&meter](uint64_t done, uint64_t) { meter.Update(done); };
  // A ZIP bundle is unpacked into a private directory of its own and checked there.
  std::string dir(bundle);
  std::string unpacked;
  if (std::filesystem::is_regular_file(dir)) {
    StatusOr<std::string> made = UnzipToPrivateDirectory(dir);
    if (!made.ok()) {
      out << "MISMATCH: " << made.status().message() << "\nNOT VERIFIED\n";
      return 1;
    }
    unpacked = dir = *made;
  }
  const evidence::VerifyReport report = evidence::VerifyBundle(dir, options);
  meter.Finish();
  if (!unpacked.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(unpacked, ignored);
  }
  for (const std::string& text : report.checks) out << "ok: " << text << '\n';
  for (const std::string& text : report.problems) out << "MISMATCH: " << text << '\n';
  if (!report.ok) {
    out << "NOT VERIFIED\n";
    return 1;
  }
  if (report.signer_pinned) {
    // Directly by a pinned key, or by its successor after a rotation (key_history.h).
    if (report.signer_trusted_as == "the key given") {
      out << "VERIFIED: every signature, hash and proof holds, the alert is reproduced, and the "
             "bundle is signed by the key given ("
          << report.signer_key_id << ")\n";
    } else {
      out << "VERIFIED: every signature, hash and proof holds, the alert is reproduced, and the "
             "bundle is signed by key "
          << report.signer_key_id << ", " << report.signer_trusted_as << "\n";
    }
  } else {
    out << "NOTE: no key was given, so the signatures were checked only against the key inside "
           "the bundle ("
        << report.signer_key_id
        << "): the bundle is intact, but this does not show who signed it. Give the centre's "
           "key with --key (as GET /v1/keys publishes it) or --keys FILE.\n"
        << "VERIFIED against the bundle's own key: every signature, hash and proof holds, and "
           "the alert is reproduced\n";
  }
  return 0;
}

}  // namespace stayaway::tools
