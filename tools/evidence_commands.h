// The court-facing commands:
//
//   stayaway evidence --data-dir DIR --alert ID --out BUNDLE [--margin-min N] [--zip]
//     Writes the evidence bundle of one alert (evidence/bundle.h): the order terms in
//     force, both sides' fixes with accuracy, source and receive time, the alert timeline
//     with operator actions, inclusion proofs against a signed checkpoint, GeoJSON tracks
//     and a printable report. Reads the daemon's data directory (run it while the daemon
//     is stopped or on a copy; the daemon signs a checkpoint every minute and at shutdown).
//
//   stayaway evidence --data-dir DIR --order ID --from TIME --to TIME --out BUNDLE [--zip]
//     The same for every event of one order over a period (RFC 3339 times). BUNDLE is a
//     directory (0700, files 0600), or with --zip one ZIP file (0600) of the same files
//     (evidence/zip_archive.h).
//
//   stayaway verify [--key KEY]... [--keys FILE] BUNDLE      (a directory or a ZIP file)
//     Checks every signature, hash and proof offline and re-runs the engine on the bundled
//     inputs. With --key (the centre's key as GET /v1/keys publishes it) or --keys (a saved
//     GET /v1/keys answer) the bundle must be signed by one of those keys; without, it says
//     plainly that it checked only against the key inside the bundle. Exit 0 and
//     "VERIFIED" when everything holds; exit 1 naming each mismatch; 2 for usage errors.
#ifndef STAYAWAY_TOOLS_EVIDENCE_COMMANDS_H_
#define STAYAWAY_TOOLS_EVIDENCE_COMMANDS_H_

#include <iosfwd>
#include <span>
#include <string_view>

namespace stayaway::tools {

int RunEvidenceCommand(std::span<const std::string_view> args, std::ostream& out,
                       std::ostream& err);
int RunVerifyCommand(std::span<const std::string_view> args, std::ostream& out,
                     std::ostream& err);

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_EVIDENCE_COMMANDS_H_
