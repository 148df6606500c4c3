#include "base/hex.h"

#include <sodium.h>

#include <algorithm>

namespace stayaway {

std::string HexEncode(std::span<const uint8_t> bytes) {
  std::string out(2 * bytes.size() + 1, '\0');  // sodium writes a terminating NUL
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

std::string HexEncode(std::string_view bytes) {
  return HexEncode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

Status HexDecodeInto(std::string_view hex, std::span<uint8_t> out) {
  std::fill(out.begin(), out.end(), 0);
  if (hex.size() != 2 * out.size()) {
    return InvalidArgument("expected " + std::to_string(2 * out.size()) + " hex digits, got " +
                           std::to_string(hex.size()) + " characters");
  }
  size_t written = 0;
  // No `ignore` characters and no end pointer: sodium refuses anything but hex digits, an
  // odd count, and text left over.
  if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &written, nullptr) !=
          0 ||
      written != out.size()) {
    std::fill(out.begin(), out.end(), 0);
    return InvalidArgument("not hex: only the digits 0-9 and a-f (or A-F) may appear");
  }
  return Status::Ok();
}

StatusOr<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return InvalidArgument("hex text has an even number of digits, not " +
                           std::to_string(hex.size()));
  }
  std::string out(hex.size() / 2, '\0');
  if (Status s = HexDecodeInto(
          hex, std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
      !s.ok()) {
    return s;
  }
  return out;
}

bool IsLowerHex(std::string_view text, std::size_t bytes) {
  return text.size() == 2 * bytes && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace stayaway
