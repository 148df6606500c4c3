#include "base/dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/private_files.h"

namespace stayaway {

StatusOr<DirLock> DirLock::Acquire(const std::string& dir) {
  const std::string path = dir + "/lock";
  StatusOr<int> fd = OpenPrivateFile(path, 0);
  if (!fd.ok()) return fd.status();
  if (::flock(*fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(*fd);
    if (error == EWOULDBLOCK) {
      return FailedPrecondition(
          dir + " is in use by another process (a running stayawayd?): " + path + " is locked");
    }
    return FailedPrecondition("cannot lock " + path + ": " + std::strerror(error));
  }
  return DirLock(*fd);
}

DirLock::DirLock(DirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DirLock& DirLock::operator=(DirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace stayaway
