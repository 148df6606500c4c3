// The credential a command-line tool speaks to stayawayd with: the token in the file
// named by --token-file, or else in the environment variable STAYAWAY_TOKEN. Tokens are
// never taken on the command line, where `ps` shows them to every user.
// Thread-safe (reads the environment and a file).
#ifndef STAYAWAY_TOOLS_CREDENTIAL_FLAG_H_
#define STAYAWAY_TOOLS_CREDENTIAL_FLAG_H_

#include <map>
#include <string>

#include "base/status.h"

namespace stayaway::tools {

inline constexpr char kCredentialUsage[] =
    "  --token-file FILE   the credential's bearer token (default: $STAYAWAY_TOKEN)\n";

// The token, surrounding whitespace removed. FailedPrecondition naming both ways when
// neither gives one.
StatusOr<std::string> ResolveToken(const std::map<std::string, std::string>& flags);

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_CREDENTIAL_FLAG_H_
