// Rotating the centre's signing key (key_history.h says what a rotation leaves behind and
// how courts follow it). A centre rotates on a schedule, when staff who held the key
// leave, or when it suspects the key was copied:
//
//   POST /v1/keys/rotate                      the running daemon (admin role)
//   stayaway keys rotate --data-dir DIR       with the daemon stopped
//
// In the key directory, a rotation:
//   1. writes the new key pair as ed25519.key.next and ed25519.pub.next;
//   2. replaces history.json with the history that ends in the new key, endorsed by the
//      old one, the old one retired at the same time: this is the commit point;
//   3. renames ed25519.key.next over ed25519.key, then ed25519.pub.next over ed25519.pub.
// Every step is durable (fsync of file and directory). A crash between two steps leaves
// .next files that FinishInterruptedRotation (run by CheckpointSigner::LoadOrCreate)
// resolves by history.json: completed when the history already ends in the staged key,
// removed otherwise, so the directory always holds one consistent key.
//
// The old secret is gone once the rotation completes. What it signed stays verifiable
// through its public key in the history; a copy of it stolen later cannot sign a
// checkpoint dated after the rotation that a holder of the history accepts.
//
// Not safe to run concurrently with anything else using the same key directory: the
// daemon rotates on its engine thread, the command only while it holds the data
// directory's lock (base/dir_lock.h).
#ifndef STAYAWAY_EVIDENCE_KEY_ROTATION_H_
#define STAYAWAY_EVIDENCE_KEY_ROTATION_H_

#include <string>

#include "base/status.h"
#include "base/time.h"
#include "evidence/checkpoint_signer.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {

struct RotatedKey {
  CheckpointSigner signer;    // the new key
  v1::PublicKeyList history;  // the history ending in it
};

// Rotates the key in `key_dir` at `now` (ms since the epoch), which must be later than
// the current key's valid_from. FailedPrecondition when the directory has no key yet or
// its history does not hold.
StatusOr<RotatedKey> RotateSigningKey(const std::string& key_dir, TimeMs now);

// Completes or undoes a rotation a crash interrupted (see above); nothing to do when no
// .next file is there.
Status FinishInterruptedRotation(const std::string& key_dir);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_KEY_ROTATION_H_
