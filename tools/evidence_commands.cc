#include "tools/evidence_commands.h"

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <charconv>
#include <ostream>
#include <string>
#include <vector>

#include "base/file_io.h"
#include "base/time.h"
#include "evidence/bundle.h"
#include "evidence/trusted_keys.h"

namespace stayaway::tools {

int RunEvidenceCommand(std::span<const std::string_view> args, std::ostream& out,
                       std::ostream& err) {
  evidence::BundleRequest request;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    const std::string_view flag = args[i], value = args[i + 1];
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
  if (args.size() % 2 != 0 || request.data_dir.empty() || request.out_dir.empty() ||
      (!by_alert && !by_order)) {
    err << "usage: stayaway evidence --data-dir DIR --alert ID --out BUNDLE_DIR [--margin-min N]\n"
           "       stayaway evidence --data-dir DIR --order ID --from TIME --to TIME"
           " --out BUNDLE_DIR\n";
    return 2;
  }
  if (Status s = evidence::WriteBundle(request); !s.ok()) {
    err << "stayaway evidence: " << s.message() << '\n';
    return 1;
  }
  out << "wrote the evidence bundle of "
      << (by_alert ? "alert " + request.alert_id : "order " + request.order_id) << " to "
      << request.out_dir << "\n";
  return 0;
}

int RunVerifyCommand(std::span<const std::string_view> args, std::ostream& out,
                     std::ostream& err) {
  constexpr std::string_view kUsage =
      "usage: stayaway verify [--key KEY]... [--keys FILE] BUNDLE_DIR\n"
      "  --key KEY    the centre's key exactly as GET /v1/keys publishes it (base64), or\n"
      "               64 hex digits; the bundle must be signed by it (repeatable)\n"
      "  --keys FILE  a saved answer of GET /v1/keys: any key it lists\n"
      "Without a key the signatures are checked only against the key inside the bundle.\n";
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
  const evidence::VerifyReport report = evidence::VerifyBundle(std::string(bundle), options);
  for (const std::string& line : report.checks) out << "ok: " << line << '\n';
  for (const std::string& line : report.problems) out << "MISMATCH: " << line << '\n';
  if (!report.ok) {
    out << "NOT VERIFIED\n";
    return 1;
  }
  if (report.signer_pinned) {
    out << "VERIFIED: every signature, hash and proof holds, the alert is reproduced, and the "
           "bundle is signed by the key given ("
        << report.signer_key_id << ")\n";
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
