#include "ingest/replay_line_fast.h"

#include <cstdint>
#include <optional>

#include "ingest/json_fast_reader.h"

namespace stayaway::ingest {
namespace {

bool Flags(FastJsonReader& reader, v1::Fix* fix) {
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

bool FixValue(FastJsonReader& reader, Key key, v1::Fix* fix) {
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
      if (!ReadMappingUint64(reader, &seq)) return false;
      fix->set_seq(seq);
      return true;
    }
    case kTime:
      return ReadMappingTime(reader, fix->mutable_time());
    case kReceived:
      return ReadMappingTime(reader, fix->mutable_received());
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
  if (!ReadMappingDouble(reader, &value)) return false;
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
  FastJsonReader reader(line);
  if (!reader.Eat('{')) return false;
  std::string_view name;
  if (!reader.String(&name) || !reader.Eat(':')) return false;
  if (name == "tick") {
    if (!ReadMappingTime(reader, out->mutable_tick()->mutable_tick()) || !reader.Eat('}'))
      return false;
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
