#include "tools/evidence_commands.h"

#include <charconv>
#include <ostream>
#include <string>

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include "base/time.h"
#include "evidence/bundle.h"

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
  if (args.size() != 1) {
    err << "usage: stayaway verify BUNDLE_DIR\n";
    return 2;
  }
  const evidence::VerifyReport report = evidence::VerifyBundle(std::string(args[0]));
  for (const std::string& line : report.checks) out << "ok: " << line << '\n';
  for (const std::string& line : report.problems) out << "MISMATCH: " << line << '\n';
  out << (report.ok ? "VERIFIED: every signature, hash and proof holds, and the alert is "
                      "reproduced\n"
                    : "NOT VERIFIED\n");
  return report.ok ? 0 : 1;
}

}  // namespace stayaway::tools
