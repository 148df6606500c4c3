#include "ingest/http_text.h"

#include <algorithm>
#include <charconv>

namespace stayaway::ingest {

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || end != text.data() + i + 3) return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view TrimJsonSpace(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

Status SplitJsonArray(std::string_view text, int max_depth, std::vector<std::string_view>* out) {
  text = TrimJsonSpace(text);
  if (text.empty() || text.front() != '[') {
    return InvalidArgument("expected a JSON array of fixes");
  }
  int depth = 0;
  std::size_t element_start = 1;
  bool closed = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      if (i >= text.size()) break;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return InvalidArgument("JSON is nested deeper than " + std::to_string(max_depth) +
                               " levels");
      }
    } else if (c == ']' || c == '}') {
      --depth;
      if (depth == 0) {
        const std::string_view last = TrimJsonSpace(text.substr(element_start, i - element_start));
        // "[]" has no element; "[a, ]" has an empty last one (reported per element).
        if (!last.empty() || !out->empty()) out->push_back(last);
        if (i + 1 != text.size()) return InvalidArgument("unexpected text after the array");
        closed = true;
        break;
      }
      if (depth < 0) break;
    } else if (c == ',' && depth == 1) {
      out->push_back(TrimJsonSpace(text.substr(element_start, i - element_start)));
      element_start = i + 1;
    }
  }
  if (!closed) return InvalidArgument("malformed JSON array: it does not end with ']'");
  return Status::Ok();
}

int JsonDepth(std::string_view text) {
  int depth = 0;
  int max_depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}
}  // namespace stayaway::ingest
