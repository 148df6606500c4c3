// Alert precision held at a fixed seed: the simulated city bench/alert_precision runs first
// (400 orders, 12 hours, seed 1: near misses, urban-canyon bursts, indoor phones, walk-ins,
// late uploads, gaps), through the real `stayaway` binary (simulate, replay, score), must
// meet the targets of alert precision. bench/results/alert_precision.md has the same
// figures over more cities.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "tests/stayaway_cli.h"

namespace stayaway {
namespace {

namespace fs = std::filesystem;
using testing_harness::Stayaway;
using testing_harness::StayawayApart;

const google::protobuf::Value& Field(const google::protobuf::Struct& s, const std::string& name) {
  static const google::protobuf::Value* const kMissing = new google::protobuf::Value();
  auto it = s.fields().find(name);
  EXPECT_NE(it, s.fields().end()) << name;
  return it == s.fields().end() ? *kMissing : it->second;
}

double Number(const google::protobuf::Struct& s, const std::string& name) {
  return Field(s, name).number_value();
}

const google::protobuf::Struct& Object(const google::protobuf::Struct& s, const std::string& name) {
  return Field(s, name).struct_value();
}

TEST(AlertPrecision, TheFixedSeedCityMeetsTheTargets) {
  // Its own directory: other test runs on the machine (other builds' ctest) run this too.
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("alert-precision-city-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string city = dir.string();
  const testing_harness::CommandRun simulate =
      Stayaway("simulate --orders 400 --seed 1 --duration 12h --out " + city);
  ASSERT_EQ(simulate.status, 0) << simulate.out;
  const testing_harness::CommandRun replay =
      StayawayApart("replay --orders " + city + "/orders.json --zones " + city +
                    "/zones.json --fixes " + city + "/fixes.ndjson");
  ASSERT_EQ(replay.status, 0) << replay.err;
  std::ofstream(dir / "events.ndjson", std::ios::binary) << replay.out;
  const testing_harness::CommandRun score =
      StayawayApart("score --truth " + city + "/truth.json --events " + city + "/events.ndjson");
  ASSERT_EQ(score.status, 0) << score.err;
  const std::string text = score.out;
  google::protobuf::Struct s;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text, &s).ok()) << text;

  // The city is the one the targets speak of.
  EXPECT_GE(Number(s, "devices"), 900) << text;
  EXPECT_GE(Number(Object(Object(s, "by_kind"), "proximity_violation"), "true"), 100) << text;
  // 0 missed true episodes; every safety signal alerted.
  EXPECT_EQ(Number(s, "missed"), 0) << text;
  const google::protobuf::Struct& signals = Object(s, "device_events");
  EXPECT_GT(Number(signals, "true"), 0) << text;
  EXPECT_EQ(Number(signals, "alerted"), Number(signals, "true")) << text;
  // <= 0.005 false confirmed violations, <= 0.05 false alerts of any kind, per device-day.
  EXPECT_LE(Number(s, "false_confirmed_violations_per_device_day"), 0.005) << text;
  EXPECT_LE(Number(s, "false_alerts_per_device_day"), 0.05) << text;
  // A true violation confirmed within 60 s of the true entry at the median, 3 min at worst.
  const google::protobuf::Struct& delay = Object(s, "violation_confirmed_delay_s");
  EXPECT_LE(Number(delay, "p50"), 60) << text;
  EXPECT_LE(Number(delay, "max"), 180) << text;
  EXPECT_EQ(Number(s, "violations_never_confirmed"), 0) << text;
  EXPECT_EQ(Number(s, "unreadable_lines"), 0) << text;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stayaway
