#include "tools/credential_flag.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace stayaway::tools {

namespace {

std::string Trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start);
}

}  // namespace

StatusOr<std::string> ResolveToken(const std::string& token_file) {
  std::string token;
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) return FailedPrecondition("--token-file: cannot read " + token_file);
    std::stringstream text;
    text << in.rdbuf();
    token = Trimmed(text.str());
    if (token.empty()) return FailedPrecondition("--token-file: " + token_file + " is empty");
    return token;
  }
  if (const char* env = std::getenv("STAYAWAY_TOKEN"); env != nullptr) token = Trimmed(env);
  if (token.empty()) {
    return FailedPrecondition(
        "stayawayd needs a credential: give --token-file FILE or set STAYAWAY_TOKEN");
  }
  return token;
}

}  // namespace stayaway::tools
