// Whole-file reads and writes: how stayawayd and the stayaway tools write every file that
// is not appended to (snapshots, keys, credentials, the retention base, webhook cursors,
// evidence bundles, exports, imports). Appended files (journal segments, the checkpoint
// log) open with OpenPrivateFile (base/private_files.h).
// Thread-safe, except that two writers of the same path must not run at once.
#ifndef STAYAWAY_BASE_FILE_IO_H_
#define STAYAWAY_BASE_FILE_IO_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace stayaway {

// Replaces `path` with `bytes` so that a crash leaves either the old file or the whole new
// one: the bytes go to PATH.tmp (created afresh, mode 0600, never through a symbolic
// link), which is fsynced and renamed over `path`, and the directory is fsynced so the
// rename survives a crash too. The file is 0600 from its creation on, whatever the umask.
// FailedPrecondition naming the file when any step fails; PATH.tmp is then removed.
Status WriteFileAtomically(const std::string& path, std::string_view bytes);

// Renames `from` over `to` (same directory) and fsyncs the directory, so the rename
// survives a crash. FailedPrecondition naming both when it fails.
Status RenameDurably(const std::string& from, const std::string& to);

// Fsyncs the directory that holds `path`.
Status SyncParentDirectory(const std::string& path);

// The whole file; NotFound when it cannot be opened.
StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_FILE_IO_H_
