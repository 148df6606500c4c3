#include "evidence/trusted_keys.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <string>

#include "evidence/key_history.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {
namespace {

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string_view Trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\r' ||
                           text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

StatusOr<PublicKey> ParsePublishedKey(std::string_view text) {
  text = Trimmed(text);
  if (text.size() == 2 * kPublicKeySize) {
    bool hex = true;
    for (char c : text) hex = hex && IsHexDigit(c);
    if (hex) return PublicKeyFromHex(text);
  }
  // Base64 through the JSON mapping, which decodes `bytes` exactly as it printed them.
  for (char c : text) {
    const bool base64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '-' || c == '_' ||
                        c == '=';
    if (!base64) {
      return InvalidArgument(
          "a key is 44 base64 characters as GET /v1/keys prints it, or 64 hex digits");
    }
  }
  v1::PublicKey key;
  const std::string json = "{\"key\":\"" + std::string(text) + "\"}";
  if (!google::protobuf::util::JsonStringToMessage(json, &key).ok() ||
      key.key().size() != kPublicKeySize) {
    return InvalidArgument(
        "a key is 32 bytes: 44 base64 characters as GET /v1/keys prints it, "
        "or 64 hex digits");
  }
  return PublicKeyFromBytes(key.key());
}

StatusOr<std::vector<PublicKey>> ParsePublishedKeyList(std::string_view json) {
  StatusOr<v1::PublicKeyList> list = ParseKeyHistoryJson(json, "the answer of GET /v1/keys");
  if (!list.ok()) return list.status();
  if (list->keys().empty()) return InvalidArgument("the answer of GET /v1/keys lists no key");
  // Checks every key's form and every endorsement the answer carries: an edited key or
  // history is refused rather than trusted.
  if (Status s = VerifyEndorsements(*list); !s.ok()) return s;
  std::vector<PublicKey> keys;
  for (const v1::PublicKey& published : list->keys()) keys.push_back(*KeyOfEntry(published, ""));
  return keys;
}

KeyTrust TrustOf(const PublicKey& key, const std::vector<PublicKey>& pinned,
                 const v1::PublicKeyList& history) {
  if (std::find(pinned.begin(), pinned.end(), key) != pinned.end()) return {true, "the key given"};
  const std::vector<PublicKey> trusted = TrustThroughEndorsements(pinned, history);
  if (std::find(trusted.begin(), trusted.end(), key) == trusted.end()) return {false, ""};
  // Walk back from the key to the pinned key that started its chain, for the message.
  std::string how;
  std::string id = KeyIdOf(key);
  while (const v1::PublicKey* entry = FindKey(history, id)) {
    if (!entry->has_endorsement()) break;
    id = entry->endorsement().endorser_key_id();
    how += (how.empty() ? "endorsed by " : ", in turn endorsed by ") + id + " on " +
           FormatRfc3339(TimestampToMs(entry->endorsement().time()));
    const bool pinned_here = std::any_of(pinned.begin(), pinned.end(),
                                         [&](const PublicKey& p) { return KeyIdOf(p) == id; });
    if (pinned_here) return {true, how + ", the key given"};
  }
  return {true, how};
}

}  // namespace stayaway::evidence
