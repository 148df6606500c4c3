#include "evidence/export_format.h"

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
#include "evidence/checkpoint_signer.h"
#include "evidence/history.h"
#include "evidence/key_history.h"
#include "evidence/leaves.h"
#include "evidence/merkle_frontier.h"
#include "evidence/merkle_tree.h"
#include "evidence/proto_json.h"
#include "evidence/retention_base.h"
#include "journal/input_kind.h"
#include "journal/journal.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence::export_format {
namespace {

namespace fs = std::filesystem;

std::string HexList(const std::vector<Hash>& hashes) {
  std::string out = "[";
  for (size_t i = 0; i < hashes.size(); ++i)
    out += (i ? ",\"" : "\"") + HashToHex(hashes[i]) + "\"";
  return out + "]";
}

// Per-alert summary, accumulated from its events in log order.
struct AlertSummary {
  std::string alert_id, order_id, kind, rule;
  uint32_t order_version = 0;
  std::string opened = "null", opened_seq = "null", closed = "null", closed_seq = "null";
  std::string overdue_seq = "null", last_transition;
  std::vector<std::string> acks;
  std::string resolution;             // JSON object; empty: never resolved
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
          a.acks.push_back("{\"by\": " + JsonQuote(e.ack_by()) +
                           ", \"note\": " + JsonQuote(e.ack_note()) + ", \"time\": " + time +
                           ", \"seq\": " + seq + "}");
          break;
        case v1::Event::ack_overdue:
          a.overdue_seq = seq;
          break;
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
        default:
          break;
      }
      a.last_transition = v1::Event::Transition_Name(e.transition());
      a.seqs.push_back(record.seq());
    }
  }
  std::string out;
  for (const AlertSummary& a : alerts) {
    out += "{\"alert_id\": " + JsonQuote(a.alert_id) + ", \"order_id\": " + JsonQuote(a.order_id) +
           ", \"order_version\": " + std::to_string(a.order_version) +
           ", \"kind\": " + JsonQuote(a.kind) + ", \"rule\": " + JsonQuote(a.rule) +
           ", \"opened\": " + a.opened + ", \"opened_seq\": " + a.opened_seq +
           ", \"closed\": " + a.closed + ", \"closed_seq\": " + a.closed_seq + ", \"acks\": [";
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

}  // namespace

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

// Checks every checkpoint's signature with the key it names and returns the newest (the
// largest tree; of equals, the later line). No checkpoint means nothing is provable.
StatusOr<v1::SignedCheckpoint> VerifySignatures(
    const std::vector<v1::SignedCheckpoint>& checkpoints, const std::vector<KeyEntry>& keys) {
  if (checkpoints.empty()) {
    return FailedPrecondition(
        "there is no signed checkpoint; the daemon signs one every minute "
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
                    journal::InputKindName(entry.input) + "\",\"input\":" + input_json +
                    *input_proof + "}\n";
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

Status DirectoryIsEmptyOrAbsent(const fs::path& dir, const std::string& what) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Status::Ok();
  if (!fs::is_directory(dir, ec)) return FailedPrecondition(dir.string() + " is not a directory");
  if (!fs::is_empty(dir, ec)) {
    return FailedPrecondition(dir.string() + " is not empty; " + what + " needs a new directory");
  }
  return Status::Ok();
}

// The data directory's own public keys, the current one first, then the keys it rotated
// from (key_history.h), then those of centres its history was imported from.
StatusOr<std::vector<KeyEntry>> LoadDataDirKeys(const std::string& data_dir_path) {
  const std::filesystem::path data_dir(data_dir_path);
  StatusOr<PublicKey> own = LoadPublicKey((data_dir / "keys").string());
  if (!own.ok()) return own.status();
  StatusOr<v1::PublicKeyList> history = LoadKeyHistory((data_dir / "keys").string(), *own);
  if (!history.ok()) return history.status();
  std::vector<KeyEntry> keys;
  for (int i = history->keys_size() - 1; i >= 0; --i) {
    keys.push_back({history->keys(i).key_id(), *KeyOfEntry(history->keys(i), ""), "this centre"});
  }
  if (const auto imported = ReadWholeFile((data_dir / kImportedKeysFile).string());
      imported.ok()) {
    auto more = ParseKeysJson(*imported, (data_dir / kImportedKeysFile).string(), "imported");
    if (!more.ok()) return more.status();
    for (KeyEntry& key : *more) {
      const bool known = std::any_of(keys.begin(), keys.end(),
                                     [&](const KeyEntry& k) { return k.key_id == key.key_id; });
      if (!known) keys.push_back(std::move(key));
    }
  }
  return keys;
}

}  // namespace stayaway::evidence::export_format
