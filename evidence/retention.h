// Retention: deleting the oldest journal segments of a data directory once they are
// older than the centre's retention period, without losing anything an open case needs.
//
// What may go. Retention cuts the journal only at the start of a segment (whole segments
// are deleted) and only where all of these hold:
//   - the daemon's clock at the cut (its last tick) is at least `keep_ms` in the past;
//   - no alert is open at the cut: its evidence bundle needs its whole window, so an open
//     alert pins the journal from its first event until it closes (the result names the
//     oldest one; a device that never reports again keeps its comms_lost alert open and
//     everything after it until an operator deals with the order). A closed alert is then
//     kept for the retention period like everything else: an acknowledgement later than
//     that finds its evidence gone;
//   - no alert opens within `evidence_margin_ms` after the cut: a bundle reaches back that
//     far before an alert's first event for the fixes that led to it;
//   - a signed checkpoint covers the cut and the journal reproduces its root, so what is
//     deleted is exactly what the centre signed (a tampered journal is never "laundered").
// Of the cuts that qualify, the newest is taken.
//
// What stays. The cut's state becomes the journal's retention base (retention_base.h):
// the engine, event numbering, Merkle frontier and catalogue at the cut, plus every order
// and global zone version still in force with a proof path, so evidence about later
// alerts still shows (and proves) the order terms. Alerts that ended before the cut lose
// their evidence: that is what a retention period means, so export first what a court may
// still ask for (history_export.h).
//
// Crash safety: the new base is written atomically before any segment is deleted; a
// crash in between leaves segments below the base's first segment, which readers ignore
// and the next run deletes.
//
// Concurrency: safe to run while stayawayd appends to the journal (it reads in read-only
// mode and never touches the segment being written). Readers of the same journal (bundle
// and export tools) may see the base change under them and should retry once.
#ifndef STAYAWAY_EVIDENCE_RETENTION_H_
#define STAYAWAY_EVIDENCE_RETENTION_H_

#include <cstdint>
#include <string>

#include "base/status.h"
#include "base/time.h"
#include "engine/engine_config.h"
#include "evidence/fix_state_recorder.h"

namespace stayaway::evidence {

struct RetentionPolicy {
  TimeMs keep_ms = 0;                       // keep at least this much history
  TimeMs now_ms = 0;                        // the wall clock now
  TimeMs evidence_margin_ms = 30 * 60'000;  // bundles' lead-in before an alert (bundle.h)
};

struct RetentionResult {
  bool cut = false;            // a new base was written and segments deleted
  uint32_t first_segment = 0;  // the journal's first segment now
  uint64_t position = 0;       // journal position of the cut
  uint64_t leaves = 0;         // Merkle leaves before the cut
  uint64_t segments_deleted = 0;
  uint64_t bytes_freed = 0;
  uint64_t retained_records = 0;
  std::string reason;          // when nothing was cut: why (for the log)
};

// Applies retention to DATA_DIR/journal (checkpoints from DATA_DIR/checkpoints.ndjson,
// engine settings from DATA_DIR/engine_config.json, as the daemon writes them). Given a
// fresh `board`, the new base carries the devices board's fix state (base_at_segment.h).
StatusOr<RetentionResult> ApplyRetention(const std::string& data_dir, const RetentionPolicy& policy,
                                         FixStateRecorder* board = nullptr);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_RETENTION_H_
