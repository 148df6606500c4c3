#include "evidence/checkpoint.h"

#include <google/protobuf/util/json_util.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "base/file_io.h"
#include "base/hex.h"
#include "base/sodium_init.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {
namespace {

static_assert(crypto_sign_PUBLICKEYBYTES == kPublicKeySize);
static_assert(crypto_sign_BYTES == kSignatureSize);

Status Internal(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
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

Status VerifyDetached(std::string_view message, std::string_view signature,
                      const PublicKey& public_key) {
  if (signature.size() != kSignatureSize) {
    return InvalidArgument("the signature is " + std::to_string(signature.size()) +
                           " bytes, an Ed25519 signature is 64");
  }
  if (!InitSodium()) return Internal("libsodium failed to initialize");
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                  reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(), public_key.data()) != 0) {
    return InvalidArgument("the signature does not match the content and key");
  }
  return Status::Ok();
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
