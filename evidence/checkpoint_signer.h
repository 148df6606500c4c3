// The centre's signing key: the Ed25519 secret that signs checkpoints (checkpoint.h),
// bundle manifests and the endorsement of its successor (key_history.h).
//
// Key files, in the key directory (DATA_DIR/keys):
//   ed25519.key   the secret key: exactly 32 raw bytes, the RFC 8032 seed (private key).
//                 Mode 0600; a file that group or others may access is refused.
//   ed25519.pub   the public key: 64 lower-case hex digits and a newline. Also 0600, like
//                 every file stayaway writes (base/private_files.h); it is published
//                 through GET /v1/keys and in bundles and exports, not through its mode.
//   history.json  every key the centre has signed with, oldest first (key_history.h);
//                 absent until the first rotation.
// LoadOrCreate creates both key files when neither exists, recreates the .pub from the
// .key when only the .pub is missing, and refuses a .pub without its .key (a lost key
// must not be replaced silently by a new one that no earlier checkpoint was signed with).
// It first finishes or undoes a rotation a crash interrupted (key_rotation.h).
//
// Thread-safety: a CheckpointSigner is immutable once made; Sign and SignDetached* are
// safe to call concurrently.
#ifndef STAYAWAY_EVIDENCE_CHECKPOINT_SIGNER_H_
#define STAYAWAY_EVIDENCE_CHECKPOINT_SIGNER_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"
#include "evidence/checkpoint.h"

namespace stayaway::evidence {

inline constexpr char kSecretKeyFile[] = "ed25519.key";
inline constexpr char kPublicKeyFile[] = "ed25519.pub";

// The public key in KEY_DIR/ed25519.pub, for readers that need no secret (exports, the
// key list). Errors name the file.
StatusOr<PublicKey> LoadPublicKey(const std::string& key_dir);

class CheckpointSigner {
 public:
  // Loads the key pair from `key_dir`, creating the directory (mode 0700) and a new key
  // pair when there is none. Errors name the file and what is wrong with it.
  static StatusOr<CheckpointSigner> LoadOrCreate(const std::string& key_dir);
  // A new random key pair, in memory only (a rotation writes it with WriteKeyFiles).
  static StatusOr<CheckpointSigner> Generate();

  CheckpointSigner(CheckpointSigner&& other) noexcept;
  CheckpointSigner& operator=(CheckpointSigner&& other) noexcept;
  CheckpointSigner(const CheckpointSigner&) = delete;
  CheckpointSigner& operator=(const CheckpointSigner&) = delete;
  ~CheckpointSigner();  // wipes the secret key from memory

  const std::string& key_id() const { return key_id_; }
  const PublicKey& public_key() const { return public_key_; }
  // The key as GET /v1/keys publishes it (without history: key_history.h adds that).
  v1::PublicKey PublicKeyMessage() const;

  // Writes the secret (32-byte seed) and the public key (hex) durably, each 0600, at the
  // paths given: the key directory's two files, or a rotation's staged ones.
  Status WriteKeyFiles(const std::string& secret_path, const std::string& public_path) const;

  // Signs "the first tree_size leaves have root root_hash", stamped time_ms.
  v1::SignedCheckpoint Sign(uint64_t tree_size, const Hash& root_hash, TimeMs time_ms) const;
  // An Ed25519 signature of arbitrary bytes: 64 raw bytes, or 128 hex digits (an
  // evidence bundle's manifest.sig).
  std::string SignDetached(std::string_view message) const;
  std::string SignDetachedHex(std::string_view message) const;

 private:
  CheckpointSigner() = default;
  // Derives the key pair from a 32-byte seed.
  static CheckpointSigner FromSeed(const uint8_t* seed);

  std::array<uint8_t, 64> secret_key_{};  // libsodium layout: seed || public key
  PublicKey public_key_{};
  std::string key_id_;
};

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_CHECKPOINT_SIGNER_H_
