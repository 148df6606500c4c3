// Hex text for bytes (RFC 4648 section 8, "base16"): how stayaway writes hashes, keys,
// signatures, token digests and ids. Written in lower case; read in either case. Computed
// by libsodium (sodium_bin2hex, sodium_hex2bin: constant time, so a secret key read from
// hex does not leak through timing). Pure; thread-safe.
#ifndef STAYAWAY_BASE_HEX_H_
#define STAYAWAY_BASE_HEX_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace stayaway {

// Two lower-case hex digits per byte.
std::string HexEncode(std::span<const uint8_t> bytes);
std::string HexEncode(std::string_view bytes);

// The bytes of `hex`: an even number of hex digits of either case and nothing else (no
// prefix, separators or spaces). InvalidArgument otherwise; the message never repeats the
// text, which may be a secret.
StatusOr<std::string> HexDecode(std::string_view hex);
// The same into exactly out.size() bytes: `hex` must be 2 * out.size() digits. On an error
// `out` is left zeroed.
Status HexDecodeInto(std::string_view hex, std::span<uint8_t> out);

// True when `text` is exactly what HexEncode writes for some `bytes` bytes: 2 * bytes
// lower-case hex digits.
bool IsLowerHex(std::string_view text, std::size_t bytes);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_HEX_H_
