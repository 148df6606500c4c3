#include "base/identifier.h"

#include <cstdio>

namespace stayaway {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsIdChar(char c) { return IsAlnum(c) || c == '.' || c == '_' || c == ':' || c == '-'; }

std::string Hex(unsigned char c) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02x", c);
  return buffer;
}

// What is wrong with character `i` (0-based) of `text`, which is not allowed there.
std::string DescribeBadCharacter(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  const std::string where = "character " + std::to_string(i + 1);
  if (c == 0) return where + " is a NUL byte";
  if (c == '\r') return where + " is a carriage return (CR)";
  if (c == '\n') return where + " is a line feed (LF)";
  if (c < 0x20 || c == 0x7f) return where + " is a control character (" + Hex(c) + ")";
  if (c >= 0x80) return where + " is not ASCII (" + Hex(c) + ")";
  if (c == ' ') return where + " is a space";
  if (i == 0 && IsIdChar(static_cast<char>(c))) {
    return "it starts with '" + std::string(1, static_cast<char>(c)) + "'";
  }
  return where + " is '" + std::string(1, static_cast<char>(c)) + "'";
}

}  // namespace

bool IsIdentifier(std::string_view text) {
  if (text.empty() || text.size() > kMaxIdentifierBytes || !IsAlnum(text.front())) return false;
  for (char c : text) {
    if (!IsIdChar(c)) return false;
  }
  return true;
}

std::string PrintableId(std::string_view text) {
  constexpr std::size_t kShown = 80;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
      out += buffer;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kShown) out += "...";
  return out;
}

Status CheckIdentifier(std::string_view text, std::string_view what) {
  std::string why;
  if (text.empty()) {
    return InvalidArgument(std::string(what) + " is empty; " + std::string(kIdentifierRule));
  }
  if (text.size() > kMaxIdentifierBytes) {
    why = "it is " + std::to_string(text.size()) + " characters long, more than " +
          std::to_string(kMaxIdentifierBytes);
  } else if (!IsAlnum(text.front())) {
    why = DescribeBadCharacter(text, 0);
  } else {
    for (std::size_t i = 1; i < text.size(); ++i) {
      if (!IsIdChar(text[i])) {
        why = DescribeBadCharacter(text, i);
        break;
      }
    }
  }
  if (why.empty()) return Status::Ok();
  return InvalidArgument(std::string(what) + " \"" + PrintableId(text) +
                         "\" is not a valid id: " + why + "; " + std::string(kIdentifierRule));
}

StatusOr<Identifier> Identifier::Make(std::string_view text, std::string_view what) {
  if (Status s = CheckIdentifier(text, what); !s.ok()) return s;
  return Identifier(std::string(text));
}

}  // namespace stayaway
