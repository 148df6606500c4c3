#include "tools/export_commands.h"

#include <ostream>
#include <string>

#include "evidence/history_export.h"
#include "tools/command_line.h"
#include "tools/progress_meter.h"

namespace stayaway::tools {
namespace {

void PrintCounts(const evidence::HistoryCounts& c, std::ostream& out) {
  out << c.inputs << " inputs, " << c.events << " events, " << c.orders << " order versions, "
      << c.alerts << " alerts, " << c.checkpoints << " checkpoints; " << c.tree_size
      << " leaves, " << c.checkpoint_size << " under the newest signed checkpoint\n";
  if (c.unsigned_tail_leaves > 0) {
    out << "note: the last " << c.unsigned_tail_leaves
        << " leaves are after the newest checkpoint; no signature covers them\n";
  }
}

// What the evidence library tells of its records, on a progress meter.
evidence::RecordProgress MeterProgress(ProgressMeter* meter) {
  if (!meter->on()) return {};
  return [meter](uint64_t done, uint64_t total) {
    meter->SetTotal(total);
    meter->Update(done);
  };
}

}  // namespace

int RunExportCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  CommandLine line("stayaway export", "--data-dir DIR --out EXPORT_DIR [--progress]",
                   "Writes a data directory's whole signed history (inputs, events, order\n"
                   "versions, alerts, checkpoints and public keys) in the documented export\n"
                   "format, to move a centre to another machine or keep it for the archive.");
  std::string data_dir, out_dir;
  bool progress = false;
  line.Required("--data-dir", &data_dir, "DIR", "the daemon's data directory");
  line.Required("--out", &out_dir, "EXPORT_DIR",
                "where the export goes (must not exist or be empty)");
  line.ProgressFlag(&progress);
  line.Footer("Exit status: 0 exported, 1 refused (the reason on stderr), 2 usage error.");
  if (auto exit = line.Parse(args, out, err)) return *exit;
  ProgressMeter meter = ProgressMeter::ForCommand(progress, err, "export", "journal records");
  auto counts = evidence::ExportHistory(data_dir, out_dir, MeterProgress(&meter));
  meter.Finish();
  if (!counts.ok()) {
    err << "stayaway export: refused: " << counts.status().message() << '\n';
    return 1;
  }
  out << "exported " << data_dir << " to " << out_dir << " (" << evidence::kExportFormat << "): ";
  PrintCounts(*counts, out);
  return 0;
}

int RunImportCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  CommandLine line("stayaway import", "--from EXPORT_DIR --data-dir NEW_DATA_DIR [--progress]",
                   "Verifies an export (every signature, proof and hash) and, only if all of it\n"
                   "holds, makes a new data directory from it that stayawayd starts on.");
  std::string from, data_dir;
  bool progress = false;
  line.Required("--from", &from, "EXPORT_DIR", "what `stayaway export` wrote");
  line.Required("--data-dir", &data_dir, "DIR",
                "the new data directory (must not exist or be empty)");
  line.ProgressFlag(&progress);
  line.Footer("Exit status: 0 imported, 1 refused (the reason on stderr), 2 usage error.");
  if (auto exit = line.Parse(args, out, err)) return *exit;
  ProgressMeter meter = ProgressMeter::ForCommand(progress, err, "import", "inputs");
  auto counts = evidence::ImportHistory(from, data_dir, MeterProgress(&meter));
  meter.Finish();
  if (!counts.ok()) {
    err << "stayaway import: refused: " << counts.status().message() << '\n';
    return 1;
  }
  out << "verified and imported " << from << " into " << data_dir << ": ";
  PrintCounts(*counts, out);
  out << "stayawayd creates a new signing key there on first start; the old checkpoints stay "
         "verifiable with the exported public keys\n";
  return 0;
}

}  // namespace stayaway::tools
