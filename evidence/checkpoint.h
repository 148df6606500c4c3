// Signed checkpoints: the daemon's Ed25519 signature over a Merkle tree head (tree size,
// root hash, time), so that anyone holding the published public key can check offline
// that a record was in the log the daemon vouched for (ARCHITECTURE.md, decision 8). The
// daemon signs at intervals and on shutdown with a CheckpointSigner; `stayaway verify`
// and evidence bundles check with VerifyCheckpoint. Signatures are libsodium's
// crypto_sign_detached: plain RFC 8032 Ed25519, checkable by any Ed25519 library.
//
// What is signed (the "signed text") is NOT a protobuf serialization but this ASCII text,
// five lines each ending in "\n", no other whitespace, so a court's own tool can rebuild
// it from the checkpoint's fields:
//
//   stayaway checkpoint v1
//   <tree_size, unsigned decimal, no leading zeros>
//   <root hash, 64 lower-case hex digits>
//   <time, milliseconds since 1970-01-01T00:00:00Z, signed decimal>
//   <key_id, 16 lower-case hex digits>
//
// e.g. "stayaway checkpoint v1\n8\n5dc9da79...4328\n1740823200000\n1a2b3c4d5e6f7081\n".
// The key id is the first 8 bytes of SHA-256(32-byte public key), in hex. A checkpoint
// whose Timestamp has sub-millisecond digits is refused: it is not one we signed.
//
// The signing side (the secret key and its files) is checkpoint_signer.h.
// Thread-safety: pure functions, safe to call concurrently.
#ifndef STAYAWAY_EVIDENCE_CHECKPOINT_H_
#define STAYAWAY_EVIDENCE_CHECKPOINT_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "evidence/merkle_tree.h"

namespace stayaway::v1 {
class Checkpoint;
class SignedCheckpoint;
class PublicKey;
}  // namespace stayaway::v1

namespace stayaway::evidence {

inline constexpr size_t kPublicKeySize = 32;  // Ed25519
inline constexpr size_t kSignatureSize = 64;
using PublicKey = std::array<uint8_t, kPublicKeySize>;

// Hex of the first 8 bytes of SHA-256(public key): 16 characters.
std::string KeyIdOf(const PublicKey& public_key);
std::string PublicKeyToHex(const PublicKey& public_key);
// 64 hex digits; surrounding whitespace (the .pub file's newline) is ignored.
StatusOr<PublicKey> PublicKeyFromHex(std::string_view hex);
StatusOr<PublicKey> PublicKeyFromBytes(std::string_view bytes);  // exactly 32 raw bytes

// The exact bytes an Ed25519 checkpoint signature covers (format above).
std::string CheckpointSignedText(uint64_t tree_size, const Hash& root_hash, TimeMs time_ms,
                                 std::string_view key_id);
// The same, rebuilt from a received checkpoint; refuses a root that is not 32 bytes or a
// time with sub-millisecond digits.
StatusOr<std::string> CheckpointSignedText(const v1::Checkpoint& checkpoint);

// The checkpoints of a checkpoint log (DATA_DIR/checkpoints.ndjson, an export's
// checkpoints.ndjson): one SignedCheckpoint JSON a line, in file order; signatures are not
// checked here. Strict: a line that is not a signed checkpoint is refused, naming `file`
// and the line, so a damaged log is never read as a shorter one. The one exception is a
// last line without its newline that does not parse: a write a crash cut short (the
// daemon writes each line whole, then syncs, and cuts such a tail when it starts,
// RepairCheckpointLogTail), which is left out.
StatusOr<std::vector<v1::SignedCheckpoint>> ParseCheckpointLog(std::string_view text,
                                                               std::string_view file);

// DATA_DIR/checkpoints.ndjson through ParseCheckpointLog; empty when there is no file.
StatusOr<std::vector<v1::SignedCheckpoint>> LoadCheckpointLog(const std::string& data_dir);

// Cuts a last line without its newline from the checkpoint log at `path` (a write a crash
// interrupted), so that the next line the daemon appends starts a line of its own. True
// in *cut when it cut something; nothing to do for a missing file.
Status RepairCheckpointLogTail(const std::string& path, bool* cut);

// Ok when `signed_checkpoint` carries a valid Ed25519 signature by `public_key` over its
// checkpoint's signed text and names that key's id; otherwise says what does not match.
Status VerifyCheckpoint(const v1::SignedCheckpoint& signed_checkpoint,
                        const PublicKey& public_key);

// Ok when `signature` (64 raw bytes) is an Ed25519 signature of `message` by `public_key`.
Status VerifyDetached(std::string_view message, std::string_view signature,
                      const PublicKey& public_key);

// Ok when `signature_hex` (128 hex digits, surrounding whitespace ignored) is an Ed25519
// signature of `message` by `public_key`.
Status VerifyDetachedHex(std::string_view message, std::string_view signature_hex,
                         const PublicKey& public_key);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_CHECKPOINT_H_
