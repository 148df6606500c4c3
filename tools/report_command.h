// Statistics for auditors and ministries (evidence/statistics.h says what each figure is):
//
//   stayaway report (--data-dir DIR | --export DIR) --from TIME --to TIME
//                   [--format json|csv|html] [--tree-size N] [--out FILE]
//     The figures of the period (RFC 3339 times, both included) computed from the records
//     under the newest signed checkpoint (or the one signed at tree size N), which the
//     report states. DIR is a daemon's data directory (run it on a copy, or while the
//     daemon is stopped: it signs a checkpoint every minute and at shutdown) or an export
//     made by `stayaway export`, checked and replayed as `stayaway import` would. JSON by
//     default, to stdout or FILE (0600).
//
//   stayaway verify --report REPORT.json (--data-dir DIR | --export DIR)
//                   [--key KEY]... [--keys FILE]
//     Computes the report's figures again at its stated checkpoint and period and says
//     VERIFIED only when the checkpoint's signature holds (under a key given, when one is),
//     the records reproduce its root, and every figure is the report's byte for byte;
//     otherwise names what differs. Exit 0 verified, 1 not, 2 usage errors.
#ifndef STAYAWAY_TOOLS_REPORT_COMMAND_H_
#define STAYAWAY_TOOLS_REPORT_COMMAND_H_

#include <iosfwd>
#include <span>
#include <string_view>

namespace stayaway::tools {

int RunReportCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

// `stayaway verify` with --report among its arguments (RunVerifyCommand hands it over).
int RunVerifyReportCommand(std::span<const std::string_view> args, std::ostream& out,
                           std::ostream& err);

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_REPORT_COMMAND_H_
