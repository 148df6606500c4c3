#include "tools/export_commands.h"

#include <map>
#include <ostream>
#include <string>

#include "evidence/history_export.h"
#include "tools/command_flags.h"

namespace stayaway::tools {
namespace {

// "--flag value" pairs into a map; false on an odd count or a flag not in `allowed`.
bool ParseFlags(std::span<const std::string_view> args,
                std::initializer_list<std::string_view> allowed,
                std::map<std::string_view, std::string>* flags) {
  if (args.size() % 2 != 0) return false;
  for (size_t i = 0; i < args.size(); i += 2) {
    bool known = false;
    for (std::string_view flag : allowed) known = known || flag == args[i];
    if (!known) return false;
    (*flags)[args[i]] = std::string(args[i + 1]);
  }
  return true;
}

void PrintCounts(const evidence::HistoryCounts& c, std::ostream& out) {
  out << c.inputs << " inputs, " << c.events << " events, " << c.orders << " order versions, "
      << c.alerts << " alerts, " << c.checkpoints << " checkpoints; " << c.tree_size
      << " leaves, " << c.checkpoint_size << " under the newest signed checkpoint\n";
  if (c.unsigned_tail_leaves > 0) {
    out << "note: the last " << c.unsigned_tail_leaves
        << " leaves are after the newest checkpoint; no signature covers them\n";
  }
}

}  // namespace

int RunExportCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kExportUsage =
      "usage: stayaway export --data-dir DIR --out EXPORT_DIR\n"
      "\n"
      "Writes a data directory's whole signed history (inputs, events, order versions,\n"
      "alerts, checkpoints and public keys) in the documented export format, to move a\n"
      "centre to another machine or keep it for the archive.\n"
      "  --data-dir DIR      the daemon's data directory\n"
      "  --out EXPORT_DIR    where the export goes (must not exist or be empty)\n";
  if (WantsHelp(args)) {
    out << kExportUsage;
    return 0;
  }
  std::map<std::string_view, std::string> flags;
  if (!ParseFlags(args, {"--data-dir", "--out"}, &flags) || !flags.count("--data-dir") ||
      !flags.count("--out")) {
    err << kExportUsage;
    return 2;
  }
  auto counts = evidence::ExportHistory(flags["--data-dir"], flags["--out"]);
  if (!counts.ok()) {
    err << "stayaway export: refused: " << counts.status().message() << '\n';
    return 1;
  }
  out << "exported " << flags["--data-dir"] << " to " << flags["--out"] << " ("
      << evidence::kExportFormat << "): ";
  PrintCounts(*counts, out);
  return 0;
}

int RunImportCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kImportUsage =
      "usage: stayaway import --from EXPORT_DIR --data-dir NEW_DATA_DIR\n"
      "\n"
      "Verifies an export (every signature, proof and hash) and, only if all of it holds,\n"
      "makes a new data directory from it that stayawayd starts on.\n"
      "  --from EXPORT_DIR   what `stayaway export` wrote\n"
      "  --data-dir DIR      the new data directory (must not exist or be empty)\n";
  if (WantsHelp(args)) {
    out << kImportUsage;
    return 0;
  }
  std::map<std::string_view, std::string> flags;
  if (!ParseFlags(args, {"--from", "--data-dir"}, &flags) || !flags.count("--from") ||
      !flags.count("--data-dir")) {
    err << kImportUsage;
    return 2;
  }
  auto counts = evidence::ImportHistory(flags["--from"], flags["--data-dir"]);
  if (!counts.ok()) {
    err << "stayaway import: refused: " << counts.status().message() << '\n';
    return 1;
  }
  out << "verified and imported " << flags["--from"] << " into " << flags["--data-dir"] << ": ";
  PrintCounts(*counts, out);
  out << "stayawayd creates a new signing key there on first start; the old checkpoints stay "
         "verifiable with the exported public keys\n";
  return 0;
}

}  // namespace stayaway::tools
