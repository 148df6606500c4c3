// An exclusive lock on a data directory: DIR/lock, held with flock(2) for as long as the
// DirLock lives. stayawayd holds it while it runs; commands that change the directory
// under a stopped daemon (`stayaway keys rotate`) take it too, so the two never write the
// same files at once. The kernel lets go when the process dies, so a crash never leaves a
// stale lock behind.
// Thread-compatible; one DirLock per directory per process.
#ifndef STAYAWAY_BASE_DIR_LOCK_H_
#define STAYAWAY_BASE_DIR_LOCK_H_

#include <string>

#include "base/status.h"

namespace stayaway {

class DirLock {
 public:
  // Takes the lock of `dir` (creating DIR/lock, mode 0600), without waiting.
  // FailedPrecondition naming the directory when another process holds it.
  static StatusOr<DirLock> Acquire(const std::string& dir);

  DirLock(DirLock&& other) noexcept;
  DirLock& operator=(DirLock&& other) noexcept;
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock();

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace stayaway

#endif  // STAYAWAY_BASE_DIR_LOCK_H_
