#include "ingest/recordable_input.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/unknown_field_set.h>

#include <cmath>
#include <limits>
#include <vector>

#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Where the walk is, as a chain up to the root; only made into text for a refusal, so the
// good path costs no allocation.
struct PathFrame {
  const PathFrame* parent;
  std::string_view name;
  int index;  // of a repeated field's element; -1 otherwise
};

std::string PathText(const PathFrame* frame) {
  if (frame == nullptr) return std::string();
  std::string text = PathText(frame->parent);
  if (frame->parent != nullptr) text += '.';
  text += frame->name;
  if (frame->index >= 0) text += "[" + std::to_string(frame->index) + "]";
  return text;
}

std::optional<InputRefusal> CheckMessage(const Message& message, const PathFrame* path) {
  const Descriptor* descriptor = message.GetDescriptor();
  const Reflection* reflection = message.GetReflection();
  if (const auto& unknown = reflection->GetUnknownFields(message); !unknown.empty()) {
    return InputRefusal{kUnknownFieldCode, PathText(path) + ": field number " +
                                               std::to_string(unknown.field(0).number()) +
                                               " is not in the schema of " +
                                               descriptor->full_name() +
                                               "; unknown fields are refused (evidence could "
                                               "not show them)"};
  }
  if (descriptor->well_known_type() == Descriptor::WELLKNOWNTYPE_TIMESTAMP) {
    google::protobuf::Timestamp ts;
    ts.set_seconds(reflection->GetInt64(message, descriptor->FindFieldByNumber(1)));
    ts.set_nanos(reflection->GetInt32(message, descriptor->FindFieldByNumber(2)));
    if (Status s = CheckTimestampRange(ts); !s.ok()) {
      return InputRefusal{kTimeOutOfRangeCode, PathText(path) + ": " + s.message()};
    }
    return std::nullopt;
  }
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      const int size = reflection->FieldSize(message, field);
      for (int k = 0; k < size; ++k) {
        const PathFrame here{path, field->name(), k};
        if (auto refusal = CheckMessage(reflection->GetRepeatedMessage(message, field, k), &here)) {
          return refusal;
        }
      }
    } else if (reflection->HasField(message, field)) {
      const PathFrame here{path, field->name(), -1};
      if (auto refusal = CheckMessage(reflection->GetMessage(message, field), &here)) {
        return refusal;
      }
    }
  }
  return std::nullopt;
}

void CanonicalizeFloats(Message* message, const Reflection* reflection,
                        const FieldDescriptor* field) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();
  const bool is_double = field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE;
  if (field->is_repeated()) {
    for (int k = 0, n = reflection->FieldSize(*message, field); k < n; ++k) {
      if (is_double && std::isnan(reflection->GetRepeatedDouble(*message, field, k))) {
        reflection->SetRepeatedDouble(message, field, k, kNaN);
      } else if (!is_double && std::isnan(reflection->GetRepeatedFloat(*message, field, k))) {
        reflection->SetRepeatedFloat(message, field, k, kNaNf);
      }
    }
  } else if (is_double && std::isnan(reflection->GetDouble(*message, field))) {
    reflection->SetDouble(message, field, kNaN);
  } else if (!is_double && std::isnan(reflection->GetFloat(*message, field))) {
    reflection->SetFloat(message, field, kNaNf);
  }
}

// Whether v1::Fix still has the shape the direct fast paths below were written for; any
// other shape (a field added to the schema) leaves fixes to the generic walk.
bool FixHasKnownShape() {
  const Descriptor* fix = v1::Fix::descriptor();
  std::vector<int> messages;
  std::vector<int> floats;
  for (int i = 0; i < fix->field_count(); ++i) {
    const FieldDescriptor* field = fix->field(i);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated() ||
          field->message_type()->well_known_type() != Descriptor::WELLKNOWNTYPE_TIMESTAMP) {
        return false;
      }
      messages.push_back(field->number());
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE ||
               field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
      if (field->is_repeated() || field->cpp_type() != FieldDescriptor::CPPTYPE_DOUBLE) {
        return false;
      }
      floats.push_back(field->number());
    }
  }
  return messages == std::vector<int>{v1::Fix::kTimeFieldNumber, v1::Fix::kReceivedFieldNumber} &&
         floats ==
             std::vector<int>{v1::Fix::kLatFieldNumber,        v1::Fix::kLonFieldNumber,
                              v1::Fix::kAccuracyMFieldNumber,  v1::Fix::kSpeedMpsFieldNumber,
                              v1::Fix::kHeadingDegFieldNumber, v1::Fix::kBatteryPctFieldNumber};
}

bool FixFastPath() {
  static const bool known = FixHasKnownShape();
  return known;
}

// No unknown fields (asked of the reflection objects fetched once: fetching them is the
// costly part of a reflective call).
bool NoUnknownFields(const v1::Fix& fix) {
  static const Reflection* const reflection = v1::Fix::GetReflection();
  return reflection->GetUnknownFields(fix).empty();
}

bool PlainTime(const google::protobuf::Timestamp& ts) {
  static const Reflection* const reflection = google::protobuf::Timestamp::GetReflection();
  return reflection->GetUnknownFields(ts).empty() && ts.seconds() >= kMinTimestampSeconds &&
         ts.seconds() <= kMaxTimestampSeconds && ts.nanos() >= 0 &&
         ts.nanos() <= kMaxTimestampNanos;
}

}  // namespace

std::optional<InputRefusal> CheckRecordable(const v1::Fix& fix, std::string_view what) {
  if (FixFastPath() && NoUnknownFields(fix) && (!fix.has_time() || PlainTime(fix.time())) &&
      (!fix.has_received() || PlainTime(fix.received()))) {
    return std::nullopt;
  }
  // Something to refuse (or an unknown shape): the generic walk finds it and says where.
  return CheckRecordable(static_cast<const Message&>(fix), what);
}

void CanonicalizeNaNs(v1::Fix* fix) {
  if (!FixFastPath()) return CanonicalizeNaNs(static_cast<Message*>(fix));
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (std::isnan(fix->lat())) fix->set_lat(kNaN);
  if (std::isnan(fix->lon())) fix->set_lon(kNaN);
  if (std::isnan(fix->accuracy_m())) fix->set_accuracy_m(kNaN);
  if (fix->has_speed_mps() && std::isnan(fix->speed_mps())) fix->set_speed_mps(kNaN);
  if (fix->has_heading_deg() && std::isnan(fix->heading_deg())) fix->set_heading_deg(kNaN);
  if (fix->has_battery_pct() && std::isnan(fix->battery_pct())) fix->set_battery_pct(kNaN);
}

std::optional<InputRefusal> CheckRecordable(const Message& message, std::string_view what) {
  const PathFrame root{nullptr, what, -1};
  return CheckMessage(message, &root);
}

std::optional<InputRefusal> CheckRecordableInput(const v1::Input& input) {
  const Reflection* reflection = input.GetReflection();
  if (!reflection->GetUnknownFields(input).empty()) return CheckRecordable(input, "input");
  const FieldDescriptor* held =
      reflection->GetOneofFieldDescriptor(input, v1::Input::descriptor()->FindOneofByName("input"));
  if (held == nullptr) return std::nullopt;
  return CheckRecordable(reflection->GetMessage(input, held), held->name());
}

void CanonicalizeNaNs(Message* message) {
  const Descriptor* descriptor = message->GetDescriptor();
  const Reflection* reflection = message->GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE ||
        field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
      CanonicalizeFloats(message, reflection, field);
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int k = 0, n = reflection->FieldSize(*message, field); k < n; ++k) {
        CanonicalizeNaNs(reflection->MutableRepeatedMessage(message, field, k));
      }
    } else if (reflection->HasField(*message, field)) {
      CanonicalizeNaNs(reflection->MutableMessage(message, field));
    }
  }
}

}  // namespace stayaway::ingest
