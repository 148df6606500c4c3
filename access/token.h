// Bearer tokens: how they are made and how the daemon keeps them (only their digest).
//
// A token is "sa_" and 43 base64url characters: 256 random bits from the system's CSPRNG,
// the prefix so secret scanners and people recognise one. The daemon stores the lowercase
// hex SHA-256 of a token, never the token: 256 random bits need no salt or slow hash, a
// stolen credentials file gives no usable token, and a lookup by digest takes the same
// time whichever token is tried.
// Thread-safe.
#ifndef STAYAWAY_ACCESS_TOKEN_H_
#define STAYAWAY_ACCESS_TOKEN_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace stayaway::access {

// Tokens shorter than this are refused (a bootstrap token an operator typed, say).
inline constexpr std::size_t kMinTokenLength = 20;

// A new random token. Fails only if the system cannot give random bytes.
StatusOr<std::string> NewToken();

// Lowercase hex SHA-256 of the token's bytes.
std::string TokenDigest(std::string_view token);

// The token of an HTTP Authorization header value "Bearer TOKEN" (scheme case-insensitive);
// empty when the value is not a bearer token.
std::string_view BearerToken(std::string_view authorization);

// The user and password of an HTTP Authorization header value "Basic BASE64(user:password)"
// (RFC 7617; scheme case-insensitive), for clients that cannot send a bearer token (the
// OwnTracks app's HTTP mode sends its password setting this way: the password is then the
// token). Nothing when the value is not Basic, not base64 or has no ':'.
struct BasicCredentials {
  std::string user;
  std::string password;
};
std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view authorization);

}  // namespace stayaway::access

#endif  // STAYAWAY_ACCESS_TOKEN_H_
