// MakeBaseAtSegment: the retention base (retention_base.h) of a journal at the start of
// one of its segments, made by replaying the journal up to there. Journal retention
// (retention.h) makes one before it deletes the segments below it; Kafka mode's snapshot
// topic (daemon/kafka_snapshots.h) publishes one for new instances to start from.
//
// The replay starts from `from` (a base of the same journal, at or below the cut) or, when
// there is none, from the journal's first segment, and reads the segments below `segment`.
// The base holds the engine, event numbering, Merkle frontier and catalogue at the cut,
// every event numbered so far, and the version in force of every order and global zone
// with its audit path in the frontier, so evidence cut later still proves the order terms.
// Given a `board` (a fresh one), the base also holds the devices board's fix state
// (fix_state_recorder.h), when `from` held it too or the replay starts at the journal's
// start; otherwise it holds no board (SnapshotFile::with_board false).
// Before it is returned, the base is checked to reproduce the root of the log it stands
// for. It costs a replay of the journal from `from` to the cut, and memory for that much
// history.
//
// Reads the journal in read-only mode: safe while the daemon appends to it. A segment
// retention deletes meanwhile fails the replay (retry from the newer base), as does
// `cancel` turning true (journal::ReadOptions::cancel). Thread-compatible.
#ifndef STAYAWAY_EVIDENCE_BASE_AT_SEGMENT_H_
#define STAYAWAY_EVIDENCE_BASE_AT_SEGMENT_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "base/status.h"
#include "engine/engine_config.h"
#include "evidence/fix_state_recorder.h"
#include "evidence/merkle_tree.h"
#include "evidence/retention_base.h"

namespace stayaway::evidence {

struct BaseAtSegment {
  RetentionBase base;   // base.first_segment == the segment cut at
  uint64_t leaves = 0;  // Merkle leaves of the log before the cut
  Hash root{};          // the log's root at the cut
};

// FailedPrecondition when `segment` is not above `from`'s first segment, or the journal
// does not hold every segment from there up to and including `segment` (the cut must be
// at a segment the journal holds, and every record before it must be read).
StatusOr<BaseAtSegment> MakeBaseAtSegment(const engine::EngineSettings& settings,
                                          const std::string& journal_dir, const RetentionBase* from,
                                          uint32_t segment,
                                          const std::atomic<bool>* cancel = nullptr,
                                          FixStateRecorder* board = nullptr);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_BASE_AT_SEGMENT_H_
