#include "access/token.h"

#include <array>
#include <cctype>

#include <openssl/rand.h>
#include <openssl/sha.h>

namespace stayaway::access {

namespace {

constexpr char kBase64Url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlNoPadding(const unsigned char* bytes, std::size_t size) {
  std::string out;
  uint32_t bits = 0;
  int bit_count = 0;
  for (std::size_t i = 0; i < size; ++i) {
    bits = (bits << 8) | bytes[i];
    bit_count += 8;
    while (bit_count >= 6) {
      bit_count -= 6;
      out += kBase64Url[(bits >> bit_count) & 63];
    }
  }
  if (bit_count > 0) out += kBase64Url[(bits << (6 - bit_count)) & 63];
  return out;
}

}  // namespace

StatusOr<std::string> NewToken() {
  std::array<unsigned char, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return Status(StatusCode::kInternal, "the system gave no random bytes for a token");
  }
  return "sa_" + Base64UrlNoPadding(random.data(), random.size());
}

std::string TokenDigest(std::string_view token) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (unsigned char byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

std::string_view BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  return token;
}

}  // namespace stayaway::access
