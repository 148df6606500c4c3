#include "ingest/json_fast_reader.h"

#include <cfloat>
#include <charconv>
#include <cmath>

namespace stayaway::ingest {

bool FastJsonReader::String(std::string_view* out) {
  if (!Eat('"')) return false;
  const std::size_t start = at_;
  for (; at_ < text_.size(); ++at_) {
    const unsigned char c = static_cast<unsigned char>(text_[at_]);
    if (c == '"') {
      *out = text_.substr(start, at_ - start);
      ++at_;
      return true;
    }
    if (c == '\\' || c < 0x20 || c > 0x7e) return false;
  }
  return false;
}

bool FastJsonReader::SkipNested(int max_depth) {
  SkipSpace();
  if (at_ >= text_.size() || (text_[at_] != '{' && text_[at_] != '[')) return false;
  int depth = 0;
  for (; at_ < text_.size(); ++at_) {
    const char c = text_[at_];
    if (c == '"') {
      for (++at_; at_ < text_.size() && text_[at_] != '"'; ++at_) {
        if (text_[at_] == '\\') ++at_;
      }
      if (at_ >= text_.size()) return false;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        ++at_;
        return true;
      }
    }
  }
  return false;
}

bool FastJsonReader::Number(std::string_view* token, bool* integral) {
  SkipSpace();
  const std::size_t start = at_;
  auto digit = [&] { return at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9'; };
  if (at_ < text_.size() && text_[at_] == '-') ++at_;
  if (!digit()) return false;
  if (text_[at_] == '0') {
    ++at_;
    if (digit()) return false;  // a leading zero
  } else {
    while (digit()) ++at_;
  }
  *integral = true;
  if (at_ < text_.size() && text_[at_] == '.') {
    ++at_;
    if (!digit()) return false;
    while (digit()) ++at_;
    *integral = false;
  }
  if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
    ++at_;
    if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
    if (!digit()) return false;
    while (digit()) ++at_;
    *integral = false;
  }
  *token = text_.substr(start, at_ - start);
  return true;
}

bool ReadMappingDouble(FastJsonReader& reader, double* out) {
  std::string_view token;
  bool integral = false;
  if (!reader.Number(&token, &integral)) return false;
  if (integral) {
    const std::size_t digits = token.size() - (token.front() == '-' ? 1 : 0);
    if (digits > 15 || token == "-0") return false;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size()) return false;
  if (!std::isfinite(value) || (value != 0 && std::fabs(value) < DBL_MIN)) return false;
  if (value == 0 && token.find_first_of("123456789") < token.find_first_of("eE")) {
    return false;  // nonzero digits that underflowed to 0
  }
  *out = value;
  return true;
}

bool ReadMappingUint64(FastJsonReader& reader, uint64_t* out) {
  std::string_view token;
  bool integral = false;
  if (!reader.Number(&token, &integral) || !integral || token.front() == '-') return false;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), *out);
  return error == std::errc() && end == token.data() + token.size();
}

namespace {

int Digits(std::string_view text, std::size_t at, std::size_t count) {
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Days from 1970-01-01 to the civil date (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

bool ReadMappingTime(FastJsonReader& reader, google::protobuf::Timestamp* out) {
  std::string_view text;
  if (!reader.String(&text)) return false;
  if (text.size() < 20 || text.back() != 'Z' || text[4] != '-' || text[7] != '-' ||
      text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return false;
  }
  const int year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  const int hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 59) {
    return false;
  }
  int32_t nanos = 0;
  const std::size_t fraction = text.size() - 20;  // between the seconds and the Z
  if (fraction != 0) {
    if (text[19] != '.') return false;
    const std::size_t digits = fraction - 1;
    if (digits != 3 && digits != 6 && digits != 9) return false;
    for (std::size_t i = 20; i < 20 + digits; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      nanos = nanos * 10 + (text[i] - '0');
    }
    for (std::size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  out->set_seconds(DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second);
  out->set_nanos(nanos);
  return true;
}

}  // namespace stayaway::ingest
