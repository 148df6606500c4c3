// The keys a court trusts, as the centre publishes them (GET /v1/keys): whoever verifies a
// bundle checks that the bundle was signed by one of these, not merely by the key the
// bundle itself carries, which anyone forging a bundle would put there too.
//
//   stayaway verify --key KEY BUNDLE      KEY: one key exactly as GET /v1/keys prints its
//                                         "key" (base64), or as 64 hex digits
//   stayaway verify --keys FILE BUNDLE    FILE: a saved answer of GET /v1/keys
//                                         ({"keys": [{"key_id", "algorithm", "key"}]})
// Pure; thread-safe.
#ifndef STAYAWAY_EVIDENCE_TRUSTED_KEYS_H_
#define STAYAWAY_EVIDENCE_TRUSTED_KEYS_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "evidence/checkpoint.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {

// One Ed25519 public key: base64 (standard or URL-safe, as Protobuf's JSON mapping prints
// and reads bytes) of 32 bytes, or 64 hex digits. InvalidArgument says which it is not.
StatusOr<PublicKey> ParsePublishedKey(std::string_view text);

// Every Ed25519 key of a GET /v1/keys answer, in its order: the centre's current key and
// every key it rotated from (key_history.h), all trusted. InvalidArgument for text that
// is not such an answer, a key of another algorithm or size, or an answer with no key;
// a key_id that does not match its key, or an endorsement that does not hold, is refused
// too (the file was edited).
StatusOr<std::vector<PublicKey>> ParsePublishedKeyList(std::string_view json);

// How a key stands with a verifier who pinned `pinned`, given a key history whose
// endorsements were checked (empty when the bundle carries none): trusted when it is a
// pinned key, or was endorsed by one, directly or through later rotations (key_history.h).
struct KeyTrust {
  bool trusted = false;
  std::string how;  // "the key given", "endorsed by the key given 1a2b... on <time>"
};
KeyTrust TrustOf(const PublicKey& key, const std::vector<PublicKey>& pinned,
                 const v1::PublicKeyList& history);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_TRUSTED_KEYS_H_
