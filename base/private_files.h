// Private files: every file stayawayd and the stayaway tools write is readable and writable
// by their owner only (mode 0600), in directories only the owner may enter (0700),
// whatever the process umask. The journal, snapshots, evidence bundles and exports hold
// protected persons' positions; nobody else on the machine may read them (SECURITY.md,
// "Files on disk").
//
// Modes are set explicitly (at open/mkdir and again with fchmod/chmod), so a permissive
// umask, a file left by an earlier version or by a crash, or a directory made by hand
// does not widen them. Symbolic links are not followed when a file is created.
// Thread-safe (the functions share no state; the file system is the caller's concern).
#ifndef STAYAWAY_BASE_PRIVATE_FILES_H_
#define STAYAWAY_BASE_PRIVATE_FILES_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/status.h"

namespace stayaway {

inline constexpr mode_t kPrivateFileMode = 0600;
inline constexpr mode_t kPrivateDirectoryMode = 0700;

// Like mkdir -p: creates `dir` and its missing parents, each with mode 0700. Directories
// that already exist are left as they are (a parent such as /tmp or $HOME is not ours to
// change; MakeTreePrivate tightens a directory stayaway owns). FailedPrecondition naming
// the path when something in the way is not a directory or cannot be created.
Status MakePrivateDirectories(const std::string& dir);

// Opens `path` for writing with O_CREAT | `extra_flags` (O_APPEND, O_TRUNC, O_EXCL) and
// mode 0600, set with fchmod too so that an existing file is tightened. Refuses a symbolic
// link at `path`. The caller owns (and closes) the returned descriptor.
StatusOr<int> OpenPrivateFile(const std::string& path, int extra_flags);

// Removes every group and other permission from `root` and everything under it (a file
// 0644 becomes 0600, a directory 0755 becomes 0700); symbolic links are neither followed
// nor changed. Returns the paths it changed, so the caller can say so. FailedPrecondition
// when `root` is missing or a mode cannot be changed (another owner, say).
StatusOr<std::vector<std::string>> MakeTreePrivate(const std::string& root);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_PRIVATE_FILES_H_
