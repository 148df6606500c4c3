// The credential a command-line tool speaks to stayawayd with: the token in the file
// named by --token-file, or else in the environment variable STAYAWAY_TOKEN. Tokens are
// never taken on the command line, where `ps` shows them to every user.
// Thread-safe (reads the environment and a file).
#ifndef STAYAWAY_TOOLS_CREDENTIAL_FLAG_H_
#define STAYAWAY_TOOLS_CREDENTIAL_FLAG_H_

#include <string>

#include "base/status.h"

namespace stayaway::tools {

// The token, surrounding whitespace removed: from `token_file` (the --token-file flag's
// value; command_line.h declares it) unless empty, else from STAYAWAY_TOKEN.
// FailedPrecondition naming both ways when neither gives one.
StatusOr<std::string> ResolveToken(const std::string& token_file);

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_CREDENTIAL_FLAG_H_
