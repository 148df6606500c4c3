// RetentionBase: what stands in for the journal segments retention deleted
// (evidence/retention.h). It lives in the journal directory as base.bin, and a journal
// with a base is read as: the base's state, then the segments from first_segment on.
//
// It holds the daemon's state at the cut (a journal::SnapshotFile: engine, Merkle frontier,
// every event numbered so far, current order and zone versions) and the records that must
// stay provable after the cut: the version in force of every order and global zone, each
// with its journal position, its Merkle leaf and its audit path inside its frontier
// subtree, so evidence bundles can still prove the order terms against checkpoints signed
// long after (MerkleTree::FromFrontier).
//
// Layout ("SRB1"): magic, u32 first_segment, i64 cut_time_ms, bytes state (SnapshotFile),
// u32 n retained, each: u64 position, u64 leaf, bytes input, u32 k, k * 32 hash bytes;
// then u32 CRC-32C of everything before it. Little endian; "bytes" is u32 length + bytes.
//
// Thread-compatible.
#ifndef STAYAWAY_EVIDENCE_RETENTION_BASE_H_
#define STAYAWAY_EVIDENCE_RETENTION_BASE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "evidence/merkle_tree.h"
#include "journal/snapshot_file.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {

inline constexpr char kRetentionBaseFile[] = "base.bin";

struct RetainedRecord {
  uint64_t position = 0;  // its journal position (record number, from 0)
  uint64_t leaf = 0;      // its Merkle leaf index
  v1::Input input;
  std::vector<Hash> subtree_path;  // audit path inside its frontier subtree at the cut
};

struct RetentionBase {
  uint32_t first_segment = 1;  // the first journal segment after the cut
  TimeMs cut_time_ms = 0;      // the daemon's clock at the cut (its last tick)
  journal::SnapshotFile state; // state.records: the journal position of the cut
  std::vector<RetainedRecord> retained;  // ascending by position

  std::string Encode() const;
  static StatusOr<RetentionBase> Decode(std::string_view bytes);
  // The Merkle tree of the log from the cut on (no leaves after it yet); refuses a base
  // whose frontier or retained paths do not hold together.
  StatusOr<MerkleTree> Tree() const;
};

// The base of the journal in `journal_dir`; nullopt when retention never cut it. A base
// that does not parse is an error naming the file (the journal cannot be read without it).
StatusOr<std::optional<RetentionBase>> LoadRetentionBase(const std::string& journal_dir);
// Replaces the base atomically (a crash leaves the old one or the new one).
Status SaveRetentionBase(const std::string& journal_dir, const RetentionBase& base);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_RETENTION_BASE_H_
