#include "base/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace stayaway {
namespace fs = std::filesystem;

namespace {

Status Errno(const std::string& what, const std::string& path) {
  return FailedPrecondition(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Status MakePrivateDirectories(const std::string& dir) {
  if (dir.empty()) return InvalidArgument("a directory path is empty");
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return FailedPrecondition(dir + " is not a directory");
    return Status::Ok();
  }
  if (errno != ENOENT) return Errno("cannot look at", dir);
  const fs::path parent = fs::path(dir).lexically_normal().parent_path();
  if (!parent.empty() && parent != fs::path(dir)) {
    if (Status s = MakePrivateDirectories(parent.string()); !s.ok()) return s;
  }
  if (::mkdir(dir.c_str(), kPrivateDirectoryMode) != 0) {
    if (errno != EEXIST) return Errno("cannot create the directory", dir);
    return MakePrivateDirectories(dir);  // made meanwhile by someone else: check what it is
  }
  // mkdir's mode passed through the umask; a umask such as 0277 would leave it unusable.
  if (::chmod(dir.c_str(), kPrivateDirectoryMode) != 0) return Errno("cannot chmod", dir);
  return Status::Ok();
}

StatusOr<int> OpenPrivateFile(const std::string& path, int extra_flags) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | extra_flags,
                        kPrivateFileMode);
  if (fd < 0) return Errno("cannot open", path);
  if (::fchmod(fd, kPrivateFileMode) != 0) {
    Status s = Errno("cannot chmod", path);
    ::close(fd);
    return s;
  }
  return fd;
}

StatusOr<std::vector<std::string>> MakeTreePrivate(const std::string& root) {
  std::vector<std::string> changed;
  // Symbolic links under the root are skipped (lstat), so chmod never follows one; the root
  // itself may be a link to the real directory.
  auto tighten = [&](const fs::path& path, bool follow) -> Status {
    struct stat st;
    if ((follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0)
      return Errno("cannot look at", path.string());
    if (S_ISLNK(st.st_mode) || (st.st_mode & 077) == 0) return Status::Ok();
    if (::chmod(path.c_str(), st.st_mode & 07700) != 0) {
      return Errno("cannot make private", path.string());
    }
    changed.push_back(path.string());
    return Status::Ok();
  };
  std::error_code ec;
  const fs::file_status root_status = fs::status(root, ec);
  if (ec || !fs::is_directory(root_status)) {
    return FailedPrecondition(root + " is not a directory");
  }
  if (Status s = tighten(root, true); !s.ok()) return s;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (Status s = tighten(it->path(), false); !s.ok()) return s;
  }
  if (ec) return FailedPrecondition("cannot walk " + root + ": " + ec.message());
  return changed;
}

}  // namespace stayaway
