#include "evidence/history_export.h"
#include "base/json_quote.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "base/file_io.h"
#include "base/private_files.h"
#include "base/time.h"
#include "engine/engine.h"
#include "evidence/checkpoint.h"
#include "evidence/proto_json.h"
#include "evidence/history.h"
#include "evidence/leaves.h"
#include "evidence/merkle_frontier.h"
#include "evidence/merkle_tree.h"
#include "evidence/retention_base.h"
#include "journal/journal.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// Small file and JSON helpers.
// ---------------------------------------------------------------------------------------

// The lines of an NDJSON file; a final newline does not make an empty last line.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}


std::string HexList(const std::vector<Hash>& hashes) {
  std::string out = "[";
  for (size_t i = 0; i < hashes.size(); ++i) out += (i ? ",\"" : "\"") + HashToHex(hashes[i]) + "\"";
  return out + "]";
}

StatusOr<google::protobuf::Struct> ParseObject(const std::string& line, const std::string& where) {
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(line, &object).ok()) {
    return InvalidArgument(where + ": not a JSON object");
  }
  return object;
}

// A field that must be there; `where` names the line for the message.
StatusOr<const google::protobuf::Value*> Field(const google::protobuf::Struct& object,
                                               const std::string& name, const std::string& where) {
  const auto it = object.fields().find(name);
  if (it == object.fields().end()) return InvalidArgument(where + ": has no \"" + name + "\"");
  return &it->second;
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

struct KeyEntry {
  std::string key_id;
  PublicKey key{};
  std::string origin;  // "this centre" or "imported"
};

std::string KeysJson(const std::vector<KeyEntry>& keys) {
  std::string out = "{\"keys\": [";
  for (size_t i = 0; i < keys.size(); ++i) {
    out += std::string(i ? "," : "") + "\n  {\"key_id\": " + JsonQuote(keys[i].key_id) +
           ", \"public_key\": " + JsonQuote(PublicKeyToHex(keys[i].key)) +
           ", \"origin\": " + JsonQuote(keys[i].origin) + "}";
  }
  return out + "\n]}\n";
}

StatusOr<std::vector<KeyEntry>> ParseKeysJson(const std::string& text, const std::string& file,
                                              const std::string& origin) {
  StatusOr<google::protobuf::Struct> object = ParseObject(text, file);
  if (!object.ok()) return object.status();
  StatusOr<const google::protobuf::Value*> list = Field(*object, "keys", file);
  if (!list.ok()) return list.status();
  std::vector<KeyEntry> keys;
  for (const google::protobuf::Value& value : (*list)->list_value().values()) {
    const auto& fields = value.struct_value().fields();
    const auto hex = fields.find("public_key");
    const auto id = fields.find("key_id");
    if (hex == fields.end() || id == fields.end()) {
      return InvalidArgument(file + ": a key needs key_id and public_key");
    }
    StatusOr<PublicKey> key = PublicKeyFromHex(hex->second.string_value());
    if (!key.ok()) return InvalidArgument(file + ": " + key.status().message());
    if (KeyIdOf(*key) != id->second.string_value()) {
      return InvalidArgument(file + ": key id " + id->second.string_value() +
                             " is not the id of its public key");
    }
    keys.push_back({id->second.string_value(), *key, origin});
  }
  return keys;
}

// The data directory's own public key, then those of centres its history was imported from.
StatusOr<std::vector<KeyEntry>> LoadDataDirKeys(const fs::path& data_dir) {
  const fs::path pub = data_dir / "keys" / kPublicKeyFile;
  const auto hex = ReadWholeFile(pub.string());
  if (!hex.ok()) return FailedPrecondition("cannot read " + pub.string() + ": no signing key, so no checkpoint can be checked");
  StatusOr<PublicKey> own = PublicKeyFromHex(*hex);
  if (!own.ok()) return InvalidArgument(pub.string() + ": " + own.status().message());
  std::vector<KeyEntry> keys = {{KeyIdOf(*own), *own, "this centre"}};
  if (const auto imported = ReadWholeFile((data_dir / kImportedKeysFile).string());
      imported.ok()) {
    auto more = ParseKeysJson(*imported, (data_dir / kImportedKeysFile).string(), "imported");
    if (!more.ok()) return more.status();
    for (KeyEntry& key : *more) {
      if (key.key_id != keys.front().key_id) keys.push_back(std::move(key));
    }
  }
  return keys;
}

StatusOr<std::vector<v1::SignedCheckpoint>> ParseCheckpoints(const std::string& text,
                                                             const std::string& file) {
  std::vector<v1::SignedCheckpoint> out;
  const std::vector<std::string> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    v1::SignedCheckpoint checkpoint;
    if (!google::protobuf::util::JsonStringToMessage(lines[i], &checkpoint).ok()) {
      return InvalidArgument(file + " line " + std::to_string(i + 1) + ": not a signed checkpoint");
    }
    out.push_back(std::move(checkpoint));
  }
  return out;
}

// Checks every checkpoint's signature with the key it names and returns the newest (the
// largest tree; of equals, the later line). No checkpoint means nothing is provable.
StatusOr<v1::SignedCheckpoint> VerifySignatures(const std::vector<v1::SignedCheckpoint>& checkpoints,
                                                const std::vector<KeyEntry>& keys) {
  if (checkpoints.empty()) {
    return FailedPrecondition("there is no signed checkpoint; the daemon signs one every minute "
                              "and when it stops");
  }
  const v1::SignedCheckpoint* newest = nullptr;
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    const v1::SignedCheckpoint& c = checkpoints[i];
    const std::string where = "checkpoint " + std::to_string(i + 1) + " (tree size " +
                              std::to_string(c.checkpoint().tree_size()) + ")";
    const KeyEntry* key = nullptr;
    for (const KeyEntry& k : keys) {
      if (k.key_id == c.checkpoint().key_id()) key = &k;
    }
    if (key == nullptr) {
      return FailedPrecondition(where + " is signed by key " + c.checkpoint().key_id() +
                                ", which is not among the known public keys");
    }
    if (Status s = VerifyCheckpoint(c, key->key); !s.ok()) {
      return FailedPrecondition(where + ": the signature does not hold: " + s.message());
    }
    if (newest == nullptr || c.checkpoint().tree_size() >= newest->checkpoint().tree_size()) {
      newest = &c;
    }
  }
  return *newest;
}

// Every signed root must be the root of that many leaves of the recomputed log; otherwise
// the records were changed, removed or reordered after the centre signed them.
Status CheckRoots(const std::vector<v1::SignedCheckpoint>& checkpoints, const MerkleTree& tree,
                  const std::string& source) {
  for (const v1::SignedCheckpoint& c : checkpoints) {
    const uint64_t size = c.checkpoint().tree_size();
    // Signed before a retention cut: the leaves it covered are gone, its root with them.
    if (size > 0 && size < tree.pruned_leaves()) continue;
    if (size > tree.size()) {
      return FailedPrecondition(source + " has " + std::to_string(tree.size()) +
                                " leaves but a checkpoint was signed over " + std::to_string(size) +
                                ": records were removed");
    }
    StatusOr<Hash> root = tree.RootHash(size);
    if (!root.ok()) return root.status();
    if (HashToBytes(*root) != c.checkpoint().root_hash()) {
      return FailedPrecondition(source + " does not match the checkpoint signed at tree size " +
                                std::to_string(size) + ": it has been altered");
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// The NDJSON files, generated from a history. The importer generates them again from the
// inputs it recomputed and compares bytes, so the derived files cannot be edited either.
// ---------------------------------------------------------------------------------------

const char* KindOf(const v1::Input& input) {
  switch (input.input_case()) {
    case v1::Input::kFix: return "fix";
    case v1::Input::kOrder: return "order";
    case v1::Input::kGlobalZone: return "global_zone";
    case v1::Input::kAck: return "ack";
    case v1::Input::kResolve:
      return "resolve";
    case v1::Input::kReceipt:
      return "receipt";
    case v1::Input::kTick: return "tick";
    case v1::Input::INPUT_NOT_SET: break;
  }
  return "empty";
}

struct ExportFiles {
  std::string inputs, events, orders, alerts, proofs;
  HistoryCounts counts;
};

// Per-alert summary, accumulated from its events in log order.
struct AlertSummary {
  std::string alert_id, order_id, kind, rule;
  uint32_t order_version = 0;
  std::string opened = "null", opened_seq = "null", closed = "null", closed_seq = "null";
  std::string overdue_seq = "null", last_transition;
  std::vector<std::string> acks;
  std::string resolution;  // JSON object; empty: never resolved
  std::vector<std::string> receipts;  // JSON objects: each notification her app showed
  std::vector<uint64_t> seqs;
};

std::string AlertsNdjson(const History& history, uint64_t* count) {
  std::vector<AlertSummary> alerts;
  std::map<std::string, size_t> index;
  for (const HistoryEntry& entry : history.entries) {
    for (const v1::EventRecord& record : entry.events) {
      const v1::Event& e = record.event();
      if (e.alert_id().empty()) continue;
      auto [it, added] = index.emplace(e.alert_id(), alerts.size());
      if (added) {
        AlertSummary& a = alerts.emplace_back();
        a.alert_id = e.alert_id();
        a.order_id = e.order_id();
        a.order_version = e.order_version();
        a.kind = v1::Event::Kind_Name(e.kind());
        a.rule = e.rule();
      }
      AlertSummary& a = alerts[it->second];
      const std::string time = JsonQuote(FormatRfc3339(TimestampToMs(e.time())));
      const std::string seq = std::to_string(record.seq());
      switch (e.transition()) {
        case v1::Event::opened:
          a.opened = time;
          a.opened_seq = seq;
          break;
        case v1::Event::closed:
          a.closed = time;
          a.closed_seq = seq;
          break;
        case v1::Event::acknowledged:
          a.acks.push_back("{\"by\": " + JsonQuote(e.ack_by()) + ", \"note\": " + JsonQuote(e.ack_note()) +
                           ", \"time\": " + time + ", \"seq\": " + seq + "}");
          break;
        case v1::Event::ack_overdue: a.overdue_seq = seq; break;
        case v1::Event::resolved:
          a.resolution = "{\"by\": " + JsonQuote(e.ack_by()) + ", \"disposition\": " +
                         JsonQuote(v1::AlertResolve::Disposition_Name(e.disposition())) +
                         ", \"note\": " + JsonQuote(e.ack_note()) + ", \"time\": " + time +
                         ", \"seq\": " + seq + "}";
          break;
        case v1::Event::received:
          a.receipts.push_back(
              "{\"person\": " + JsonQuote(e.received_by()) +
              ", \"event_seq\": " + std::to_string(e.received_seq()) + ", \"shown_at\": " +
              (e.has_shown_at() ? JsonQuote(FormatRfc3339(TimestampToMs(e.shown_at()))) : "null") +
              ", \"time\": " + time + ", \"seq\": " + seq + "}");
          break;
        default: break;
      }
      a.last_transition = v1::Event::Transition_Name(e.transition());
      a.seqs.push_back(record.seq());
    }
  }
  std::string out;
  for (const AlertSummary& a : alerts) {
    out += "{\"alert_id\": " + JsonQuote(a.alert_id) + ", \"order_id\": " + JsonQuote(a.order_id) +
           ", \"order_version\": " + std::to_string(a.order_version) + ", \"kind\": " +
           JsonQuote(a.kind) + ", \"rule\": " + JsonQuote(a.rule) + ", \"opened\": " + a.opened +
           ", \"opened_seq\": " + a.opened_seq + ", \"closed\": " + a.closed +
           ", \"closed_seq\": " + a.closed_seq + ", \"acks\": [";
    for (size_t i = 0; i < a.acks.size(); ++i) out += (i ? ", " : "") + a.acks[i];
    out += "], \"ack_overdue_seq\": " + a.overdue_seq;
    // Only resolved alerts carry it, so exports written before resolutions read the same.
    if (!a.resolution.empty()) out += ", \"resolution\": " + a.resolution;
    // Likewise only alerts a protected person's app received carry their receipts.
    if (!a.receipts.empty()) {
      out += ", \"receipts\": [";
      for (size_t i = 0; i < a.receipts.size(); ++i) out += (i ? ", " : "") + a.receipts[i];
      out += "]";
    }
    out += ", \"last_transition\": " + JsonQuote(a.last_transition) + ", \"event_seqs\": [";
    for (size_t i = 0; i < a.seqs.size(); ++i) out += (i ? "," : "") + std::to_string(a.seqs[i]);
    out += "]}\n";
  }
  *count = alerts.size();
  return out;
}

// `checkpoints` are already checked against the tree; `newest` is the one proofs lead to.
StatusOr<ExportFiles> GenerateFiles(const History& history,
                                    const std::vector<v1::SignedCheckpoint>& checkpoints,
                                    const v1::SignedCheckpoint& newest) {
  ExportFiles files;
  const uint64_t size = newest.checkpoint().tree_size();
  // A leaf under the newest checkpoint carries its audit path; later leaves cannot.
  auto proof = [&](uint64_t leaf) -> StatusOr<std::string> {
    if (leaf >= size) return std::string();
    StatusOr<std::vector<Hash>> path = history.tree.InclusionProof(leaf, size);
    if (!path.ok()) return path.status();
    return ",\"proof\":" + HexList(*path);
  };
  for (const HistoryEntry& entry : history.entries) {
    StatusOr<std::string> input_proof = proof(entry.input_leaf);
    if (!input_proof.ok()) return input_proof.status();
    const std::string input_json = ToJson(entry.input);
    files.inputs += "{\"position\":" + std::to_string(entry.position) +
                    ",\"leaf\":" + std::to_string(entry.input_leaf) + ",\"kind\":\"" +
                    KindOf(entry.input) + "\",\"input\":" + input_json + *input_proof + "}\n";
    if (entry.input.has_order()) {
      files.orders += "{\"position\":" + std::to_string(entry.position) +
                      ",\"leaf\":" + std::to_string(entry.input_leaf) +
                      ",\"order\":" + ToJson(entry.input.order()) + "}\n";
      ++files.counts.orders;
    }
    for (size_t i = 0; i < entry.events.size(); ++i) {
      const uint64_t leaf = entry.input_leaf + 1 + i;
      StatusOr<std::string> event_proof = proof(leaf);
      if (!event_proof.ok()) return event_proof.status();
      files.events += "{\"seq\":" + std::to_string(entry.events[i].seq()) +
                      ",\"leaf\":" + std::to_string(leaf) +
                      ",\"record\":" + ToJson(entry.events[i]) + *event_proof + "}\n";
      ++files.counts.events;
    }
  }
  files.alerts = AlertsNdjson(history, &files.counts.alerts);

  // One consistency proof per distinct earlier size: the log only ever grew.
  StatusOr<Hash> new_root = history.tree.RootHash(size);
  if (!new_root.ok()) return new_root.status();
  std::map<uint64_t, bool> sizes;
  for (const v1::SignedCheckpoint& c : checkpoints) {
    if (c.checkpoint().tree_size() >= std::max<uint64_t>(1, history.tree.pruned_leaves()) &&
        c.checkpoint().tree_size() < size) {
      sizes[c.checkpoint().tree_size()] = true;
    }
  }
  for (const auto& [old_size, unused] : sizes) {
    StatusOr<std::vector<Hash>> path = history.tree.ConsistencyProof(old_size, size);
    StatusOr<Hash> old_root = history.tree.RootHash(old_size);
    if (!path.ok()) return path.status();
    if (!old_root.ok()) return old_root.status();
    files.proofs += "{\"old_size\":" + std::to_string(old_size) + ",\"old_root\":\"" +
                    HashToHex(*old_root) + "\",\"new_size\":" + std::to_string(size) +
                    ",\"new_root\":\"" + HashToHex(*new_root) + "\",\"proof\":" + HexList(*path) +
                    "}\n";
  }

  files.counts.inputs = history.entries.size();
  files.counts.checkpoints = checkpoints.size();
  files.counts.tree_size = history.tree.size();
  files.counts.checkpoint_size = size;
  files.counts.unsigned_tail_leaves = history.tree.size() - size;
  return files;
}

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

// Parses and checks inputs.ndjson line by line against the newest signed root, replaying
// each input as it goes. The first line that is missing, out of place or not the record
// the centre signed is named.
Status ReplayInputs(const std::string& text, const v1::SignedCheckpoint& newest,
                    const std::optional<RetentionBase>& base, HistoryReplayer* replayer) {
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
      return FailedPrecondition(where + ": position " +
                                std::to_string(static_cast<uint64_t>((*position)->number_value())) +
                                ", leaf " +
                                std::to_string(static_cast<uint64_t>((*leaf)->number_value())) +
                                " where position " + std::to_string(want_position) + ", leaf " +
                                std::to_string(want_leaf) +
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
                                  "of tree size " + std::to_string(size) + " (" +
                                  included.message() + ")");
      }
    }
    if (!retained) replayer->Apply(*input);
  }
  if (base && lines.size() < base->retained.size()) {
    return FailedPrecondition("inputs.ndjson lacks records base.bin retained");
  }
  if (replayer->history().tree.size() < size) {
    return FailedPrecondition("inputs.ndjson ends after " + std::to_string(lines.size()) +
                              " lines (" + std::to_string(replayer->history().tree.size()) +
                              " leaves) but the newest checkpoint signed " +
                              std::to_string(size) + " leaves: records are missing at the end");
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

Status DirectoryIsEmptyOrAbsent(const fs::path& dir, const std::string& what) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Status::Ok();
  if (!fs::is_directory(dir, ec)) return FailedPrecondition(dir.string() + " is not a directory");
  if (!fs::is_empty(dir, ec)) {
    return FailedPrecondition(dir.string() + " is not empty; " + what + " needs a new directory");
  }
  return Status::Ok();
}

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

StatusOr<HistoryCounts> ExportHistory(const std::string& data_dir, const std::string& out_dir) {
  if (Status s = DirectoryIsEmptyOrAbsent(out_dir, "an export"); !s.ok()) return s;
  StatusOr<v1::EngineConfig> config = LoadEngineConfig(data_dir);
  if (!config.ok()) return config.status();
  StatusOr<engine::EngineSettings> settings = engine::ResolveSettings(*config);
  if (!settings.ok()) return settings.status();
  if (!fs::exists(fs::path(data_dir) / "journal")) {
    return FailedPrecondition(data_dir + " has no journal: it is not a stayawayd data directory");
  }
  StatusOr<History> history = ReplayJournal(data_dir + "/journal", *settings);
  if (!history.ok()) return history.status();

  StatusOr<std::vector<KeyEntry>> keys = LoadDataDirKeys(data_dir);
  if (!keys.ok()) return keys.status();
  const std::string checkpoints_path = (fs::path(data_dir) / "checkpoints.ndjson").string();
  StatusOr<std::string> checkpoints_file = ReadWholeFile(checkpoints_path);
  const std::string checkpoints_text = checkpoints_file.ok() ? *checkpoints_file : "";
  auto checkpoints = ParseCheckpoints(checkpoints_text, checkpoints_path);
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

StatusOr<HistoryCounts> ImportHistory(const std::string& export_dir,
                                      const std::string& new_data_dir) {
  const fs::path from(export_dir);
  if (Status s = DirectoryIsEmptyOrAbsent(new_data_dir, "an import"); !s.ok()) return s;

  // Read every file first: an incomplete export is refused before anything is checked.
  std::map<std::string, std::string> text;
  for (const char* name : {"manifest.json", "engine_config.json", "public_keys.json",
                           "checkpoints.ndjson", "inputs.ndjson", "events.ndjson",
                           "orders.ndjson", "alerts.ndjson", "proofs.ndjson"}) {
    StatusOr<std::string> bytes = ReadWholeFile((from / name).string());
    if (!bytes.ok()) return FailedPrecondition("the export lacks " + (from / name).string());
    text[name] = std::move(*bytes);
  }
  // A history cut by retention carries its base: the state at the cut (retention.h).
  std::optional<RetentionBase> base;
  if (StatusOr<std::string> bytes = ReadWholeFile((from / kRetentionBaseFile).string());
      bytes.ok()) {
    StatusOr<RetentionBase> decoded = RetentionBase::Decode(*bytes);
    if (!decoded.ok()) return FailedPrecondition(std::string(kRetentionBaseFile) + ": " + decoded.status().message());
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
  auto checkpoints = ParseCheckpoints(text["checkpoints.ndjson"], "checkpoints.ndjson");
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
  if (Status s = ReplayInputs(text["inputs.ndjson"], *newest, base, &replayer); !s.ok()) return s;
  if (Status s = CheckRoots(*checkpoints, replayer.history().tree, "the exported history");
      !s.ok()) {
    return s;
  }

  // The derived files must be exactly what the proven inputs produce, and every file
  // what the manifest says.
  StatusOr<ExportFiles> files = GenerateFiles(replayer.history(), *checkpoints, *newest);
  if (!files.ok()) return files.status();
  for (const auto& [name, want] : std::map<std::string, const std::string*>{
           {"inputs.ndjson", &files->inputs},
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
  for (const auto& [name, bytes] : std::map<std::string, std::string>{
           {"engine_config.json", text["engine_config.json"]},
           {"checkpoints.ndjson", text["checkpoints.ndjson"]},
           {kImportedKeysFile, KeysJson(*keys)}}) {
    if (Status s = WriteFileAtomically((staging / name).string(), bytes); !s.ok()) return s;
  }
  fs::rename(staging, target, ec);  // rename(2) replaces an empty directory
  if (ec) {
    return FailedPrecondition("cannot move " + staging.string() + " to " + target.string() +
                              ": " + ec.message());
  }
  return files->counts;
}

}  // namespace stayaway::evidence
