#include "evidence/base_at_segment.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "engine/engine.h"
#include "evidence/history.h"
#include "evidence/merkle_frontier.h"
#include "journal/journal.h"

namespace stayaway::evidence {

StatusOr<BaseAtSegment> MakeBaseAtSegment(const engine::EngineSettings& settings,
                                          const std::string& journal_dir, const RetentionBase* from,
                                          uint32_t segment, const std::atomic<bool>* cancel,
                                          FixStateRecorder* board) {
  const uint32_t first = from != nullptr ? from->first_segment : 1;
  const std::vector<uint32_t> segments = journal::ListSegments(journal_dir);
  if (segment <= first || !std::binary_search(segments.begin(), segments.end(), segment)) {
    return FailedPrecondition("no cut at journal segment " + std::to_string(segment) + " of " +
                              journal_dir + ": it must be a segment the journal holds above " +
                              std::to_string(first));
  }
  HistoryReplayer replayer(settings);
  TimeMs clock = std::numeric_limits<TimeMs>::min();
  journal::ReadOptions options;
  options.mode = journal::ReadMode::kReadOnly;
  options.first_segment = first;
  options.end_segment = segment;
  options.cancel = cancel;
  uint32_t expected_segment = first;  // every segment below the cut, in turn
  bool gap = false;
  options.on_segment = [&](uint32_t read, uint64_t) { gap = gap || read != expected_segment++; };
  if (from != nullptr) {
    if (Status s = replayer.StartFrom(*from); !s.ok()) return s;
    clock = from->cut_time_ms;
  }
  // A board from the journal's start, or on from one the base started from: else it would
  // show only the devices heard since, as if the others never reported.
  const bool with_board = board != nullptr && (from == nullptr || from->state.with_board);
  if (with_board && from != nullptr) board->LoadFixState(from->state.devices);
  auto report = journal::ReadAll(journal_dir, options, [&](const v1::Input& input) {
    const HistoryEntry& entry = replayer.Apply(input);
    if (with_board && input.has_fix() && entry.accepted) board->RecordFix(input.fix());
    if (input.has_tick()) clock = std::max(clock, TimestampToMs(input.tick().tick()));
    if (input.has_fix() && input.fix().has_received()) {
      clock = std::max(clock, TimestampToMs(input.fix().received()));
    }
  });
  if (!report.ok()) return report.status();
  if (gap || expected_segment != segment) {
    // A segment went (retention) between listing and reading: the replay is not the cut's.
    return FailedPrecondition("journal segments " + std::to_string(first) + " to " +
                              std::to_string(segment - 1) + " of " + journal_dir +
                              " were not all read");
  }

  const History& history = replayer.history();
  BaseAtSegment cut;
  cut.leaves = history.tree.size();
  cut.root = history.tree.CurrentRoot();
  RetentionBase& next = cut.base;
  next.first_segment = segment;
  next.cut_time_ms = clock;
  next.state.records = replayer.next_position();
  next.state.with_board = with_board;  // without: the daemon rebuilds it from its journal
  if (with_board) next.state.devices = board->SaveFixState();
  next.state.engine_bytes = replayer.engine().SaveSnapshotBytes();
  StatusOr<MerkleFrontier> frontier = history.tree.FrontierAt(cut.leaves);
  if (!frontier.ok()) return frontier.status();
  next.state.frontier_bytes = frontier->Serialize();
  if (from != nullptr) next.state.events = from->state.events;
  for (const HistoryEntry& entry : history.entries) {
    for (const v1::EventRecord& r : entry.events)
      next.state.events.push_back(r.SerializeAsString());
  }
  for (const auto& [id, order] : replayer.orders()) next.state.orders.push_back(order);
  for (const auto& [id, zone] : replayer.zones()) next.state.zones.push_back(zone);
  std::vector<size_t> keep;
  for (const auto& [id, index] : replayer.newest_orders()) keep.push_back(index);
  for (const auto& [id, index] : replayer.newest_zones()) keep.push_back(index);
  std::sort(keep.begin(), keep.end());
  for (size_t index : keep) {
    const HistoryEntry& entry = history.entries[index];
    StatusOr<std::vector<Hash>> path =
        history.tree.PathInFrontierSubtree(entry.input_leaf, cut.leaves);
    if (!path.ok()) return path.status();
    next.retained.push_back({entry.position, entry.input_leaf, entry.input, *path});
  }
  // The base must describe exactly the tree it stands for.
  StatusOr<MerkleTree> check = next.Tree();
  if (!check.ok()) return check.status();
  if (check->CurrentRoot() != cut.root) {
    return FailedPrecondition("the base made at journal segment " + std::to_string(segment) +
                              " does not reproduce the log's root");
  }
  return cut;
}

}  // namespace stayaway::evidence
