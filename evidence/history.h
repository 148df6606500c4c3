// History: a data directory's journal replayed through a fresh engine, with every input,
// the events it caused (numbered as the daemon numbered them) and their Merkle leaf
// indices. The evidence and export tools work from it; it is how the daemon's state and
// log are reproduced offline.
//
// When retention has cut the journal (retention_base.h), the replay starts from the base:
// the engine state, event numbering and Merkle frontier at the cut, with the retained
// records (order and zone versions still in force) as the first entries, marked
// `retained`; they are provable but are not applied again. Thread-compatible.
#ifndef STAYAWAY_EVIDENCE_HISTORY_H_
#define STAYAWAY_EVIDENCE_HISTORY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/engine_config.h"
#include "evidence/merkle_tree.h"
#include "evidence/record_progress.h"
#include "proto/stayaway.pb.h"

namespace stayaway::engine {
class Engine;
}

namespace stayaway::evidence {

struct RetentionBase;

struct HistoryEntry {
  uint64_t position = 0;    // the record's place in the journal, from 0
  v1::Input input;
  uint64_t input_leaf = 0;  // Merkle leaf index of the input; its events follow it
  std::vector<v1::EventRecord> events;
  bool retained = false;  // kept from before a retention cut: no events, not re-applied
  bool accepted = true;   // the engine took it (a refused record is journaled all the same)
};

struct History {
  std::vector<HistoryEntry> entries;
  MerkleTree tree;             // every leaf from the cut on, in order (leaves.h)
  uint64_t first_position = 0; // journal position of the first record after the cut
  uint64_t first_event_seq = 1;  // seq of the first event after the cut
};

// Applies inputs one by one the way the daemon did, growing a History. The pieces the
// history, retention and import share. Thread-compatible.
class HistoryReplayer {
 public:
  explicit HistoryReplayer(const engine::EngineSettings& settings);
  ~HistoryReplayer();

  // Starts from a retention base instead of an empty journal (call first, once).
  Status StartFrom(const RetentionBase& base);
  // Applies the next journal record; refusals are part of history too (no events).
  HistoryEntry& Apply(const v1::Input& input);

  History& history() { return history_; }
  engine::Engine& engine() { return *engine_; }
  uint64_t next_position() const { return history_.first_position + applied_; }
  uint64_t next_event_seq() const { return next_seq_; }
  // Index into history().entries of the newest version of each order and global zone id.
  const std::map<std::string, size_t>& newest_orders() const { return newest_orders_; }
  const std::map<std::string, size_t>& newest_zones() const { return newest_zones_; }
  // The catalogue as the daemon keeps it: versions the engine accepted.
  const std::map<std::string, v1::Order>& orders() const { return orders_; }
  const std::map<std::string, v1::Zone>& zones() const { return zones_; }

 private:
  History history_;
  std::unique_ptr<engine::Engine> engine_;
  engine::EngineSettings settings_;
  uint64_t applied_ = 0;
  uint64_t next_seq_ = 1;
  std::map<std::string, size_t> newest_orders_, newest_zones_;
  std::map<std::string, v1::Order> orders_;
  std::map<std::string, v1::Zone> zones_;
  std::vector<v1::Event> scratch_;
};

// Replays the journal in `journal_dir` (from its retention base, if it has one) with
// `settings` (the daemon's, see EngineSettingsOf); `progress` hears of every record.
StatusOr<History> ReplayJournal(const std::string& journal_dir,
                                const engine::EngineSettings& settings,
                                const RecordProgress& progress = {});

// The engine configuration a data directory was run with (DATA_DIR/engine_config.json),
// resolved; the defaults when the file is absent.
StatusOr<v1::EngineConfig> LoadEngineConfig(const std::string& data_dir);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_HISTORY_H_
