#include "ingest/traccar_codec.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <utility>

#include "base/identifier.h"
#include "base/number_text.h"
#include "ingest/json_object_fast.h"

namespace stayaway::ingest {
namespace codec {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A read-once cursor over date-time text.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool done() const { return pos_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool Eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  // Exactly `n` decimal digits.
  bool Digits(int n, int* out) {
    int value = 0;
    for (int i = 0; i < n; ++i) {
      if (!IsDigit(peek())) return false;
      value = value * 10 + (text_[pos_++] - '0');
    }
    *out = value;
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

std::string_view KindName(int kind) {
  switch (kind) {
    case Value::kNullValue: return "null";
    case Value::kNumberValue: return "a number";
    case Value::kStringValue: return "a string";
    case Value::kBoolValue: return "a boolean";
    case Value::kStructValue: return "an object";
    case Value::kListValue: return "an array";
    default: return "nothing";
  }
}

// Protobuf's JSON parser recurses per nesting level, so the depth is checked first in
// one pass with no recursion. Malformed text is left for Protobuf to report.
bool WithinDepth(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return true;
}

}  // namespace

void AddTraccarAlarmFlags(std::string_view alarms, v1::Fix* fix) {
  bool sos = false;
  bool strap = false;
  bool jamming = false;
  while (!alarms.empty()) {
    const std::size_t comma = alarms.find(',');
    std::string_view name = alarms.substr(0, comma);
    alarms = comma == std::string_view::npos ? std::string_view() : alarms.substr(comma + 1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name == "sos") sos = true;
    if (name == "tampering" || name == "removing") strap = true;
    if (name == "jamming") jamming = true;
  }
  // Flags already on the fix are kept; each flag appears once.
  auto add = [fix](bool wanted, v1::Fix::Flag flag) {
    if (!wanted) return;
    for (const int existing : fix->flags()) {
      if (existing == flag) return;
    }
    fix->add_flags(flag);
  };
  add(strap, v1::Fix::strap_open);
  add(jamming, v1::Fix::jamming_suspected);
  add(sos, v1::Fix::sos);
}

uint64_t DerivedSeq(TimeMs time, const v1::Fix& fix) {
  uint64_t alarms = 0;
  for (const int flag : fix.flags()) {
    if (flag == v1::Fix::strap_open) alarms |= 1;
    if (flag == v1::Fix::jamming_suspected) alarms |= 2;
    if (flag == v1::Fix::sos) alarms |= 4;
  }
  return static_cast<uint64_t>(time) * 8 + alarms;
}

StatusOr<TimeMs> ParseIsoTime(std::string_view text) {
  const auto invalid = [text] {
    return InvalidArgument("invalid time " + Quote(text) +
                           ", expected ISO 8601 such as 2025-03-01T10:00:00Z");
  };
  Cursor in(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!in.Digits(4, &year) || !in.Eat('-') || !in.Digits(2, &month) || !in.Eat('-') ||
      !in.Digits(2, &day)) {
    return invalid();
  }
  if (!in.Eat('T') && !in.Eat('t') && !in.Eat(' ')) return invalid();
  if (!in.Digits(2, &hour) || !in.Eat(':') || !in.Digits(2, &minute)) return invalid();
  int64_t millis = 0;
  if (in.Eat(':')) {
    if (!in.Digits(2, &second)) return invalid();
    if (in.Eat('.') || in.Eat(',')) {
      int digits = 0;
      for (; IsDigit(in.peek()); ++digits) {
        int d = 0;
        in.Digits(1, &d);
        if (digits < 3) millis = millis * 10 + d;  // beyond ms: truncated
      }
      if (digits == 0) return invalid();
      for (; digits < 3; ++digits) millis *= 10;
    }
  }
  int offset_minutes = 0;
  if (!in.Eat('Z') && !in.Eat('z') && !in.done()) {
    const int sign = in.Eat('+') ? 1 : in.Eat('-') ? -1 : 0;
    int off_hours = 0, off_minutes = 0;
    if (sign == 0 || !in.Digits(2, &off_hours)) return invalid();
    // "+02", "+02:00" and "+0200" are all in use.
    if (in.Eat(':') || !in.done()) {
      if (!in.Digits(2, &off_minutes)) return invalid();
    }
    if (off_hours > 23 || off_minutes > 59) return invalid();
    offset_minutes = sign * (off_hours * 60 + off_minutes);
  }
  if (!in.done()) return invalid();
  if (hour > 23 || minute > 59 || second > 59) return invalid();

  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return invalid();  // 2025-02-30, month 13, day 0
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const int64_t seconds = ((days * 24 + hour) * 60 + minute) * 60 + second;
  return seconds * 1000 + millis - int64_t{offset_minutes} * 60'000;
}

namespace {

// The size and nesting checks, then the fast decoder of common bodies when `fast`
// (json_object_fast.h), else or when it is not sure, the JSON mapping.
StatusOr<Struct> ParseCheckedJsonObject(std::string_view text, std::size_t max_bytes, int max_depth,
                                        std::string_view what, bool fast) {
  const std::string prefix = std::string(what) + ": ";
  if (text.size() > max_bytes) {
    return InvalidArgument(prefix + "body of " + std::to_string(text.size()) +
                           " bytes is over the limit of " + std::to_string(max_bytes));
  }
  std::size_t first = 0;
  while (first < text.size() && IsJsonSpace(text[first])) ++first;
  if (first == text.size() || text[first] != '{') {
    return InvalidArgument(prefix + "expected a JSON object");
  }
  if (!WithinDepth(text, max_depth)) {
    return InvalidArgument(prefix + "JSON is nested deeper than " + std::to_string(max_depth) +
                           " levels");
  }
  Struct object;
  if (fast && ParseCommonJsonObject(text, &object)) return object;
  object.Clear();
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &object);
  if (!status.ok()) {
    // Protobuf's syntax errors add lines quoting the text; the first line says it.
    std::string_view message(status.message().data(), status.message().size());
    message = message.substr(0, message.find('\n'));
    return InvalidArgument(prefix + "invalid JSON: " + std::string(message));
  }
  return object;
}

}  // namespace

StatusOr<Struct> ParseJsonObject(std::string_view text, std::size_t max_bytes, int max_depth,
                                 std::string_view what) {
  return ParseCheckedJsonObject(text, max_bytes, max_depth, what, /*fast=*/true);
}

StatusOr<Struct> ParseJsonObjectByJsonMapping(std::string_view text, std::size_t max_bytes,
                                              int max_depth, std::string_view what) {
  return ParseCheckedJsonObject(text, max_bytes, max_depth, what, /*fast=*/false);
}

std::string JsonReader::Path(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

const Value* JsonReader::Find(const Struct& object, std::string_view key) {
  const auto it = object.fields().find(std::string(key));
  if (it == object.fields().end() || it->second.kind_case() == Value::kNullValue) {
    return nullptr;
  }
  return &it->second;
}

void JsonReader::Fail(std::string message) {
  if (status_.ok()) status_ = InvalidArgument(std::move(message));
}

const Value* JsonReader::Typed(const Struct& object, std::string_view prefix,
                               std::string_view key, int kind, std::string_view expected) {
  const Value* value = Find(object, key);
  if (value == nullptr) return nullptr;
  if (value->kind_case() != kind) {
    Fail(Path(prefix, key) + ": expected " + std::string(expected) + ", found " +
         std::string(KindName(value->kind_case())));
    return nullptr;
  }
  return value;
}

std::optional<double> JsonReader::Number(const Struct& object, std::string_view prefix,
                                         std::string_view key) {
  const Value* v = Typed(object, prefix, key, Value::kNumberValue, "a number");
  return v == nullptr ? std::nullopt : std::optional<double>(v->number_value());
}

std::optional<std::string> JsonReader::String(const Struct& object, std::string_view prefix,
                                              std::string_view key) {
  const Value* v = Typed(object, prefix, key, Value::kStringValue, "a string");
  return v == nullptr ? std::nullopt : std::optional<std::string>(v->string_value());
}

std::optional<bool> JsonReader::Bool(const Struct& object, std::string_view prefix,
                                     std::string_view key) {
  const Value* v = Typed(object, prefix, key, Value::kBoolValue, "a boolean");
  return v == nullptr ? std::nullopt : std::optional<bool>(v->bool_value());
}

const Struct* JsonReader::Object(const Struct& object, std::string_view prefix,
                                 std::string_view key) {
  const Value* v = Typed(object, prefix, key, Value::kStructValue, "an object");
  return v == nullptr ? nullptr : &v->struct_value();
}

std::string Quote(std::string_view value) {
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  for (const char c : value.substr(0, kMax)) {
    // Control bytes would garble a one-line message or a log.
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  out += value.size() > kMax ? "\"..." : "\"";
  return out;
}

}  // namespace codec

namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// Epoch milliseconds beyond this are not a plausible time (year ~2286 and later).
constexpr double kMaxEpochMs = 1e13;
// The largest integer a JSON number (a double) holds exactly.
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

// A Traccar time: ISO 8601 text as Jackson writes java.util.Date, or epoch milliseconds
// when the server is configured to write dates as numbers.
Status ReadTime(const Struct& object, std::string_view key, std::optional<TimeMs>* out) {
  const std::string path = codec::JsonReader::Path("position", key);
  const Value* value = codec::JsonReader::Find(object, key);
  if (value == nullptr) return Status::Ok();
  if (value->kind_case() == Value::kStringValue) {
    StatusOr<TimeMs> ms = codec::ParseIsoTime(value->string_value());
    if (!ms.ok()) return InvalidArgument(path + ": " + ms.status().message());
    *out = *ms;
    return Status::Ok();
  }
  if (value->kind_case() == Value::kNumberValue) {
    const double ms = value->number_value();
    if (std::trunc(ms) != ms || std::fabs(ms) > kMaxEpochMs) {
      return InvalidArgument(path + ": " + NumberText(ms) + " is not a time in epoch milliseconds");
    }
    *out = static_cast<TimeMs>(ms);
    return Status::Ok();
  }
  return InvalidArgument(path + ": expected a time (ISO 8601 text or epoch milliseconds)");
}

StatusOr<v1::Fix> Decode(std::string_view body) {
  StatusOr<Struct> root = codec::ParseJsonObject(body, kMaxTraccarBodyBytes,
                                                 kMaxTraccarJsonDepth, "traccar");
  if (!root.ok()) return root.status();

  codec::JsonReader read;
  const Struct* position = read.Object(*root, "", "position");
  const Struct* device = read.Object(*root, "", "device");
  if (!read.status().ok()) return read.status();
  if (position == nullptr) return InvalidArgument("no \"position\" object");
  if (device == nullptr) return InvalidArgument("no \"device\" object");

  const std::optional<std::string> unique_id = read.String(*device, "device", "uniqueId");
  const std::optional<double> lat = read.Number(*position, "position", "latitude");
  const std::optional<double> lon = read.Number(*position, "position", "longitude");
  const std::optional<double> accuracy = read.Number(*position, "position", "accuracy");
  const std::optional<double> speed_knots = read.Number(*position, "position", "speed");
  const std::optional<double> course = read.Number(*position, "position", "course");
  const std::optional<double> id = read.Number(*position, "position", "id");
  // Jackson always writes both; a sender that leaves them out means a plain, current fix.
  const bool valid = read.Bool(*position, "position", "valid").value_or(true);
  const bool outdated = read.Bool(*position, "position", "outdated").value_or(false);
  const Struct* attributes = read.Object(*position, "position", "attributes");
  if (!read.status().ok()) return read.status();

  if (!unique_id.has_value() || unique_id->empty()) {
    return InvalidArgument("device.uniqueId is missing or empty");
  }
  if (Status s = CheckIdentifier(*unique_id, "device.uniqueId"); !s.ok()) return s;
  if (!lat.has_value()) return InvalidArgument("position.latitude is missing");
  if (!lon.has_value()) return InvalidArgument("position.longitude is missing");

  // An outdated position repeats the last known location with that location's old
  // fixTime; the report itself (and any alarm in it) happened at deviceTime. Using
  // fixTime would file an SOS under an old time, and as a duplicate of the old fix.
  const std::string_view time_key = outdated ? "deviceTime" : "fixTime";
  std::optional<TimeMs> time;
  if (Status s = ReadTime(*position, time_key, &time); !s.ok()) return s;
  if (!time.has_value()) {
    return InvalidArgument("position." + std::string(time_key) + " is missing");
  }
  if (*time < 0) {
    return InvalidArgument("position." + std::string(time_key) +
                           " is before 1970: no sequence number can be derived");
  }

  v1::Fix fix;
  fix.set_device(*unique_id);
  MsToTimestamp(*time, fix.mutable_time());
  fix.set_lat(*lat);
  fix.set_lon(*lon);

  double accuracy_m = accuracy.has_value() && *accuracy > 0 ? *accuracy : kUnknownAccuracyM;
  // Not a current measurement: forwarded for its alarms and battery, but as coarse, so
  // the engine does not take the (old or made-up) coordinates for a location.
  if (!valid || outdated) accuracy_m = std::max(accuracy_m, kNoFixAccuracyM);
  fix.set_accuracy_m(accuracy_m);

  // Negative values are "unknown" sentinels in some protocols; absent is the honest form.
  if (speed_knots.has_value() && *speed_knots >= 0) {
    fix.set_speed_mps(*speed_knots * kKnotsToMps);
  }
  if (course.has_value() && *course >= 0) {
    fix.set_heading_deg(*course == 360 ? 0 : *course);  // 360 is north, as 0
  }

  // Attributes are free-form in Traccar (computed attributes can store any type), so a
  // value of an unexpected type is ignored rather than allowed to refuse the position.
  if (attributes != nullptr) {
    const Value* battery = codec::JsonReader::Find(*attributes, "batteryLevel");
    if (battery != nullptr && battery->kind_case() == Value::kNumberValue) {
      fix.set_battery_pct(battery->number_value());
    }
    const Value* alarm = codec::JsonReader::Find(*attributes, "alarm");
    if (alarm != nullptr && alarm->kind_case() == Value::kStringValue) {
      codec::AddTraccarAlarmFlags(alarm->string_value(), &fix);
    }
  }
  // Traccar's database id when it has one (older servers stored before forwarding);
  // otherwise derived from the time and alarms (see DerivedSeq), set after the flags.
  const bool usable_id =
      id.has_value() && *id > 0 && *id <= kMaxExactInteger && std::trunc(*id) == *id;
  fix.set_seq(usable_id ? static_cast<uint64_t>(*id) : codec::DerivedSeq(*time, fix));
  return fix;
}

}  // namespace

StatusOr<v1::Fix> ParseTraccarForward(std::string_view body) {
  StatusOr<v1::Fix> fix = Decode(body);
  if (fix.ok()) return fix;
  const std::string& message = fix.status().message();
  if (message.starts_with("traccar: ")) return fix;
  return InvalidArgument("traccar: " + message);
}

}  // namespace stayaway::ingest
