// ImportHistory (history_export.h): a new data directory rebuilt from an export, after
// every line of it is checked.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "base/file_io.h"
#include "base/json_quote.h"
#include "base/private_files.h"
#include "base/time.h"
#include "engine/engine.h"
#include "evidence/checkpoint.h"
#include "evidence/export_format.h"
#include "evidence/history.h"
#include "evidence/history_export.h"
#include "evidence/leaves.h"
#include "evidence/merkle_frontier.h"
#include "evidence/merkle_tree.h"
#include "evidence/proto_json.h"
#include "evidence/retention_base.h"
#include "journal/journal.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {
namespace {

namespace fs = std::filesystem;
using namespace export_format;  // NOLINT: the format's own vocabulary

// The lines of an NDJSON file; a final newline does not make an empty last line.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

template <typename Message>
StatusOr<Message> MessageFromValue(const google::protobuf::Value& value, const std::string& where) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(value, &json);
  Message message;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  if (!status.ok()) return InvalidArgument(where + ": " + std::string(status.message()));
  return message;
}

// ---------------------------------------------------------------------------------------
// Keys and checkpoints.
// ---------------------------------------------------------------------------------------

// Parses and checks inputs.ndjson line by line against the newest signed root, replaying
// each input as it goes. The first line that is missing, out of place or not the record
// the centre signed is named.
Status ReplayInputs(const std::string& text, const v1::SignedCheckpoint& newest,
                    const std::optional<RetentionBase>& base, HistoryReplayer* replayer,
                    const RecordProgress& progress) {
  const uint64_t size = newest.checkpoint().tree_size();
  StatusOr<Hash> root = HashFromBytes(newest.checkpoint().root_hash());
  if (!root.ok()) return root.status();
  const std::vector<std::string> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where = "inputs.ndjson line " + std::to_string(i + 1);
    StatusOr<google::protobuf::Struct> object = ParseObject(lines[i], where);
    if (!object.ok()) return object.status();
    StatusOr<const google::protobuf::Value*> position = Field(*object, "position", where);
    StatusOr<const google::protobuf::Value*> leaf = Field(*object, "leaf", where);
    StatusOr<const google::protobuf::Value*> body = Field(*object, "input", where);
    if (!position.ok()) return position.status();
    if (!leaf.ok()) return leaf.status();
    if (!body.ok()) return body.status();
    // A journal cut by retention starts with the records its base retained.
    const bool retained = base && i < base->retained.size();
    const uint64_t want_position =
        retained ? base->retained[i].position : replayer->next_position();
    const uint64_t want_leaf = retained ? base->retained[i].leaf : replayer->history().tree.size();
    if (static_cast<uint64_t>((*position)->number_value()) != want_position ||
        static_cast<uint64_t>((*leaf)->number_value()) != want_leaf) {
      return FailedPrecondition(
          where + ": position " +
          std::to_string(static_cast<uint64_t>((*position)->number_value())) + ", leaf " +
          std::to_string(static_cast<uint64_t>((*leaf)->number_value())) + " where position " +
          std::to_string(want_position) + ", leaf " + std::to_string(want_leaf) +
          " comes next: a record is missing or out of order");
    }
    StatusOr<v1::Input> input = MessageFromValue<v1::Input>(**body, where);
    if (!input.ok()) return input.status();
    if (retained && input->SerializeAsString() != base->retained[i].input.SerializeAsString()) {
      return FailedPrecondition(where + ": not the record base.bin retained at position " +
                                std::to_string(want_position));
    }
    if (want_leaf < size) {
      // Checked before the input reaches the engine: a changed record is named here, not
      // by whichever later event it happens to change.
      std::vector<Hash> path;
      const auto proof = object->fields().find("proof");
      if (proof != object->fields().end()) {
        for (const google::protobuf::Value& h : proof->second.list_value().values()) {
          StatusOr<Hash> hash = HashFromHex(h.string_value());
          if (!hash.ok()) return InvalidArgument(where + ": a proof hash is not 64 hex digits");
          path.push_back(*hash);
        }
      }
      const Status included =
          VerifyInclusion(HashLeaf(InputLeafData(*input)), want_leaf, size, path, *root);
      if (!included.ok()) {
        return FailedPrecondition(where + " (position " + std::to_string(want_position) +
                                  ", leaf " + std::to_string(want_leaf) +
                                  "): this is not the record the centre signed in the checkpoint "
                                  "of tree size " +
                                  std::to_string(size) + " (" + included.message() + ")");
      }
    }
    if (!retained) replayer->Apply(*input);
    if (progress) progress(i + 1, lines.size());
  }
  if (base && lines.size() < base->retained.size()) {
    return FailedPrecondition("inputs.ndjson lacks records base.bin retained");
  }
  if (replayer->history().tree.size() < size) {
    return FailedPrecondition("inputs.ndjson ends after " + std::to_string(lines.size()) +
                              " lines (" + std::to_string(replayer->history().tree.size()) +
                              " leaves) but the newest checkpoint signed " + std::to_string(size) +
                              " leaves: records are missing at the end");
  }
  return Status::Ok();
}

// Names the first line where `file`'s content differs from what the inputs produce.
Status CompareGenerated(const std::string& file, const std::string& have, const std::string& want) {
  if (have == want) return Status::Ok();
  const std::vector<std::string> a = Lines(have), b = Lines(want);
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  std::string what;
  if (i < a.size() && i < b.size()) {
    what = "differs from what the signed inputs produce";
  } else if (i < b.size()) {
    what = "is missing; the file ends early";
  } else {
    what = "is extra; the signed inputs produce only " + std::to_string(b.size()) + " lines";
  }
  return FailedPrecondition(file + " line " + std::to_string(i + 1) + " " + what);
}

}  // namespace

StatusOr<HistoryCounts> ImportHistory(const std::string& export_dir,
                                      const std::string& new_data_dir,
                                      const RecordProgress& progress) {
  const fs::path from(export_dir);
  if (Status s = DirectoryIsEmptyOrAbsent(new_data_dir, "an import"); !s.ok()) return s;

  // Read every file first: an incomplete export is refused before anything is checked.
  std::map<std::string, std::string> text;
  for (const char* name :
       {"manifest.json", "engine_config.json", "public_keys.json", "checkpoints.ndjson",
        "inputs.ndjson", "events.ndjson", "orders.ndjson", "alerts.ndjson", "proofs.ndjson"}) {
    StatusOr<std::string> bytes = ReadWholeFile((from / name).string());
    if (!bytes.ok()) return FailedPrecondition("the export lacks " + (from / name).string());
    text[name] = std::move(*bytes);
  }
  // A history cut by retention carries its base: the state at the cut (retention.h).
  std::optional<RetentionBase> base;
  if (StatusOr<std::string> bytes = ReadWholeFile((from / kRetentionBaseFile).string());
      bytes.ok()) {
    StatusOr<RetentionBase> decoded = RetentionBase::Decode(*bytes);
    if (!decoded.ok())
      return FailedPrecondition(std::string(kRetentionBaseFile) + ": " +
                                decoded.status().message());
    base = std::move(decoded).value();
    text[kRetentionBaseFile] = std::move(*bytes);
  }
  StatusOr<google::protobuf::Struct> manifest = ParseObject(text["manifest.json"], "manifest.json");
  if (!manifest.ok()) return manifest.status();
  StatusOr<const google::protobuf::Value*> format = Field(*manifest, "format", "manifest.json");
  if (!format.ok()) return format.status();
  if ((*format)->string_value() != kExportFormat) {
    return FailedPrecondition("manifest.json: format \"" + (*format)->string_value() +
                              "\" is not " + kExportFormat);
  }

  // The signed checkpoints, checked with the exported public keys.
  auto keys = ParseKeysJson(text["public_keys.json"], "public_keys.json", "imported");
  if (!keys.ok()) return keys.status();
  auto checkpoints = ParseCheckpointLog(text["checkpoints.ndjson"], "checkpoints.ndjson");
  if (!checkpoints.ok()) return checkpoints.status();
  StatusOr<v1::SignedCheckpoint> newest = VerifySignatures(*checkpoints, *keys);
  if (!newest.ok()) return newest.status();

  // Every input against the newest signed root, then the whole recomputed log (events
  // too, by re-running the engine with the exported configuration) against every root.
  v1::EngineConfig config;
  if (!google::protobuf::util::JsonStringToMessage(text["engine_config.json"], &config).ok()) {
    return InvalidArgument("engine_config.json is not an engine configuration");
  }
  StatusOr<engine::EngineSettings> settings = engine::ResolveSettings(config);
  if (!settings.ok()) return InvalidArgument("engine_config.json: " + settings.status().message());
  // The engine state in a base is carried as the exporting centre computed it; every event
  // after the cut is recomputed from it and checked against the signed roots, so a base
  // altered in any way that matters shows up there.
  HistoryReplayer replayer(*settings);
  if (base) {
    if (Status s = replayer.StartFrom(*base); !s.ok()) return s;
  }
  if (Status s = ReplayInputs(text["inputs.ndjson"], *newest, base, &replayer, progress); !s.ok()) {
    return s;
  }
  if (Status s = CheckRoots(*checkpoints, replayer.history().tree, "the exported history");
      !s.ok()) {
    return s;
  }

  // The derived files must be exactly what the proven inputs produce, and every file
  // what the manifest says.
  StatusOr<ExportFiles> files = GenerateFiles(replayer.history(), *checkpoints, *newest);
  if (!files.ok()) return files.status();
  for (const auto& [name, want] :
       std::map<std::string, const std::string*>{{"inputs.ndjson", &files->inputs},
                                                 {"events.ndjson", &files->events},
                                                 {"orders.ndjson", &files->orders},
                                                 {"alerts.ndjson", &files->alerts},
                                                 {"proofs.ndjson", &files->proofs}}) {
    if (Status s = CompareGenerated(name, text[name], *want); !s.ok()) return s;
  }
  StatusOr<const google::protobuf::Value*> hashes = Field(*manifest, "files", "manifest.json");
  if (!hashes.ok()) return hashes.status();
  for (const auto& [name, bytes] : text) {
    if (name == "manifest.json") continue;
    const auto& listed = (*hashes)->struct_value().fields();
    const auto it = listed.find(name);
    if (it == listed.end() || it->second.string_value() != HashToHex(Sha256(bytes))) {
      return FailedPrecondition(name + ": its SHA-256 is not the one manifest.json lists");
    }
  }

  // Everything holds: write the new data directory beside it and move it into place, so
  // a failed import leaves no half-built directory a daemon could start on.
  const fs::path target(new_data_dir);
  const fs::path staging = target.string() + ".importing";
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (Status s = MakePrivateDirectories(staging.string()); !s.ok()) return s;
  journal::JournalWriter writer;
  if (Status s = writer.Open((staging / "journal").string()); !s.ok()) return s;
  if (base) {
    base->first_segment = writer.current_segment();  // the new journal numbers its own
    if (Status s = SaveRetentionBase((staging / "journal").string(), *base); !s.ok()) return s;
  }
  for (const HistoryEntry& entry : replayer.history().entries) {
    if (entry.retained) continue;  // in the base
    writer.Append(entry.input);
    // Sync in batches: the writer buffers until Sync, and a long history need not sit in
    // memory twice.
    if (writer.records_written() % 4096 == 0) {
      if (Status s = writer.Sync(); !s.ok()) return s;
    }
  }
  if (Status s = writer.Sync(); !s.ok()) return s;
  for (const auto& [name, bytes] :
       std::map<std::string, std::string>{{"engine_config.json", text["engine_config.json"]},
                                          {"checkpoints.ndjson", text["checkpoints.ndjson"]},
                                          {kImportedKeysFile, KeysJson(*keys)}}) {
    if (Status s = WriteFileAtomically((staging / name).string(), bytes); !s.ok()) return s;
  }
  fs::rename(staging, target, ec);  // rename(2) replaces an empty directory
  if (ec) {
    return FailedPrecondition("cannot move " + staging.string() + " to " + target.string() + ": " +
                              ec.message());
  }
  return files->counts;
}

}  // namespace stayaway::evidence
