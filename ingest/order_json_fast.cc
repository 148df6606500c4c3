#include "ingest/order_json_fast.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "ingest/json_fast_reader.h"

namespace stayaway::ingest {
namespace {

// A string as FastJsonReader::String takes it, copied into `out` (a field's own string).
bool StringInto(FastJsonReader& reader, std::string* out) {
  std::string_view text;
  if (!reader.String(&text)) return false;
  out->assign(text.data(), text.size());
  return true;
}

bool StringArray(FastJsonReader& reader, google::protobuf::RepeatedPtrField<std::string>* out) {
  if (!reader.Eat('[')) return false;
  if (reader.Eat(']')) return true;
  do {
    std::string_view text;
    if (!reader.String(&text)) return false;
    out->Add()->assign(text.data(), text.size());
  } while (reader.Eat(','));
  return reader.Eat(']');
}

// {"id": ..., "devices": [...], "relation": ...}, each key at most once, in any order.
bool Party(FastJsonReader& reader, v1::Party* party) {
  if (!reader.Eat('{')) return false;
  if (reader.Eat('}')) return true;
  bool id = false, devices = false, relation = false;
  do {
    std::string_view name;
    if (!reader.String(&name) || !reader.Eat(':')) return false;
    bool* seen = name == "id"         ? &id
                 : name == "devices"  ? &devices
                 : name == "relation" ? &relation
                                      : nullptr;
    if (seen == nullptr || *seen) return false;
    *seen = true;
    const bool read = seen == &id        ? StringInto(reader, party->mutable_id())
                      : seen == &devices ? StringArray(reader, party->mutable_devices())
                                         : StringInto(reader, party->mutable_relation());
    if (!read) return false;
  } while (reader.Eat(','));
  return reader.Eat('}');
}

bool Parties(FastJsonReader& reader, google::protobuf::RepeatedPtrField<v1::Party>* out) {
  if (!reader.Eat('[')) return false;
  if (reader.Eat(']')) return true;
  do {
    if (!Party(reader, out->Add())) return false;
  } while (reader.Eat(','));
  return reader.Eat(']');
}

// An enum value by its name, as Parse (the generated NAME_Parse) knows it.
template <typename Enum>
bool EnumByName(FastJsonReader& reader, bool (*parse)(const std::string&, Enum*), Enum* out) {
  std::string_view name;
  return reader.String(&name) && parse(std::string(name), out);
}

enum Key : uint32_t {
  kId = 1u << 0,
  kCaseReference = 1u << 1,
  kIssuingAuthority = 1u << 2,
  kVersion = 1u << 3,
  kState = 1u << 4,
  kValidFrom = 1u << 5,
  kValidUntil = 1u << 6,
  kSupervised = 1u << 7,
  kProtected = 1u << 8,
  kViolationDistance = 1u << 9,
  kWarningDistance = 1u << 10,
  kVictimNotification = 1u << 11,
  kTimeZone = 1u << 12,
};

std::optional<Key> KeyOf(std::string_view name) {
  static constexpr std::pair<std::string_view, Key> kKeys[] = {
      {"id", kId},
      {"version", kVersion},
      {"state", kState},
      {"valid_from", kValidFrom},
      {"supervised", kSupervised},
      {"protected", kProtected},
      {"violation_distance_m", kViolationDistance},
      {"warning_distance_m", kWarningDistance},
      {"case_reference", kCaseReference},
      {"issuing_authority", kIssuingAuthority},
      {"valid_until", kValidUntil},
      {"victim_notification", kVictimNotification},
      {"time_zone", kTimeZone},
  };
  for (const auto& [spelled, key] : kKeys) {
    if (spelled == name) return key;
  }
  return std::nullopt;
}

bool OrderValue(FastJsonReader& reader, Key key, v1::Order* order) {
  switch (key) {
    case kId:
      return StringInto(reader, order->mutable_id());
    case kCaseReference:
      return StringInto(reader, order->mutable_case_reference());
    case kIssuingAuthority:
      return StringInto(reader, order->mutable_issuing_authority());
    case kTimeZone:
      return StringInto(reader, order->mutable_time_zone());
    case kVersion: {
      uint64_t version = 0;
      if (!ReadMappingUint64(reader, &version) || version > std::numeric_limits<uint32_t>::max()) {
        return false;
      }
      order->set_version(static_cast<uint32_t>(version));
      return true;
    }
    case kState: {
      v1::Order::State state;
      if (!EnumByName(reader, &v1::Order::State_Parse, &state)) return false;
      order->set_state(state);
      return true;
    }
    case kVictimNotification: {
      v1::Order::VictimNotification notification;
      if (!EnumByName(reader, &v1::Order::VictimNotification_Parse, &notification)) return false;
      order->set_victim_notification(notification);
      return true;
    }
    case kValidFrom:
      return ReadMappingTime(reader, order->mutable_valid_from());
    case kValidUntil:
      return ReadMappingTime(reader, order->mutable_valid_until());
    case kSupervised:
      return Party(reader, order->mutable_supervised());
    case kProtected:
      return Parties(reader, order->mutable_protected_());
    case kViolationDistance:
    case kWarningDistance: {
      double value = 0;
      if (!ReadMappingDouble(reader, &value)) return false;
      if (key == kViolationDistance) {
        order->set_violation_distance_m(value);
      } else {
        order->set_warning_distance_m(value);
      }
      return true;
    }
  }
  return false;
}

}  // namespace

bool ReadCommonOrder(FastJsonReader& reader, v1::Order* out) {
  if (!reader.Eat('{')) return false;
  if (reader.Eat('}')) return true;
  uint32_t seen = 0;
  do {
    std::string_view name;
    if (!reader.String(&name) || !reader.Eat(':')) return false;
    const std::optional<Key> key = KeyOf(name);
    if (!key || (seen & *key) != 0 || !OrderValue(reader, *key, out)) return false;
    seen |= *key;
  } while (reader.Eat(','));
  return reader.Eat('}');
}

bool ParseCommonOrder(std::string_view object, v1::Order* out) {
  FastJsonReader reader(object);
  if (!ReadCommonOrder(reader, out)) return false;
  reader.SkipSpace();
  return reader.AtEnd();
}

}  // namespace stayaway::ingest
