#include "evidence/statistics_report.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <map>
#include <optional>

#include "base/file_io.h"
#include "base/hex.h"
#include "base/json_quote.h"
#include "base/number_text.h"
#include "engine/engine_config.h"
#include "evidence/checkpoint_signer.h"
#include "evidence/export_format.h"
#include "evidence/history.h"
#include "evidence/history_export.h"
#include "evidence/key_history.h"
#include "evidence/merkle_tree.h"
#include "evidence/statistics_json.h"
#include "evidence/trusted_keys.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {
namespace {

// The keys a data directory's checkpoints may be signed with: its own, then those of the
// centres its history was imported from. A missing file contributes nothing.
// The journal replayed with the engine settings the data directory was run with.
struct Replayed {
  History history;
  TimeMs comms_lost_ms = 0;
};

StatusOr<Replayed> Replay(const std::string& data_dir, const RecordProgress& progress = {}) {
  StatusOr<v1::EngineConfig> config = LoadEngineConfig(data_dir);
  if (!config.ok()) return config.status();
  StatusOr<engine::EngineSettings> settings = engine::ResolveSettings(*config);
  if (!settings.ok()) return settings.status();
  StatusOr<History> history = ReplayJournal(data_dir + "/journal", *settings, progress);
  if (!history.ok()) return history.status();
  return Replayed{std::move(*history), settings->comms_lost_ms};
}

// Ok when the first `tree_size` leaves of the replayed log have `root_hex` as their root.
Status RootMatches(const History& history, uint64_t tree_size, const std::string& root_hex) {
  if (tree_size > history.tree.size()) {
    return FailedPrecondition("the checkpoint covers " + std::to_string(tree_size) +
                              " leaves but the journal yields only " +
                              std::to_string(history.tree.size()));
  }
  StatusOr<Hash> root = history.tree.RootHash(tree_size);
  if (!root.ok()) return root.status();
  if (HashToHex(*root) != root_hex) {
    return FailedPrecondition("the journal does not reproduce the root signed at tree size " +
                              std::to_string(tree_size) +
                              ": records were changed, removed or reordered after signing");
  }
  return Status::Ok();
}

StatusOr<v1::SignedCheckpoint> ToSignedCheckpoint(const StatisticsCheckpoint& c) {
  v1::SignedCheckpoint out;
  out.mutable_checkpoint()->set_tree_size(c.tree_size);
  StatusOr<Hash> root = HashFromHex(c.root_hash_hex);
  if (!root.ok()) return InvalidArgument("the checkpoint's root_hash is not 64 hex digits");
  out.mutable_checkpoint()->set_root_hash(HashToBytes(*root));
  MsToTimestamp(c.time_ms, out.mutable_checkpoint()->mutable_time());
  out.mutable_checkpoint()->set_key_id(c.key_id);
  StatusOr<std::string> signature = HexDecode(c.signature_hex);
  if (!signature.ok()) return InvalidArgument("the checkpoint's signature is not hex");
  out.set_signature(*signature);
  return out;
}

// Every leaf value of a JSON document by its path ("a.b.c"), as JSON text.
void Flatten(const google::protobuf::Value& value, const std::string& path,
             std::map<std::string, std::string>* out) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStructValue:
      if (value.struct_value().fields().empty()) (*out)[path] = "{}";
      for (const auto& [key, member] : value.struct_value().fields()) {
        Flatten(member, path.empty() ? key : path + "." + key, out);
      }
      break;
    case google::protobuf::Value::kNumberValue:
      (*out)[path] = NumberText(value.number_value());
      break;
    case google::protobuf::Value::kStringValue:
      (*out)[path] = JsonQuote(value.string_value());
      break;
    case google::protobuf::Value::kBoolValue:
      (*out)[path] = value.bool_value() ? "true" : "false";
      break;
    case google::protobuf::Value::kListValue: {
      const auto& values = value.list_value().values();
      for (int i = 0; i < values.size(); ++i) {
        Flatten(values[i], path + "[" + std::to_string(i) + "]", out);
      }
      break;
    }
    default:
      (*out)[path] = "null";
  }
}

std::optional<std::map<std::string, std::string>> FlattenJson(std::string_view json) {
  google::protobuf::Value value;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &value).ok()) {
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  Flatten(value, "", &out);
  return out;
}

}  // namespace

std::vector<std::string> DifferingFigures(std::string_view stated, std::string_view recomputed) {
  const auto said = FlattenJson(stated);
  const auto got = FlattenJson(recomputed);
  if (!said || !got) return {"the report is not JSON"};
  std::vector<std::string> out;
  auto s = said->begin(), g = got->begin();
  while (s != said->end() || g != got->end()) {
    if (g == got->end() || (s != said->end() && s->first < g->first)) {
      out.push_back(s->first + ": the report says " + s->second +
                    ", the records give no such figure");
      ++s;
    } else if (s == said->end() || g->first < s->first) {
      out.push_back(g->first + ": the report leaves it out, the records give " + g->second);
      ++g;
    } else {
      if (s->second != g->second) {
        out.push_back(s->first + ": the report says " + s->second + ", the records give " +
                      g->second);
      }
      ++s;
      ++g;
    }
  }
  return out;
}

StatusOr<Statistics> StatisticsOfDataDir(const StatisticsRequest& request) {
  if (request.from_ms > request.to_ms) {
    return InvalidArgument("the period's start " + FormatRfc3339(request.from_ms) +
                           " is after its end " + FormatRfc3339(request.to_ms));
  }
  StatusOr<std::vector<v1::SignedCheckpoint>> log = LoadCheckpointLog(request.data_dir);
  if (!log.ok()) return log.status();
  std::optional<v1::SignedCheckpoint> chosen;
  for (const v1::SignedCheckpoint& c : *log) {
    if (request.tree_size == 0 || c.checkpoint().tree_size() == request.tree_size) chosen = c;
  }
  if (!chosen) {
    return NotFound(request.tree_size == 0
                        ? "no signed checkpoint yet: the daemon signs one every minute and when "
                          "it stops"
                        : "no checkpoint was signed at tree size " +
                              std::to_string(request.tree_size));
  }
  std::optional<PublicKey> signer;
  StatusOr<std::vector<export_format::KeyEntry>> keys =
      export_format::LoadDataDirKeys(request.data_dir);
  if (!keys.ok()) return keys.status();
  for (const export_format::KeyEntry& key : *keys) {
    if (key.key_id == chosen->checkpoint().key_id()) signer = key.key;
  }
  if (!signer) {
    return FailedPrecondition("the checkpoint at tree size " +
                              std::to_string(chosen->checkpoint().tree_size()) +
                              " is signed by key " + chosen->checkpoint().key_id() +
                              ", which the data directory does not hold");
  }
  if (Status s = VerifyCheckpoint(*chosen, *signer); !s.ok()) {
    return FailedPrecondition("the checkpoint at tree size " +
                              std::to_string(chosen->checkpoint().tree_size()) + ": " +
                              s.message());
  }
  StatusOr<Replayed> replayed = Replay(request.data_dir);
  if (!replayed.ok()) return replayed.status();
  StatisticsCheckpoint stated;
  stated.tree_size = chosen->checkpoint().tree_size();
  StatusOr<Hash> root = HashFromBytes(chosen->checkpoint().root_hash());
  if (!root.ok()) return FailedPrecondition("the checkpoint's root hash is malformed");
  stated.root_hash_hex = HashToHex(*root);
  stated.time_ms = TimestampToMs(chosen->checkpoint().time());
  stated.key_id = chosen->checkpoint().key_id();
  stated.public_key_hex = PublicKeyToHex(*signer);
  stated.signature_hex = HexEncode(chosen->signature());
  if (Status s = RootMatches(replayed->history, stated.tree_size, stated.root_hash_hex); !s.ok()) {
    return s;
  }
  return ComputeStatistics(replayed->history, stated, request.from_ms, request.to_ms,
                           replayed->comms_lost_ms);
}

StatisticsVerification VerifyStatisticsReport(std::string_view report_json,
                                              const std::string& data_dir,
                                              const std::vector<PublicKey>& trusted_keys,
                                              const RecordProgress& progress) {
  StatisticsVerification out;
  auto problem = [&](const std::string& what) { out.problems.push_back(what); };
  auto check = [&](const std::string& what) { out.checks.push_back(what); };

  StatusOr<StatedReport> stated = ReadStatedReport(report_json);
  if (!stated.ok()) {
    problem(stated.status().message());
    return out;
  }
  const StatisticsCheckpoint& c = stated->checkpoint;
  const std::string size = std::to_string(c.tree_size);
  check("the report is of " + FormatRfc3339(stated->from_ms) + " to " +
        FormatRfc3339(stated->to_ms) + ", computed against the checkpoint at tree size " + size);

  // 1. Whose checkpoint, and its signature.
  StatusOr<PublicKey> key = PublicKeyFromHex(c.public_key_hex);
  if (!key.ok()) {
    problem("checkpoint.public_key is not an Ed25519 key (64 hex digits)");
    return out;
  }
  out.signer_key_id = KeyIdOf(*key);
  if (!trusted_keys.empty()) {
    // A key rotated from a pinned one is trusted through its endorsement, as the data
    // directory's key history (checked when it is read) records it (key_history.h).
    v1::PublicKeyList history;
    if (StatusOr<PublicKey> current = LoadPublicKey(data_dir + "/keys"); current.ok()) {
      if (auto loaded = LoadKeyHistory(data_dir + "/keys", *current); loaded.ok()) {
        history = std::move(*loaded);
      }
    }
    const KeyTrust trust = TrustOf(*key, trusted_keys, history);
    out.signer_pinned = trust.trusted;
    std::string expected;
    for (const PublicKey& k : trusted_keys) expected += (expected.empty() ? "" : ", ") + KeyIdOf(k);
    if (out.signer_pinned) {
      check("the checkpoint's key " + out.signer_key_id + " is " + trust.how);
    } else {
      problem("the checkpoint is signed by key " + out.signer_key_id +
              ", which is not the key given (" + expected + ")");
    }
  }
  StatusOr<v1::SignedCheckpoint> signed_checkpoint = ToSignedCheckpoint(c);
  if (!signed_checkpoint.ok()) {
    problem(signed_checkpoint.status().message());
  } else if (Status s = VerifyCheckpoint(*signed_checkpoint, *key); !s.ok()) {
    problem("checkpoint: " + s.message());
  } else {
    check("the checkpoint's signature holds under key " + out.signer_key_id);
  }

  // 2. The records reproduce the signed root.
  StatusOr<Replayed> replayed = Replay(data_dir, progress);
  if (!replayed.ok()) {
    problem("cannot replay " + data_dir + ": " + replayed.status().message());
    return out;
  }
  if (Status s = RootMatches(replayed->history, c.tree_size, c.root_hash_hex); !s.ok()) {
    problem(s.message());
    return out;
  }
  check("the journal reproduces the checkpoint's root at tree size " + size);

  // 3. Every figure, computed again.
  StatusOr<Statistics> again = ComputeStatistics(replayed->history, c, stated->from_ms,
                                                 stated->to_ms, replayed->comms_lost_ms);
  if (!again.ok()) {
    problem(again.status().message());
    return out;
  }
  const std::string recomputed = StatisticsJson(*again);
  if (recomputed == report_json) {
    check("every figure, computed again from the " + std::to_string(again->inputs) +
          " records and " + std::to_string(again->events) +
          " events under the checkpoint, is the report's byte for byte");
  } else {
    const std::vector<std::string> differing = DifferingFigures(report_json, recomputed);
    for (const std::string& figure : differing) problem("figure " + figure);
    if (differing.empty()) {
      problem(
          "every figure matches, but the report's bytes are not the canonical text the "
          "figures give (its layout was changed)");
    }
  }
  out.ok = out.problems.empty();
  return out;
}

}  // namespace stayaway::evidence
