#include "evidence/history_export.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
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

constexpr char kReadme[] = R"(stayaway history export, format stayaway-export-1
====================================================

This directory is the complete history of a stayaway monitoring centre: every input the
centre accepted (location fixes, order versions, zones, operator acknowledgements, clock
ticks), every event it derived (alert transitions, acknowledgements, deadlines), and the
centre's signed checkpoints over all of it. Everything is plain JSON / NDJSON (one JSON
object per line); hashes and keys are lower-case hex.

Files
-----
manifest.json       format name, the exporting centre's key id, counts, tree sizes, and the
                    SHA-256 of every other file.
engine_config.json  the monitoring engine's configuration; the events are what the engine
                    computes from the inputs with this configuration.
public_keys.json    the Ed25519 public keys (RFC 8032) the checkpoints are signed with, with
                    their key ids (first 8 bytes of SHA-256 of the 32-byte key, in hex).
                    Keep this file: it keeps the checkpoints verifiable after the centre's
                    system is replaced.
checkpoints.ndjson  the signed checkpoints exactly as the centre wrote them. Each says "the
                    first tree_size leaves of the log have root root_hash" (base64 in JSON),
                    signed over the text "stayaway checkpoint v1\n<tree_size>\n<root hex>\n
                    <time in ms since 1970>\n<key_id>\n".
inputs.ndjson       every accepted input in order: position (0, 1, 2, ...), its leaf index,
                    its kind (fix, order, global_zone, ack, tick), the input, and its
                    inclusion proof.
events.ndjson       every event in order: its sequence number, its leaf index, the event
                    record, and its inclusion proof.
orders.ndjson       every order version in the order the centre received them (a view of
                    inputs.ndjson for readers who only want the orders).
alerts.ndjson       one line per alert, summarised from events.ndjson: when it opened and
                    closed, who acknowledged it and when, whether a deadline passed, and
                    (resolved alerts only) the resolution: who, disposition, note, when,
                    and (only when there are any) the receipts of the protected person's
                    app: who was shown which event, when her device showed it and when the
                    centre received the receipt.
proofs.ndjson       for every earlier checkpoint, an RFC 9162 consistency proof that the log
                    it signed is a prefix of the newest checkpoint's log: nothing signed was
                    ever rewritten.
base.bin            only when the centre's retention period deleted its oldest records: the
                    state at that cut (see "retention_base" in manifest.json). Then
                    inputs.ndjson begins with the order and zone versions still in force at
                    the cut (with proofs) and continues after the cut; checkpoints signed
                    before the cut remain verifiable as signatures only.

The log
-------
The log is an RFC 6962 / RFC 9162 (Certificate Transparency) Merkle tree. In order, every
input contributes one leaf, followed by one leaf per event it caused:
  input leaf data = 0x49 || deterministic protobuf serialization of the Input
  event leaf data = 0x45 || deterministic protobuf serialization of the EventRecord
  leaf hash = SHA-256(0x00 || leaf data), node hash = SHA-256(0x01 || left || right).
The message definitions are stayaway's proto/stayaway.proto (package stayaway.v1); the JSON
here is protobuf's canonical JSON mapping of those messages.

How to verify
-------------
1. Check the SHA-256 of each file against manifest.json.
2. Check every checkpoint's Ed25519 signature with the key in public_keys.json it names.
3. Check each line of inputs.ndjson and events.ndjson: its leaf hash with its "proof"
   (RFC 9162 audit path) must lead to the root of the newest checkpoint (the largest
   tree_size). Lines after the newest checkpoint have no proof: no signature covers them
   (manifest.json counts them as unsigned_tail_leaves).
4. Check each line of proofs.ndjson (RFC 9162 consistency proof) against the roots of the
   two checkpoints it names.
5. Strongest: rebuild the whole tree from the inputs, re-running the engine with
   engine_config.json to recompute the events, and compare the root of the first
   tree_size leaves with each checkpoint's signed root.
`stayaway import --from THIS_DIR --data-dir NEW_DATA_DIR` does all of this and then
rebuilds a data directory from it. It does not carry the old centre's secret key: the new
system creates its own on first start, and the public keys here keep the old checkpoints
verifiable.
)";

// ---------------------------------------------------------------------------------------
// Import: parsing the inputs and recomputing the history.
// ---------------------------------------------------------------------------------------

// What a retention base (if any) stands for, for readers of manifest.json.
std::string BaseJson(const std::optional<RetentionBase>& base) {
  if (!base) return "null";
  StatusOr<MerkleFrontier> frontier = MerkleFrontier::Deserialize(base->state.frontier_bytes);
  return "{\"first_position\": " + std::to_string(base->state.records) +
         ", \"leaves_before\": " + std::to_string(frontier.ok() ? frontier->size() : 0) +
         ", \"events_before\": " + std::to_string(base->state.events.size()) +
         ", \"cut_time\": " + JsonQuote(FormatRfc3339(base->cut_time_ms)) +
         ", \"retained_records\": " + std::to_string(base->retained.size()) + "}";
}

std::string ManifestJson(const HistoryCounts& c, const std::string& key_id,
                         const std::string& base_json,
                         const std::map<std::string, std::string>& hashes) {
  std::string m = "{\n  \"format\": " + JsonQuote(kExportFormat) + ",\n  \"source_key_id\": " +
                  JsonQuote(key_id) + ",\n  \"counts\": {\"inputs\": " + std::to_string(c.inputs) +
                  ", \"events\": " + std::to_string(c.events) + ", \"orders\": " +
                  std::to_string(c.orders) + ", \"alerts\": " + std::to_string(c.alerts) +
                  ", \"checkpoints\": " + std::to_string(c.checkpoints) + "},\n  \"tree_size\": " +
                  std::to_string(c.tree_size) + ",\n  \"checkpoint_size\": " +
                  std::to_string(c.checkpoint_size) + ",\n  \"unsigned_tail_leaves\": " +
                  std::to_string(c.unsigned_tail_leaves) + ",\n  \"retention_base\": " +
                  base_json + ",\n  \"files\": {";
  bool first = true;
  for (const auto& [name, hash] : hashes) {
    m += std::string(first ? "" : ",") + "\n    " + JsonQuote(name) + ": " + JsonQuote(hash);
    first = false;
  }
  return m + "\n  }\n}\n";
}

}  // namespace

StatusOr<HistoryCounts> ExportHistory(const std::string& data_dir, const std::string& out_dir,
                                      const RecordProgress& progress) {
  if (Status s = DirectoryIsEmptyOrAbsent(out_dir, "an export"); !s.ok()) return s;
  StatusOr<v1::EngineConfig> config = LoadEngineConfig(data_dir);
  if (!config.ok()) return config.status();
  StatusOr<engine::EngineSettings> settings = engine::ResolveSettings(*config);
  if (!settings.ok()) return settings.status();
  if (!fs::exists(fs::path(data_dir) / "journal")) {
    return FailedPrecondition(data_dir + " has no journal: it is not a stayawayd data directory");
  }
  StatusOr<History> history = ReplayJournal(data_dir + "/journal", *settings, progress);
  if (!history.ok()) return history.status();

  StatusOr<std::vector<KeyEntry>> keys = LoadDataDirKeys(data_dir);
  if (!keys.ok()) return keys.status();
  const std::string checkpoints_path = (fs::path(data_dir) / "checkpoints.ndjson").string();
  StatusOr<std::string> checkpoints_file = ReadWholeFile(checkpoints_path);
  const std::string checkpoints_text = checkpoints_file.ok() ? *checkpoints_file : "";
  auto checkpoints = ParseCheckpointLog(checkpoints_text, checkpoints_path);
  if (!checkpoints.ok()) return checkpoints.status();
  StatusOr<v1::SignedCheckpoint> newest = VerifySignatures(*checkpoints, *keys);
  if (!newest.ok()) return newest.status();
  // An export must not launder an altered journal into a clean-looking new system.
  if (Status s = CheckRoots(*checkpoints, history->tree, "the journal in " + data_dir); !s.ok()) {
    return s;
  }
  StatusOr<ExportFiles> files = GenerateFiles(*history, *checkpoints, *newest);
  if (!files.ok()) return files.status();
  StatusOr<std::optional<RetentionBase>> base = LoadRetentionBase(data_dir + "/journal");
  if (!base.ok()) return base.status();

  std::map<std::string, std::string> contents = {
      {"README.txt", kReadme},
      {"engine_config.json", ToJson(*config) + "\n"},
      {"public_keys.json", KeysJson(*keys)},
      {"checkpoints.ndjson", checkpoints_text},
      {"inputs.ndjson", files->inputs},
      {"events.ndjson", files->events},
      {"orders.ndjson", files->orders},
      {"alerts.ndjson", files->alerts},
      {"proofs.ndjson", files->proofs},
  };
  if (*base) {
    StatusOr<std::string> bytes =
        ReadWholeFile((fs::path(data_dir) / "journal" / kRetentionBaseFile).string());
    if (!bytes.ok()) return FailedPrecondition("cannot read the journal's retention base");
    contents[kRetentionBaseFile] = std::move(*bytes);
  }
  if (Status s = MakePrivateDirectories(out_dir); !s.ok()) return s;
  std::map<std::string, std::string> hashes;
  for (const auto& [name, bytes] : contents) {
    if (Status s = WriteFileAtomically((fs::path(out_dir) / name).string(), bytes); !s.ok()) {
      return s;
    }
    hashes[name] = HashToHex(Sha256(bytes));
  }
  // Written last: a manifest is only there when every file it names is complete.
  if (Status s = WriteFileAtomically((fs::path(out_dir) / "manifest.json").string(),
                           ManifestJson(files->counts, keys->front().key_id, BaseJson(*base),
                                        hashes));
      !s.ok()) {
    return s;
  }
  return files->counts;
}

}  // namespace stayaway::evidence
