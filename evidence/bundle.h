// Evidence bundles: everything a court needs about one alert, or about one order over a
// period, verifiable offline without trusting the centre that produced it.
//
//   stayaway evidence --data-dir DIR --alert ID --out BUNDLE    (WriteBundle)
//   stayaway evidence --data-dir DIR --order ID --from T --to T --out BUNDLE
//   stayaway verify BUNDLE                                      (VerifyBundle)
//
// A bundle is a directory:
//   manifest.json       what the bundle is about (alert, order and version, window, engine
//                       version, configuration digest, the report's format) and the
//                       SHA-256 of every other file
//   manifest.sig        Ed25519 signature of manifest.json, by the centre's key
//   checkpoint.json     the signed checkpoint (tree size, root, time) the proofs lead to,
//                       and the centre's public key
//   engine_config.json  the engine configuration the centre ran with
//   inputs.ndjson       every journal record used: the order version(s) in force, every
//                       fix of both sides in the window (accuracy, source, received time),
//                       operator acknowledgements; each with its journal position, Merkle
//                       leaf index and inclusion proof
//   events.ndjson       the alert's timeline (every transition, acknowledgements, deadlines)
//                       with leaf indices and inclusion proofs
//   distances.ndjson    for each supervised fix, the distance to each protected person's
//                       nearest fix in time, with lower and upper bounds       (derived)
//   tracks.geojson      both tracks, the fixes, the zones                      (derived)
//   report.html         a printable report (report_html.h): order terms, timeline with
//                       response times, times in UTC and the order's time zone, an SVG
//                       map with tracks, named zones, distance rings, scale bar and north
//                       arrow, a distance-over-time chart of the episode with a legend per
//                       protected person and an overview, and how to verify    (derived)
//
// After a key rotation a bundle also holds key_history.json, the centre's keys with the
// endorsement of each by the one before (key_history.h), and checkpoint.json names the
// checkpoint's own key ("checkpoint_public_key") when an earlier key signed it.
//
// VerifyBundle checks, in order: the manifest signature; every file's SHA-256; the key
// history, when there is one; that the keys that signed are ones the verifier trusts,
// when keys are pinned (VerifyOptions): a pinned key, or one a pinned key endorsed; the
// checkpoint signature, and that a retired key did not sign it after its retirement; every input's
// and event's inclusion proof against the checkpoint root; that the derived files are exactly what
// the inputs and events produce (report.html in the report format manifest.json names, the first
// one when it names none, so bundles of every earlier version keep verifying); and that re-running
// the engine on the bundled inputs reproduces the transitions (those of alerts that opened before
// the bundle's window are proven but cannot be re-derived from it). One changed byte anywhere fails
// with a message naming what does not match.
//
// Thread-compatible.
#ifndef STAYAWAY_EVIDENCE_BUNDLE_H_
#define STAYAWAY_EVIDENCE_BUNDLE_H_

#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "evidence/checkpoint.h"
#include "evidence/record_progress.h"

namespace stayaway::evidence {

struct BundleRequest {
  std::string data_dir;  // the daemon's data directory (journal, keys, checkpoints)
  std::string out_dir;
  // Either one alert...
  std::string alert_id;
  // ...or one order over [from_ms, to_ms]: every event of the order in that period.
  std::string order_id;
  TimeMs from_ms = 0;
  TimeMs to_ms = 0;
  // Alert: fixes from this long before the alert opened to this long after its last
  // event. Order: fixes from this long before `from` (so positions have their context).
  TimeMs margin_ms = 30 * 60'000;
};

Status WriteBundle(const BundleRequest& request);

struct VerifyOptions {
  // The keys the verifier trusts (trusted_keys.h: as GET /v1/keys publishes them). A
  // bundle signed by any other key fails, naming the key found and the keys expected.
  // Empty: no key is pinned, and the report says the signatures were checked only against
  // the key inside the bundle, which proves integrity but not who signed it.
  std::vector<PublicKey> trusted_keys;
  // Told the checks done so far (of an unknown number) as each one holds; may be empty.
  RecordProgress progress;
};

struct VerifyReport {
  bool ok = false;
  std::vector<std::string> checks;    // what was checked and held, one line each
  std::vector<std::string> problems;  // what does not match, one line each
  std::string signer_key_id;          // the key the bundle is signed with
  bool signer_pinned = false;         // the keys that signed are ones the verifier trusts
  std::string signer_trusted_as;      // how: "the key given", "endorsed by ..."
};

VerifyReport VerifyBundle(const std::string& bundle_dir, const VerifyOptions& options = {});

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_BUNDLE_H_
