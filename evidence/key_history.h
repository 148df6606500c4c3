// The centre's signing keys over time: when a key is rotated (key_rotation.h), the old
// key signs an endorsement of the new one, so that a court that pinned the old key (a
// saved GET /v1/keys answer, `stayaway verify --key`) goes on verifying what the new key
// signs, and nobody without the old secret can slip a key of their own into the chain.
//
// The history is a PublicKeyList (proto), oldest key first, the current key last, kept in
// KEY_DIR/history.json (Protobuf's JSON mapping, proto field names) and published as the
// answer of GET /v1/keys. A data directory that was never rotated has no file; its
// history is its one key. Every key after the first carries:
//   valid_from   the rotation's time, in whole milliseconds
//   endorsement  {endorser_key_id: the key before, time: valid_from, signature}
// and every key but the last carries retired_at, the next key's valid_from.
//
// The endorsement signature is Ed25519, by the key before, over this ASCII text, five
// lines each ending in "\n" (the same style as the checkpoint's signed text):
//
//   stayaway key endorsement v1
//   <the new public key, 64 lower-case hex digits>
//   <the new key's id, 16 lower-case hex digits>
//   <the endorser's key id, 16 lower-case hex digits>
//   <the rotation's time, milliseconds since 1970-01-01T00:00:00Z, signed decimal>
//
// Trust runs forward only: a trusted key makes the key it endorsed trusted, never the
// other way round, since anyone can make a key of their own and have it endorse a real
// one. A checkpoint signed by a retired key with a time after its retirement is refused
// by whoever holds the history (bundle.h, export_format.h).
//
// Pure functions except LoadKeyHistory and WriteKeyHistory (files); all thread-safe.
#ifndef STAYAWAY_EVIDENCE_KEY_HISTORY_H_
#define STAYAWAY_EVIDENCE_KEY_HISTORY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "evidence/checkpoint.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {

inline constexpr char kKeyHistoryFile[] = "history.json";

// The exact bytes an endorsement signature covers (format above).
std::string KeyEndorsementText(const PublicKey& key, std::string_view endorser_key_id,
                               TimeMs time_ms);

// One listed key, checked: algorithm ed25519, 32 bytes, and a key_id (when given) that is
// the key's id. `where` names it in the message ("keys[2]").
StatusOr<PublicKey> KeyOfEntry(const v1::PublicKey& entry, const std::string& where);

// Ok when every endorsement the list carries holds: it names a key listed before it, its
// time is the key's valid_from, and its signature by that key is valid. Keys without an
// endorsement are allowed (a court may list several centres' keys). No key may appear
// twice.
Status VerifyEndorsements(const v1::PublicKeyList& list);

// Ok when `history` is one centre's unbroken history: VerifyEndorsements, and every key
// after the first endorsed by the key right before it, which was retired at that time;
// the last key is not retired.
Status VerifyKeyHistory(const v1::PublicKeyList& history);

// A key as GET /v1/keys lists it, without history: key_id, algorithm, key.
v1::PublicKey PublishedKey(const PublicKey& key);

// The history of the key directory: KEY_DIR/history.json, checked (VerifyKeyHistory),
// whose last key must be `current` (the key of KEY_DIR/ed25519.pub); without the file,
// `current` alone.
StatusOr<v1::PublicKeyList> LoadKeyHistory(const std::string& key_dir, const PublicKey& current);

// The history as GET /v1/keys answers and history.json holds it: one JSON object.
std::string KeyHistoryJson(const v1::PublicKeyList& history);
// Parses such JSON (unknown fields refused); `where` names the file in messages. Does not
// check endorsements: VerifyEndorsements / VerifyKeyHistory do.
StatusOr<v1::PublicKeyList> ParseKeyHistoryJson(std::string_view json, const std::string& where);
// Writes history.json durably (base/file_io.h), 0600.
Status WriteKeyHistory(const std::string& key_dir, const v1::PublicKeyList& history);

// The keys trusted given the `pinned` ones and a list whose endorsements were checked:
// the pinned keys and every key a trusted key endorsed, directly or through others.
std::vector<PublicKey> TrustThroughEndorsements(const std::vector<PublicKey>& pinned,
                                                const v1::PublicKeyList& checked);

// The listed entry of `key_id`, or null.
const v1::PublicKey* FindKey(const v1::PublicKeyList& list, std::string_view key_id);

// When `key_id` was retired according to `list`; nullopt when it is not retired or not
// listed.
std::optional<TimeMs> RetiredAt(const v1::PublicKeyList& list, std::string_view key_id);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_KEY_HISTORY_H_
