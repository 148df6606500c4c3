#include "access/token.h"

#include <array>
#include <cctype>

#include "base/base64url.h"
#include "base/hex.h"
#include "base/random.h"
#include "base/sha256.h"

namespace stayaway::access {

StatusOr<std::string> NewToken() {
  std::array<uint8_t, 32> random{};
  if (Status s = RandomBytes(random); !s.ok()) return s;
  return "sa_" + Base64UrlEncode(random);
}

std::string TokenDigest(std::string_view token) { return HexEncode(Sha256(token)); }

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
