#include "evidence/key_rotation.h"

#include <unistd.h>

#include <filesystem>

#include "base/file_io.h"
#include "evidence/key_history.h"

namespace stayaway::evidence {
namespace {

namespace fs = std::filesystem;

struct KeyPaths {
  explicit KeyPaths(const std::string& key_dir)
      : secret(key_dir + "/" + kSecretKeyFile),
        public_key(key_dir + "/" + kPublicKeyFile),
        staged_secret(secret + ".next"),
        staged_public(public_key + ".next"),
        history(key_dir + "/" + kKeyHistoryFile) {}
  std::string secret, public_key, staged_secret, staged_public, history;
};

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

// True when history.json ends in the key whose public half `public_path` holds.
StatusOr<bool> HistoryEndsIn(const KeyPaths& paths, const std::string& public_path) {
  StatusOr<std::string> hex = ReadWholeFile(public_path);
  if (!hex.ok()) return hex.status();
  StatusOr<PublicKey> staged = PublicKeyFromHex(*hex);
  if (!staged.ok()) return false;  // torn before it was whole: never committed
  if (!Exists(paths.history)) return false;
  StatusOr<std::string> text = ReadWholeFile(paths.history);
  if (!text.ok()) return text.status();
  StatusOr<v1::PublicKeyList> history = ParseKeyHistoryJson(*text, paths.history);
  if (!history.ok()) return history.status();
  return !history->keys().empty() &&
         history->keys(history->keys_size() - 1).key_id() == KeyIdOf(*staged);
}

Status RemoveStaged(const KeyPaths& paths) {
  ::unlink(paths.staged_secret.c_str());
  ::unlink(paths.staged_public.c_str());
  return SyncParentDirectory(paths.secret);
}

}  // namespace

Status FinishInterruptedRotation(const std::string& key_dir) {
  const KeyPaths paths(key_dir);
  const bool secret_staged = Exists(paths.staged_secret);
  const bool public_staged = Exists(paths.staged_public);
  if (!secret_staged && !public_staged) return Status::Ok();
  // Step 1 writes the secret before the public key, so a staged secret alone was never
  // committed; step 3 renames the secret first, so a staged public key alone was.
  if (!public_staged) return RemoveStaged(paths);
  StatusOr<bool> committed = HistoryEndsIn(paths, paths.staged_public);
  if (!committed.ok()) return committed.status();
  if (!*committed) return RemoveStaged(paths);
  if (secret_staged) {
    if (Status s = RenameDurably(paths.staged_secret, paths.secret); !s.ok()) return s;
  }
  return RenameDurably(paths.staged_public, paths.public_key);
}

StatusOr<RotatedKey> RotateSigningKey(const std::string& key_dir, TimeMs now) {
  const KeyPaths paths(key_dir);
  if (!Exists(paths.secret)) {
    return FailedPrecondition(paths.secret + " does not exist: there is no key to rotate yet");
  }
  StatusOr<CheckpointSigner> old_key = CheckpointSigner::LoadOrCreate(key_dir);
  if (!old_key.ok()) return old_key.status();
  StatusOr<v1::PublicKeyList> history = LoadKeyHistory(key_dir, old_key->public_key());
  if (!history.ok()) return history.status();
  v1::PublicKey& current = *history->mutable_keys(history->keys_size() - 1);
  if (current.has_valid_from() && now <= TimestampToMs(current.valid_from())) {
    return FailedPrecondition("the current key " + current.key_id() + " took over at " +
                              FormatRfc3339(TimestampToMs(current.valid_from())) + ", not before " +
                              FormatRfc3339(now) +
                              "; a rotation must come later (is the clock right?)");
  }
  StatusOr<CheckpointSigner> new_key = CheckpointSigner::Generate();
  if (!new_key.ok()) return new_key.status();

  MsToTimestamp(now, current.mutable_retired_at());
  v1::PublicKey successor = new_key->PublicKeyMessage();
  MsToTimestamp(now, successor.mutable_valid_from());
  v1::KeyEndorsement* endorsement = successor.mutable_endorsement();
  endorsement->set_endorser_key_id(old_key->key_id());
  MsToTimestamp(now, endorsement->mutable_time());
  endorsement->set_signature(
      old_key->SignDetached(KeyEndorsementText(new_key->public_key(), old_key->key_id(), now)));
  *history->add_keys() = std::move(successor);
  if (Status s = VerifyKeyHistory(*history); !s.ok()) {
    return Status(StatusCode::kInternal, "the rotated history does not hold: " + s.message());
  }

  if (Status s = new_key->WriteKeyFiles(paths.staged_secret, paths.staged_public); !s.ok()) {
    (void)RemoveStaged(paths);
    return s;
  }
  if (Status s = WriteKeyHistory(key_dir, *history); !s.ok()) {
    (void)RemoveStaged(paths);
    return s;
  }
  // Committed: from here a failure is finished by the next FinishInterruptedRotation.
  if (Status s = FinishInterruptedRotation(key_dir); !s.ok()) return s;
  return RotatedKey{std::move(*new_key), std::move(*history)};
}

}  // namespace stayaway::evidence
