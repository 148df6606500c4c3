// The fast JSON object decoder against its oracle, Protobuf's JSON mapping: on every body,
// hand-written and random, codec::ParseJsonObject gives exactly the mapping's answer (the
// same Struct byte for byte, or the same refusal), and the common bodies of the Traccar
// and OsmAnd formats really take the fast path.
#include "ingest/json_object_fast.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "base/sanitized_build.h"
#include "ingest/traccar_codec.h"

namespace stayaway::ingest {
namespace {

using google::protobuf::Struct;

constexpr size_t kMaxBytes = 1 << 20;
constexpr int kMaxDepth = 16;

// Maps sorted: two equal Structs are equal bytes.
std::string Bytes(const Struct& value) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    value.SerializeToCodedStream(&coded);
  }
  return out;
}

// Both decoders give the same answer for `body`; true when the fast path took it.
bool ExpectSameAnswer(const std::string& body) {
  const StatusOr<Struct> fast = codec::ParseJsonObject(body, kMaxBytes, kMaxDepth, "test");
  const StatusOr<Struct> reference =
      codec::ParseJsonObjectByJsonMapping(body, kMaxBytes, kMaxDepth, "test");
  EXPECT_EQ(fast.ok(), reference.ok())
      << body << "\n fast: " << (fast.ok() ? fast->ShortDebugString() : fast.status().message())
      << "\n mapping: "
      << (reference.ok() ? reference->ShortDebugString() : reference.status().message());
  if (fast.ok() && reference.ok()) {
    EXPECT_EQ(Bytes(*fast), Bytes(*reference)) << body << "\n fast: " << fast->ShortDebugString()
                                               << "\n mapping: " << reference->ShortDebugString();
  } else if (!fast.ok() && !reference.ok()) {
    EXPECT_EQ(fast.status().message(), reference.status().message()) << body;
  }
  Struct ignored;
  return ParseCommonJsonObject(body, &ignored);
}

TEST(JsonObjectFast, TraccarAndOsmAndBodiesTakeTheFastPath) {
  const std::vector<std::string> bodies = {
      // Traccar's forward.json: a position and its device.
      R"({"position":{"id":0,"attributes":{"batteryLevel":87.0,"distance":0.0,"totalDistance":1.5E3,)"
      R"("motion":false,"alarm":"sos"},"deviceId":12,"protocol":"osmand","serverTime":null,)"
      R"("deviceTime":"2025-03-01T10:00:00.000+00:00","fixTime":"2025-03-01T10:00:00.000+00:00",)"
      R"("outdated":false,"valid":true,"latitude":42.874621,"longitude":74.569762,)"
      R"("altitude":760.5,"speed":0.0,"course":0.0,"address":null,"accuracy":8.0,"network":null},)"
      R"("device":{"id":12,"attributes":{},"groupId":0,"name":"Tag 1","uniqueId":"tag-1",)"
      R"("status":"online","lastUpdate":"2025-03-01T10:00:01.000+00:00","disabled":false}})",
      // OsmAnd's JSON (the Traccar Client app).
      R"({"location":{"timestamp":"2025-03-01T10:00:00.000Z","coords":{"latitude":42.87,)"
      R"("longitude":74.59,"accuracy":5,"speed":-1,"heading":-1,"altitude":760},)"
      R"("is_moving":false,"odometer":0,"event":"motionchange","battery":{"level":0.87,)"
      R"("is_charging":false},"activity":{"type":"still"},"extras":{}},"device_id":"phone-2"})",
      "{}",
      " {\n\t\"a\" : [ 1 , -2.5e-3 , \"x\\\"y\\\\z\\/\\n\" , true , null , [ ] , { } ] \r\n} ",
  };
  for (const std::string& body : bodies) EXPECT_TRUE(ExpectSameAnswer(body)) << body;
}

TEST(JsonObjectFast, LeavesWhatItIsNotSureOfToTheMapping) {
  for (const std::string body : {
           R"({"a":"caf\u00e9"})",     // \u escape
           "{\"a\":\"caf\xc3\xa9\"}",  // non-ASCII
           R"({"a":1,"a":2})",         // a repeated key
           R"({"a":1e400})",           // overflows a double
           R"({"a":01})",
           R"({"a":1.})",
           R"({"a":.5})",
           R"({"a":+1})",
           R"({"a":-})",
           R"({"a":tru})",
           R"({"a":NaN})",
           R"({"a":"x)",
           R"({"a":1,})",
           R"({"a" 1})",
           R"([1,2])",
           R"({"a":1} x)",
           R"({'a':1})",
           "{\"a\":\"tab\there\"}",
       }) {
    EXPECT_FALSE(ExpectSameAnswer(body)) << body;
  }
}

// A random JSON text, mostly of the common shapes, sometimes not.
class RandomJson {
 public:
  explicit RandomJson(uint32_t seed) : rng_(seed) {}

  std::string Object(int depth) {
    std::string out = Space() + "{";
    const int n = Pick(5);
    for (int i = 0; i < n; ++i) {
      if (i > 0) out += Space() + ",";
      out += Space() + String() + Space() + ":" + Space() + Value(depth);
    }
    return out + Space() + "}";
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string Space() {
    static const char* kSpaces[] = {"", "", "", " ", "\n", "\t ", "\r\n"};
    return kSpaces[Pick(7)];
  }

  std::string String() {
    static const char* kPieces[] = {
        "a",   "id",  "latitude", "x y",     "\\\"",     "\\\\", "\\/", "\\n", "\\t", "\\b",
        "\\f", "\\r", "\\u00e9",  "\\u0041", "\xc3\xa9", "7",    "",    "~",   "\x01"};
    std::string out = "\"";
    const int n = Pick(4);
    for (int i = 0; i < n; ++i) out += kPieces[Pick(Pick(10) == 0 ? 19 : 13)];
    return out + "\"";
  }

  std::string Number() {
    static const char* kNumbers[] = {"0",
                                     "-0",
                                     "1",
                                     "-17",
                                     "42.874621",
                                     "74.569762",
                                     "1.5E3",
                                     "2e-3",
                                     "-2.5e+10",
                                     "0.1",
                                     "123456789012345678901234",
                                     "9007199254740993",
                                     "1e308",
                                     "1e309",
                                     "4.9e-324",
                                     "1e-400",
                                     "0.30000000000000004",
                                     "-0.0",
                                     "01",
                                     "1.",
                                     ".5"};
    return kNumbers[Pick(Pick(8) == 0 ? 21 : 18)];
  }

  std::string Value(int depth) {
    switch (Pick(depth > 3 ? 5 : 8)) {
      case 0:
        return String();
      case 1:
      case 2:
        return Number();
      case 3:
        return Pick(2) ? "true" : "false";
      case 4:
        return "null";
      case 5:
      case 6:
        return Object(depth + 1);
      default: {
        std::string out = "[";
        const int n = Pick(4);
        for (int i = 0; i < n; ++i) out += (i ? "," : "") + Space() + Value(depth + 1);
        return out + "]";
      }
    }
  }

  std::mt19937 rng_;
};

TEST(JsonObjectFast, RandomBodiesGetTheMappingsAnswerExactly) {
  int fast = 0;
  constexpr int kBodies = kSanitizedBuild ? 5000 : 20000;  // the oracle is slow there
  for (int i = 0; i < kBodies; ++i) {
    RandomJson random(static_cast<uint32_t>(i));
    std::string body = random.Object(0);
    // One in five is damaged: cut short or with a byte changed.
    std::mt19937 damage(static_cast<uint32_t>(i) * 7919u);
    if (damage() % 5 == 0 && !body.empty()) {
      const size_t at = damage() % body.size();
      if (damage() % 2) {
        body.resize(at);
      } else {
        body[at] = "{}[]\",:0e-.x \\"[damage() % 14];
      }
    }
    if (ExpectSameAnswer(body)) ++fast;
    if (HasFailure()) return;
  }
  // The common shapes really take the fast path.
  EXPECT_GT(fast, kBodies / 4);
}

}  // namespace
}  // namespace stayaway::ingest
