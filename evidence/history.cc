#include "evidence/history.h"

#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/engine.h"
#include "evidence/leaves.h"
#include "evidence/retention_base.h"
#include "journal/journal.h"

namespace stayaway::evidence {

HistoryReplayer::HistoryReplayer(const engine::EngineSettings& settings)
    : engine_(std::make_unique<engine::Engine>(settings)), settings_(settings) {}

HistoryReplayer::~HistoryReplayer() = default;

Status HistoryReplayer::StartFrom(const RetentionBase& base) {
  auto engine = engine::Engine::FromSnapshotBytes(base.state.engine_bytes, settings_);
  if (!engine.ok()) return FailedPrecondition("retention base: " + engine.status().message());
  StatusOr<MerkleTree> tree = base.Tree();
  if (!tree.ok()) return FailedPrecondition("retention base: " + tree.status().message());
  engine_ = std::move(engine).value();
  history_ = History();
  history_.tree = std::move(tree).value();
  history_.first_position = base.state.records;
  history_.first_event_seq = next_seq_ = base.state.events.size() + 1;
  for (const RetainedRecord& r : base.retained) {
    HistoryEntry& entry = history_.entries.emplace_back();
    entry.position = r.position;
    entry.input = r.input;
    entry.input_leaf = r.leaf;
    entry.retained = true;
    const size_t index = history_.entries.size() - 1;
    if (r.input.has_order()) newest_orders_[r.input.order().id()] = index;
    if (r.input.has_global_zone()) newest_zones_[r.input.global_zone().id()] = index;
  }
  for (const v1::Order& order : base.state.orders) orders_[order.id()] = order;
  for (const v1::Zone& zone : base.state.zones) zones_[zone.id()] = zone;
  return Status::Ok();
}

HistoryEntry& HistoryReplayer::Apply(const v1::Input& input) {
  HistoryEntry& entry = history_.entries.emplace_back();
  entry.position = history_.first_position + applied_++;
  entry.input = input;
  scratch_.clear();
  const bool accepted = engine_->Apply(input, &scratch_).ok();
  entry.accepted = accepted;
  entry.input_leaf = history_.tree.Append(InputLeafData(input));
  for (v1::Event& event : scratch_) {
    v1::EventRecord& record = entry.events.emplace_back();
    record.set_seq(next_seq_++);
    *record.mutable_event() = std::move(event);
    history_.tree.Append(EventLeafData(record));
  }
  const size_t index = history_.entries.size() - 1;
  if (input.has_order()) {
    newest_orders_[input.order().id()] = index;
    if (accepted) orders_[input.order().id()] = input.order();
  }
  if (input.has_global_zone()) {
    newest_zones_[input.global_zone().id()] = index;
    if (accepted) zones_[input.global_zone().id()] = input.global_zone();
  }
  return entry;
}

namespace {

StatusOr<History> ReplayOnce(const std::string& journal_dir, const engine::EngineSettings& settings,
                             const RecordProgress& progress) {
  HistoryReplayer replayer(settings);
  StatusOr<std::optional<RetentionBase>> base = LoadRetentionBase(journal_dir);
  if (!base.ok()) return base.status();
  journal::ReadOptions options;
  options.mode = journal::ReadMode::kReadOnly;  // the daemon may be appending right now
  if (*base) {
    if (Status s = replayer.StartFrom(**base); !s.ok()) return s;
    options.first_segment = (*base)->first_segment;
  }
  uint64_t records = 0;
  auto report = journal::ReadAll(journal_dir, options, [&](const v1::Input& input) {
    replayer.Apply(input);
    if (progress) progress(++records, 0);
  });
  if (!report.ok()) return report.status();
  return std::move(replayer.history());
}

}  // namespace

StatusOr<History> ReplayJournal(const std::string& journal_dir,
                                const engine::EngineSettings& settings,
                                const RecordProgress& progress) {
  StatusOr<History> history = ReplayOnce(journal_dir, settings, progress);
  // A retention run may have replaced the base and deleted segments between reading the
  // base and the segments: once more, with the new base.
  if (!history.ok() && history.status().message().find("is missing") != std::string::npos) {
    history = ReplayOnce(journal_dir, settings, progress);
  }
  return history;
}

StatusOr<v1::EngineConfig> LoadEngineConfig(const std::string& data_dir) {
  v1::EngineConfig config;
  const std::string path = data_dir + "/engine_config.json";
  std::ifstream in(path);
  if (!in) return config;
  std::stringstream text;
  text << in.rdbuf();
  const auto status = google::protobuf::util::JsonStringToMessage(text.str(), &config);
  if (!status.ok()) {
    return InvalidArgument(path + ": " + std::string(status.message()));
  }
  return config;
}

}  // namespace stayaway::evidence
