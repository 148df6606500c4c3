#include "base/base64url.h"

#include <sodium.h>

namespace stayaway {
namespace {
constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
}  // namespace

std::string Base64UrlEncode(std::span<const uint8_t> bytes) {
  // The encoded length plus the NUL sodium writes after it.
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), kVariant);
  out.resize(out.size() - 1);
  return out;
}

StatusOr<std::string> Base64UrlDecode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 2, '\0');  // enough for any valid text
  size_t written = 0;
  // No `ignore` characters and no end pointer: sodium refuses characters outside the
  // alphabet, text left over, and final bits that are not zero.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &written, nullptr, kVariant) != 0) {
    return InvalidArgument(
        "not base64url: only A-Z, a-z, 0-9, '-' and '_' without padding, in a whole number "
        "of bytes");
  }
  out.resize(written);
  return out;
}

}  // namespace stayaway
