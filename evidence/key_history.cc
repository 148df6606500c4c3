#include "evidence/key_history.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <filesystem>

#include "base/file_io.h"
#include "evidence/checkpoint_signer.h"
#include "evidence/proto_json.h"

namespace stayaway::evidence {
namespace {

bool SameKey(const v1::PublicKey& entry, const PublicKey& key) {
  return entry.key().size() == key.size() &&
         std::equal(key.begin(), key.end(), reinterpret_cast<const uint8_t*>(entry.key().data()));
}

// Whole milliseconds, as every time we sign.
StatusOr<TimeMs> WholeMs(const google::protobuf::Timestamp& time, const std::string& where) {
  if (time.nanos() < 0 || time.nanos() % 1'000'000 != 0) {
    return InvalidArgument(where + ": the time is not in whole milliseconds");
  }
  return TimestampToMs(time);
}

}  // namespace

std::string KeyEndorsementText(const PublicKey& key, std::string_view endorser_key_id,
                               TimeMs time_ms) {
  std::string text = "stayaway key endorsement v1\n";
  text += PublicKeyToHex(key);
  text += '\n';
  text += KeyIdOf(key);
  text += '\n';
  text += endorser_key_id;
  text += '\n';
  text += std::to_string(time_ms);
  text += '\n';
  return text;
}

StatusOr<PublicKey> KeyOfEntry(const v1::PublicKey& entry, const std::string& where) {
  if (entry.algorithm() != "ed25519") {
    return InvalidArgument(where + ": algorithm \"" + entry.algorithm() + "\" is not ed25519");
  }
  StatusOr<PublicKey> key = PublicKeyFromBytes(entry.key());
  if (!key.ok()) return InvalidArgument(where + ": " + key.status().message());
  if (!entry.key_id().empty() && entry.key_id() != KeyIdOf(*key)) {
    return InvalidArgument(where + ": key_id " + entry.key_id() + " is not the id of its key (" +
                           KeyIdOf(*key) + ")");
  }
  return key;
}

Status VerifyEndorsements(const v1::PublicKeyList& list) {
  // Every key first, so that an endorsement can name any key listed before it by its id
  // (a court's own list may leave key_id out).
  std::vector<PublicKey> keys;
  std::vector<std::string> ids;
  for (int i = 0; i < list.keys_size(); ++i) {
    const std::string where = "keys[" + std::to_string(i) + "]";
    StatusOr<PublicKey> key = KeyOfEntry(list.keys(i), where);
    if (!key.ok()) return key.status();
    if (std::find(ids.begin(), ids.end(), KeyIdOf(*key)) != ids.end()) {
      return InvalidArgument(where + ": key " + KeyIdOf(*key) + " is listed twice");
    }
    keys.push_back(*key);
    ids.push_back(KeyIdOf(*key));
  }
  for (int i = 0; i < list.keys_size(); ++i) {
    const v1::PublicKey& entry = list.keys(i);
    if (!entry.has_endorsement()) continue;
    const std::string where = "keys[" + std::to_string(i) + "]";
    const v1::KeyEndorsement& endorsement = entry.endorsement();
    const auto endorser = std::find(ids.begin(), ids.begin() + i, endorsement.endorser_key_id());
    if (endorser == ids.begin() + i) {
      return InvalidArgument(where + ": key " + ids[i] + " is endorsed by key " +
                             endorsement.endorser_key_id() + ", which is not listed before it");
    }
    StatusOr<TimeMs> time = WholeMs(endorsement.time(), where + " endorsement");
    if (!time.ok()) return time.status();
    if (!entry.has_valid_from() || TimestampToMs(entry.valid_from()) != *time) {
      return InvalidArgument(where + ": the endorsement's time is not the key's valid_from");
    }
    const PublicKey& endorser_key = keys[static_cast<size_t>(endorser - ids.begin())];
    if (Status s = VerifyDetached(KeyEndorsementText(keys[i], *endorser, *time),
                                  endorsement.signature(), endorser_key);
        !s.ok()) {
      return InvalidArgument(where + ": the endorsement of key " + ids[i] + " by key " + *endorser +
                             " does not hold (" + s.message() + "): the list was altered");
    }
  }
  return Status::Ok();
}

Status VerifyKeyHistory(const v1::PublicKeyList& history) {
  if (history.keys().empty()) return InvalidArgument("the key history lists no key");
  if (Status s = VerifyEndorsements(history); !s.ok()) return s;
  for (int i = 0; i < history.keys_size(); ++i) {
    const v1::PublicKey& entry = history.keys(i);
    const std::string where = "keys[" + std::to_string(i) + "]";
    if (entry.key_id().empty()) return InvalidArgument(where + ": has no key_id");
    if (i == 0) {
      if (entry.has_endorsement()) {
        return InvalidArgument(where + ": the first key cannot be endorsed by an earlier one");
      }
    } else if (!entry.has_endorsement() ||
               entry.endorsement().endorser_key_id() != history.keys(i - 1).key_id()) {
      return InvalidArgument(where + ": key " + entry.key_id() +
                             " is not endorsed by the key before it, " +
                             history.keys(i - 1).key_id() + ": the chain is broken");
    }
    const bool last = i + 1 == history.keys_size();
    if (last && entry.has_retired_at()) {
      return InvalidArgument(where + ": the current key is marked retired");
    }
    if (!last && (!entry.has_retired_at() || TimestampToMs(entry.retired_at()) !=
                                                 TimestampToMs(history.keys(i + 1).valid_from()))) {
      return InvalidArgument(where + ": key " + entry.key_id() +
                             " is not retired when the key after it took over");
    }
    if (i > 0 && !last && TimestampToMs(entry.retired_at()) < TimestampToMs(entry.valid_from())) {
      return InvalidArgument(where + ": key " + entry.key_id() + " is retired before it began");
    }
  }
  return Status::Ok();
}

std::string KeyHistoryJson(const v1::PublicKeyList& history) { return ToJson(history) + "\n"; }

StatusOr<v1::PublicKeyList> ParseKeyHistoryJson(std::string_view json, const std::string& where) {
  v1::PublicKeyList list;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (!google::protobuf::util::JsonStringToMessage(
           google::protobuf::StringPiece(json.data(), json.size()), &list, options)
           .ok()) {
    return InvalidArgument(where +
                           ": not a list of keys as GET /v1/keys answers ({\"keys\": [...]})");
  }
  return list;
}

v1::PublicKey PublishedKey(const PublicKey& key) {
  v1::PublicKey message;
  message.set_key_id(KeyIdOf(key));
  message.set_algorithm("ed25519");
  message.set_key(std::string(reinterpret_cast<const char*>(key.data()), key.size()));
  return message;
}

StatusOr<v1::PublicKeyList> LoadKeyHistory(const std::string& key_dir, const PublicKey& current) {
  const std::string path = key_dir + "/" + kKeyHistoryFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    v1::PublicKeyList alone;
    *alone.add_keys() = PublishedKey(current);
    return alone;
  }
  StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  StatusOr<v1::PublicKeyList> history = ParseKeyHistoryJson(*text, path);
  if (!history.ok()) return history.status();
  if (Status s = VerifyKeyHistory(*history); !s.ok()) {
    return FailedPrecondition(path + ": " + s.message());
  }
  const v1::PublicKey& last = history->keys(history->keys_size() - 1);
  if (!SameKey(last, current)) {
    return FailedPrecondition(path + " says the current key is " + last.key_id() + " but " +
                              key_dir + "/" + kPublicKeyFile + " holds key " + KeyIdOf(current) +
                              "; the key files and the history disagree");
  }
  return history;
}

Status WriteKeyHistory(const std::string& key_dir, const v1::PublicKeyList& history) {
  return WriteFileAtomically(key_dir + "/" + kKeyHistoryFile, KeyHistoryJson(history));
}

std::vector<PublicKey> TrustThroughEndorsements(const std::vector<PublicKey>& pinned,
                                                const v1::PublicKeyList& checked) {
  std::vector<PublicKey> trusted = pinned;
  const auto is_trusted = [&](std::string_view key_id) {
    return std::any_of(trusted.begin(), trusted.end(),
                       [&](const PublicKey& key) { return KeyIdOf(key) == key_id; });
  };
  // Endorsements point backwards in the list, so one pass in list order follows chains.
  for (int i = 0; i < checked.keys_size(); ++i) {
    const v1::PublicKey& entry = checked.keys(i);
    if (!entry.has_endorsement() || !is_trusted(entry.endorsement().endorser_key_id())) continue;
    StatusOr<PublicKey> key = KeyOfEntry(entry, "");
    if (key.ok() && !is_trusted(KeyIdOf(*key))) trusted.push_back(*key);
  }
  return trusted;
}

const v1::PublicKey* FindKey(const v1::PublicKeyList& list, std::string_view key_id) {
  for (const v1::PublicKey& entry : list.keys()) {
    if (entry.key_id() == key_id) return &entry;
  }
  return nullptr;
}

std::optional<TimeMs> RetiredAt(const v1::PublicKeyList& list, std::string_view key_id) {
  const v1::PublicKey* entry = FindKey(list, key_id);
  if (entry == nullptr || !entry->has_retired_at()) return std::nullopt;
  return TimestampToMs(entry->retired_at());
}

}  // namespace stayaway::evidence
