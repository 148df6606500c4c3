#include "ingest/page_cursor.h"

namespace stayaway::ingest {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string EncodeCursor(char kind, std::string_view key) {
  std::string out(1, kind);
  out.reserve(1 + 2 * key.size());
  for (unsigned char c : key) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

StatusOr<std::string> DecodeCursor(char kind, std::string_view cursor) {
  const auto bad = [] {
    return InvalidArgument("cursor is not a next_cursor this listing gave out");
  };
  if (cursor.empty() || cursor.front() != kind || cursor.size() % 2 != 1) return bad();
  std::string key;
  key.reserve(cursor.size() / 2);
  for (std::size_t i = 1; i < cursor.size(); i += 2) {
    const int high = HexValue(cursor[i]);
    const int low = HexValue(cursor[i + 1]);
    if (high < 0 || low < 0) return bad();
    key += static_cast<char>(high * 16 + low);
  }
  return key;
}

}  // namespace stayaway::ingest
