#include "ingest/replay_line_fast.h"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>

namespace stayaway::ingest {
namespace {

// A cursor over the line. Every method returns false for anything outside the accepted
// shapes; the caller then gives up and leaves the line to the mapping.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
      ++at_;
    }
  }
  bool AtEnd() const { return at_ == text_.size(); }
  bool Eat(char c) {
    SkipSpace();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  bool Peek(char c) {
    SkipSpace();
    return at_ < text_.size() && text_[at_] == c;
  }

  // A string of printable ASCII with no escape: its contents.
  bool String(std::string_view* out) {
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

  // A JSON number token (RFC 8259 grammar); `integral` when it has no fraction or exponent.
  bool Number(std::string_view* token, bool* integral) {
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

  bool Literal(std::string_view word) {
    SkipSpace();
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

// A double as the mapping decodes it. Integral tokens go through its integer path (exact
// up to 15 digits, and "-0" becomes +0 there); results that over- or underflow, and
// subnormals, are left to it.
bool Double(Reader& reader, double* out) {
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

bool Unsigned(Reader& reader, uint64_t* out) {
  std::string_view token;
  bool integral = false;
  if (!reader.Number(&token, &integral) || !integral || token.front() == '-') return false;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), *out);
  return error == std::errc() && end == token.data() + token.size();
}

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

// "YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z".
bool Time(Reader& reader, google::protobuf::Timestamp* out) {
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

bool Flags(Reader& reader, v1::Fix* fix) {
  if (!reader.Eat('[')) return false;
  if (reader.Eat(']')) return true;
  do {
    std::string_view name;
    v1::Fix::Flag flag;
    if (!reader.String(&name) || !v1::Fix::Flag_Parse(std::string(name), &flag)) return false;
    fix->add_flags(flag);
  } while (reader.Eat(','));
  return reader.Eat(']');
}

enum Key : uint32_t {
  kDevice = 1u << 0,
  kSeq = 1u << 1,
  kTime = 1u << 2,
  kLat = 1u << 3,
  kLon = 1u << 4,
  kAccuracy = 1u << 5,
  kReceived = 1u << 6,
  kSource = 1u << 7,
  kSpeed = 1u << 8,
  kHeading = 1u << 9,
  kBattery = 1u << 10,
  kFlags = 1u << 11,
  kNoPosition = 1u << 12,
};

std::optional<Key> KeyOf(std::string_view name) {
  static constexpr std::pair<std::string_view, Key> kKeys[] = {
      {"device", kDevice},
      {"seq", kSeq},
      {"time", kTime},
      {"lat", kLat},
      {"lon", kLon},
      {"accuracy_m", kAccuracy},
      {"received", kReceived},
      {"source", kSource},
      {"speed_mps", kSpeed},
      {"heading_deg", kHeading},
      {"battery_pct", kBattery},
      {"flags", kFlags},
      {"no_position", kNoPosition},
  };
  for (const auto& [spelled, key] : kKeys) {
    if (spelled == name) return key;
  }
  return std::nullopt;
}

bool FixValue(Reader& reader, Key key, v1::Fix* fix) {
  double value = 0;
  switch (key) {
    case kDevice: {
      std::string_view device;
      if (!reader.String(&device)) return false;
      fix->set_device(device.data(), device.size());  // into the string's own storage
      return true;
    }
    case kSeq: {
      uint64_t seq = 0;
      if (!Unsigned(reader, &seq)) return false;
      fix->set_seq(seq);
      return true;
    }
    case kTime:
      return Time(reader, fix->mutable_time());
    case kReceived:
      return Time(reader, fix->mutable_received());
    case kSource: {
      std::string_view name;
      v1::Fix::Source source;
      if (!reader.String(&name) || !v1::Fix::Source_Parse(std::string(name), &source)) return false;
      fix->set_source(source);
      return true;
    }
    case kFlags:
      return Flags(reader, fix);
    case kNoPosition:
      if (reader.Literal("true")) {
        fix->set_no_position(true);
        return true;
      }
      return reader.Literal("false");
    case kLat:
    case kLon:
    case kAccuracy:
    case kSpeed:
    case kHeading:
    case kBattery:
      break;
  }
  if (!Double(reader, &value)) return false;
  switch (key) {
    case kLat:
      fix->set_lat(value);
      break;
    case kLon:
      fix->set_lon(value);
      break;
    case kAccuracy:
      fix->set_accuracy_m(value);
      break;
    case kSpeed:
      fix->set_speed_mps(value);
      break;
    case kHeading:
      fix->set_heading_deg(value);
      break;
    default:
      fix->set_battery_pct(value);
      break;
  }
  return true;
}

}  // namespace

bool ParseCommonReplayLine(std::string_view line, v1::Input* out) {
  Reader reader(line);
  if (!reader.Eat('{')) return false;
  std::string_view name;
  if (!reader.String(&name) || !reader.Eat(':')) return false;
  if (name == "tick") {
    if (!Time(reader, out->mutable_tick()->mutable_tick()) || !reader.Eat('}')) return false;
    reader.SkipSpace();
    return reader.AtEnd();
  }
  v1::Fix* fix = out->mutable_fix();
  uint32_t seen = 0;
  for (;;) {
    const std::optional<Key> key = KeyOf(name);
    if (!key || (seen & *key) != 0 || !FixValue(reader, *key, fix)) return false;
    seen |= *key;
    if (reader.Eat('}')) break;
    if (!reader.Eat(',') || !reader.String(&name) || !reader.Eat(':')) return false;
  }
  reader.SkipSpace();
  return reader.AtEnd();
}

}  // namespace stayaway::ingest
