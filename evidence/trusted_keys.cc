#include "evidence/trusted_keys.h"

#include <google/protobuf/util/json_util.h>

#include <string>

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
  v1::PublicKeyList list;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (!google::protobuf::util::JsonStringToMessage(
           google::protobuf::StringPiece(json.data(), json.size()), &list, options)
           .ok()) {
    return InvalidArgument("not an answer of GET /v1/keys ({\"keys\": [...]})");
  }
  if (list.keys().empty()) return InvalidArgument("the answer of GET /v1/keys lists no key");
  std::vector<PublicKey> keys;
  for (int i = 0; i < list.keys_size(); ++i) {
    const v1::PublicKey& published = list.keys(i);
    const std::string where = "keys[" + std::to_string(i) + "]";
    if (published.algorithm() != "ed25519") {
      return InvalidArgument(where + ": algorithm \"" + published.algorithm() +
                             "\" is not ed25519");
    }
    StatusOr<PublicKey> key = PublicKeyFromBytes(published.key());
    if (!key.ok()) return InvalidArgument(where + ": " + key.status().message());
    if (!published.key_id().empty() && published.key_id() != KeyIdOf(*key)) {
      return InvalidArgument(where + ": key_id " + published.key_id() +
                             " is not the id of its key (" + KeyIdOf(*key) + ")");
    }
    keys.push_back(*key);
  }
  return keys;
}

}  // namespace stayaway::evidence
