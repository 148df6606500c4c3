// NumberText: a double as the shortest decimal text that reads back as the same double
// ("-90.0000001", "1e+300", "nan", "inf"), for error messages about a value that was
// refused: fixed six decimals would print -90.0000001 as "-90.000000", an error that
// refuses -90 for being outside [-90, 90]. Header-only, pure, thread-safe.
#ifndef STAYAWAY_BASE_NUMBER_TEXT_H_
#define STAYAWAY_BASE_NUMBER_TEXT_H_

#include <charconv>
#include <string>

namespace stayaway {

inline std::string NumberText(double value) {
  char text[32];  // the longest shortest form, "-2.2250738585072014e-308", is 24
  const std::to_chars_result end = std::to_chars(text, text + sizeof text, value);
  return std::string(text, end.ptr);
}

}  // namespace stayaway

#endif  // STAYAWAY_BASE_NUMBER_TEXT_H_
