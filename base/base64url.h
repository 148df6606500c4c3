// base64url without padding (RFC 4648 section 5, the URL- and file-name-safe alphabet
// A-Z a-z 0-9 - _, no '=' padding): how bearer tokens carry their random bytes
// (access/token.h). Computed by libsodium (sodium_bin2base64, sodium_base642bin with
// sodium_base64_VARIANT_URLSAFE_NO_PADDING). Pure; thread-safe.
#ifndef STAYAWAY_BASE_BASE64URL_H_
#define STAYAWAY_BASE_BASE64URL_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace stayaway {

// ceil(4 * n / 3) characters of the URL-safe alphabet.
std::string Base64UrlEncode(std::span<const uint8_t> bytes);

// The bytes of `text`, which must be exactly what Base64UrlEncode writes for them:
// characters of the URL-safe alphabet only (no padding, whitespace, '+' or '/'), a length
// that is not 1 more than a multiple of 4, and zero bits where the last character pads the
// last byte. InvalidArgument otherwise; the message never repeats the text.
StatusOr<std::string> Base64UrlDecode(std::string_view text);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_BASE64URL_H_
