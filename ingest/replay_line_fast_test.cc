// The fast replay-line decoder against its oracle, Protobuf's JSON mapping
// (ParseReplayLineByJsonMapping): on every line, hand-written and random, ParseReplayLine
// gives exactly the mapping's answer (the same Input byte for byte, or the same refusal),
// and the common shapes really take the fast path.
#include "ingest/replay_line_fast.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "base/sanitized_build.h"
#include "ingest/json_codec.h"

namespace stayaway::ingest {
namespace {

// Both decoders give the same answer for `line`; so does decoding into `kept`, an Input
// that holds what the lines before left in it (replay's chunks decode that way, reusing
// its strings and timestamps), when given.
void ExpectSameAnswer(const std::string& line, v1::Input* kept = nullptr) {
  const StatusOr<v1::Input> fast = ParseReplayLine(line);
  const StatusOr<v1::Input> reference = ParseReplayLineByJsonMapping(line);
  if (kept != nullptr) {
    const Status into = ParseReplayLineInto(line, kept);
    ASSERT_EQ(into.ok(), reference.ok()) << line << "\n into a kept input: " << into.message();
    if (into.ok()) {
      EXPECT_EQ(kept->SerializeAsString(), reference->SerializeAsString())
          << line << "\n into a kept input: " << kept->ShortDebugString()
          << "\n mapping: " << reference->ShortDebugString();
    } else {
      EXPECT_EQ(into.message(), reference.status().message()) << line;
    }
  }
  ASSERT_EQ(fast.ok(), reference.ok())
      << line << "\n fast: " << (fast.ok() ? fast->ShortDebugString() : fast.status().message())
      << "\n mapping: "
      << (reference.ok() ? reference->ShortDebugString() : reference.status().message());
  if (fast.ok()) {
    EXPECT_EQ(fast->SerializeAsString(), reference->SerializeAsString())
        << line << "\n fast: " << fast->ShortDebugString()
        << "\n mapping: " << reference->ShortDebugString();
  } else {
    EXPECT_EQ(fast.status().message(), reference.status().message()) << line;
  }
}

bool TakesFastPath(const std::string& line) {
  v1::Input input;
  return ParseCommonReplayLine(line, &input);
}

TEST(ReplayLineFast, CommonLinesTakeTheFastPathAndDecodeAsTheMappingDoes) {
  const std::vector<std::string> lines = {
      R"({"device": "tag-1", "seq": 7, "time": "2025-03-01T10:00:00Z", "lat": 42.87, "lon": 74.59, "accuracy_m": 8})",
      R"({"device":"tag-1","seq":18446744073709551615,"time":"2025-03-01T10:00:00.250Z","lat":-42.875,"lon":-0.5,"accuracy_m":0})",
      R"({"device": "phone-2", "seq": 0, "time": "2024-02-29T23:59:59.123456Z", "received": "2024-03-01T00:00:00.000000001Z", "lat": 1e1, "lon": 7.4E+1, "accuracy_m": 2.5e-3, "source": "wifi", "speed_mps": 0, "heading_deg": 359.99, "battery_pct": 100, "flags": ["strap_open", "sos"], "no_position": false})",
      R"({"device": "t", "time": "1900-01-01T00:00:00Z", "flags": [], "no_position": true, "source": "source_unspecified"})",
      R"({"device": "t", "time": "2199-12-31T23:59:59.999999999Z", "lat": -0.0, "lon": 123456789012345, "accuracy_m": 0.1})",
      " \t{ \"tick\" : \"2025-03-01T10:05:00Z\" } \r\n",
      R"({"tick": "2025-03-01T10:05:00.500Z"})",
      R"({"time": "2025-03-01T10:00:00Z", "device": "tag-1"})",
  };
  v1::Input kept;  // twice round: each line after another predecessor
  for (int round = 0; round < 2; ++round) {
    for (const std::string& line : lines) {
      EXPECT_TRUE(TakesFastPath(line)) << line;
      ExpectSameAnswer(line, &kept);
    }
  }
}

TEST(ReplayLineFast, EverythingElseIsLeftToTheMappingWhichAnswersAsBefore) {
  const std::vector<std::string> lines = {
      // Spellings and forms the mapping accepts that the fast path does not know.
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "accuracyM": 8})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "seq": "7"})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "lat": "42.87"})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "lat": null})",
      R"({"device": "tag\u002d1", "time": "2025-03-01T10:00:00Z"})",
      R"({"device": "tag-1", "time": "2025-03-01T16:00:00+06:00"})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00.5Z"})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "lat": -0})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "lat": 1234567890123456})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "lat": 1e-320})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "lat": 1e400})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "lat": 1e-400})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "mac": "AAAA"})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "flags": [5]})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "source": 2})",
      R"({"device": "tag-1", "time": "1899-12-31T23:59:59Z"})",
      R"({"device": "tag-1", "time": "2200-01-01T00:00:00Z"})",
      // Refusals: the mapping's words, whatever the fast path saw first.
      R"({"device": "tag-1", "time": "2025-02-29T10:00:00Z"})",
      R"({"device": "tag-1", "time": "2025-03-01T24:00:00Z"})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:60Z"})",
      R"({"device": "tag-1", "seq": 7, "seq": 8, "time": "2025-03-01T10:00:00Z"})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "bogus": 1})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "flags": ["nonsense"]})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "source": "gps"})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "seq": -1})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "seq": 18446744073709551616})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "seq": 1.5})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "lat": 01})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "lat": .5})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z", "no_position": "true"})",
      R"({"device": "tag 1", "time": "2025-03-01T10:00:00Z"})",
      R"({"device": "", "time": "2025-03-01T10:00:00Z"})",
      R"({"device": "tag-1"})",
      R"({"tick": "2025-03-01T10:05:00Z", "device": "tag-1"})",
      R"({"tick": "soon"})",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z"} x)",
      R"({"device": "tag-1", "time": "2025-03-01T10:00:00Z",})",
      R"({"device": "tag-1" "time": "2025-03-01T10:00:00Z"})",
      R"([{"device": "tag-1"}])",
      "{}",
      "",
      "   ",
      "{\"device\": \"t\xc3\xa9\", \"time\": \"2025-03-01T10:00:00Z\"}",
  };
  for (const std::string& line : lines) ExpectSameAnswer(line);
}

// Random lines: every fix key in random order, values drawn from good and bad forms,
// random whitespace, and random damage (a byte dropped, doubled or replaced).
class LineMaker {
 public:
  explicit LineMaker(uint64_t seed) : rng_(seed) {}

  std::string Next() {
    if (Chance(0.05)) return Space() + "{\"tick\":" + Space() + Time() + Space() + "}";
    std::vector<std::string> fields;
    static const char* const kKeys[] = {
        "device", "seq",       "time",        "lat",         "lon",   "accuracy_m", "received",
        "source", "speed_mps", "heading_deg", "battery_pct", "flags", "no_position"};
    for (const char* key : kKeys) {
      if (std::string(key) == "time" ? Chance(0.97) : Chance(0.6)) {
        fields.push_back("\"" + std::string(key) + "\"" + Space() + ":" + Space() + Value(key));
      }
    }
    if (Chance(0.02)) fields.push_back("\"lat\": 1");  // a duplicate, or just a late lat
    if (Chance(0.02)) fields.push_back("\"unknown\": 1");
    std::shuffle(fields.begin(), fields.end(), rng_);
    std::string line = Space() + "{";
    for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + Space() + fields[i];
    line += Space() + "}" + Space();
    if (Chance(0.05)) Damage(&line);
    return line;
  }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& from) {
    return from[static_cast<std::size_t>(Int(0, static_cast<int>(from.size()) - 1))];
  }

  std::string Space() {
    static const std::vector<std::string> kSpaces = {"", "", "", " ", "  ", "\t", "\n", " \r\n"};
    return Pick(kSpaces);
  }

  // A good form most of the time, a bad or unusual one now and then: most lines decode,
  // and every kind of refusal and hand-over still comes up thousands of times.
  bool Good() { return Chance(0.93); }

  std::string Number() {
    static const std::vector<std::string> kOdd = {"-0",        "1234567890123456",
                                                  "1e-320",    "1e-400",
                                                  "1e400",     "01",
                                                  ".5",        "1.",
                                                  "\"42.87\"", "null",
                                                  "true",      "9007199254740993",
                                                  "-1e308",    "4.9e-324"};
    static const std::vector<std::string> kForms = {"0",
                                                    "0.0",
                                                    "-0.0",
                                                    "1",
                                                    "-1",
                                                    "42.87",
                                                    "-74.5905",
                                                    "1e1",
                                                    "1E-3",
                                                    "2.5e+2",
                                                    "123456789012345",
                                                    "0.1",
                                                    "100"};
    if (!Good()) return Pick(kOdd);
    if (Chance(0.7)) {
      // A random finite double printed with random precision.
      const double v = std::uniform_real_distribution<double>(-1000, 1000)(rng_);
      char text[64];
      std::snprintf(text, sizeof text, "%.*g", Int(1, 17), v);
      return text;
    }
    return Pick(kForms);
  }

  std::string Time() {
    static const std::vector<std::string> kForms = {
        "\"2025-03-01T10:00:00Z\"", "\"2024-02-29T12:00:00.250Z\"",
        "\"1900-01-01T00:00:00.000001Z\"", "\"2199-12-31T23:59:59.999999999Z\""};
    static const std::vector<std::string> kOdd = {"\"2025-02-29T12:00:00Z\"",
                                                  "\"2025-03-01T10:00:00.5Z\"",
                                                  "\"2025-03-01T16:00:00+06:00\"",
                                                  "\"2025-03-01 10:00:00Z\"",
                                                  "\"2025-13-01T10:00:00Z\"",
                                                  "\"2025-03-01T10:00:00z\"",
                                                  "\"1800-01-01T00:00:00Z\"",
                                                  "12",
                                                  "null"};
    if (!Good()) return Pick(kOdd);
    if (Chance(0.3)) {
      char text[64];
      std::snprintf(
          text, sizeof text, "\"%04d-%02d-%02dT%02d:%02d:%02d%sZ\"", Int(1890, 2210), Int(0, 13),
          Int(0, 32), Int(0, 24), Int(0, 60), Int(0, 60),
          Pick(std::vector<std::string>{"", ".123", ".123456", ".123456789", ".1"}).c_str());
      return text;
    }
    return Pick(kForms);
  }

  std::string Value(const std::string& key) {
    const bool good = Good();
    if (key == "device") {
      return good
                 ? Pick(std::vector<std::string>{"\"tag-1\"", "\"phone-2\"", "\"356938035643809\""})
                 : Pick(std::vector<std::string>{"\"\"", "\"a b\"", "\"t\\u0041g\"", "7"});
    }
    if (key == "seq") {
      return good ? Pick(std::vector<std::string>{"0", "7", "18446744073709551615",
                                                  std::to_string(Int(0, 1 << 30))})
                  : Pick(std::vector<std::string>{"18446744073709551616", "-1", "1.0", "\"7\"",
                                                  "1e2"});
    }
    if (key == "time" || key == "received") return Time();
    if (key == "source") {
      return good ? Pick(std::vector<std::string>{"\"gnss\"", "\"wifi\"", "\"cell\"",
                                                  "\"source_unspecified\""})
                  : Pick(std::vector<std::string>{"\"gps\"", "2"});
    }
    if (key == "flags") {
      return good ? Pick(std::vector<std::string>{"[]", "[\"sos\"]",
                                                  "[\"strap_open\", \"case_open\"]",
                                                  "[\"flag_unspecified\"]"})
                  : Pick(std::vector<std::string>{"[\"bogus\"]", "[5]", "[\"sos\",]", "\"sos\""});
    }
    if (key == "no_position") {
      return good ? Pick(std::vector<std::string>{"true", "false"})
                  : Pick(std::vector<std::string>{"\"true\"", "1", "null"});
    }
    return Number();
  }

  void Damage(std::string* line) {
    if (line->empty()) return;
    const std::size_t at = static_cast<std::size_t>(Int(0, static_cast<int>(line->size()) - 1));
    switch (Int(0, 2)) {
      case 0:
        line->erase(at, 1);
        break;
      case 1:
        line->insert(at, 1, (*line)[at]);
        break;
      default:
        (*line)[at] = "{}[]:,\"\\ 0-e."[Int(0, 13)];
        break;
    }
  }

  std::mt19937_64 rng_;
};

TEST(ReplayLineFast, RandomLinesGetTheMappingsAnswer) {
  constexpr int kLines = kSanitizedBuild ? 20'000 : 100'000;
  LineMaker maker(20261206);
  int accepted = 0, accepted_fast = 0;
  v1::Input kept;
  for (int i = 0; i < kLines; ++i) {
    const std::string line = maker.Next();
    ExpectSameAnswer(line, &kept);
    if (::testing::Test::HasFailure()) break;
    if (ParseReplayLineByJsonMapping(line).ok()) {
      ++accepted;
      accepted_fast += TakesFastPath(line);
    }
  }
  // The generator reaches both paths: the fast one takes most of what is accepted, and
  // thousands of accepted lines still need the mapping.
  EXPECT_GT(accepted_fast, accepted / 2) << accepted_fast << " fast of " << accepted;
  EXPECT_GT(accepted - accepted_fast, kLines / 100) << accepted_fast << " fast of " << accepted;
  std::printf("%d random lines: %d accepted by the mapping, %d of them by the fast path\n", kLines,
              accepted, accepted_fast);
}

}  // namespace
}  // namespace stayaway::ingest
