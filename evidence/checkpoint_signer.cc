#include "evidence/checkpoint_signer.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "base/file_io.h"
#include "base/hex.h"
#include "base/private_files.h"
#include "base/sodium_init.h"
#include "evidence/key_history.h"
#include "evidence/key_rotation.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {
namespace {

constexpr size_t kSeedSize = crypto_sign_SEEDBYTES;
static_assert(crypto_sign_PUBLICKEYBYTES == kPublicKeySize);
static_assert(crypto_sign_BYTES == kSignatureSize);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(kSeedSize == 32);

Status Internal(std::string message) { return Status(StatusCode::kInternal, std::move(message)); }

Status ErrnoStatus(const std::string& what, const std::string& path) {
  return Internal(what + " " + path + ": " + std::strerror(errno));
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// Reads a whole small file; `max_bytes` bounds what a damaged or wrong file can cost.
StatusOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes, struct stat* st) {
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

StatusOr<PublicKey> LoadPublicKey(const std::string& key_dir) {
  const std::string path = key_dir + "/" + kPublicKeyFile;
  StatusOr<std::string> hex = ReadWholeFile(path);
  if (!hex.ok()) return FailedPrecondition("cannot read " + path + ": there is no signing key");
  StatusOr<PublicKey> key = PublicKeyFromHex(*hex);
  if (!key.ok()) return InvalidArgument(path + ": " + key.status().message());
  return key;
}

StatusOr<CheckpointSigner> CheckpointSigner::LoadOrCreate(const std::string& key_dir) {
  if (!InitSodium()) return Internal("libsodium failed to initialize");
  if (key_dir.empty()) return InvalidArgument("the key directory is empty");
  Status made = MakePrivateDirectories(key_dir);
  if (!made.ok()) return made;
  if (Status finished = FinishInterruptedRotation(key_dir); !finished.ok()) return finished;
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

  CheckpointSigner signer = FromSeed(seed.data());

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
      return FailedPrecondition(public_path + " holds key " + KeyIdOf(*published) + " but " +
                                secret_path + " is the secret of key " + signer.key_id_ +
                                "; the two files do not belong together");
    }
  } else {
    Status written = WriteFileAtomically(public_path, PublicKeyFileText(signer.public_key_));
    if (!written.ok()) return written;
  }
  return signer;
}

CheckpointSigner CheckpointSigner::FromSeed(const uint8_t* seed) {
  CheckpointSigner signer;
  crypto_sign_seed_keypair(signer.public_key_.data(), signer.secret_key_.data(), seed);
  signer.key_id_ = KeyIdOf(signer.public_key_);
  return signer;
}

StatusOr<CheckpointSigner> CheckpointSigner::Generate() {
  if (!InitSodium()) return Internal("libsodium failed to initialize");
  std::array<uint8_t, kSeedSize> seed{};
  randombytes_buf(seed.data(), seed.size());
  CheckpointSigner signer = FromSeed(seed.data());
  sodium_memzero(seed.data(), seed.size());
  return signer;
}

Status CheckpointSigner::WriteKeyFiles(const std::string& secret_path,
                                       const std::string& public_path) const {
  // The seed is the first half of libsodium's secret key.
  if (Status s = WriteFileAtomically(
          secret_path,
          std::string_view(reinterpret_cast<const char*>(secret_key_.data()), kSeedSize));
      !s.ok()) {
    return s;
  }
  return WriteFileAtomically(public_path, PublicKeyFileText(public_key_));
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

CheckpointSigner::~CheckpointSigner() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

v1::PublicKey CheckpointSigner::PublicKeyMessage() const { return PublishedKey(public_key_); }

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
  out.set_signature(std::string(reinterpret_cast<const char*>(signature.data()), signature.size()));
  return out;
}

std::string CheckpointSigner::SignDetached(std::string_view message) const {
  std::string signature(kSignatureSize, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_key_.data());
  return signature;
}

std::string CheckpointSigner::SignDetachedHex(std::string_view message) const {
  const std::string signature = SignDetached(message);
  return HexEncode(std::string_view(signature));
}

}  // namespace stayaway::evidence
