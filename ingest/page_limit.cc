#include "ingest/page_limit.h"

#include <charconv>
#include <system_error>

namespace stayaway::ingest {

StatusOr<std::size_t> ParsePageLimit(std::string_view text) {
  std::size_t limit = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (error != std::errc() || end != text.data() + text.size() || limit < 1 ||
      limit > kMaxPageLimit) {
    return InvalidArgument("limit \"" + std::string(text) + "\" is not a whole number from 1 to " +
                           std::to_string(kMaxPageLimit));
  }
  return limit;
}

StatusOr<std::size_t> PageLimitOf(const std::map<std::string, std::string>& query) {
  const auto it = query.find("limit");
  if (it == query.end()) return kDefaultPageLimit;
  return ParsePageLimit(it->second);
}

}  // namespace stayaway::ingest
