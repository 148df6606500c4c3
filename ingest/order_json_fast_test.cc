// The fast order decoder against its oracle, Protobuf's JSON mapping
// (ParseOrdersJsonByJsonMapping): on every document, hand-written and random,
// ParseOrdersJson gives exactly the mapping's answer (the same orders byte for byte, or
// the same refusal with the same path), and the common shapes really take the fast path.
#include "ingest/order_json_fast.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "base/sanitized_build.h"
#include "evidence/leaves.h"
#include "ingest/http_text.h"
#include "ingest/json_codec.h"

namespace stayaway::ingest {
namespace {

std::string Describe(const StatusOr<std::vector<v1::Order>>& orders) {
  if (!orders.ok()) return "refused: " + orders.status().message();
  std::string text;
  for (const v1::Order& order : *orders) text += order.ShortDebugString() + "\n";
  return text;
}

// Deterministic bytes: a zone's GeoJSON is a map, which plain serialization writes in
// no fixed order.
std::string Bytes(const v1::Order& order) { return evidence::DeterministicBytes(order); }

void ExpectSameAnswer(const std::string& document) {
  const StatusOr<std::vector<v1::Order>> fast = ParseOrdersJson(document);
  const StatusOr<std::vector<v1::Order>> reference = ParseOrdersJsonByJsonMapping(document);
  ASSERT_EQ(fast.ok(), reference.ok())
      << document << "\n fast: " << Describe(fast) << "\n mapping: " << Describe(reference);
  if (!fast.ok()) {
    EXPECT_EQ(fast.status().message(), reference.status().message()) << document;
    return;
  }
  ASSERT_EQ(fast->size(), reference->size()) << document;
  for (std::size_t i = 0; i < fast->size(); ++i) {
    EXPECT_EQ(Bytes((*fast)[i]), Bytes((*reference)[i]))
        << document << "\n fast: " << (*fast)[i].ShortDebugString()
        << "\n mapping: " << (*reference)[i].ShortDebugString();
  }
}

bool TakesFastPath(const std::string& object) {
  v1::Order order;
  return ParseCommonOrder(object, &order);
}

TEST(OrderJsonFast, CommonOrdersTakeTheFastPathAndDecodeAsTheMappingDoes) {
  const std::vector<std::string> orders = {
      // As bench/replay_dataset.py and most centres' tools write them.
      R"({"id": "o-0", "version": 1, "state": "active", "valid_from": "2026-01-01T00:00:00Z", "supervised": {"id": "s-0", "devices": ["tag-0"]}, "protected": [{"id": "v-0", "devices": ["phone-0"], "relation": "victim"}], "violation_distance_m": 300, "warning_distance_m": 800})",
      // Every accepted key, in another order, with no whitespace.
      R"({"time_zone":"Asia/Bishkek","warning_distance_m":1e3,"violation_distance_m":250.5,"protected":[{"relation":"child","devices":["p-2","p-3"],"id":"c-1"},{"id":"v-1","devices":[]}],"supervised":{"devices":["t-1","t-2"],"id":"s-1","relation":""},"valid_until":"2027-06-30T23:59:59.999Z","valid_from":"2024-02-29T12:00:00.123456Z","state":"suspended","version":4294967295,"issuing_authority":"Pervomaisky District Court","case_reference":"KG-2025-0001","id":"KG-2025-0001","victim_notification":"distance"})",
      // Defaults spelled out: the optional enum at its default still has presence.
      R"({"id": "o-1", "version": 0, "state": "state_unspecified", "victim_notification": "band", "violation_distance_m": 0, "warning_distance_m": -0.0, "case_reference": ""})",
      "{}",
      " {\n\t\"id\" : \"o-2\" ,\r\n \"supervised\" : { } , \"protected\" : [ ] } ",
      R"({"id": "o-3", "supervised": {"id": "s"}, "protected": [{}], "valid_from": "1900-01-01T00:00:00.000000001Z", "valid_until": "2199-12-31T23:59:59Z"})",
      R"({"id": "o-4", "violation_distance_m": 123456789012345, "warning_distance_m": 2.5E-3, "victim_notification": "none", "state": "revoked"})",
  };
  for (const std::string& order : orders) {
    EXPECT_TRUE(TakesFastPath(order)) << order;
    ExpectSameAnswer("[" + order + "]");
  }
  std::string all = "[";
  for (const std::string& order : orders) all += order + (&order == &orders.back() ? "]" : ",\n");
  ExpectSameAnswer(all);
}

TEST(OrderJsonFast, EverythingElseIsLeftToTheMappingWhichAnswersAsBefore) {
  const std::vector<std::string> orders = {
      // Spellings and forms the mapping accepts that the fast path does not know.
      R"({"id": "o", "violationDistanceM": 300})",
      R"({"id": "o", "caseReference": "K-1", "validFrom": "2026-01-01T00:00:00Z"})",
      R"({"id": "o", "state": 2})",
      R"({"id": "o", "version": "3"})",
      R"({"id": "o", "version": 1.0})",
      R"({"id": "o", "violation_distance_m": "300"})",
      R"({"id": "o", "violation_distance_m": "Infinity"})",
      R"({"id": "o", "valid_from": null})",
      R"({"id": "o", "supervised": null})",
      R"({"id": "o", "supervised": {"id": "s", "devices": null}})",
      R"({"id": "o\u002d1"})",
      R"({"id": "o", "case_reference": "Дело №1"})",
      R"({"id": "o", "valid_from": "2026-01-01T06:00:00+06:00"})",
      R"({"id": "o", "valid_from": "2026-01-01T00:00:00.5Z"})",
      R"({"id": "o", "valid_from": "2026-01-01T00:00:00z"})",
      R"({"id": "o", "zones": [{"id": "home", "kind": "exclusion", "circle": {"lat": 42.87, "lon": 74.59, "radius_m": 200}}]})",
      R"({"id": "o", "victim_gateways": [{"person": "v", "url": "https://sms.example/send", "to": "+996555000000", "channel": "sms"}]})",
      // What the mapping refuses: the same refusal, with its path.
      R"({"id": "o", "id": "o2"})",
      R"({"id": "o", "unknown": 1})",
      R"({"id": "o", "supervised": {"id": "s", "name": "x"}})",
      R"({"id": "o", "state": "paused"})",
      R"({"id": "o", "state": "ACTIVE"})",
      R"({"id": "o", "victim_notification": "loud"})",
      R"({"id": "o", "version": 4294967296})",
      R"({"id": "o", "version": -1})",
      R"({"id": "o", "violation_distance_m": 1e400})",
      R"({"id": "o", "violation_distance_m": -0})",
      R"({"id": "o", "violation_distance_m": 01})",
      R"({"id": "o", "valid_from": "2026-02-30T00:00:00Z"})",
      R"({"id": "o", "valid_from": "2026-01-01 00:00:00Z"})",
      R"({"id": "o", "protected": {"id": "v"}})",
      R"({"id": "o", "protected": [{"id": "v"},]})",
      R"({"id": "o" "version": 1})",
      R"({"id": 7})",
      R"({"id": "o", "supervised": {"id": "s", "devices": ["t", 5]}})",
  };
  for (const std::string& order : orders) {
    EXPECT_FALSE(TakesFastPath(order)) << order;
    ExpectSameAnswer("[" + order + "]");
    // Between common orders, the refusal names the element's place.
    ExpectSameAnswer(R"([{"id": "a"}, {"id": "b", "version": 2}, )" + order + "]");
  }
  // Refused by the id checks, which run after either decoder.
  for (const std::string order :
       {R"({"id": "bad id with spaces"})", R"({"id": "o", "supervised": {"id": "s\t"}})"}) {
    ExpectSameAnswer("[" + order + "]");
    EXPECT_FALSE(ParseOrdersJson("[" + order + "]").ok()) << order;
  }
  // Documents that are not arrays of objects.
  for (const std::string& document :
       std::vector<std::string>{"",
                                " ",
                                "{}",
                                "[]",
                                "[null]",
                                "[{}, null]",
                                "[1]",
                                R"(["o"])",
                                "[{}",
                                "[{}]]",
                                "[{},]",
                                "[{}] x",
                                "[}",
                                "[{}}",
                                "{]",
                                "[{} {}]",
                                "[{},,{}]",
                                "[,{}]",
                                std::string(40, '[') + std::string(40, ']'),
                                "[" + std::string(40, '{') + "]"}) {
    ExpectSameAnswer(document);
  }
}

// An element the fast decoder skips over goes to the mapping alone only when the whole
// document would be within the mapping's depth limit: a zone's geometry (a Struct, any
// JSON) nested around that limit gets the same answer either way.
TEST(OrderJsonFast, ElementsNestedAroundTheDepthLimitGetTheMappingsAnswer) {
  for (int depth = 20; depth <= 36; ++depth) {
    std::string geometry;
    for (int i = 0; i < depth; ++i) geometry += R"({"a":)";
    geometry += "1";
    for (int i = 0; i < depth; ++i) geometry += "}";
    const std::string order =
        R"({"id": "o", "zones": [{"id": "z", "kind": "exclusion", "geometry": )" + geometry + "}]}";
    ExpectSameAnswer("[" + order + "]");
    ExpectSameAnswer(R"([{"id": "a"}, )" + order + R"(, {"id": "b"}])");
    // The range spans the limit: accepted at the shallow end, refused at the deep one.
    if (depth == 20) {
      EXPECT_TRUE(ParseOrdersJson("[" + order + "]").ok());
    } else if (depth == 36) {
      EXPECT_FALSE(ParseOrdersJson("[" + order + "]").ok());
    }
  }
}

// Random orders written in every way the mapping reads them, and mutated bytes.
class OrderWriter {
 public:
  explicit OrderWriter(uint32_t seed) : rng_(seed) {}

  std::string Document() {
    std::string text = "[";
    const int orders = Pick(0, 4);
    for (int i = 0; i < orders; ++i) {
      if (i > 0) text += "," + Space();
      text += Order();
    }
    text += "]";
    if (Chance(0.1)) Mutate(&text);
    return text;
  }

 private:
  int Pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T>
  const T& OneOf(const std::vector<T>& options) {
    return options[static_cast<std::size_t>(Pick(0, static_cast<int>(options.size()) - 1))];
  }

  std::string Space() { return OneOf<std::string>({"", "", " ", "\n  ", "\t", " \r\n"}); }

  std::string Id() {
    if (Chance(0.03))
      return OneOf<std::string>(
          {R"("a\"b")", R"("x\u0041")", "\"\"", "7", "null", "\"t\xc3\xa9l\"", "\"with space\""});
    std::string id = "\"" + OneOf<std::string>({"o", "s", "v", "tag", "phone", "KG-2025"}) + "-";
    id += std::to_string(Pick(0, 99)) + "\"";
    return id;
  }

  std::string Number() {
    switch (Pick(0, 12)) {
      case 0:
        return "0";
      case 1:
        return "-0";
      case 2:
        return "1e400";
      case 3:
        return "\"250\"";
      case 4:
        return "2.5e-3";
      case 5:
        return "1234567890123456";
      case 6:
        return "-12.75";
      case 7:
        return "3E2";
      case 8:
        return "null";
      default:
        return std::to_string(Pick(0, 2000)) +
               (Chance(0.3) ? "." + std::to_string(Pick(0, 99)) : "");
    }
  }

  std::string Time() {
    if (Chance(0.05)) {
      return OneOf<std::string>({"\"2026-01-01T06:00:00+06:00\"", "\"2026-13-01T00:00:00Z\"",
                                 "\"2026-01-01T00:00:00.5Z\"", "null", "0",
                                 "\"1899-12-31T23:59:59Z\"", "\"2024-02-29T00:00:00Z\""});
    }
    char text[64];
    std::snprintf(text, sizeof text, "\"%04d-%02d-%02dT%02d:%02d:%02d%sZ\"", Pick(1990, 2100),
                  Pick(1, 12), Pick(1, 28), Pick(0, 23), Pick(0, 59), Pick(0, 59),
                  OneOf<std::string>({"", "", ".000", ".250", ".123456", ".000000001"}).c_str());
    return text;
  }

  std::string Devices() {
    if (Chance(0.03)) return OneOf<std::string>({"null", "\"tag-1\"", "[1]", "[\"a\",]"});
    std::string text = "[";
    const int n = Pick(0, 3);
    for (int i = 0; i < n; ++i) text += (i ? "," + Space() : "") + Id();
    return text + "]";
  }

  std::string Party() {
    if (Chance(0.02)) return OneOf<std::string>({"null", "[]", "\"s\""});
    std::vector<std::string> fields;
    if (Chance(0.9)) fields.push_back("\"id\":" + Space() + Id());
    if (Chance(0.8)) fields.push_back("\"devices\":" + Space() + Devices());
    if (Chance(0.4)) fields.push_back("\"relation\":" + Space() + Id());
    if (Chance(0.02)) fields.push_back("\"name\": \"x\"");
    if (Chance(0.02) && !fields.empty()) fields.push_back(fields.front());
    return Object(fields);
  }

  std::string Order() {
    std::vector<std::string> fields;
    auto add = [&](double p, const std::string& key, const std::string& value) {
      if (Chance(p)) fields.push_back("\"" + key + "\":" + Space() + value);
    };
    add(0.95, Chance(0.97) ? "id" : "ID", Id());
    add(0.8, "version",
        Chance(0.9) ? std::to_string(Pick(0, 5))
                    : OneOf<std::string>({"4294967295", "4294967296", "-1", "1.0", "\"2\""}));
    add(0.7, "state",
        Chance(0.9) ? OneOf<std::string>(
                          {"\"active\"", "\"suspended\"", "\"revoked\"", "\"state_unspecified\""})
                    : OneOf<std::string>({"1", "\"paused\"", "\"Active\"", "null"}));
    add(0.7, Chance(0.95) ? "valid_from" : "validFrom", Time());
    add(0.3, "valid_until", Time());
    add(0.9, "supervised", Party());
    if (Chance(0.9)) {
      std::string parties = "[";
      const int n = Pick(0, 3);
      for (int i = 0; i < n; ++i) parties += (i ? "," + Space() : "") + Party();
      fields.push_back("\"protected\":" + Space() + parties + "]");
    }
    add(0.8, Chance(0.95) ? "violation_distance_m" : "violationDistanceM", Number());
    add(0.6, "warning_distance_m", Number());
    add(0.2, "case_reference", Id());
    add(0.2, "issuing_authority", Id());
    add(0.2, "time_zone",
        OneOf<std::string>({"\"Asia/Bishkek\"", "\"UTC\"", "\"\"", "\"Europe/Moscow\""}));
    add(0.2, "victim_notification",
        OneOf<std::string>({"\"band\"", "\"none\"", "\"distance\"", "2", "\"all\""}));
    add(0.05, "zones",
        R"([{"id": "home", "kind": "exclusion", "circle": {"lat": 42.87, "lon": 74.59, "radius_m": 200}}])");
    add(0.05, "zones",
        R"([{"id": "park", "kind": "exclusion", "geometry": {"type": "Polygon", "coordinates": [[[74.61, 42.87], [74.62, 42.87], [74.62, 42.88], [74.61, 42.87]]], "bbox": [74.61, 42.87, 74.62, 42.88], "name": "park"}}])");
    add(0.03, "victim_gateways",
        R"([{"person": "v-1", "url": "https://gw.example/sms", "to": "+1", "channel": "sms"}])");
    if (Chance(0.02)) fields.push_back("\"extra\": true");
    if (Chance(0.02) && !fields.empty()) fields.push_back(OneOf(fields));
    return Object(fields);
  }

  std::string Object(std::vector<std::string> fields) {
    std::shuffle(fields.begin(), fields.end(), rng_);
    std::string text = "{" + Space();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      text += (i ? "," + Space() : "") + fields[i];
    }
    return text + Space() + "}";
  }

  void Mutate(std::string* text) {
    if (text->empty()) return;
    const auto at = static_cast<std::size_t>(Pick(0, static_cast<int>(text->size()) - 1));
    switch (Pick(0, 2)) {
      case 0:
        text->erase(at, 1);
        break;
      case 1:
        text->insert(at, 1, OneOf<char>({'"', ',', '{', '}', '[', ']', ':', '0', '\\', 'e'}));
        break;
      default:
        (*text)[at] = OneOf<char>({'"', ',', '{', '}', '1', ' ', '-', 'x'});
        break;
    }
  }

  std::mt19937 rng_;
};

TEST(OrderJsonFast, RandomDocumentsGetTheMappingsAnswer) {
  constexpr int kDocuments = kSanitizedBuild ? 3'000 : 20'000;
  OrderWriter writer(20261207);
  int accepted = 0, elements = 0, fast_elements = 0;
  for (int i = 0; i < kDocuments; ++i) {
    const std::string document = writer.Document();
    ASSERT_NO_FATAL_FAILURE(ExpectSameAnswer(document)) << "document " << i;
    if (!ParseOrdersJson(document).ok()) continue;
    ++accepted;
    std::vector<std::string_view> split;
    ASSERT_TRUE(SplitJsonArray(document, kMaxDocumentDepth, &split).ok()) << document;
    for (std::string_view element : split) {
      ++elements;
      fast_elements += TakesFastPath(std::string(element)) ? 1 : 0;
    }
  }
  // Both outcomes are exercised in earnest, and many accepted orders went the fast way.
  EXPECT_GT(accepted, kDocuments / 10);
  EXPECT_LT(accepted, kDocuments * 9 / 10);
  EXPECT_GT(fast_elements, elements / 4) << fast_elements << " of " << elements;
}

}  // namespace
}  // namespace stayaway::ingest
