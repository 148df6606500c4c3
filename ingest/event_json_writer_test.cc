// The fast event writer against its oracle, Protobuf 3.21's JSON printer with EventToJson's
// options: on every event, hand-written, exhaustive over one dimension, or random, the
// writer's bytes equal the printer's bytes (or both are {"encoding_error":true}).
#include "ingest/event_json_writer.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/sanitized_build.h"
#include "base/time.h"
#include "ingest/json_codec.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {
namespace {

namespace pb = google::protobuf;

// Sanitizer builds run the oracle (Protobuf's printer) several times slower: fewer events.
constexpr bool kSanitized = kSanitizedBuild;
constexpr int kRandomEvents = kSanitized ? 16'000 : 100'000;
// Timestamps from year 1 to 9999: one about every this many seconds.
constexpr int64_t kDateStrideSeconds = (kSanitized ? 311 : 31) * 86'400 + 3'607;

constexpr std::string_view kEncodingError = R"({"encoding_error":true})";

// The oracle: what EventToJson's Protobuf path prints.
std::string ProtobufJson(const v1::Event& event) {
  pb::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  if (!pb::util::MessageToJsonString(event, &out, options).ok()) {
    return std::string(kEncodingError);
  }
  return out;
}

// Bytes outside printable ASCII as \xNN, so a mismatch in a control character, a
// non-ASCII character or a stray byte is visible.
std::string Visible(std::string_view bytes) {
  std::string text;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      text.push_back(c);
    } else {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02x", byte);
      text += escape;
    }
  }
  return text;
}

::testing::AssertionResult WritesWhatProtobufPrints(const v1::Event& event) {
  const std::string expected = ProtobufJson(event);
  const std::string actual = WriteEventJson(event);
  if (actual == expected) return ::testing::AssertionSuccess();
  std::size_t at = 0;
  while (at < actual.size() && at < expected.size() && actual[at] == expected[at]) ++at;
  return ::testing::AssertionFailure()
         << "\nevent: " << Visible(event.ShortDebugString()) << "\nProtobuf: " << Visible(expected)
         << "\nwriter:   " << Visible(actual) << "\nfirst difference at byte " << at;
}

// Protobuf logs an error for every string with invalid UTF-8 it serializes (the oracle
// serializes first); the tests make thousands on purpose.
class QuietProtobufLog {
 public:
  QuietProtobufLog() : previous_(pb::SetLogHandler(nullptr)) {}
  ~QuietProtobufLog() { pb::SetLogHandler(previous_); }
  QuietProtobufLog(const QuietProtobufLog&) = delete;
  QuietProtobufLog& operator=(const QuietProtobufLog&) = delete;

 private:
  pb::LogHandler* previous_;
};

constexpr TimeMs kTenOClock = 1740823200000;  // 2025-03-01T10:00:00Z

v1::PositionReport Position(std::string person, std::string device, double lat, double lon) {
  v1::PositionReport report;
  report.set_person(std::move(person));
  report.set_device(std::move(device));
  report.set_lat(lat);
  report.set_lon(lon);
  report.set_accuracy_m(8.5);
  report.set_basis(v1::PositionReport::interpolated);
  MsToTimestamp(kTenOClock - 250, report.mutable_time());
  return report;
}

// Every field of the event and of its messages set, none at its default.
v1::Event EveryFieldSet() {
  v1::Event event;
  event.set_alert_id("6f1c0e2b9a4d3e11");
  event.set_order_id("KG-2025-0001");
  event.set_order_version(3);
  event.set_kind(v1::Event::proximity_violation);
  event.set_transition(v1::Event::resolved);
  event.set_certainty(v1::Event::confirmed);
  MsToTimestamp(kTenOClock, event.mutable_time());
  MsToTimestamp(kTenOClock + 61'500, event.mutable_detected_at());
  event.set_late(true);
  event.set_distance_m(83.27563412097123);
  event.set_distance_lower_m(66.5);
  event.set_distance_upper_m(100.05);
  event.set_limit_m(100);
  *event.mutable_supervised() = Position("p1", "tag-1", 42.874612345678901, 74.5698);
  event.mutable_supervised()->set_withheld(false);
  event.mutable_supervised()->set_rest_fixes(5);
  event.mutable_supervised()->set_basis(v1::PositionReport::at_rest);
  *event.mutable_protected_() = Position("p2", "phone-2", 42.8752, 74.57012);
  event.set_zone_id("home");
  event.set_device("tag-1");
  event.set_person("p1");
  for (uint64_t seq : {41u, 42u, 43u}) {
    v1::FixRef* fix = event.add_fixes();
    fix->set_device(seq == 42 ? "phone-2" : "tag-1");
    fix->set_seq(seq);
  }
  event.set_rule("proximity:p1:p2");
  event.set_ack_by("operator \"Aida\"");
  event.set_ack_note("called <police> & the victim\nline two");
  event.set_ack_credential("cred-7");
  event.set_redacted(false);
  event.set_downgrade_reason(v1::Event::eased);
  event.set_disposition(v1::AlertResolve::police_notified);
  event.set_received_by("p2");
  event.set_received_seq(1042);
  MsToTimestamp(kTenOClock + 90'000, event.mutable_shown_at());
  return event;
}

TEST(EventJsonWriter, AnEmptyEventPrintsEveryNonOptionalField) {
  const v1::Event event;
  EXPECT_EQ(WriteEventJson(event),
            R"({"alert_id":"","order_id":"","order_version":0,"kind":"kind_unspecified",)"
            R"("transition":"transition_unspecified","late":false,"fixes":[],"rule":""})");
  EXPECT_TRUE(WritesWhatProtobufPrints(event));
}

TEST(EventJsonWriter, EveryFieldSetIsPrintedInTheOrderProtobufPrintsIt) {
  const v1::Event event = EveryFieldSet();
  EXPECT_TRUE(WritesWhatProtobufPrints(event));
  // Pinned for the reader: non-optional fields in field-number order, then optional ones
  // and timestamps (Protobuf 3.21's order, json_codec.h). The distance 83.27563412097123
  // needs 16 digits, more than "%.15g" gives, so it prints with "%.17g"'s 17.
  EXPECT_EQ(
      WriteEventJson(event),
      R"({"alert_id":"6f1c0e2b9a4d3e11","order_id":"KG-2025-0001","order_version":3,)"
      R"("kind":"proximity_violation","transition":"resolved","late":true,)"
      R"("supervised":{"person":"p1","device":"tag-1","lat":42.8746123456789,"lon":74.5698,)"
      R"("accuracy_m":8.5,"basis":"at_rest","time":"2025-03-01T09:59:59.750Z",)"
      R"("withheld":false,"rest_fixes":5},)"
      R"("protected":{"person":"p2","device":"phone-2","lat":42.8752,"lon":74.57012,)"
      R"("accuracy_m":8.5,"basis":"interpolated","time":"2025-03-01T09:59:59.750Z"},)"
      R"("fixes":[{"device":"tag-1","seq":"41"},{"device":"phone-2","seq":"42"},)"
      R"({"device":"tag-1","seq":"43"}],"rule":"proximity:p1:p2","certainty":"confirmed",)"
      R"("time":"2025-03-01T10:00:00Z","detected_at":"2025-03-01T10:01:01.500Z",)"
      R"("distance_m":83.275634120971233,"distance_lower_m":66.5,"distance_upper_m":100.05,)"
      R"("limit_m":100,"zone_id":"home","device":"tag-1","person":"p1",)"
      R"("ack_by":"operator \"Aida\"","ack_note":"called \u003cpolice\u003e & the victim\nline two",)"
      R"("ack_credential":"cred-7","redacted":false,"downgrade_reason":"eased",)"
      R"("disposition":"police_notified","received_by":"p2","received_seq":"1042",)"
      R"("shown_at":"2025-03-01T10:01:30Z"})");
  // What EventToJson prints today for a non-redacted event is the oracle's text.
  EXPECT_EQ(EventToJson(event), ProtobufJson(event));
}

TEST(EventJsonWriter, AppendsAfterWhatTheStringHolds) {
  std::string out = "prefix ";
  AppendEventJson(EveryFieldSet(), &out);
  EXPECT_EQ(out, "prefix " + ProtobufJson(EveryFieldSet()));
  v1::Event broken;
  broken.mutable_time()->set_nanos(-1);
  out = "prefix ";
  AppendEventJson(broken, &out);
  EXPECT_EQ(out, "prefix " + std::string(kEncodingError));
}

TEST(EventJsonWriter, UnknownFieldsAreLeftOutAsTheyAre) {
  // A journal written by a newer schema: a field number this one does not know, and a
  // known number on the wrong wire type (which the parser keeps as unknown).
  v1::Event event = EveryFieldSet();
  pb::UnknownFieldSet* unknown = event.GetReflection()->MutableUnknownFields(&event);
  unknown->AddVarint(1000, 7);
  unknown->AddLengthDelimited(1001, "later");
  unknown->AddFixed32(3, 9);  // order_version is a varint
  pb::UnknownFieldSet* nested =
      event.GetReflection()->MutableUnknownFields(event.mutable_supervised());
  nested->AddFixed64(77, 1);
  EXPECT_TRUE(WritesWhatProtobufPrints(event));
  EXPECT_EQ(WriteEventJson(event), WriteEventJson(EveryFieldSet()));
}

// The message types an event holds, each with every field: a schema change that adds a
// field or a nested message type shows here first (and the random test then checks it).
std::vector<const pb::Descriptor*> MessagesInAnEvent() {
  std::vector<const pb::Descriptor*> messages = {v1::Event::descriptor()};
  for (std::size_t i = 0; i < messages.size(); ++i) {
    for (int f = 0; f < messages[i]->field_count(); ++f) {
      const pb::Descriptor* nested = messages[i]->field(f)->message_type();
      if (nested != nullptr &&
          std::find(messages.begin(), messages.end(), nested) == messages.end()) {
        messages.push_back(nested);
      }
    }
  }
  return messages;
}

TEST(EventJsonWriter, KnowsEveryMessageTypeAnEventHolds) {
  std::set<std::string> names;
  for (const pb::Descriptor* message : MessagesInAnEvent()) names.insert(message->full_name());
  EXPECT_EQ(names, (std::set<std::string>{"stayaway.v1.Event", "stayaway.v1.PositionReport",
                                          "stayaway.v1.FixRef", "google.protobuf.Timestamp"}));
}

// The messages of type `type` in `event`, created where needed: the event itself, both
// position reports, two fix references, or all five timestamps.
std::vector<pb::Message*> MessagesOfType(v1::Event* event, const pb::Descriptor* type) {
  if (type == v1::Event::descriptor()) return {event};
  if (type == v1::PositionReport::descriptor()) {
    return {event->mutable_supervised(), event->mutable_protected_()};
  }
  if (type == v1::FixRef::descriptor()) return {event->add_fixes(), event->add_fixes()};
  if (type == pb::Timestamp::descriptor()) {
    return {event->mutable_time(), event->mutable_detected_at(), event->mutable_shown_at(),
            event->mutable_supervised()->mutable_time(),
            event->mutable_protected_()->mutable_time()};
  }
  ADD_FAILURE() << "no way to reach " << type->full_name();
  return {};
}

// Sets one field of `message` by reflection to a value that is not its default (and, for
// a Timestamp's seconds and nanos, in range: TimestampsAcrossTheRangeAndBeyondIt does
// the rest).
void SetToSomething(pb::Message* message, const pb::FieldDescriptor* field, int variant) {
  const pb::Reflection* reflection = message->GetReflection();
  const auto set = [&](auto setter, auto adder, auto value) {
    if (field->is_repeated()) {
      (reflection->*adder)(message, field, value);
    } else {
      (reflection->*setter)(message, field, value);
    }
  };
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      set(&pb::Reflection::SetInt32, &pb::Reflection::AddInt32, 123'456'789 + variant);
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      set(&pb::Reflection::SetInt64, &pb::Reflection::AddInt64,
          int64_t{1'740'823'200} + variant * 86'399);
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      set(&pb::Reflection::SetUInt32, &pb::Reflection::AddUInt32,
          uint32_t{4'000'000'000u} + variant);
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      set(&pb::Reflection::SetUInt64, &pb::Reflection::AddUInt64,
          uint64_t{18'000'000'000'000'000'000u} + variant);
      break;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      set(&pb::Reflection::SetDouble, &pb::Reflection::AddDouble, -123.456789 * (variant + 1));
      break;
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      set(&pb::Reflection::SetFloat, &pb::Reflection::AddFloat, 1.25f * (variant + 1));
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      set(&pb::Reflection::SetBool, &pb::Reflection::AddBool, true);
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      set(&pb::Reflection::SetEnumValue, &pb::Reflection::AddEnumValue,
          field->enum_type()->value(field->enum_type()->value_count() - 1)->number());
      break;
    case pb::FieldDescriptor::CPPTYPE_STRING:
      set(&pb::Reflection::SetString, &pb::Reflection::AddString,
          std::string(field->name()) + " <" + std::to_string(variant) + ">");
      break;
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      if (field->is_repeated()) {
        reflection->AddMessage(message, field);
      } else {
        reflection->MutableMessage(message, field);
      }
      break;
  }
}

TEST(EventJsonWriter, EachFieldOfEachMessageAloneAndTogether) {
  for (const pb::Descriptor* type : MessagesInAnEvent()) {
    v1::Event all;
    for (int f = 0; f < type->field_count(); ++f) {
      const pb::FieldDescriptor* field = type->field(f);
      v1::Event one;
      for (pb::Message* message : MessagesOfType(&one, type)) SetToSomething(message, field, 0);
      EXPECT_TRUE(WritesWhatProtobufPrints(one)) << type->full_name() << "." << field->name();
      for (pb::Message* message : MessagesOfType(&all, type)) SetToSomething(message, field, f);
    }
    EXPECT_TRUE(WritesWhatProtobufPrints(all)) << "every field of " << type->full_name();
  }
}

TEST(EventJsonWriter, EveryValueOfEveryEnumFieldAndNumbersWithNoName) {
  for (const pb::Descriptor* type : MessagesInAnEvent()) {
    for (int f = 0; f < type->field_count(); ++f) {
      const pb::FieldDescriptor* field = type->field(f);
      if (field->enum_type() == nullptr) continue;
      std::vector<int> numbers;
      for (int v = 0; v < field->enum_type()->value_count(); ++v) {
        numbers.push_back(field->enum_type()->value(v)->number());
      }
      // Proto3 enums are open: a number from a newer schema is kept and printed as such.
      for (int number : {-1, -5, 99, 1000, 255, 256, 1 << 20, std::numeric_limits<int>::max(),
                         std::numeric_limits<int>::min()}) {
        numbers.push_back(number);
      }
      numbers.push_back(field->enum_type()->value_count());
      for (int number : numbers) {
        v1::Event event;
        for (pb::Message* message : MessagesOfType(&event, type)) {
          message->GetReflection()->SetEnumValue(message, field, number);
        }
        EXPECT_TRUE(WritesWhatProtobufPrints(event))
            << type->full_name() << "." << field->name() << " = " << number;
      }
    }
  }
}

TEST(EventJsonWriter, OptionalFieldsUnsetAndSetToTheirDefaults) {
  v1::Event event;
  EXPECT_TRUE(WritesWhatProtobufPrints(event));
  event.set_certainty(v1::Event::certainty_unspecified);
  event.set_distance_m(0);
  event.set_distance_lower_m(-0.0);
  event.set_distance_upper_m(0);
  event.set_limit_m(0);
  event.set_zone_id("");
  event.set_device("");
  event.set_person("");
  event.set_ack_by("");
  event.set_ack_note("");
  event.set_ack_credential("");
  event.set_redacted(false);
  event.set_downgrade_reason(v1::Event::downgrade_reason_unspecified);
  event.set_disposition(v1::AlertResolve::disposition_unspecified);
  event.set_received_by("");
  event.set_received_seq(0);
  event.mutable_shown_at();
  event.mutable_time();
  event.mutable_detected_at();
  event.mutable_supervised()->set_withheld(false);
  event.mutable_supervised()->set_rest_fixes(0);
  event.mutable_protected_();
  EXPECT_TRUE(WritesWhatProtobufPrints(event));
  EXPECT_NE(WriteEventJson(event).find(R"("distance_lower_m":-0,)"), std::string::npos);
}

TEST(EventJsonWriter, RepeatedFixesEmptyOneAndMany) {
  v1::Event event;
  for (int count = 0; count < 6; ++count) {
    EXPECT_TRUE(WritesWhatProtobufPrints(event)) << count << " fixes";
    v1::FixRef* fix = event.add_fixes();
    if (count % 2 == 1) {
      fix->set_device("tag-" + std::to_string(count));
      fix->set_seq(static_cast<uint64_t>(count) << 40);
    }
  }
}

// Doubles worth a look: where "%.15g" and "%.17g" part, where "%g" switches to exponents,
// the ends of the range, subnormals, NaN and infinities.
std::vector<double> EdgeDoubles() {
  using limits = std::numeric_limits<double>;
  std::vector<double> values = {0.0,
                                -0.0,
                                0.1,
                                0.2,
                                0.3,
                                0.30000000000000004,
                                1.0 / 3,
                                2.0 / 3,
                                1,
                                -1,
                                100,
                                123456,
                                1e21,
                                1e22,
                                1e-7,
                                1e-5,
                                1e-4,
                                0.001,
                                1e14,
                                1e15,
                                1e16,
                                1e17,
                                123456789012345,
                                1234567890123456,
                                12345678901234567.0,
                                123456789012345678.0,
                                9007199254740993.0,
                                1000000000000000.25,
                                1000000000000000.75,
                                999999999999999.9,
                                99999999999999.99,
                                42.8746,
                                74.5698,
                                42.874612345678901,
                                83.27563412097123,
                                limits::max(),
                                -limits::max(),
                                limits::min(),
                                limits::denorm_min(),
                                -limits::denorm_min(),
                                limits::min() / 3,
                                1e-310,
                                2.2250738585072009e-308,
                                limits::epsilon(),
                                1 + limits::epsilon(),
                                1 - limits::epsilon() / 2,
                                1e300,
                                1e-300,
                                5e-324,
                                limits::infinity(),
                                -limits::infinity(),
                                limits::quiet_NaN(),
                                -limits::quiet_NaN(),
                                limits::signaling_NaN()};
  for (int exponent = -30; exponent <= 30; ++exponent) {
    const double power = std::pow(10.0, exponent);
    values.push_back(power);
    values.push_back(std::nextafter(power, 0.0));
    values.push_back(std::nextafter(power, limits::infinity()));
    values.push_back(-1.5 * power);
  }
  return values;
}

TEST(EventJsonWriter, EdgeDoublesInEveryDoubleField) {
  for (const double value : EdgeDoubles()) {
    v1::Event event;
    event.set_distance_m(value);
    event.set_distance_lower_m(-value);
    event.set_distance_upper_m(value * 3);
    event.set_limit_m(value / 7);
    event.mutable_supervised()->set_lat(value);
    event.mutable_supervised()->set_lon(-value / 3);
    event.mutable_supervised()->set_accuracy_m(value * 10);
    event.mutable_protected_()->set_lat(value / 10);
    EXPECT_TRUE(WritesWhatProtobufPrints(event)) << value;
  }
}

TEST(EventJsonWriter, EdgeIntegers) {
  for (const uint64_t value :
       {uint64_t{0}, uint64_t{1}, uint64_t{9}, uint64_t{10}, uint64_t{4294967295u},
        uint64_t{4294967296u}, uint64_t{9007199254740993u}, std::numeric_limits<uint64_t>::max(),
        std::numeric_limits<uint64_t>::max() - 1, uint64_t{1} << 63}) {
    v1::Event event;
    event.set_order_version(static_cast<uint32_t>(value));
    event.add_fixes()->set_seq(value);
    event.set_received_seq(value);
    event.mutable_protected_()->set_rest_fixes(static_cast<uint32_t>(value));
    EXPECT_TRUE(WritesWhatProtobufPrints(event)) << value;
  }
}

TEST(EventJsonWriter, TimestampsAcrossTheRangeAndBeyondIt) {
  const int64_t seconds[] = {0,
                             -1,
                             1,
                             86'399,
                             86'400,
                             -86'400,
                             -86'401,
                             kTenOClock / 1000,
                             951'782'400,      // 2000-02-29
                             -2'203'891'200,   // 1900-03-01
                             4'107'542'400,    // 2100-03-01
                             -62'135'596'800,  // 0001-01-01T00:00:00Z
                             -62'135'596'801,
                             253'402'300'799,  // 9999-12-31T23:59:59Z
                             253'402'300'800,
                             std::numeric_limits<int64_t>::min(),
                             std::numeric_limits<int64_t>::max()};
  const int32_t nanos[] = {0,
                           1,
                           999,
                           1'000,
                           1'000'000,
                           250'000'000,
                           999'999'999,
                           120'000,
                           123'456'789,
                           100,
                           -1,
                           1'000'000'000,
                           std::numeric_limits<int32_t>::min(),
                           std::numeric_limits<int32_t>::max()};
  int failures = 0;
  for (const int64_t s : seconds) {
    for (const int32_t n : nanos) {
      for (int where = 0; where < 5; ++where) {
        v1::Event event;  // all five timestamps set, one of them to (s, n)
        auto* target =
            static_cast<pb::Timestamp*>(MessagesOfType(&event, pb::Timestamp::descriptor())[where]);
        target->set_seconds(s);
        target->set_nanos(n);
        EXPECT_TRUE(WritesWhatProtobufPrints(event)) << s << " s " << n << " ns at " << where;
        failures += WriteEventJson(event) == kEncodingError;
      }
    }
  }
  EXPECT_GT(failures, 0);  // out of range is reached, and both refuse it
}

TEST(EventJsonWriter, DaysFromYearOneToYear9999) {
  // A day about every month, at a second and a fraction that vary, five to an event.
  v1::Event event;
  const std::vector<pb::Message*> slots = MessagesOfType(&event, pb::Timestamp::descriptor());
  std::size_t slot = 0;
  for (int64_t s = kMinTimestampSeconds; s <= kMaxTimestampSeconds; s += kDateStrideSeconds) {
    auto* time = static_cast<pb::Timestamp*>(slots[slot]);
    time->set_seconds(s);
    time->set_nanos(static_cast<int32_t>((s % 1000 + 1000) % 1000 * 1'000'000 + (s & 7) * 1000));
    if (++slot == slots.size()) {
      ASSERT_TRUE(WritesWhatProtobufPrints(event));
      ASSERT_NE(WriteEventJson(event), kEncodingError);
      slot = 0;
    }
  }
}

// Strings worth a look: every escape Protobuf makes, non-ASCII it leaves alone, and
// invalid UTF-8 in each shape its escaper treats differently.
std::vector<std::string> EdgeStrings() {
  return {"",
          "plain",
          "\"quoted\"",
          "back\\slash",
          "</script>",
          "a&b'c=d",
          std::string("nul\0byte", 8),
          "\x01\x07\x08\x09\x0a\x0b\x0c\x0d\x1b\x1f",
          "del\x7f",
          "slash/",
          "\u00e9\u00fc\u0416\u4e2d\U0001F600",
          "\u2028\u2029",
          "\u0080\u009f\u00a0\u00ad\u0600\u0603\u0604\u06dd\u070f\u17b4\u17b5\u17b6",
          "\u200a\u200b\u200f\u2010\u2027\u202e\u202f\u205f\u2060\u2064\u2065\u206a\u206f",
          "\ufeff\ufff8\ufff9\ufffb\ufffc\uffff",
          "\U0001d172\U0001d173\U0001d17a\U0001d17b\U000e0000\U000e0001\U000e0020\U000e007f"
          "\U000e0080\U0010ffff",
          "\xc3",
          "a\xc3"
          "b",
          "\xc3\xa9\xc3",
          "\xc0\x80",
          "\xc1\x81x",
          "\xe0\x80\xbc",
          "\xe0\x82\xad",
          "\xed\xa0\x80z",
          "\xed\xbf\xbfz",
          "\xf4\x8f\xbf\xbf",
          "\xf4\x90\x80\x80z",
          "\xf5\x80\x80\x80z",
          "\xf8\x88\x80\x80\x80",
          "\xff\xfe",
          "\x80y",
          "x\xbf",
          "\xe2\x82",
          "\xe2\x82z",
          "\xf0\x9f\x98",
          "\xf0\x9f\x98\x80\xf0",
          "\xf0\x9f<\x80",
          "\xe2\x80\xa8\xe2\x80"};
}

TEST(EventJsonWriter, EdgeStringsInEveryStringField) {
  const QuietProtobufLog quiet;
  for (const std::string& text : EdgeStrings()) {
    v1::Event event;
    event.set_alert_id(text);
    event.set_order_id("x" + text);
    event.set_rule(text + "y");
    event.set_zone_id(text + text);
    event.set_device(text);
    event.set_person(text);
    event.set_ack_by(text);
    event.set_ack_note("<" + text + ">");
    event.set_ack_credential(text);
    event.set_received_by(text);
    event.mutable_supervised()->set_person(text);
    event.mutable_supervised()->set_device(text);
    event.add_fixes()->set_device(text);
    EXPECT_TRUE(WritesWhatProtobufPrints(event)) << Visible(text);
  }
}

TEST(EventJsonWriter, EveryOneAndTwoByteString) {
  const QuietProtobufLog quiet;
  // One event for each first byte, each string in a fix reference of its own.
  for (int first = 0; first < 256; ++first) {
    v1::Event event;
    for (int second = -1; second < 256; ++second) {
      std::string text(1, static_cast<char>(first));
      if (second >= 0) text.push_back(static_cast<char>(second));
      event.add_fixes()->set_device(text + "z");
    }
    ASSERT_TRUE(WritesWhatProtobufPrints(event)) << "first byte " << first;
  }
}

// UTF-8 of a code point as the encoder writes it, also for surrogates (which are invalid).
std::string EncodeUtf8(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
  return out;
}

TEST(EventJsonWriter, EveryCodePoint) {
  const QuietProtobufLog quiet;
  v1::Event event;
  // 512 code points a string; U+0000..U+10FFFF and a little beyond (4-byte forms of
  // numbers above U+10FFFF, which the escaper drops).
  for (uint32_t block = 0; block < 0x140000; block += 512) {
    std::string text;
    for (uint32_t cp = block; cp < block + 512; ++cp) text += EncodeUtf8(cp);
    event.set_ack_note(text);
    ASSERT_TRUE(WritesWhatProtobufPrints(event)) << "block U+" << std::hex << block;
  }
}

// ---------------------------------------------------------------------------------
// Random events.
// ---------------------------------------------------------------------------------

class RandomEvents {
 public:
  explicit RandomEvents(uint64_t seed) : rng_(seed) {}

  // An event with a random subset of every field of every message set (by reflection,
  // so a field added to the schema is exercised without a change here).
  v1::Event Next() {
    v1::Event event;
    Fill(&event, Chance(0.5) ? 0.8 : 0.3);
    return event;
  }

 private:
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  uint64_t Bits() { return rng_(); }
  template <typename T>
  const T& Pick(const std::vector<T>& values) {
    return values[static_cast<std::size_t>(Int(0, static_cast<int>(values.size()) - 1))];
  }

  void Fill(pb::Message* message, double density) {
    if (message->GetDescriptor() == pb::Timestamp::descriptor()) {
      FillTimestamp(static_cast<pb::Timestamp*>(message));
      return;
    }
    const pb::Reflection* reflection = message->GetReflection();
    const pb::Descriptor* type = message->GetDescriptor();
    for (int f = 0; f < type->field_count(); ++f) {
      const pb::FieldDescriptor* field = type->field(f);
      if (!Chance(density)) continue;
      const int count = field->is_repeated() ? Int(0, 4) : 1;
      for (int i = 0; i < count; ++i) SetRandom(message, reflection, field);
    }
  }

  void SetRandom(pb::Message* message, const pb::Reflection* reflection,
                 const pb::FieldDescriptor* field) {
    const bool repeated = field->is_repeated();
    switch (field->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_UINT32: {
        const uint32_t value = static_cast<uint32_t>(Integer());
        repeated ? reflection->AddUInt32(message, field, value)
                 : reflection->SetUInt32(message, field, value);
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_UINT64: {
        const uint64_t value = Integer();
        repeated ? reflection->AddUInt64(message, field, value)
                 : reflection->SetUInt64(message, field, value);
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_INT32: {
        const auto value = static_cast<int32_t>(Integer());
        repeated ? reflection->AddInt32(message, field, value)
                 : reflection->SetInt32(message, field, value);
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_INT64: {
        const auto value = static_cast<int64_t>(Integer());
        repeated ? reflection->AddInt64(message, field, value)
                 : reflection->SetInt64(message, field, value);
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_DOUBLE: {
        const double value = Double();
        repeated ? reflection->AddDouble(message, field, value)
                 : reflection->SetDouble(message, field, value);
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_FLOAT: {
        const auto value = static_cast<float>(Double());
        repeated ? reflection->AddFloat(message, field, value)
                 : reflection->SetFloat(message, field, value);
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_BOOL: {
        const bool value = Chance(0.5);
        repeated ? reflection->AddBool(message, field, value)
                 : reflection->SetBool(message, field, value);
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        const pb::EnumDescriptor* type = field->enum_type();
        int value = type->value(Int(0, type->value_count() - 1))->number();
        if (Chance(0.1)) {
          value = Chance(0.5) ? Int(-3, type->value_count() + 3) : static_cast<int32_t>(Bits());
        }
        repeated ? reflection->AddEnumValue(message, field, value)
                 : reflection->SetEnumValue(message, field, value);
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_STRING: {
        const std::string value = String();
        repeated ? reflection->AddString(message, field, value)
                 : reflection->SetString(message, field, value);
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
        pb::Message* nested = repeated ? reflection->AddMessage(message, field)
                                       : reflection->MutableMessage(message, field);
        Fill(nested, Chance(0.5) ? 0.9 : 0.4);
        break;
      }
    }
  }

  uint64_t Integer() {
    switch (Int(0, 5)) {
      case 0:
        return static_cast<uint64_t>(Int(0, 20));
      case 1:
        return Pick<uint64_t>({0, 1, 9, 10, 99, 100, 0x7fffffffu, 0x80000000u, 0xffffffffu,
                               0x100000000u, 9007199254740992u, 9007199254740993u,
                               0x7fffffffffffffffu, 0x8000000000000000u, ~uint64_t{0},
                               ~uint64_t{0} - 1});
      case 2:
        return Bits() >> Int(0, 63);
      case 3:
        return Bits();
      default:
        return static_cast<uint64_t>(Int(0, 100'000));
    }
  }

  double Double() {
    using limits = std::numeric_limits<double>;
    switch (Int(0, 13)) {
      case 0:
        return Pick<double>({0.0,
                             -0.0,
                             0.1,
                             1e21,
                             1e-7,
                             1e15,
                             1e16,
                             1e17,
                             100,
                             0.5,
                             -1,
                             limits::max(),
                             -limits::max(),
                             limits::min(),
                             limits::denorm_min(),
                             limits::epsilon(),
                             limits::infinity(),
                             -limits::infinity(),
                             limits::quiet_NaN(),
                             -limits::quiet_NaN()});
      case 1: {  // any bit pattern: NaN payloads, subnormals, everything
        double value;
        const uint64_t bits = Bits();
        std::memcpy(&value, &bits, sizeof value);
        return value;
      }
      case 2: {  // subnormal
        double value;
        const uint64_t bits = (Bits() >> 12) | (Chance(0.5) ? 0x8000000000000000u : 0);
        std::memcpy(&value, &bits, sizeof value);
        return value;
      }
      case 3:  // an integer, up to and past 2^53
        return static_cast<double>(static_cast<int64_t>(Bits() >> Int(1, 63))) *
               (Chance(0.5) ? 1 : -1);
      case 4:  // a short decimal: digits / 10^k
        return static_cast<double>(Int(-1'000'000, 1'000'000)) / std::pow(10.0, Int(0, 12));
      case 5:  // a coordinate as a device reports it
        return std::round(std::uniform_real_distribution<double>(-180, 180)(rng_) * 1e6) / 1e6;
      case 6:  // a coordinate computed (interpolated): all 17 digits
        return std::uniform_real_distribution<double>(-180, 180)(rng_);
      case 7:  // a distance computed
        return std::uniform_real_distribution<double>(0, 20'000)(rng_);
      case 8:  // huge or tiny
        return std::pow(10.0, Int(-320, 308)) * std::uniform_real_distribution<double>(1, 10)(rng_);
      case 9: {  // next to a power of ten
        const double power = std::pow(10.0, Int(-25, 25));
        return std::nextafter(power, Chance(0.5) ? 0.0 : limits::infinity());
      }
      case 10:  // 15 or 16 significant digits
        return static_cast<double>(Bits() % 10'000'000'000'000'000u) / std::pow(10.0, Int(0, 20));
      case 11:  // x.25 / x.75 near 1e15, where "%.17g" meets a decimal tie
        return 1e15 + static_cast<double>(Int(0, 1'000'000)) + 0.25 * Int(0, 3);
      default:
        return std::uniform_real_distribution<double>(-1, 1)(rng_) * std::pow(10.0, Int(-30, 30));
    }
  }

  void FillTimestamp(pb::Timestamp* time) {
    int64_t seconds = 0;
    switch (Int(0, 6)) {
      case 0:  // around now
        seconds = kTenOClock / 1000 + Int(-100'000'000, 100'000'000);
        break;
      case 1:  // anywhere in the valid range
        seconds = std::uniform_int_distribution<int64_t>(kMinTimestampSeconds,
                                                         kMaxTimestampSeconds)(rng_);
        break;
      case 2:  // before 1970
        seconds = -static_cast<int64_t>(Bits() % 62'135'596'800u);
        break;
      case 3:  // the ends of the range, and just past them
        seconds = Pick<int64_t>({kMinTimestampSeconds, kMinTimestampSeconds + 1,
                                 kMaxTimestampSeconds, kMaxTimestampSeconds - 1, 0, -1});
        break;
      case 4:
        if (Chance(0.15)) {  // out of range: the printer fails
          seconds =
              Chance(0.5) ? kMaxTimestampSeconds + 1 + Int(0, 1000) : static_cast<int64_t>(Bits());
          break;
        }
        [[fallthrough]];
      default:
        seconds = kTenOClock / 1000 + Int(-1000, 1000);
        break;
    }
    int32_t nanos = 0;
    switch (Int(0, 5)) {
      case 0:
        break;
      case 1:
        nanos = Int(0, 999) * 1'000'000;
        break;
      case 2:
        nanos = Int(0, 999'999) * 1'000;
        break;
      case 3:
        nanos = Int(0, 999'999'999);
        break;
      case 4:
        nanos = Pick<int32_t>({1, 999'999'999, 100'000'000, 10, 1'000});
        break;
      default:
        if (Chance(0.05)) {  // out of range: the printer fails
          nanos = Chance(0.5) ? -Int(1, 1000) : 1'000'000'000 + Int(0, 1000);
        }
        break;
    }
    time->set_seconds(seconds);
    time->set_nanos(nanos);
  }

  std::string String() {
    static const std::vector<std::string> kPieces = {
        "\"",     "\\",     "<",           ">",          "&",
        "'",      "=",      "/",           "\x7f",       "\t",
        "\n",     "\r",     "\b",          "\f",         std::string(1, '\0'),
        "\x01",   "\x1f",   " ",           "\u2028",     "\u2029",
        "\u00ad", "\u00e9", "\u0416",      "\u4e2d",     "\U0001F600",
        "\u0085", "\u00a0", "\ufeff",      "\u200b",     "\u202e",
        "\u2060", "\u206f", "\U000e0001",  "\U000e0041", "\U0001d173",
        "tag-1",  "p1",     "KG-2025-0001"};
    static const std::vector<std::string> kInvalid = {
        "\x80",     "\xbf",         "\xc0",         "\xc0\x80",         "\xc1\xbf", "\xc3",
        "\xe2\x82", "\xed\xa0\x80", "\xf0\x9f\x98", "\xf4\x90\x80\x80", "\xf5",     "\xf8",
        "\xfe",     "\xff",         "\xe0\x80\xbc", "\xf0\x80\x80\xa2"};
    std::string text;
    const int pieces = Int(0, 6);
    for (int i = 0; i < pieces; ++i) {
      switch (Int(0, 5)) {
        case 0:
        case 1:  // printable ASCII
          for (int n = Int(1, 8); n > 0; --n) text.push_back(static_cast<char>(Int(0x20, 0x7e)));
          break;
        case 2:
          text += Pick(kPieces);
          break;
        case 3:  // any code point, its proper UTF-8
          text +=
              EncodeUtf8(static_cast<uint32_t>(Chance(0.5) ? Int(0x80, 0x3000) : Int(0, 0x10ffff)));
          break;
        case 4:
          if (Chance(0.3)) {
            text += Pick(kInvalid);
            break;
          }
          text += Pick(kPieces);
          break;
        default:
          if (Chance(0.1)) text.push_back(static_cast<char>(Int(0, 255)));  // any byte
          break;
      }
    }
    return text;
  }

  std::mt19937_64 rng_;
};

// A fixed number of shards, each its own seeded sequence of events, so the events checked
// are the same however many threads share the work.
struct ShardResult {
  int refused = 0;             // events both printed as {"encoding_error":true}
  std::string first_mismatch;  // empty when every event matched
};

ShardResult CheckRandomShard(int shard, int events) {
  RandomEvents random(20260301 + static_cast<uint64_t>(shard));
  ShardResult result;
  for (int i = 0; i < events; ++i) {
    const v1::Event event = random.Next();
    if (const auto same = WritesWhatProtobufPrints(event); !same) {
      result.first_mismatch =
          "shard " + std::to_string(shard) + ", random event " + std::to_string(i) + same.message();
      break;
    }
    result.refused += WriteEventJson(event) == kEncodingError;
  }
  return result;
}

TEST(EventJsonWriter, RandomEventsAreByteIdentical) {
  const QuietProtobufLog quiet;
  constexpr int kShards = 8;
  std::vector<ShardResult> results(kShards);
  std::atomic<int> next_shard{0};
  std::vector<std::thread> threads;
  const unsigned thread_count = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  for (unsigned t = 0; t < thread_count; ++t) {
    threads.emplace_back([&] {
      for (int shard = next_shard++; shard < kShards; shard = next_shard++) {
        results[static_cast<std::size_t>(shard)] = CheckRandomShard(shard, kRandomEvents / kShards);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  int refused = 0;
  for (const ShardResult& result : results) {
    EXPECT_EQ(result.first_mismatch, "");
    refused += result.refused;
  }
  // Out-of-range timestamps are reached, yet most events print.
  EXPECT_GT(refused, 0);
  EXPECT_LT(refused, kRandomEvents / 10);
  std::printf("%d random events byte-identical, %d of them refused by both\n", kRandomEvents,
              refused);
}

}  // namespace
}  // namespace stayaway::ingest
