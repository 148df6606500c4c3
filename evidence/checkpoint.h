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
// Key files, in the key directory (the daemon's data directory):
//   ed25519.key  the secret key: exactly 32 raw bytes, the RFC 8032 seed (private key).
//                Mode 0600; a file that group or others may access is refused.
//   ed25519.pub  the public key: 64 lower-case hex digits and a newline. Also 0600, like
//                every file stayaway writes (base/private_files.h); it is published
//                through GET /v1/keys and in bundles and exports, not through its mode.
// LoadOrCreate creates both when neither exists, recreates the .pub from the .key when
// only the .pub is missing, and refuses a .pub without its .key (a lost key must not be
// replaced silently by a new one that no earlier checkpoint was signed with).
//
// Thread-safety: CheckpointSigner is immutable after LoadOrCreate; Sign and all free
// functions are safe to call concurrently.
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

inline constexpr char kSecretKeyFile[] = "ed25519.key";
inline constexpr char kPublicKeyFile[] = "ed25519.pub";

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

class CheckpointSigner {
 public:
  // Loads the key pair from `key_dir`, creating the directory (mode 0700) and a new key
  // pair when there is none. Errors name the file and what is wrong with it.
  static StatusOr<CheckpointSigner> LoadOrCreate(const std::string& key_dir);

  CheckpointSigner(CheckpointSigner&& other) noexcept;
  CheckpointSigner& operator=(CheckpointSigner&& other) noexcept;
  CheckpointSigner(const CheckpointSigner&) = delete;
  CheckpointSigner& operator=(const CheckpointSigner&) = delete;
  ~CheckpointSigner();  // wipes the secret key from memory

  const std::string& key_id() const { return key_id_; }
  const PublicKey& public_key() const { return public_key_; }
  // The key as GET /v1/keys publishes it.
  v1::PublicKey PublicKeyMessage() const;

  // Signs "the first tree_size leaves have root root_hash", stamped time_ms.
  v1::SignedCheckpoint Sign(uint64_t tree_size, const Hash& root_hash, TimeMs time_ms) const;
  // An Ed25519 signature of arbitrary bytes (an evidence bundle's manifest), as 128 hex
  // digits.
  std::string SignDetachedHex(std::string_view message) const;

 private:
  CheckpointSigner() = default;

  std::array<uint8_t, 64> secret_key_{};  // libsodium layout: seed || public key
  PublicKey public_key_{};
  std::string key_id_;
};

// Ok when `signed_checkpoint` carries a valid Ed25519 signature by `public_key` over its
// checkpoint's signed text and names that key's id; otherwise says what does not match.
Status VerifyCheckpoint(const v1::SignedCheckpoint& signed_checkpoint,
                        const PublicKey& public_key);

// Ok when `signature_hex` (128 hex digits, surrounding whitespace ignored) is an Ed25519
// signature of `message` by `public_key`.
Status VerifyDetachedHex(std::string_view message, std::string_view signature_hex,
                         const PublicKey& public_key);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_CHECKPOINT_H_
