// The migration commands, so a centre can change systems without losing a day:
//
//   stayaway export --data-dir DIR --out OUT
//     Writes the data directory's whole history (every input, every event, order
//     versions, alert summaries, signed checkpoints, public keys, inclusion and
//     consistency proofs) in the vendor-neutral "stayaway-export-1" layout that
//     evidence/history_export.h documents. Refuses when the journal no longer matches a
//     signed checkpoint. Run it while the daemon is stopped (it signs a checkpoint then).
//
//   stayaway import --from OUT --data-dir NEWDIR
//     Checks the export completely (signatures, every line against the signed roots, the
//     events recomputed by the engine, every file's hash) and only then builds NEWDIR, an
//     empty or new directory, for stayawayd. The old secret key is not carried over.
//
// Exit 0 on success, 1 when refused (the message names what does not match), 2 on usage.
#ifndef STAYAWAY_TOOLS_EXPORT_COMMANDS_H_
#define STAYAWAY_TOOLS_EXPORT_COMMANDS_H_

#include <iosfwd>
#include <span>
#include <string_view>

namespace stayaway::tools {

int RunExportCommand(std::span<const std::string_view> args, std::ostream& out,
                     std::ostream& err);
int RunImportCommand(std::span<const std::string_view> args, std::ostream& out,
                     std::ostream& err);

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_EXPORT_COMMANDS_H_
