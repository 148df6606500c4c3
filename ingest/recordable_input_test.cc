#include "ingest/recordable_input.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {
namespace {

constexpr TimeMs kT = 1741600800000;            // 2025-03-10T10:00:00Z
constexpr char kUnknownField15[] = "\x78\x01";  // field 15, varint 1

v1::Fix GoodFix() {
  v1::Fix fix;
  fix.set_device("tag-1");
  fix.set_seq(7);
  MsToTimestamp(kT, fix.mutable_time());
  MsToTimestamp(kT + 250, fix.mutable_received());
  fix.set_lat(42.87);
  fix.set_lon(74.59);
  fix.set_accuracy_m(8);
  fix.set_speed_mps(1.5);
  fix.add_flags(v1::Fix::strap_open);
  return fix;
}

// What `stayaway verify` does with an input of a bundle: its JSON form parsed back and
// serialized again.
std::string ThroughJson(const google::protobuf::Message& message) {
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json).ok());
  std::unique_ptr<google::protobuf::Message> back(message.New());
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, back.get()).ok()) << json;
  return back->SerializeAsString();
}

TEST(CheckRecordable, AGoodFixPassesAndComesBackFromJsonByteForByte) {
  const v1::Fix fix = GoodFix();
  EXPECT_FALSE(CheckRecordable(fix, "fix").has_value());
  EXPECT_EQ(ThroughJson(fix), fix.SerializeAsString());
}

TEST(CheckRecordable, RefusesAnUnknownFieldNamingItsNumberAndPlace) {
  v1::Fix fix;
  ASSERT_TRUE(fix.ParseFromString(GoodFix().SerializeAsString() + kUnknownField15));
  // Why: the JSON form, all a court gets, has no room for it.
  EXPECT_NE(ThroughJson(fix), fix.SerializeAsString());
  const auto refusal = CheckRecordable(fix, "fix");
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->code, kUnknownFieldCode);
  EXPECT_EQ(
      refusal->reason.rfind("fix: field number 15 is not in the schema of stayaway.v1.Fix", 0), 0u)
      << refusal->reason;
}

TEST(CheckRecordable, RefusesUnknownFieldsInNestedAndRepeatedMessages) {
  v1::Fix fix = GoodFix();
  ASSERT_TRUE(fix.mutable_received()->ParseFromString(fix.received().SerializeAsString() +
                                                      kUnknownField15));
  auto refusal = CheckRecordable(fix, "fix");
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->code, kUnknownFieldCode);
  EXPECT_EQ(refusal->reason.rfind("fix.received: field number 15", 0), 0u) << refusal->reason;

  v1::Order order;
  order.set_id("K-1");
  order.add_protected_()->set_id("p2");
  v1::Party* second = order.add_protected_();
  ASSERT_TRUE(second->ParseFromString(std::string("\x0a\x02p3", 4) + "\xa0\x06\x01"));  // field 100
  refusal = CheckRecordable(order, "order");
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->reason.rfind("order.protected[1]: field number 100", 0), 0u)
      << refusal->reason;
}

TEST(CheckRecordable, RefusesTimestampsOutsideTheirRangeBeforeAnyArithmetic) {
  struct Case {
    int64_t seconds;
    int32_t nanos;
    const char* says;
  };
  for (const Case& c : {
           Case{kT / 1000, std::numeric_limits<int32_t>::max(),
                "fix.time: nanos 2147483647 is outside [0, 999999999]"},
           Case{kT / 1000, -1, "fix.time: nanos -1 is outside"},
           Case{kT / 1000, 1'000'000'000, "fix.time: nanos 1000000000 is outside"},
           // Times 1000 this wraps around 2^64 onto 2026-12-05: it looked like the present.
           Case{2305843011010169504, 0, "fix.time: seconds 2305843011010169504 is outside"},
           Case{kMaxTimestampSeconds + 1, 0,
                "seconds 253402300800 is outside [-62135596800, 253402300799]"},
           Case{kMinTimestampSeconds - 1, 0, "seconds -62135596801 is outside"},
           Case{std::numeric_limits<int64_t>::min(), 0, "is outside"},
       }) {
    SCOPED_TRACE(c.says);
    v1::Fix fix = GoodFix();
    fix.mutable_time()->set_seconds(c.seconds);
    fix.mutable_time()->set_nanos(c.nanos);
    const auto refusal = CheckRecordable(fix, "fix");
    ASSERT_TRUE(refusal.has_value());
    EXPECT_EQ(refusal->code, kTimeOutOfRangeCode);
    EXPECT_NE(refusal->reason.find(c.says), std::string::npos) << refusal->reason;
  }
}

TEST(CheckRecordable, AcceptsBothEndsOfTheTimestampRange) {
  for (const auto& [seconds, nanos] : {std::pair<int64_t, int32_t>{kMinTimestampSeconds, 0},
                                       {kMaxTimestampSeconds, kMaxTimestampNanos}}) {
    v1::Fix fix = GoodFix();
    fix.mutable_time()->set_seconds(seconds);
    fix.mutable_time()->set_nanos(nanos);
    EXPECT_FALSE(CheckRecordable(fix, "fix").has_value()) << seconds;
    EXPECT_EQ(ThroughJson(fix), fix.SerializeAsString());
  }
  google::protobuf::Timestamp last;
  last.set_seconds(kMaxTimestampSeconds);
  last.set_nanos(kMaxTimestampNanos);
  EXPECT_EQ(TimestampToMs(last), kMaxTimeMs);
}

TEST(CheckRecordableInput, ChecksEveryKindOfJournaledInputByName) {
  v1::Input order;
  order.mutable_order()->set_id("K-1");
  order.mutable_order()->mutable_valid_until()->set_seconds(kMaxTimestampSeconds + 1);
  auto refusal = CheckRecordableInput(order);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->reason.rfind("order.valid_until: seconds", 0), 0u) << refusal->reason;

  v1::Input ack;
  ack.mutable_ack()->set_alert_id("6f1c0e2b9a4d3e11");
  ack.mutable_ack()->mutable_time()->set_nanos(-5);
  refusal = CheckRecordableInput(ack);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->reason.rfind("ack.time: nanos -5", 0), 0u) << refusal->reason;

  v1::Input zone;
  v1::Zone* z = zone.mutable_global_zone();
  z->set_id("shelter");
  (*z->mutable_geometry()->mutable_fields())["type"].set_string_value("Polygon");
  EXPECT_FALSE(CheckRecordableInput(zone).has_value());
  ASSERT_TRUE(z->mutable_circle()->ParseFromString(std::string("\x78\x01", 2)));
  refusal = CheckRecordableInput(zone);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->reason.rfind("global_zone.circle: field number 15", 0), 0u) << refusal->reason;

  v1::Input tick;
  tick.mutable_tick()->mutable_tick()->set_seconds(-kMaxTimestampSeconds);
  refusal = CheckRecordableInput(tick);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->reason.rfind("tick.tick: seconds", 0), 0u) << refusal->reason;

  v1::Input fix;
  *fix.mutable_fix() = GoodFix();
  EXPECT_FALSE(CheckRecordableInput(fix).has_value());
  EXPECT_FALSE(CheckRecordableInput(v1::Input()).has_value());
  ASSERT_TRUE(fix.ParseFromString(fix.SerializeAsString() + "\xf8\x07\x01"));  // field 127
  refusal = CheckRecordableInput(fix);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->reason.rfind("input: field number 127", 0), 0u) << refusal->reason;
}

TEST(CheckRecordable, EnumValuesTheSchemaDoesNotNameComeBackFromJsonUnchanged) {
  // Proto3 enums are open: an undefined value is kept as its number and its JSON form is
  // that number, so it needs no refusal (the engine ignores flags it does not know).
  v1::Fix fix = GoodFix();
  fix.set_source(static_cast<v1::Fix::Source>(42));
  fix.add_flags(static_cast<v1::Fix::Flag>(99));
  EXPECT_FALSE(CheckRecordable(fix, "fix").has_value());
  EXPECT_EQ(ThroughJson(fix), fix.SerializeAsString());
}

TEST(CheckRecordable, TheFixFastPathsAgreeWithTheGenericWalk) {
  const google::protobuf::Message* as_message = nullptr;
  std::vector<v1::Fix> fixes;
  fixes.push_back(GoodFix());
  fixes.emplace_back();  // no time, no received
  for (const auto& [seconds, nanos] : {std::pair<int64_t, int32_t>{kMinTimestampSeconds - 1, 0},
                                       {kMinTimestampSeconds, 0},
                                       {kMaxTimestampSeconds, kMaxTimestampNanos},
                                       {kMaxTimestampSeconds + 1, 0},
                                       {0, -1},
                                       {0, kMaxTimestampNanos + 1}}) {
    v1::Fix fix = GoodFix();
    fix.mutable_time()->set_seconds(seconds);
    fix.mutable_time()->set_nanos(nanos);
    fixes.push_back(fix);
    v1::Fix late = GoodFix();
    late.mutable_received()->set_seconds(seconds);
    late.mutable_received()->set_nanos(nanos);
    fixes.push_back(late);
  }
  v1::Fix unknown;
  ASSERT_TRUE(unknown.ParseFromString(GoodFix().SerializeAsString() + kUnknownField15));
  fixes.push_back(unknown);
  v1::Fix unknown_in_time = GoodFix();
  ASSERT_TRUE(unknown_in_time.mutable_time()->ParseFromString(kUnknownField15));
  fixes.push_back(unknown_in_time);
  for (const v1::Fix& fix : fixes) {
    SCOPED_TRACE(fix.ShortDebugString());
    as_message = &fix;
    const auto fast = CheckRecordable(fix, "fix");
    const auto generic = CheckRecordable(*as_message, "fix");
    ASSERT_EQ(fast.has_value(), generic.has_value());
    if (fast) {
      EXPECT_EQ(fast->code, generic->code);
      EXPECT_EQ(fast->reason, generic->reason);
    }
  }

  const double negative_nan = std::bit_cast<double>(uint64_t{0xfff8000000000000});
  v1::Fix nan_everywhere = GoodFix();
  for (auto set : {&v1::Fix::set_lat, &v1::Fix::set_lon, &v1::Fix::set_accuracy_m,
                   &v1::Fix::set_speed_mps, &v1::Fix::set_heading_deg, &v1::Fix::set_battery_pct}) {
    (nan_everywhere.*set)(negative_nan);
  }
  v1::Fix fast = nan_everywhere;
  v1::Fix generic = nan_everywhere;
  CanonicalizeNaNs(&fast);
  CanonicalizeNaNs(static_cast<google::protobuf::Message*>(&generic));
  EXPECT_EQ(fast.SerializeAsString(), generic.SerializeAsString());
  EXPECT_EQ(ThroughJson(fast), fast.SerializeAsString());
}

TEST(CanonicalizeNaNs, EveryNaNBecomesTheOneJsonGivesBack) {
  const double negative_nan = std::bit_cast<double>(uint64_t{0xfff8000000000000});
  const double payload_nan = std::bit_cast<double>(uint64_t{0x7ff0000000000123});
  v1::Fix fix = GoodFix();
  fix.set_no_position(true);
  fix.set_lat(negative_nan);
  fix.set_lon(payload_nan);
  fix.set_battery_pct(negative_nan);
  // Why: JSON writes "NaN" for all of them and reads back one NaN.
  EXPECT_NE(ThroughJson(fix), fix.SerializeAsString());
  CanonicalizeNaNs(&fix);
  EXPECT_EQ(ThroughJson(fix), fix.SerializeAsString());
  const uint64_t quiet = std::bit_cast<uint64_t>(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(std::bit_cast<uint64_t>(fix.lat()), quiet);
  EXPECT_EQ(std::bit_cast<uint64_t>(fix.lon()), quiet);
  EXPECT_EQ(std::bit_cast<uint64_t>(fix.battery_pct()), quiet);
  EXPECT_EQ(fix.accuracy_m(), 8);  // numbers stay what they are

  v1::Input input;  // nested: an order's zone's circle
  v1::Zone* zone = input.mutable_order()->add_zones();
  zone->mutable_circle()->set_radius_m(negative_nan);
  CanonicalizeNaNs(&input);
  EXPECT_EQ(std::bit_cast<uint64_t>(input.order().zones(0).circle().radius_m()), quiet);
}

}  // namespace
}  // namespace stayaway::ingest
