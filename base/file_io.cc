#include "base/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/private_files.h"

namespace stayaway {

Status SyncParentDirectory(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return FailedPrecondition("cannot open " + dir + ": " + std::strerror(errno));
  const bool synced = ::fsync(dir_fd) == 0;
  const std::string why = synced ? "" : std::strerror(errno);
  ::close(dir_fd);
  if (!synced) return FailedPrecondition("cannot fsync " + dir + ": " + why);
  return Status::Ok();
}

Status RenameDurably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return FailedPrecondition("cannot rename " + from + " to " + to + ": " + std::strerror(errno));
  }
  return SyncParentDirectory(to);
}

Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  const std::string temp = path + ".tmp";
  ::unlink(temp.c_str());  // a leftover from a crash: start afresh, whatever its mode
  StatusOr<int> opened = OpenPrivateFile(temp, O_EXCL);
  if (!opened.ok()) return opened.status();
  const int fd = *opened;
  size_t written = 0;
  bool ok = true;
  while (ok && written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  std::string why = ok ? "" : std::strerror(errno);
  ::close(fd);
  if (ok && ::rename(temp.c_str(), path.c_str()) != 0) {
    ok = false;
    why = std::strerror(errno);
  }
  if (!ok) {
    ::unlink(temp.c_str());
    return FailedPrecondition("cannot write " + path + ": " + why);
  }
  return SyncParentDirectory(path);
}

StatusOr<std::string> ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound("cannot read " + path + ": " + std::strerror(errno));
  // Sized from fstat and read in large pieces: snapshots run to hundreds of megabytes, and
  // a stream read a character at a time costs seconds of a restart. Reads on to the end
  // even when the file grew since fstat.
  struct stat info {};
  std::string bytes;
  if (::fstat(fd, &info) == 0 && info.st_size > 0) bytes.resize(static_cast<size_t>(info.st_size));
  size_t filled = 0;
  for (;;) {
    if (filled == bytes.size()) bytes.resize(std::max<size_t>(4096, bytes.size() * 2));
    const ssize_t n = ::read(fd, bytes.data() + filled, bytes.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return NotFound("cannot read " + path + ": " + why);
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  ::close(fd);
  bytes.resize(filled);
  return bytes;
}

}  // namespace stayaway
