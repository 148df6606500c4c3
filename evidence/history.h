// History: a data directory's journal replayed through a fresh engine, with every input,
// the events it caused (numbered as the daemon numbered them) and their Merkle leaf
// indices. The evidence and export tools work from it; it is how the daemon's state and
// log are reproduced offline. Thread-compatible.
#ifndef STAYAWAY_EVIDENCE_HISTORY_H_
#define STAYAWAY_EVIDENCE_HISTORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/engine_config.h"
#include "evidence/merkle_tree.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {

struct HistoryEntry {
  uint64_t position = 0;    // the record's place in the journal, from 0
  v1::Input input;
  uint64_t input_leaf = 0;  // Merkle leaf index of the input; its events follow it
  std::vector<v1::EventRecord> events;
};

struct History {
  std::vector<HistoryEntry> entries;
  MerkleTree tree;  // every leaf, in order (leaves.h)
};

// Replays `journal_dir` with `settings` (the daemon's, see EngineSettingsOf).
StatusOr<History> ReplayJournal(const std::string& journal_dir,
                                const engine::EngineSettings& settings);

// The engine configuration a data directory was run with (DATA_DIR/engine_config.json),
// resolved; the defaults when the file is absent.
StatusOr<v1::EngineConfig> LoadEngineConfig(const std::string& data_dir);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_HISTORY_H_
