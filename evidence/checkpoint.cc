#include "evidence/checkpoint.h"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "base/file_io.h"
#include "base/hex.h"
#include "base/private_files.h"
#include "base/sodium_init.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {
namespace {

constexpr size_t kSeedSize = crypto_sign_SEEDBYTES;
static_assert(crypto_sign_PUBLICKEYBYTES == kPublicKeySize);
static_assert(crypto_sign_BYTES == kSignatureSize);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(kSeedSize == 32);

Status Internal(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}

Status ErrnoStatus(const std::string& what, const std::string& path) {
  return Internal(what + " " + path + ": " + std::strerror(errno));
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// Reads a whole small file; `max_bytes` bounds what a damaged or wrong file can cost.
StatusOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes,
                                    struct stat* st) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return ErrnoStatus("cannot open", path);
  std::string data;
  Status status;
  if (::fstat(fd, st) != 0) {
    status = ErrnoStatus("cannot stat", path);
  } else if (!S_ISREG(st->st_mode)) {
    status = FailedPrecondition(path + " is not a regular file");
  } else if (static_cast<uint64_t>(st->st_size) > max_bytes) {
    status = FailedPrecondition(path + " is " + std::to_string(st->st_size) +
                                " bytes, too large for a key file");
  } else {
    data.resize(static_cast<size_t>(st->st_size));
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        status = ErrnoStatus("cannot read", path);
        break;
      }
      done += static_cast<size_t>(n);
    }
  }
  ::close(fd);
  if (!status.ok()) {
    sodium_memzero(data.data(), data.size());
    return status;
  }
  return data;
}

std::string PublicKeyFileText(const PublicKey& public_key) {
  return PublicKeyToHex(public_key) + "\n";
}

}  // namespace

std::string KeyIdOf(const PublicKey& public_key) {
  const Hash digest = Sha256(std::string_view(reinterpret_cast<const char*>(public_key.data()),
                                              public_key.size()));
  return HexEncode(std::span<const uint8_t>(digest.data(), 8));
}

std::string PublicKeyToHex(const PublicKey& public_key) {
  return HexEncode(public_key);
}

StatusOr<PublicKey> PublicKeyFromHex(std::string_view hex) {
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ' ||
                          hex.back() == '\t')) {
    hex.remove_suffix(1);
  }
  while (!hex.empty() && (hex.front() == ' ' || hex.front() == '\t' || hex.front() == '\n')) {
    hex.remove_prefix(1);
  }
  // The same 64-hex-digit shape as a hash; reuse its strict parser.
  StatusOr<Hash> bytes = HashFromHex(hex);
  if (!bytes.ok()) {
    return InvalidArgument("an Ed25519 public key is 64 hex digits, got " +
                           std::to_string(hex.size()) + " characters");
  }
  PublicKey key;
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

StatusOr<PublicKey> PublicKeyFromBytes(std::string_view bytes) {
  if (bytes.size() != kPublicKeySize) {
    return InvalidArgument("an Ed25519 public key is 32 bytes, got " +
                           std::to_string(bytes.size()));
  }
  PublicKey key;
  std::memcpy(key.data(), bytes.data(), key.size());
  return key;
}

std::string CheckpointSignedText(uint64_t tree_size, const Hash& root_hash, TimeMs time_ms,
                                 std::string_view key_id) {
  std::string text = "stayaway checkpoint v1\n";
  text += std::to_string(tree_size);
  text += '\n';
  text += HashToHex(root_hash);
  text += '\n';
  text += std::to_string(time_ms);
  text += '\n';
  text += key_id;
  text += '\n';
  return text;
}

StatusOr<std::string> CheckpointSignedText(const v1::Checkpoint& checkpoint) {
  StatusOr<Hash> root = HashFromBytes(checkpoint.root_hash());
  if (!root.ok()) return InvalidArgument("checkpoint root hash: " + root.status().message());
  const int32_t nanos = checkpoint.time().nanos();
  if (nanos < 0 || nanos >= 1000000000 || nanos % 1000000 != 0) {
    // Two Timestamps differing below a millisecond would share one signed text.
    return InvalidArgument("checkpoint time has nanos " + std::to_string(nanos) +
                           ", not whole milliseconds");
  }
  return CheckpointSignedText(checkpoint.tree_size(), *root, TimestampToMs(checkpoint.time()),
                              checkpoint.key_id());
}

// ---------------------------------------------------------------------------------
// CheckpointSigner
// ---------------------------------------------------------------------------------

StatusOr<CheckpointSigner> CheckpointSigner::LoadOrCreate(const std::string& key_dir) {
  if (!InitSodium()) return Internal("libsodium failed to initialize");
  if (key_dir.empty()) return InvalidArgument("the key directory is empty");
  Status made = MakePrivateDirectories(key_dir);
  if (!made.ok()) return made;
  const std::string secret_path = key_dir + "/" + kSecretKeyFile;
  const std::string public_path = key_dir + "/" + kPublicKeyFile;

  const bool have_secret = Exists(secret_path);
  const bool have_public = Exists(public_path);
  if (!have_secret && have_public) {
    return FailedPrecondition(
        public_path + " exists but its secret key " + secret_path +
        " is missing; refusing to create a new key that earlier checkpoints were not signed "
        "with (restore the key, or move the .pub aside to start a new key deliberately)");
  }

  std::array<uint8_t, kSeedSize> seed{};
  if (have_secret) {
    struct stat st;
    StatusOr<std::string> data = ReadSmallFile(secret_path, 4096, &st);
    if (!data.ok()) return data.status();
    if ((st.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      sodium_memzero(data->data(), data->size());
      return FailedPrecondition(secret_path + " has mode " + mode +
                                "; a secret key must be readable by its owner only "
                                "(chmod 600)");
    }
    if (data->size() != kSeedSize) {
      const size_t size = data->size();
      sodium_memzero(data->data(), data->size());
      return FailedPrecondition(secret_path + " is " + std::to_string(size) +
                                " bytes; an Ed25519 secret key file holds exactly 32 "
                                "(the RFC 8032 seed), so it is truncated or not ours");
    }
    std::memcpy(seed.data(), data->data(), kSeedSize);
    sodium_memzero(data->data(), data->size());
  } else {
    randombytes_buf(seed.data(), seed.size());
  }

  CheckpointSigner signer;
  crypto_sign_seed_keypair(signer.public_key_.data(), signer.secret_key_.data(), seed.data());
  signer.key_id_ = KeyIdOf(signer.public_key_);

  if (!have_secret) {
    Status written = WriteFileAtomically(
        secret_path, std::string_view(reinterpret_cast<const char*>(seed.data()), seed.size()));
    sodium_memzero(seed.data(), seed.size());
    if (!written.ok()) return written;
  }
  sodium_memzero(seed.data(), seed.size());

  if (have_public) {
    struct stat st;
    StatusOr<std::string> text = ReadSmallFile(public_path, 4096, &st);
    if (!text.ok()) return text.status();
    StatusOr<PublicKey> published = PublicKeyFromHex(*text);
    if (!published.ok()) {
      return FailedPrecondition(public_path + ": " + published.status().message());
    }
    if (*published != signer.public_key_) {
      return FailedPrecondition(public_path + " holds key " + KeyIdOf(*published) +
                                " but " + secret_path + " is the secret of key " +
                                signer.key_id_ + "; the two files do not belong together");
    }
  } else {
    Status written = WriteFileAtomically(public_path, PublicKeyFileText(signer.public_key_));
    if (!written.ok()) return written;
  }
  return signer;
}

CheckpointSigner::CheckpointSigner(CheckpointSigner&& other) noexcept
    : secret_key_(other.secret_key_),
      public_key_(other.public_key_),
      key_id_(std::move(other.key_id_)) {
  sodium_memzero(other.secret_key_.data(), other.secret_key_.size());
}

CheckpointSigner& CheckpointSigner::operator=(CheckpointSigner&& other) noexcept {
  if (this != &other) {
    secret_key_ = other.secret_key_;
    public_key_ = other.public_key_;
    key_id_ = std::move(other.key_id_);
    sodium_memzero(other.secret_key_.data(), other.secret_key_.size());
  }
  return *this;
}

CheckpointSigner::~CheckpointSigner() {
  sodium_memzero(secret_key_.data(), secret_key_.size());
}

v1::PublicKey CheckpointSigner::PublicKeyMessage() const {
  v1::PublicKey message;
  message.set_key_id(key_id_);
  message.set_algorithm("ed25519");
  message.set_key(std::string(reinterpret_cast<const char*>(public_key_.data()),
                              public_key_.size()));
  return message;
}

v1::SignedCheckpoint CheckpointSigner::Sign(uint64_t tree_size, const Hash& root_hash,
                                            TimeMs time_ms) const {
  const std::string text = CheckpointSignedText(tree_size, root_hash, time_ms, key_id_);
  std::array<uint8_t, kSignatureSize> signature{};
  crypto_sign_detached(signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                       secret_key_.data());

  v1::SignedCheckpoint out;
  v1::Checkpoint* checkpoint = out.mutable_checkpoint();
  checkpoint->set_tree_size(tree_size);
  checkpoint->set_root_hash(HashToBytes(root_hash));
  MsToTimestamp(time_ms, checkpoint->mutable_time());
  checkpoint->set_key_id(key_id_);
  out.set_signature(std::string(reinterpret_cast<const char*>(signature.data()),
                                signature.size()));
  return out;
}

std::string CheckpointSigner::SignDetachedHex(std::string_view message) const {
  std::array<uint8_t, kSignatureSize> signature{};
  crypto_sign_detached(signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_key_.data());
  return HexEncode(signature);
}

Status VerifyDetachedHex(std::string_view message, std::string_view signature_hex,
                         const PublicKey& public_key) {
  while (!signature_hex.empty() && std::isspace(static_cast<unsigned char>(signature_hex.back()))) {
    signature_hex.remove_suffix(1);
  }
  if (signature_hex.size() != 2 * kSignatureSize) {
    return InvalidArgument("the signature is not 128 hex digits");
  }
  std::array<uint8_t, kSignatureSize> signature{};
  if (!HexDecodeInto(signature_hex, signature).ok()) {
    return InvalidArgument("the signature is not hex");
  }
  if (!InitSodium()) return FailedPrecondition("libsodium could not be initialised");
  if (crypto_sign_verify_detached(signature.data(),
                                  reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(), public_key.data()) != 0) {
    return InvalidArgument("the signature does not match the content and key");
  }
  return Status::Ok();
}

Status VerifyCheckpoint(const v1::SignedCheckpoint& signed_checkpoint,
                        const PublicKey& public_key) {
  if (!InitSodium()) return Internal("libsodium failed to initialize");
  if (!signed_checkpoint.has_checkpoint()) {
    return InvalidArgument("signed checkpoint has no checkpoint");
  }
  const v1::Checkpoint& checkpoint = signed_checkpoint.checkpoint();
  const std::string expected_id = KeyIdOf(public_key);
  if (checkpoint.key_id() != expected_id) {
    return InvalidArgument("checkpoint names signing key '" + checkpoint.key_id() +
                           "', but the public key given is " + expected_id);
  }
  StatusOr<std::string> text = CheckpointSignedText(checkpoint);
  if (!text.ok()) return text.status();
  const std::string& signature = signed_checkpoint.signature();
  if (signature.size() != kSignatureSize) {
    return InvalidArgument("checkpoint signature is " + std::to_string(signature.size()) +
                           " bytes, an Ed25519 signature is 64");
  }
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                  reinterpret_cast<const unsigned char*>(text->data()),
                                  text->size(), public_key.data()) != 0) {
    return InvalidArgument(
        "checkpoint signature does not match (tree size " +
        std::to_string(checkpoint.tree_size()) + ", time " +
        FormatRfc3339(TimestampToMs(checkpoint.time())) + ", key " + expected_id +
        "): the checkpoint or its signature was altered, or another key signed it");
  }
  return Status::Ok();
}

StatusOr<std::vector<v1::SignedCheckpoint>> ParseCheckpointLog(std::string_view text,
                                                               std::string_view file) {
  std::vector<v1::SignedCheckpoint> out;
  std::size_t line_number = 0;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    const bool terminated = end != std::string_view::npos;
    const std::string_view line = text.substr(at, terminated ? end - at : std::string_view::npos);
    at = terminated ? end + 1 : text.size();
    ++line_number;
    if (line.empty()) continue;
    v1::SignedCheckpoint checkpoint;
    if (!google::protobuf::util::JsonStringToMessage(
             google::protobuf::StringPiece(line.data(), line.size()), &checkpoint)
             .ok()) {
      if (!terminated) break;  // a torn last write: never durable, never signed over
      return InvalidArgument(std::string(file) + " line " + std::to_string(line_number) +
                             ": not a signed checkpoint");
    }
    out.push_back(std::move(checkpoint));
  }
  return out;
}

StatusOr<std::vector<v1::SignedCheckpoint>> LoadCheckpointLog(const std::string& data_dir) {
  const std::string path = data_dir + "/checkpoints.ndjson";
  if (!std::filesystem::exists(path)) return std::vector<v1::SignedCheckpoint>();
  StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  return ParseCheckpointLog(*text, path);
}

Status RepairCheckpointLogTail(const std::string& path, bool* cut) {
  *cut = false;
  if (!std::filesystem::exists(path)) return Status::Ok();
  StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  if (text->empty() || text->back() == '\n') return Status::Ok();
  const std::size_t keep = text->rfind('\n') == std::string::npos ? 0 : text->rfind('\n') + 1;
  std::error_code ec;
  std::filesystem::resize_file(path, keep, ec);
  if (ec) return FailedPrecondition("cannot cut the torn end of " + path + ": " + ec.message());
  *cut = true;
  return Status::Ok();
}

}  // namespace stayaway::evidence
