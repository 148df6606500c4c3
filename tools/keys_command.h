// The centre's signing keys, offline (evidence/key_history.h, key_rotation.h):
//
//   stayaway keys list --data-dir DIR
//     Prints the key history exactly as GET /v1/keys answers it: every key the centre
//     has signed with, oldest first, each later one endorsed by the one before. Give it
//     to courts; `stayaway verify --keys FILE` takes it.
//
//   stayaway keys rotate --data-dir DIR
//     Replaces the signing key with a new one endorsed by the current one, with the
//     daemon stopped (it holds the directory's lock; a running daemon rotates with
//     POST /v1/keys/rotate). Refused when the newest checkpoint is dated after the
//     machine's clock: the old key would look as if it signed after its retirement.
//
// Exit 0 on success, 1 when refused (the message says why), 2 on usage.
#ifndef STAYAWAY_TOOLS_KEYS_COMMAND_H_
#define STAYAWAY_TOOLS_KEYS_COMMAND_H_

#include <iosfwd>
#include <span>
#include <string_view>

namespace stayaway::tools {

int RunKeysCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_KEYS_COMMAND_H_
