// Statistics reports from a data directory, and their verification: the figures of
// statistics.h computed from the journal under a signed checkpoint, and a report checked by
// computing them again.
//
//   stayaway report --data-dir DIR --from T --to T [--tree-size N]   (StatisticsOfDataDir)
//   stayaway verify --report REPORT.json --data-dir DIR              (VerifyStatisticsReport)
//
// A report is computed against one checkpoint of DIR/checkpoints.ndjson: the newest, or the
// one signed at a given tree size. Its signature must hold under a key the data directory
// knows (its own keys/ed25519.pub, or a key of imported_public_keys.json after an import)
// and the journal must reproduce its root; otherwise no figure is given.
//
// VerifyStatisticsReport checks, in order: that the report names its period and
// checkpoint; that the checkpoint's key is one the verifier trusts (when keys are pinned);
// that the checkpoint's signature holds under the key the report states (and its key id is
// that key's); that the data directory's journal reproduces the checkpoint's root at its
// tree size; and that the figures computed again at that tree size and period are the
// report's byte for byte. Each figure that differs is named with both values. The data
// directory may be a copy, or one rebuilt by `stayaway import` from an export: the records
// are what count, not where they are kept.
//
// Both replay the whole journal (seconds on a long history). Thread-compatible.
#ifndef STAYAWAY_EVIDENCE_STATISTICS_REPORT_H_
#define STAYAWAY_EVIDENCE_STATISTICS_REPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "evidence/checkpoint.h"
#include "evidence/record_progress.h"
#include "evidence/statistics.h"

namespace stayaway::evidence {

struct StatisticsRequest {
  std::string data_dir;  // the daemon's data directory (journal, keys, checkpoints)
  TimeMs from_ms = 0;    // the period, both ends included
  TimeMs to_ms = 0;
  // The checkpoint to compute against, by its tree size; 0: the newest.
  uint64_t tree_size = 0;
};

// NotFound when no checkpoint (of that size) was signed; FailedPrecondition when its
// signature does not hold under the data directory's keys or the journal does not
// reproduce its root; InvalidArgument for from > to.
StatusOr<Statistics> StatisticsOfDataDir(const StatisticsRequest& request);

struct StatisticsVerification {
  bool ok = false;
  std::vector<std::string> checks;    // what was checked and held, one line each
  std::vector<std::string> problems;  // what does not match, one line each
  std::string signer_key_id;          // the key the report's checkpoint names
  bool signer_pinned = false;         // that key is one the verifier trusts
};

// `report_json`: a report as StatisticsJson wrote it. `trusted_keys` as bundle.h's
// VerifyOptions: empty pins no key. `progress` hears of every journal record replayed.
StatisticsVerification VerifyStatisticsReport(std::string_view report_json,
                                              const std::string& data_dir,
                                              const std::vector<PublicKey>& trusted_keys,
                                              const RecordProgress& progress = {});

// The figures of two report JSON texts that differ, one line each ("time_to_resolve.by_kind.
// sos.p50_ms: the report says 5000, the records give 4000"); empty when every figure is
// equal. Members are named by their path of keys.
std::vector<std::string> DifferingFigures(std::string_view stated, std::string_view recomputed);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_STATISTICS_REPORT_H_
