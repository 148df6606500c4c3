#include "ingest/recordable_input.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/unknown_field_set.h>

#include <cmath>
#include <limits>

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
    return InputRefusal{kUnknownFieldCode,
                        PathText(path) + ": field number " +
                            std::to_string(unknown.field(0).number()) +
                            " is not in the schema of " + descriptor->full_name() +
                            "; unknown fields are refused (evidence could not show them)"};
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

}  // namespace

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
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_DOUBLE:
        if (field->is_repeated()) {
          for (int k = 0, n = reflection->FieldSize(*message, field); k < n; ++k) {
            if (std::isnan(reflection->GetRepeatedDouble(*message, field, k))) {
              reflection->SetRepeatedDouble(message, field, k, kNaN);
            }
          }
        } else if (std::isnan(reflection->GetDouble(*message, field))) {
          reflection->SetDouble(message, field, kNaN);
        }
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        if (field->is_repeated()) {
          for (int k = 0, n = reflection->FieldSize(*message, field); k < n; ++k) {
            if (std::isnan(reflection->GetRepeatedFloat(*message, field, k))) {
              reflection->SetRepeatedFloat(message, field, k, kNaNf);
            }
          }
        } else if (std::isnan(reflection->GetFloat(*message, field))) {
          reflection->SetFloat(message, field, kNaNf);
        }
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (field->is_repeated()) {
          for (int k = 0, n = reflection->FieldSize(*message, field); k < n; ++k) {
            CanonicalizeNaNs(reflection->MutableRepeatedMessage(message, field, k));
          }
        } else if (reflection->HasField(*message, field)) {
          CanonicalizeNaNs(reflection->MutableMessage(message, field));
        }
        break;
      default:
        break;
    }
  }
}

}  // namespace stayaway::ingest
