// The stayaway-export-1 files (history_export.h has the format): what export and import
// share. Export generates the NDJSON files from a history; import generates them again from
// the inputs it recomputed and compares bytes, so a derived file cannot be edited either.
// INTERNAL to history_export.cc and history_import.cc. Pure; thread-safe.
#ifndef STAYAWAY_EVIDENCE_EXPORT_FORMAT_H_
#define STAYAWAY_EVIDENCE_EXPORT_FORMAT_H_

#include <google/protobuf/struct.pb.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"
#include "evidence/checkpoint.h"
#include "evidence/history.h"
#include "evidence/history_export.h"
#include "evidence/merkle_tree.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence::export_format {

struct KeyEntry {
  std::string key_id;
  PublicKey key{};
  std::string origin;  // "this centre" or "imported"
};

// The keys a data directory's checkpoints may be signed with: its own, the current one
// first, then those it rotated from (key_history.h), then those of centres its history
// was imported from (kImportedKeysFile). Errors name the file.
StatusOr<std::vector<KeyEntry>> LoadDataDirKeys(const std::string& data_dir);

// public_keys.json's text for `keys`, and back (`origin` given to every key read).
std::string KeysJson(const std::vector<KeyEntry>& keys);
StatusOr<std::vector<KeyEntry>> ParseKeysJson(const std::string& text, const std::string& file,
                                              const std::string& origin);

// One line of JSON as an object; `where` names the line for the message.
StatusOr<google::protobuf::Struct> ParseObject(const std::string& line, const std::string& where);
// A field that must be there; `where` names the line for the message.
StatusOr<const google::protobuf::Value*> Field(const google::protobuf::Struct& object,
                                               const std::string& name, const std::string& where);

// Checks every checkpoint's signature with the key it names and returns the newest (the
// largest tree; of equals, the later line). No checkpoint means nothing is provable.
StatusOr<v1::SignedCheckpoint> VerifySignatures(
    const std::vector<v1::SignedCheckpoint>& checkpoints, const std::vector<KeyEntry>& keys);
// Every signed root must be the root of that many leaves of the recomputed log; otherwise
// the records were changed, removed or reordered after the centre signed them.
Status CheckRoots(const std::vector<v1::SignedCheckpoint>& checkpoints, const MerkleTree& tree,
                  const std::string& source);

struct ExportFiles {
  std::string inputs, events, orders, alerts, proofs;
  HistoryCounts counts;
};

// The NDJSON files of `history`. `checkpoints` are already checked against the tree;
// `newest` is the one proofs lead to.
StatusOr<ExportFiles> GenerateFiles(const History& history,
                                    const std::vector<v1::SignedCheckpoint>& checkpoints,
                                    const v1::SignedCheckpoint& newest);

// Export and import write only into a new directory.
Status DirectoryIsEmptyOrAbsent(const std::filesystem::path& dir, const std::string& what);

}  // namespace stayaway::evidence::export_format

#endif  // STAYAWAY_EVIDENCE_EXPORT_FORMAT_H_
