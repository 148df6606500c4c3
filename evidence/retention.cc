// Implementation notes: a read-only replay from the current base through the whole
// journal finds the cut. At each segment start it notes whether a cut there would qualify
// (time, open alerts) and queues it; a queued cut is confirmed once the replay has moved
// evidence_margin_ms past it without an alert opening, and dropped if one opens. A second
// replay, from the base up to the chosen cut only (base_at_segment.h), gives the state there
// (keeping an engine image per candidate would cost too much memory at a million devices).
#include "evidence/retention.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>

#include "engine/engine.h"
#include "evidence/base_at_segment.h"
#include "evidence/checkpoint.h"
#include "evidence/checkpoint_signer.h"
#include "evidence/history.h"
#include "evidence/key_history.h"
#include "evidence/retention_base.h"
#include "journal/journal.h"

namespace stayaway::evidence {
namespace {

namespace fs = std::filesystem;

struct Candidate {
  uint32_t segment = 0;
  uint64_t position = 0;
  uint64_t leaves = 0;
  TimeMs time = 0;
};

// The alerts open so far, which pin the journal (by id: the time of their first event).
class AlertPins {
 public:
  void Record(const v1::Event& event) {
    if (event.transition() == v1::Event::opened) {
      open_[event.alert_id()] = TimestampToMs(event.time());
    } else if (event.transition() == v1::Event::closed) {
      open_.erase(event.alert_id());
    }
  }
  bool empty() const { return open_.empty(); }
  // The oldest open alert, for the log.
  std::string Describe() const {
    auto oldest = std::min_element(open_.begin(), open_.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
    if (oldest == open_.end()) return "";
    return "alert " + oldest->first + " (open since " + FormatRfc3339(oldest->second) +
           ") still needs the journal from then on";
  }

 private:
  std::map<std::string, TimeMs> open_;
};

// The journal up to the cut must be what a signed checkpoint at or after the cut covers.
Status CheckSignedCoverage(const std::string& data_dir, const MerkleTree& tree, uint64_t cut_leaves) {
  std::optional<v1::SignedCheckpoint> covering;
  StatusOr<std::vector<v1::SignedCheckpoint>> log = LoadCheckpointLog(data_dir);
  if (!log.ok()) return log.status();  // a damaged log proves nothing: nothing is deleted
  for (const v1::SignedCheckpoint& c : *log) {
    const uint64_t size = c.checkpoint().tree_size();
    if (size >= cut_leaves && size <= tree.size()) covering = c;
  }
  if (!covering) {
    return FailedPrecondition("no signed checkpoint covers the cut yet");
  }
  const uint64_t size = covering->checkpoint().tree_size();
  StatusOr<Hash> root = tree.RootHash(size);
  if (!root.ok()) return root.status();
  if (HashToBytes(*root) != covering->checkpoint().root_hash()) {
    return FailedPrecondition("the journal does not match the checkpoint signed at tree size " +
                              std::to_string(size) + "; refusing to delete anything");
  }
  const std::string key_dir = (fs::path(data_dir) / "keys").string();
  std::error_code ec;
  if (fs::exists(key_dir, ec)) {
    StatusOr<CheckpointSigner> signer = CheckpointSigner::LoadOrCreate(key_dir);
    if (!signer.ok()) return signer.status();
    // Signed by the current key or one it rotated from (key_history.h).
    StatusOr<v1::PublicKeyList> history = LoadKeyHistory(key_dir, signer->public_key());
    if (!history.ok()) return history.status();
    if (const v1::PublicKey* key = FindKey(*history, covering->checkpoint().key_id())) {
      if (Status s = VerifyCheckpoint(*covering, *KeyOfEntry(*key, "")); !s.ok()) {
        return FailedPrecondition("the checkpoint at tree size " + std::to_string(size) +
                                  " does not verify: " + s.message());
      }
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<RetentionResult> ApplyRetention(const std::string& data_dir, const RetentionPolicy& policy,
                                         FixStateRecorder* board) {
  const std::string journal_dir = (fs::path(data_dir) / "journal").string();
  StatusOr<v1::EngineConfig> config = LoadEngineConfig(data_dir);
  if (!config.ok()) return config.status();
  StatusOr<engine::EngineSettings> settings = engine::ResolveSettings(*config);
  if (!settings.ok()) return settings.status();
  StatusOr<std::optional<RetentionBase>> base = LoadRetentionBase(journal_dir);
  if (!base.ok()) return base.status();

  HistoryReplayer replayer(*settings);
  AlertPins pins;
  TimeMs clock = std::numeric_limits<TimeMs>::min();
  journal::ReadOptions options;
  options.mode = journal::ReadMode::kReadOnly;
  if (*base) {
    if (Status s = replayer.StartFrom(**base); !s.ok()) return s;
    options.first_segment = (*base)->first_segment;
    clock = (*base)->cut_time_ms;
    v1::EventRecord record;
    for (const std::string& bytes : (*base)->state.events) {
      if (!record.ParseFromString(bytes)) {
        return FailedPrecondition("the retention base holds an event that does not parse");
      }
      pins.Record(record.event());
    }
  }

  RetentionResult result;
  const TimeMs newest_cut_time = policy.now_ms - policy.keep_ms;
  std::deque<Candidate> pending;  // oldest first
  std::optional<Candidate> accepted;
  options.on_segment = [&](uint32_t segment, uint64_t records_before) {
    if (records_before == 0) return;  // the journal's first segment: where it starts already
    if (clock > newest_cut_time) {
      if (result.reason.empty()) {
        result.reason = "everything after the newest cut point is within the retention period";
      }
      return;
    }
    if (!pins.empty()) {
      result.reason = pins.Describe();
      return;
    }
    pending.push_back({segment, replayer.next_position(), replayer.history().tree.size(), clock});
  };
  auto report = journal::ReadAll(journal_dir, options, [&](const v1::Input& input) {
    const HistoryEntry& entry = replayer.Apply(input);
    if (input.has_tick()) clock = std::max(clock, TimestampToMs(input.tick().tick()));
    if (input.has_fix() && input.fix().has_received()) {
      clock = std::max(clock, TimestampToMs(input.fix().received()));
    }
    for (const v1::EventRecord& record : entry.events) {
      pins.Record(record.event());
      if (record.event().transition() != v1::Event::opened) continue;
      const TimeMs opened = TimestampToMs(record.event().time());
      while (!pending.empty() && pending.back().time + policy.evidence_margin_ms > opened) {
        result.reason = "alert " + record.event().alert_id() +
                        " opened within the evidence margin after a cut point";
        pending.pop_back();
      }
    }
    while (!pending.empty() && clock >= pending.front().time + policy.evidence_margin_ms) {
      accepted = pending.front();
      pending.pop_front();
    }
  });
  if (!report.ok()) return report.status();
  if (!accepted) {
    if (result.reason.empty()) result.reason = "no segment boundary to cut at yet";
    return result;
  }

  History& history = replayer.history();
  if (Status s = CheckSignedCoverage(data_dir, history.tree, accepted->leaves); !s.ok()) {
    result.reason = s.message();
    return result;
  }
  // The state at the cut: a second replay, up to it, from the same base.
  StatusOr<BaseAtSegment> made =
      MakeBaseAtSegment(*settings, journal_dir, *base ? &**base : nullptr, accepted->segment,
                        /*cancel=*/nullptr, board);
  if (!made.ok()) return made.status();
  if (made->base.state.records != accepted->position || made->leaves != accepted->leaves) {
    return FailedPrecondition("the journal changed while retention read it");
  }
  // The new base must describe exactly the tree the signed checkpoint covers.
  StatusOr<Hash> root = history.tree.RootHash(accepted->leaves);
  if (!root.ok() || made->root != *root) {
    return FailedPrecondition("retention computed a base that does not reproduce the log's root");
  }
  const RetentionBase& next = made->base;

  if (Status s = SaveRetentionBase(journal_dir, next); !s.ok()) return s;
  const size_t before = journal::ListSegments(journal_dir).size();
  StatusOr<uint64_t> freed = journal::DeleteSegmentsBefore(journal_dir, next.first_segment);
  if (!freed.ok()) return freed.status();
  result.cut = true;
  result.first_segment = next.first_segment;
  result.position = next.state.records;
  result.leaves = accepted->leaves;
  result.segments_deleted = before - journal::ListSegments(journal_dir).size();
  result.bytes_freed = *freed;
  result.retained_records = next.retained.size();
  result.reason.clear();
  return result;
}

}  // namespace stayaway::evidence
