// History export and import: a data directory's whole history written as plain files that
// any system can read and check, and a new data directory rebuilt from them, so a centre
// can change systems without losing a day (Spain's programme lost its pre-2024 location
// data in a vendor change; prosecutions collapsed).
//
//   stayaway export --data-dir DIR --out OUT        (ExportHistory)
//   stayaway import --from OUT --data-dir NEWDIR    (ImportHistory)
//
// THE FORMAT, "stayaway-export-1" (vendor-neutral: JSON, NDJSON, hex, RFC 6962 hashing,
// RFC 8032 Ed25519; nothing stayaway-specific is needed to read it). OUT holds:
//
//   README.txt          this description in plain words, and how to verify
//   manifest.json       {"format": "stayaway-export-1", "source_key_id", counts of every
//                       kind of line, "tree_size" (leaves in the log), "checkpoint_size"
//                       (leaves under the newest signed checkpoint), "unsigned_tail_leaves",
//                       "files": {name: SHA-256 hex}}. Not signed: the trust comes from the
//                       signed checkpoints, which every line is proven against.
//   engine_config.json  the engine configuration the journal was written with (the events
//                       are recomputed with it)
//   public_keys.json    {"keys": [{"key_id", "public_key" (64 hex), "origin"}]}: the data
//                       directory's own key and any keys of centres it was imported from
//   checkpoints.ndjson  the signed checkpoints, copied byte for byte (checkpoint.h)
//   inputs.ndjson       every journal record in order:
//                       {"position": P, "leaf": L, "kind": "fix|order|global_zone|ack|tick",
//                        "input": <v1::Input JSON>, "proof": [hex, ...]}
//   events.ndjson       every event: {"seq": S, "leaf": L, "record": <v1::EventRecord JSON>,
//                        "proof": [hex, ...]}
//   orders.ndjson       every order version in journal order: {"position", "leaf", "order"}
//   alerts.ndjson       one summary per alert, derived from the events: id, order, kind, rule,
//                       opened, closed, acknowledgements, overdue
//   proofs.ndjson       for each earlier checkpoint, an RFC 9162 consistency proof to the
//                       newest: {"old_size", "old_root", "new_size", "new_root", "proof"}
//   base.bin            only when retention cut the journal (retention.h): the state at the
//                       cut (retention_base.h), described in manifest.json's
//                       "retention_base". inputs.ndjson then starts with the records the
//                       base retained (the order and zone versions in force at the cut, with
//                       proofs), followed by every record after the cut; events.ndjson holds
//                       the events after the cut; checkpoints signed before the cut are
//                       copied but can no longer be checked against the log.
//
// Leaves are exactly the daemon's (leaves.h): in journal order, each input's leaf followed
// by one leaf per event it caused. "proof" is the RFC 9162 audit path of that leaf in the
// tree of the newest checkpoint (checkpoint_size leaves); a leaf after the newest checkpoint
// (the daemon stopped before signing it) has no proof and is counted as unsigned.
// JSON of messages is protobuf's canonical JSON mapping with the .proto field names.
//
// ExportHistory refuses when the journal does not reproduce every signed checkpoint's root
// (records were changed, removed or reordered after signing) or a checkpoint's signature
// does not hold. ImportHistory refuses a non-empty NEWDIR and any export whose inputs,
// recomputed events, proofs, checkpoints or files do not match, naming the first line that
// does not; only then does it write NEWDIR/journal (the same inputs in the same order, so
// the new daemon replays to the identical state and log), engine_config.json,
// checkpoints.ndjson and imported_public_keys.json. It never carries a secret key: the new
// daemon creates its own on first start, and the old centre's public key, kept in
// imported_public_keys.json and in every later export, keeps the old checkpoints
// verifiable.
//
// Both hold the whole history in memory (about the journal's size, plus 64 bytes a leaf).
// Thread-compatible.
#ifndef STAYAWAY_EVIDENCE_HISTORY_EXPORT_H_
#define STAYAWAY_EVIDENCE_HISTORY_EXPORT_H_

#include <cstdint>
#include <string>

#include "base/status.h"
#include "evidence/record_progress.h"

namespace stayaway::evidence {

inline constexpr char kExportFormat[] = "stayaway-export-1";
// Written by ImportHistory into the new data directory, read by ExportHistory: the public
// keys of the centres this history came from (public_keys.json's layout).
inline constexpr char kImportedKeysFile[] = "imported_public_keys.json";

struct HistoryCounts {
  uint64_t inputs = 0;
  uint64_t events = 0;
  uint64_t orders = 0;
  uint64_t alerts = 0;
  uint64_t checkpoints = 0;
  uint64_t tree_size = 0;             // leaves in the log
  uint64_t checkpoint_size = 0;       // leaves under the newest signed checkpoint
  uint64_t unsigned_tail_leaves = 0;  // leaves after it: no signature covers them
};

// `progress` hears of every journal record replayed (export) or input checked (import).
StatusOr<HistoryCounts> ExportHistory(const std::string& data_dir, const std::string& out_dir,
                                      const RecordProgress& progress = {});

StatusOr<HistoryCounts> ImportHistory(const std::string& export_dir,
                                      const std::string& new_data_dir,
                                      const RecordProgress& progress = {});

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_HISTORY_EXPORT_H_
