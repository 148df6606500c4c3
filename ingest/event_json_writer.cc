#include "ingest/event_json_writer.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {
namespace {

constexpr std::string_view kEncodingError = R"({"encoding_error":true})";
constexpr char kHexDigits[] = "0123456789abcdef";

// ---------------------------------------------------------------------------------
// Strings, escaped as Protobuf 3.21's JsonEscaping does.
// ---------------------------------------------------------------------------------

// The escape of each ASCII byte; empty for a byte printed as is.
constexpr std::array<std::string_view, 128> AsciiEscapes() {
  std::array<std::string_view, 128> escapes{};
  constexpr std::string_view kControls[32] = {
      "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
      "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
      "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
      "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f"};
  for (int c = 0; c < 32; ++c) escapes[c] = kControls[c];
  escapes['"'] = "\\\"";
  escapes['\\'] = "\\\\";
  // Not required by JSON: Protobuf escapes them so the text is safe inside HTML.
  escapes['<'] = "\\u003c";
  escapes['>'] = "\\u003e";
  escapes[0x7f] = "\\u007f";
  return escapes;
}
constexpr std::array<std::string_view, 128> kAsciiEscapes = AsciiEscapes();

void AppendUtf16Escape(uint32_t unit, std::string* out) {
  const char escape[6] = {'\\',
                          'u',
                          kHexDigits[(unit >> 12) & 0xf],
                          kHexDigits[(unit >> 8) & 0xf],
                          kHexDigits[(unit >> 4) & 0xf],
                          kHexDigits[unit & 0xf]};
  out->append(escape, sizeof escape);
}

// Non-ASCII code points Protobuf writes as \uXXXX: the C1 controls, and invisible or
// direction-changing characters that are a hazard when the text lands in JavaScript.
bool EscapedInBasicPlane(uint32_t cp) {
  if (cp < 0xa0) return true;
  switch (cp) {
    case 0x00ad:
    case 0x06dd:
    case 0x070f:
    case 0x17b4:
    case 0x17b5:
    case 0xfeff:
    case 0xfff9:
    case 0xfffa:
    case 0xfffb:
      return true;
    default:
      return (cp >= 0x0600 && cp <= 0x0603) || (cp >= 0x200b && cp <= 0x200f) ||
             (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
             (cp >= 0x206a && cp <= 0x206f);
  }
}

// Supplementary code points Protobuf writes as a \uXXXX\uXXXX surrogate pair.
bool EscapedAsSurrogatePair(uint32_t cp) {
  return cp == 0xe0001 || (cp >= 0x1d173 && cp <= 0x1d17a) || (cp >= 0xe0020 && cp <= 0xe007f);
}

// Appends `text` as a quoted JSON string. Invalid UTF-8 is handled as Protobuf's escaper
// handles it (the header lists how), which is lossy but is what EventToJson printed.
void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t verbatim_from = 0;  // the bytes from here to `at` go out as they are
  std::size_t at = 0;
  const auto flush_verbatim = [&](std::size_t end) {
    out->append(text.data() + verbatim_from, end - verbatim_from);
  };
  while (at < size) {
    const unsigned char lead = bytes[at];
    if (lead < 0x80) {
      if (const std::string_view escape = kAsciiEscapes[lead]; !escape.empty()) {
        flush_verbatim(at);
        out->append(escape);
        verbatim_from = at + 1;
      }
      ++at;
      continue;
    }
    if (lead < 0xc0 || lead >= 0xf8) {  // a continuation byte or no UTF-8 lead: dropped
      flush_verbatim(at);
      verbatim_from = ++at;
      continue;
    }
    const std::size_t length = lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    uint32_t cp = lead & (0x7fu >> length);
    std::size_t next = at + 1;
    bool cut = false;
    while (next < at + length && next < size) {
      const unsigned char byte = bytes[next++];
      if ((byte & 0xc0) != 0x80) {  // the byte that cuts the sequence goes with it
        cut = true;
        break;
      }
      cp = (cp << 6) | (byte & 0x3f);
    }
    if (!cut && next < at + length) {  // cut short by the end of the text: dropped
      flush_verbatim(at);
      verbatim_from = at = size;
      break;
    }
    if (cut || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {  // dropped
      flush_verbatim(at);
      verbatim_from = at = next;
      continue;
    }
    // Overlong forms are not refused: they go out as is, or as the escape of what they spell.
    if (cp < 0x80) {
      if (const std::string_view escape = kAsciiEscapes[cp]; !escape.empty()) {
        flush_verbatim(at);
        out->append(escape);
        verbatim_from = next;
      }
    } else if (cp < 0x10000 ? EscapedInBasicPlane(cp) : EscapedAsSurrogatePair(cp)) {
      flush_verbatim(at);
      if (cp < 0x10000) {
        AppendUtf16Escape(cp, out);
      } else {
        AppendUtf16Escape(0xd800 + ((cp - 0x10000) >> 10), out);
        AppendUtf16Escape(0xdc00 + (cp & 0x3ff), out);
      }
      verbatim_from = next;
    }
    at = next;
  }
  flush_verbatim(size);
  out->push_back('"');
}

// ---------------------------------------------------------------------------------
// Numbers.
// ---------------------------------------------------------------------------------

template <typename Integer>
void AppendInteger(Integer value, std::string* out) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out->append(buffer, result.ptr);
}

// uint64 is a string in the proto3 JSON mapping (JavaScript numbers lose precision).
void AppendQuotedUint64(uint64_t value, std::string* out) {
  out->push_back('"');
  AppendInteger(value, out);
  out->push_back('"');
}

// Writes the significant digits `digits` (no trailing zeros) times 10^exponent, the
// first digit being the units digit, as C's "%.<precision>g" prints that number. Returns
// the end; `to` has room for 32 bytes.
char* WriteAsPrintfG(bool negative, std::string_view digits, int exponent, int precision,
                     char* to) {
  if (negative) *to++ = '-';
  const int count = static_cast<int>(digits.size());
  if (exponent < -4 || exponent >= precision) {
    *to++ = digits[0];
    if (count > 1) {
      *to++ = '.';
      to = std::copy(digits.begin() + 1, digits.end(), to);
    }
    *to++ = 'e';
    *to++ = exponent < 0 ? '-' : '+';
    const int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude < 10) *to++ = '0';
    return std::to_chars(to, to + 4, magnitude).ptr;
  }
  if (exponent < 0) {
    *to++ = '0';
    *to++ = '.';
    to = std::fill_n(to, -exponent - 1, '0');
    return std::copy(digits.begin(), digits.end(), to);
  }
  const int integer_digits = exponent + 1;
  if (count <= integer_digits) {
    to = std::copy(digits.begin(), digits.end(), to);
    return std::fill_n(to, integer_digits - count, '0');
  }
  to = std::copy(digits.begin(), digits.begin() + integer_digits, to);
  *to++ = '.';
  return std::copy(digits.begin() + integer_digits, digits.end(), to);
}

// Protobuf's SimpleDtoa: "%.15g" when that parses back to `value`, else "%.17g".
// For a normal double the shortest round-trip digits (Ryu, std::to_chars) decide it
// without printing twice: 15 significant digits are spaced at least 4.5 units in the last
// place apart, so if the shortest form has at most 15 digits it is also the nearest
// 15-digit number, which "%.15g" prints; with 16 or more, no 15-digit number reads back.
// With 17, the shortest form is the nearest 17-digit number, which "%.17g" prints.
// Returns the end; `to` has room for 32 bytes.
char* WriteFiniteDouble(double value, char* to) {
  constexpr std::size_t kRoom = 32;
  if (value == 0) {
    if (std::signbit(value)) *to++ = '-';
    *to++ = '0';
    return to;
  }
  if (std::fabs(value) < std::numeric_limits<double>::min()) {
    // Subnormal: units in the last place are too coarse for the argument above.
    const auto printed = std::to_chars(to, to + kRoom, value, std::chars_format::general, 15);
    double parsed = 0;
    if (const auto read = std::from_chars(to, printed.ptr, parsed);
        read.ec == std::errc() && parsed == value) {
      return printed.ptr;
    }
    return std::to_chars(to, to + kRoom, value, std::chars_format::general, 17).ptr;
  }
  // "-d.ddde+XX": the shortest digits and the decimal exponent.
  char shortest[kRoom];
  const char* const end =
      std::to_chars(shortest, shortest + kRoom, value, std::chars_format::scientific).ptr;
  const char* e = end - 1;
  while (*e != 'e') --e;
  int exponent = 0;
  std::from_chars(e + 2, end, exponent);
  if (e[1] == '-') exponent = -exponent;
  const bool negative = shortest[0] == '-';
  char digits[kRoom];
  std::size_t count = 0;
  for (const char* c = shortest + (negative ? 1 : 0); c < e; ++c) {
    if (*c != '.') digits[count++] = *c;
  }
  if (count <= 15 || count == 17) {
    return WriteAsPrintfG(negative, std::string_view(digits, count), exponent,
                          count <= 15 ? 15 : 17, to);
  }
  return std::to_chars(to, to + kRoom, value, std::chars_format::general, 17).ptr;
}

void AppendDouble(double value, std::string* out) {
  if (std::isfinite(value)) {
    char buffer[32];
    out->append(buffer, WriteFiniteDouble(value, buffer));
  } else if (std::isnan(value)) {
    out->append(R"("NaN")");
  } else {
    out->append(value > 0 ? R"("Infinity")" : R"("-Infinity")");
  }
}

void AppendBool(bool value, std::string* out) { out->append(value ? "true" : "false"); }

// ---------------------------------------------------------------------------------
// Timestamps.
// ---------------------------------------------------------------------------------

// Writes `count` decimal digits of `value`, zero-padded on the left; returns the end.
char* WritePaddedDigits(uint32_t value, int count, char* to) {
  for (int i = count - 1; i >= 0; --i) {
    to[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return to + count;
}

// "2025-03-01T10:00:00.250Z" with the quotes. False, appending nothing, when the printer
// refuses the Timestamp (outside years 1..9999, or nanos outside [0, 999999999]).
bool AppendTimestamp(const google::protobuf::Timestamp& time, std::string* out) {
  const int64_t seconds = time.seconds();
  const int32_t nanos = time.nanos();
  if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds || nanos < 0 ||
      nanos > kMaxTimestampNanos) {
    return false;
  }
  constexpr int64_t kSecondsPerDay = 86'400;
  int64_t days = seconds / kSecondsPerDay;
  int64_t second_of_day = seconds % kSecondsPerDay;
  if (second_of_day < 0) {  // before 1970: the day starts earlier
    second_of_day += kSecondsPerDay;
    --days;
  }
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
  const auto second = static_cast<uint32_t>(second_of_day);
  char text[40];
  char* to = text;
  *to++ = '"';
  to = WritePaddedDigits(static_cast<uint32_t>(static_cast<int>(date.year())), 4, to);
  *to++ = '-';
  to = WritePaddedDigits(static_cast<unsigned>(date.month()), 2, to);
  *to++ = '-';
  to = WritePaddedDigits(static_cast<unsigned>(date.day()), 2, to);
  *to++ = 'T';
  to = WritePaddedDigits(second / 3600, 2, to);
  *to++ = ':';
  to = WritePaddedDigits(second / 60 % 60, 2, to);
  *to++ = ':';
  to = WritePaddedDigits(second % 60, 2, to);
  // As few fraction digits as say it exactly, in groups of three.
  const auto fraction = static_cast<uint32_t>(nanos);
  if (fraction % 1'000'000 == 0) {
    if (fraction != 0) {
      *to++ = '.';
      to = WritePaddedDigits(fraction / 1'000'000, 3, to);
    }
  } else if (fraction % 1'000 == 0) {
    *to++ = '.';
    to = WritePaddedDigits(fraction / 1'000, 6, to);
  } else {
    *to++ = '.';
    to = WritePaddedDigits(fraction, 9, to);
  }
  *to++ = 'Z';
  *to++ = '"';
  out->append(text, to);
  return true;
}

// ---------------------------------------------------------------------------------
// Enums.
// ---------------------------------------------------------------------------------

// The JSON of each value of one enum: its quoted name, or for a number the enum does not
// name, the number. Built once from the descriptor, so a value added to the schema needs
// no change here.
class EnumJson {
 public:
  explicit EnumJson(const google::protobuf::EnumDescriptor* descriptor) : descriptor_(descriptor) {
    for (int i = 0; i < descriptor->value_count(); ++i) {
      const int number = descriptor->value(i)->number();
      if (number < 0 || number >= kMaxTabled) continue;
      if (static_cast<std::size_t>(number) >= quoted_.size()) {
        quoted_.resize(static_cast<std::size_t>(number) + 1);
      }
      // With aliases, the first value of a number names it, as in the printer.
      if (quoted_[static_cast<std::size_t>(number)].empty()) {
        AppendJsonString(descriptor->value(i)->name(), &quoted_[static_cast<std::size_t>(number)]);
      }
    }
  }

  void Append(int number, std::string* out) const {
    if (number >= 0 && static_cast<std::size_t>(number) < quoted_.size() &&
        !quoted_[static_cast<std::size_t>(number)].empty()) {
      out->append(quoted_[static_cast<std::size_t>(number)]);
    } else if (const auto* value = descriptor_->FindValueByNumber(number)) {
      AppendJsonString(value->name(), out);
    } else {
      AppendInteger(number, out);
    }
  }

 private:
  static constexpr int kMaxTabled = 256;
  const google::protobuf::EnumDescriptor* descriptor_;
  std::vector<std::string> quoted_;  // by number; empty where no value has that number
};

struct EventEnums {
  EnumJson kind{v1::Event::Kind_descriptor()};
  EnumJson transition{v1::Event::Transition_descriptor()};
  EnumJson certainty{v1::Event::Certainty_descriptor()};
  EnumJson downgrade_reason{v1::Event::DowngradeReason_descriptor()};
  EnumJson disposition{v1::AlertResolve::Disposition_descriptor()};
  EnumJson basis{v1::PositionReport::Basis_descriptor()};
};

const EventEnums& Enums() {
  static const EventEnums enums;
  return enums;
}

// ---------------------------------------------------------------------------------
// The messages. Each writes its fields in the printer's order (header comment): the
// non-optional ones in field-number order, then the set optional ones and Timestamps.
// ---------------------------------------------------------------------------------

bool AppendPositionReport(const v1::PositionReport& report, const EventEnums& enums,
                          std::string* out) {
  out->append(R"({"person":)");
  AppendJsonString(report.person(), out);
  out->append(R"(,"device":)");
  AppendJsonString(report.device(), out);
  out->append(R"(,"lat":)");
  AppendDouble(report.lat(), out);
  out->append(R"(,"lon":)");
  AppendDouble(report.lon(), out);
  out->append(R"(,"accuracy_m":)");
  AppendDouble(report.accuracy_m(), out);
  out->append(R"(,"basis":)");
  enums.basis.Append(report.basis(), out);
  if (report.has_time()) {
    out->append(R"(,"time":)");
    if (!AppendTimestamp(report.time(), out)) return false;
  }
  if (report.has_withheld()) {
    out->append(R"(,"withheld":)");
    AppendBool(report.withheld(), out);
  }
  if (report.has_rest_fixes()) {
    out->append(R"(,"rest_fixes":)");
    AppendInteger(report.rest_fixes(), out);
  }
  out->push_back('}');
  return true;
}

void AppendFixRef(const v1::FixRef& fix, std::string* out) {
  out->append(R"({"device":)");
  AppendJsonString(fix.device(), out);
  out->append(R"(,"seq":)");
  AppendQuotedUint64(fix.seq(), out);
  out->push_back('}');
}

void AppendOptionalString(bool present, std::string_view key, const std::string& value,
                          std::string* out) {
  if (!present) return;
  out->append(key);
  AppendJsonString(value, out);
}

void AppendOptionalDouble(bool present, std::string_view key, double value, std::string* out) {
  if (!present) return;
  out->append(key);
  AppendDouble(value, out);
}

bool AppendOptionalTimestamp(bool present, std::string_view key,
                             const google::protobuf::Timestamp& time, std::string* out) {
  if (!present) return true;
  out->append(key);
  return AppendTimestamp(time, out);
}

// False when the printer would fail (a Timestamp out of range); `out` then holds a part.
bool AppendEvent(const v1::Event& event, std::string* out) {
  const EventEnums& enums = Enums();
  out->append(R"({"alert_id":)");
  AppendJsonString(event.alert_id(), out);
  out->append(R"(,"order_id":)");
  AppendJsonString(event.order_id(), out);
  out->append(R"(,"order_version":)");
  AppendInteger(event.order_version(), out);
  out->append(R"(,"kind":)");
  enums.kind.Append(event.kind(), out);
  out->append(R"(,"transition":)");
  enums.transition.Append(event.transition(), out);
  out->append(R"(,"late":)");
  AppendBool(event.late(), out);
  if (event.has_supervised()) {
    out->append(R"(,"supervised":)");
    if (!AppendPositionReport(event.supervised(), enums, out)) return false;
  }
  if (event.has_protected_()) {
    out->append(R"(,"protected":)");
    if (!AppendPositionReport(event.protected_(), enums, out)) return false;
  }
  out->append(R"(,"fixes":[)");
  for (int i = 0; i < event.fixes_size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendFixRef(event.fixes(i), out);
  }
  out->append(R"(],"rule":)");
  AppendJsonString(event.rule(), out);

  if (event.has_certainty()) {
    out->append(R"(,"certainty":)");
    enums.certainty.Append(event.certainty(), out);
  }
  if (!AppendOptionalTimestamp(event.has_time(), R"(,"time":)", event.time(), out) ||
      !AppendOptionalTimestamp(event.has_detected_at(), R"(,"detected_at":)", event.detected_at(),
                               out)) {
    return false;
  }
  AppendOptionalDouble(event.has_distance_m(), R"(,"distance_m":)", event.distance_m(), out);
  AppendOptionalDouble(event.has_distance_lower_m(), R"(,"distance_lower_m":)",
                       event.distance_lower_m(), out);
  AppendOptionalDouble(event.has_distance_upper_m(), R"(,"distance_upper_m":)",
                       event.distance_upper_m(), out);
  AppendOptionalDouble(event.has_limit_m(), R"(,"limit_m":)", event.limit_m(), out);
  AppendOptionalString(event.has_zone_id(), R"(,"zone_id":)", event.zone_id(), out);
  AppendOptionalString(event.has_device(), R"(,"device":)", event.device(), out);
  AppendOptionalString(event.has_person(), R"(,"person":)", event.person(), out);
  AppendOptionalString(event.has_ack_by(), R"(,"ack_by":)", event.ack_by(), out);
  AppendOptionalString(event.has_ack_note(), R"(,"ack_note":)", event.ack_note(), out);
  AppendOptionalString(event.has_ack_credential(), R"(,"ack_credential":)", event.ack_credential(),
                       out);
  if (event.has_redacted()) {
    out->append(R"(,"redacted":)");
    AppendBool(event.redacted(), out);
  }
  if (event.has_downgrade_reason()) {
    out->append(R"(,"downgrade_reason":)");
    enums.downgrade_reason.Append(event.downgrade_reason(), out);
  }
  if (event.has_disposition()) {
    out->append(R"(,"disposition":)");
    enums.disposition.Append(event.disposition(), out);
  }
  AppendOptionalString(event.has_received_by(), R"(,"received_by":)", event.received_by(), out);
  if (event.has_received_seq()) {
    out->append(R"(,"received_seq":)");
    AppendQuotedUint64(event.received_seq(), out);
  }
  if (!AppendOptionalTimestamp(event.has_shown_at(), R"(,"shown_at":)", event.shown_at(), out)) {
    return false;
  }
  out->push_back('}');
  return true;
}

}  // namespace

void AppendEventJson(const v1::Event& event, std::string* out) {
  const std::size_t start = out->size();
  if (!AppendEvent(event, out)) {
    out->resize(start);
    out->append(kEncodingError);
  }
}

std::string WriteEventJson(const v1::Event& event) {
  std::string out;
  out.reserve(512);
  AppendEventJson(event, &out);
  return out;
}

}  // namespace stayaway::ingest
