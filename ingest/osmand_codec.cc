#include "ingest/osmand_codec.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "base/identifier.h"
#include "base/number_text.h"
#include "base/time.h"
#include "ingest/traccar_codec.h"

namespace stayaway::ingest {
namespace {

using codec::Quote;
using google::protobuf::Struct;
using google::protobuf::Value;

// Integer timestamps below this are seconds, from it on milliseconds: Traccar's rule
// (a 32-bit signed seconds count ends in 2038; milliseconds passed it in January 1970).
constexpr double kSecondsLimit = 2147483647.0;
// Epoch milliseconds beyond this are not a plausible time (year ~2286 and later).
constexpr double kMaxEpochMs = 1e13;

// What one request says, in engine units, before it becomes a fix.
struct Reading {
  std::string device;
  TimeMs time = 0;
  double lat = 0;
  double lon = 0;
  std::optional<double> accuracy_m;
  std::optional<double> hdop;
  bool valid = true;
  std::optional<double> speed_mps;
  std::optional<double> heading_deg;
  std::optional<double> battery_pct;
  std::string alarm;
  bool no_position = false;  // an alarm sent without any position
};

StatusOr<v1::Fix> ToFix(const Reading& r) {
  if (Status s = CheckIdentifier(r.device, "device id"); !s.ok()) return s;
  if (r.time < 0) {
    return InvalidArgument("timestamp is before 1970: no sequence number can be derived");
  }
  v1::Fix fix;
  fix.set_device(r.device);
  MsToTimestamp(r.time, fix.mutable_time());
  fix.set_lat(r.lat);
  fix.set_lon(r.lon);
  fix.set_no_position(r.no_position);

  // Android reports 0 (and some apps -1) when it has no accuracy estimate.
  double accuracy = kUnknownAccuracyM;
  if (r.accuracy_m.has_value() && *r.accuracy_m > 0) {
    accuracy = *r.accuracy_m;
  } else if (r.hdop.has_value() && *r.hdop > 0) {
    accuracy = *r.hdop * kUereM;
  }
  // The app says it has no current fix: keep the report for its alarm and battery, but
  // as coarse, so its coordinates are not taken for a location.
  if (!r.valid) accuracy = std::max(accuracy, kNoFixAccuracyM);
  fix.set_accuracy_m(accuracy);

  if (r.speed_mps.has_value() && *r.speed_mps >= 0) fix.set_speed_mps(*r.speed_mps);
  if (r.heading_deg.has_value() && *r.heading_deg >= 0) {
    fix.set_heading_deg(*r.heading_deg == 360 ? 0 : *r.heading_deg);  // 360 is north
  }
  if (r.battery_pct.has_value()) fix.set_battery_pct(*r.battery_pct);
  codec::AddTraccarAlarmFlags(r.alarm, &fix);
  // No sequence numbers in OsmAnd: derived from the time (a retry is a duplicate) and
  // the alarms (an SOS resent with the last fix's time is not); set after the flags.
  fix.set_seq(codec::DerivedSeq(r.time, fix));
  return fix;
}

// ---------------------------------------------------------------------------------
// Query strings and form bodies.
// ---------------------------------------------------------------------------------

enum class Param {
  kId, kTimestamp, kLat, kLon, kLocation, kSpeed, kBearing, kAltitude, kAccuracy, kHdop,
  kBatt, kCharge, kAlarm, kValid, kCount,
};

struct ParamName {
  std::string_view name;
  Param param;
};

constexpr std::array<ParamName, 16> kParamNames = {{
    {"id", Param::kId},
    {"deviceid", Param::kId},
    {"timestamp", Param::kTimestamp},
    {"lat", Param::kLat},
    {"lon", Param::kLon},
    {"location", Param::kLocation},
    {"speed", Param::kSpeed},
    {"bearing", Param::kBearing},
    {"heading", Param::kBearing},
    {"altitude", Param::kAltitude},
    {"accuracy", Param::kAccuracy},
    {"hdop", Param::kHdop},
    {"batt", Param::kBatt},
    {"charge", Param::kCharge},
    {"alarm", Param::kAlarm},
    {"valid", Param::kValid},
}};

std::optional<Param> Lookup(std::string_view name) {
  for (const ParamName& p : kParamNames) {
    if (p.name == name) return p.param;
  }
  return std::nullopt;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded: '+' is a space, %XX a byte.
StatusOr<std::string> UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      const int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int low = high >= 0 ? HexValue(text[i + 2]) : -1;
      if (low < 0) return InvalidArgument("malformed %-escape in " + Quote(text));
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The whole text must be one finite decimal number: "12abc", "nan" and "inf" are not.
StatusOr<double> ParseNumber(std::string_view name, std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) {
    return InvalidArgument(std::string(name) + " " + Quote(text) + " is not a finite number");
  }
  return value;
}

// Unix seconds or milliseconds as a number, Traccar's way of telling them apart.
StatusOr<TimeMs> EpochNumberToMs(double value, std::string_view text) {
  const double ms = value < kSecondsLimit ? std::floor(value * 1000) : std::floor(value);
  if (ms < 0 || ms > kMaxEpochMs) {
    return InvalidArgument("timestamp " + Quote(text) + " is out of range");
  }
  return static_cast<TimeMs>(ms);
}

StatusOr<TimeMs> ParseTimestamp(std::string_view text) {
  const bool numeric = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.';
  });
  if (numeric) {
    StatusOr<double> value = ParseNumber("timestamp", text);
    if (!value.ok()) return value.status();
    return EpochNumberToMs(*value, text);
  }
  StatusOr<TimeMs> ms = codec::ParseIsoTime(text);
  if (!ms.ok()) return InvalidArgument("timestamp: " + ms.status().message());
  return ms;
}

StatusOr<bool> ParseValid(std::string_view text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return InvalidArgument("valid " + Quote(text) + " is not true, false, 1 or 0");
}

StatusOr<v1::Fix> DecodeQuery(std::string_view text) {
  if (text.size() > kMaxOsmAndQueryBytes) {
    return InvalidArgument("request of " + std::to_string(text.size()) +
                           " bytes is over the limit of " +
                           std::to_string(kMaxOsmAndQueryBytes));
  }
  // Accept a whole request target ("/?id=..") as well as the bare query.
  if (!text.empty() && text.front() == '/') {
    const std::size_t q = text.find('?');
    text = q == std::string_view::npos ? std::string_view() : text.substr(q + 1);
  } else if (!text.empty() && text.front() == '?') {
    text.remove_prefix(1);
  }

  struct Given {
    std::string name;  // as spelled in the request, for messages
    std::string value;
  };
  std::array<std::optional<Given>, static_cast<std::size_t>(Param::kCount)> given;
  while (!text.empty()) {
    const std::size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2", a trailing '&'
    const std::size_t eq = pair.find('=');
    StatusOr<std::string> name = UrlDecode(pair.substr(0, eq));
    if (!name.ok()) return name.status();
    const std::optional<Param> param = Lookup(*name);
    if (!param.has_value()) continue;  // cell, wifi, driverUniqueId, vendor extras
    StatusOr<std::string> value =
        UrlDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!value.ok()) return value.status();
    std::optional<Given>& slot = given[static_cast<std::size_t>(*param)];
    if (slot.has_value()) {
      return InvalidArgument(slot->name == *name
                                 ? "parameter " + *name + " is given twice"
                                 : "parameters " + slot->name + " and " + *name +
                                       " are the same and both given");
    }
    slot = Given{std::move(*name), std::move(*value)};
  }
  const auto get = [&given](Param p) -> const std::optional<Given>& {
    return given[static_cast<std::size_t>(p)];
  };
  // An optional number: absent, or it must parse.
  const auto number = [&get](Param p, std::optional<double>* out) -> Status {
    const std::optional<Given>& g = get(p);
    if (!g.has_value()) return Status::Ok();
    StatusOr<double> value = ParseNumber(g->name, g->value);
    if (!value.ok()) return value.status();
    *out = *value;
    return Status::Ok();
  };

  Reading r;
  if (!get(Param::kId).has_value() || get(Param::kId)->value.empty()) {
    return InvalidArgument("parameter id is missing or empty");
  }
  r.device = get(Param::kId)->value;

  if (!get(Param::kTimestamp).has_value()) return InvalidArgument("parameter timestamp is missing");
  StatusOr<TimeMs> time = ParseTimestamp(get(Param::kTimestamp)->value);
  if (!time.ok()) return time.status();
  r.time = *time;

  std::optional<double> lat, lon;
  if (const std::optional<Given>& location = get(Param::kLocation); location.has_value()) {
    if (get(Param::kLat).has_value() || get(Param::kLon).has_value()) {
      return InvalidArgument("parameters location and lat/lon are both given");
    }
    const std::size_t comma = location->value.find(',');
    if (comma == std::string::npos || location->value.find(',', comma + 1) != std::string::npos) {
      return InvalidArgument("location " + Quote(location->value) + " is not lat,lon");
    }
    const std::string_view text_lat = std::string_view(location->value).substr(0, comma);
    const std::string_view text_lon = std::string_view(location->value).substr(comma + 1);
    StatusOr<double> la = ParseNumber("location latitude", text_lat);
    if (!la.ok()) return la.status();
    StatusOr<double> lo = ParseNumber("location longitude", text_lon);
    if (!lo.ok()) return lo.status();
    lat = *la;
    lon = *lo;
  } else {
    if (Status s = number(Param::kLat, &lat); !s.ok()) return s;
    if (Status s = number(Param::kLon, &lon); !s.ok()) return s;
    // A panic press before the phone has any fix still matters: an alarm without a
    // position becomes a no_position fix instead of being refused.
    const bool alarm_only = !lat.has_value() && !lon.has_value() &&
                            get(Param::kAlarm).has_value() && !get(Param::kAlarm)->value.empty();
    if (!alarm_only && !lat.has_value()) return InvalidArgument("parameter lat is missing");
    if (!alarm_only && !lon.has_value()) return InvalidArgument("parameter lon is missing");
    r.no_position = alarm_only;
  }
  r.lat = lat.value_or(0);
  r.lon = lon.value_or(0);

  std::optional<double> speed_knots, altitude;
  for (const auto& [param, out] : {std::pair{Param::kAccuracy, &r.accuracy_m},
                                   std::pair{Param::kHdop, &r.hdop},
                                   std::pair{Param::kSpeed, &speed_knots},
                                   std::pair{Param::kBearing, &r.heading_deg},
                                   std::pair{Param::kBatt, &r.battery_pct},
                                   std::pair{Param::kAltitude, &altitude}}) {
    if (Status s = number(param, out); !s.ok()) return s;
  }
  if (speed_knots.has_value()) r.speed_mps = *speed_knots * kKnotsToMps;
  if (const std::optional<Given>& valid = get(Param::kValid); valid.has_value()) {
    StatusOr<bool> v = ParseValid(valid->value);
    if (!v.ok()) return v.status();
    r.valid = *v;
  }
  if (get(Param::kAlarm).has_value()) r.alarm = get(Param::kAlarm)->value;
  return ToFix(r);
}

// ---------------------------------------------------------------------------------
// JSON bodies.
// ---------------------------------------------------------------------------------

StatusOr<v1::Fix> DecodeJson(std::string_view body) {
  StatusOr<Struct> root =
      codec::ParseJsonObject(body, kMaxOsmAndJsonBytes, kMaxOsmAndJsonDepth, "osmand");
  if (!root.ok()) return root.status();

  codec::JsonReader read;
  const std::optional<std::string> device = read.String(*root, "", "device_id");
  const Struct* location = read.Object(*root, "", "location");
  if (!read.status().ok()) return read.status();
  if (!device.has_value() || device->empty()) {
    return InvalidArgument("device_id is missing or empty");
  }
  if (location == nullptr) return InvalidArgument("no \"location\" object");

  const Struct* coords = read.Object(*location, "location", "coords");
  const Struct* battery = read.Object(*location, "location", "battery");
  const Struct* extras = read.Object(*location, "location", "extras");
  const std::optional<std::string> alarm = read.String(*location, "location", "alarm");
  if (!read.status().ok()) return read.status();
  if (coords == nullptr) return InvalidArgument("no \"location.coords\" object");

  Reading r;
  r.device = *device;
  const Value* timestamp = codec::JsonReader::Find(*location, "timestamp");
  if (timestamp == nullptr) return InvalidArgument("location.timestamp is missing");
  if (timestamp->kind_case() == Value::kStringValue) {
    StatusOr<TimeMs> time = ParseTimestamp(timestamp->string_value());
    if (!time.ok()) return InvalidArgument("location." + time.status().message());
    r.time = *time;
  } else if (timestamp->kind_case() == Value::kNumberValue) {
    StatusOr<TimeMs> time =
        EpochNumberToMs(timestamp->number_value(), NumberText(timestamp->number_value()));
    if (!time.ok()) return InvalidArgument("location." + time.status().message());
    r.time = *time;
  } else {
    return InvalidArgument("location.timestamp: expected ISO 8601 text or a number");
  }

  const std::optional<double> lat = read.Number(*coords, "location.coords", "latitude");
  const std::optional<double> lon = read.Number(*coords, "location.coords", "longitude");
  r.accuracy_m = read.Number(*coords, "location.coords", "accuracy");
  r.speed_mps = read.Number(*coords, "location.coords", "speed");  // already m/s
  r.heading_deg = read.Number(*coords, "location.coords", "heading");
  std::optional<double> level;
  if (battery != nullptr) level = read.Number(*battery, "location.battery", "level");
  if (!read.status().ok()) return read.status();
  if (!lat.has_value()) return InvalidArgument("location.coords.latitude is missing");
  if (!lon.has_value()) return InvalidArgument("location.coords.longitude is missing");
  r.lat = *lat;
  r.lon = *lon;
  // A fraction 0..1; -1 means the phone could not tell.
  if (level.has_value() && *level >= 0) r.battery_pct = *level * 100;

  if (alarm.has_value()) {
    r.alarm = *alarm;
  } else if (extras != nullptr) {
    // extras are free-form app settings: an alarm of another type is ignored.
    const Value* extra = codec::JsonReader::Find(*extras, "alarm");
    if (extra != nullptr && extra->kind_case() == Value::kStringValue) {
      r.alarm = extra->string_value();
    }
  }
  return ToFix(r);
}

StatusOr<v1::Fix> Prefixed(StatusOr<v1::Fix> fix) {
  if (fix.ok() || fix.status().message().starts_with("osmand: ")) return fix;
  return InvalidArgument("osmand: " + fix.status().message());
}

}  // namespace

StatusOr<v1::Fix> ParseOsmAndQuery(std::string_view query_or_form_body) {
  return Prefixed(DecodeQuery(query_or_form_body));
}

StatusOr<v1::Fix> ParseOsmAndJson(std::string_view body) { return Prefixed(DecodeJson(body)); }

}  // namespace stayaway::ingest
