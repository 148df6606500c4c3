#include "evidence/history.h"

#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/engine.h"
#include "evidence/leaves.h"
#include "journal/journal.h"

namespace stayaway::evidence {

StatusOr<History> ReplayJournal(const std::string& journal_dir,
                                const engine::EngineSettings& settings) {
  History history;
  engine::Engine engine(settings);
  uint64_t next_seq = 1;
  std::vector<v1::Event> events;
  // Read-only: the daemon may be appending to this journal right now.
  auto report = journal::ReadAll(journal_dir, /*salvage=*/false, [&](const v1::Input& input) {
    HistoryEntry& entry = history.entries.emplace_back();
    entry.position = history.entries.size() - 1;
    entry.input = input;
    events.clear();
    engine.Apply(input, &events).ok();  // refusals are part of history too: no events
    entry.input_leaf = history.tree.Append(InputLeafData(input));
    for (v1::Event& event : events) {
      v1::EventRecord& record = entry.events.emplace_back();
      record.set_seq(next_seq++);
      *record.mutable_event() = std::move(event);
      history.tree.Append(EventLeafData(record));
    }
  }, journal::ReadMode::kReadOnly);
  if (!report.ok()) return report.status();
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
