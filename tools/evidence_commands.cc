#include "tools/evidence_commands.h"

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>
#include <stdlib.h>

#include <charconv>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "base/file_io.h"
#include "base/time.h"
#include "base/zip_archive.h"
#include "evidence/bundle.h"
#include "evidence/trusted_keys.h"
#include "tools/command_flags.h"
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
  constexpr std::string_view kEvidenceUsage =
      "usage: stayaway evidence --data-dir DIR --alert ID --out BUNDLE [--margin-min N] [--zip]\n"
      "       stayaway evidence --data-dir DIR --order ID --from TIME --to TIME --out BUNDLE"
      " [--zip]\n"
      "\n"
      "Cuts a court evidence bundle from a stayawayd data directory: the inputs and events\n"
      "of one alert (or of one order over a period) with Merkle proofs, the signed\n"
      "checkpoint, the keys and a printable report. `stayaway verify BUNDLE` checks it.\n"
      "  --data-dir DIR      the daemon's data directory\n"
      "  --alert ID          the alert\n"
      "  --order ID          or the order, with --from and --to (RFC 3339 times)\n"
      "  --margin-min N      minutes of fixes kept before and after the alert (default 30)\n"
      "  --out BUNDLE        the bundle: a new directory, or with --zip one ZIP file\n"
      "  --zip               write one ZIP file (mode 0600) holding the same files\n";
  if (WantsHelp(args)) {
    out << kEvidenceUsage;
    return 0;
  }
  evidence::BundleRequest request;
  bool zip = false;
  bool usage_error = false;
  for (size_t i = 0; i < args.size();) {
    const std::string_view flag = args[i++];
    if (flag == "--zip") {  // the one flag without a value
      zip = true;
      continue;
    }
    if (i == args.size()) {
      usage_error = true;
      break;
    }
    const std::string_view value = args[i++];
    if (flag == "--data-dir") {
      request.data_dir = value;
    } else if (flag == "--alert") {
      request.alert_id = value;
    } else if (flag == "--order") {
      request.order_id = value;
    } else if (flag == "--from" || flag == "--to") {
      google::protobuf::Timestamp ts;
      if (!google::protobuf::util::TimeUtil::FromString(std::string(value), &ts)) {
        err << "stayaway evidence: " << flag << " takes an RFC 3339 time such as "
               "2025-03-01T10:00:00Z\n";
        return 2;
      }
      (flag == "--from" ? request.from_ms : request.to_ms) = TimestampToMs(ts);
    } else if (flag == "--out") {
      request.out_dir = value;
    } else if (flag == "--margin-min") {
      int minutes = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), minutes);
      if (error != std::errc() || end != value.data() + value.size() || minutes < 0) {
        err << "stayaway evidence: --margin-min takes whole minutes\n";
        return 2;
      }
      request.margin_ms = static_cast<TimeMs>(minutes) * 60'000;
    } else {
      err << "stayaway evidence: unknown flag " << flag << '\n';
      return 2;
    }
  }
  const bool by_alert = !request.alert_id.empty() && request.order_id.empty();
  const bool by_order = request.alert_id.empty() && !request.order_id.empty() &&
                        request.from_ms != 0 && request.to_ms != 0;
  if (usage_error || request.data_dir.empty() || request.out_dir.empty() ||
      (!by_alert && !by_order)) {
    err << kEvidenceUsage;
    return 2;
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

int RunVerifyCommand(std::span<const std::string_view> args, std::ostream& out,
                     std::ostream& err) {
  constexpr std::string_view kUsage =
      "usage: stayaway verify [--key KEY]... [--keys FILE] BUNDLE\n"
      "       stayaway verify --report REPORT.json (--data-dir DIR | --export DIR) [--key KEY]...\n"
      "  BUNDLE       a bundle's directory, or its ZIP file (stayaway evidence --zip)\n"
      "  --key KEY    the centre's key exactly as GET /v1/keys publishes it (base64), or\n"
      "               64 hex digits; the bundle must be signed by it (repeatable)\n"
      "  --keys FILE  a saved answer of GET /v1/keys: any key it lists\n"
      "A key rotated from a given key is trusted through its endorsement (key_history.json).\n"
      "  --report FILE  a statistics report instead: recomputed from the records of\n"
      "               --data-dir or --export (stayaway verify --report --help)\n"
      "Without a key the signatures are checked only against the key inside the bundle.\n";
  // A statistics report is checked against the records it was computed from.
  for (std::string_view arg : args) {
    if (arg == "--report") return RunVerifyReportCommand(args, out, err);
  }
  evidence::VerifyOptions options;
  std::string_view bundle;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    }
    if (arg == "--key" || arg == "--keys") {
      if (i + 1 == args.size()) {
        err << "stayaway verify: " << arg << " needs a value\n" << kUsage;
        return 2;
      }
      const std::string_view value = args[++i];
      if (arg == "--key") {
        StatusOr<evidence::PublicKey> key = evidence::ParsePublishedKey(value);
        if (!key.ok()) {
          err << "stayaway verify: --key: " << key.status().message() << '\n';
          return 2;
        }
        options.trusted_keys.push_back(*key);
      } else {
        StatusOr<std::string> text = ReadWholeFile(std::string(value));
        StatusOr<std::vector<evidence::PublicKey>> keys =
            text.ok() ? evidence::ParsePublishedKeyList(*text)
                      : StatusOr<std::vector<evidence::PublicKey>>(text.status());
        if (!keys.ok()) {
          err << "stayaway verify: --keys " << value << ": " << keys.status().message() << '\n';
          return 2;
        }
        options.trusted_keys.insert(options.trusted_keys.end(), keys->begin(), keys->end());
      }
    } else if (arg.starts_with("-") || !bundle.empty()) {
      err << "stayaway verify: unexpected argument \"" << arg << "\"\n" << kUsage;
      return 2;
    } else {
      bundle = arg;
    }
  }
  if (bundle.empty()) {
    err << kUsage;
    return 2;
  }
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
  if (!unpacked.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(unpacked, ignored);
  }
  for (const std::string& line : report.checks) out << "ok: " << line << '\n';
  for (const std::string& line : report.problems) out << "MISMATCH: " << line << '\n';
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
