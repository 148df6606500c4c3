// End to end: the real `stayaway loadgen` binary against the real stayawayd, briefly and
// at a low rate, so the load generator's own numbers are checked where they come from:
// every fix sent is acknowledged, alerts happen and are traced back to their fixes, and
// the latencies are plausible for a loopback daemon.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/daemon_harness.h"
#include "tests/stayaway_cli.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

// The number after "key": in `json`, looked for after `within` when given (a nested
// object's key), or -1. Enough for the flat report; no std::regex (warnings are errors).
double JsonNumber(const std::string& json, const std::string& key, const std::string& within = "") {
  size_t from = 0;
  if (!within.empty()) {
    from = json.find("\"" + within + "\":");
    if (from == std::string::npos) return -1;
  }
  const size_t at = json.find("\"" + key + "\":", from);
  if (at == std::string::npos) return -1;
  return std::strtod(json.c_str() + at + key.size() + 3, nullptr);
}

std::string LoadgenArgs(Daemon& daemon, const std::string& rest) {
  return "loadgen --target " + daemon.ingest() +
         " --http 127.0.0.1:" + std::to_string(daemon.http()) + " " + rest;
}

TEST(Loadgen, BuiltInWorkloadAtLowRateIsFullyAckedAndItsAlertsAreTracedToTheirFixes) {
  Daemon daemon;
  const CommandRun run = StayawayApart(LoadgenArgs(
      daemon, "--rate 200 --duration 2 --devices 20 --batch 2 --violation-fraction 0.5"));
  ASSERT_EQ(run.status, 0) << run.out << run.err << daemon.Log();
  const std::string& json = run.out;
  EXPECT_EQ(JsonNumber(json, "rate_asked"), 200) << json;
  EXPECT_EQ(JsonNumber(json, "fixes_scheduled"), 400) << json;
  EXPECT_EQ(JsonNumber(json, "fixes_sent"), 400) << json;
  EXPECT_EQ(JsonNumber(json, "fixes_acked"), 400) << json;
  EXPECT_EQ(JsonNumber(json, "fixes_rejected"), 0) << json;
  EXPECT_EQ(JsonNumber(json, "fixes_unanswered"), 0) << json;
  EXPECT_GT(JsonNumber(json, "rate_achieved"), 180) << json;
  // Half the tags are inside 120 m of their phone half of the time: violations open.
  EXPECT_GT(JsonNumber(json, "alerts_observed"), 0) << json;
  EXPECT_GT(JsonNumber(json, "opened", "events_by_transition"), 0) << json;

  // Every batch acknowledged, after some work but well within a second on loopback.
  EXPECT_EQ(JsonNumber(json, "count", "ack_latency_us"), 200) << json;
  const double ack_p50 = JsonNumber(json, "p50", "ack_latency_us");
  EXPECT_GT(ack_p50, 0) << json;
  EXPECT_LT(ack_p50, 1'000'000) << json;
  EXPECT_LE(JsonNumber(json, "p99", "ack_latency_us"), JsonNumber(json, "max", "ack_latency_us"));
  // An alert cannot arrive before its fix was sent, nor long after its ack.
  const double alert_p50 = JsonNumber(json, "p50", "fix_to_alert_latency_us");
  EXPECT_GT(alert_p50, 0) << json;
  EXPECT_LT(alert_p50, 2'000'000) << json;
  EXPECT_NE(json.find("\"saturated\": false"), std::string::npos) << json;
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(Loadgen, SweepPrintsOneReportPerRateOnTheSameOrders) {
  Daemon daemon;
  const CommandRun run =
      StayawayApart(LoadgenArgs(daemon, "--sweep 50,100 --duration 1 --devices 10 --batch 1"));
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  ASSERT_EQ(run.out.front(), '[') << run.out;
  const size_t second = run.out.find("\"rate_asked\": 100");
  ASSERT_NE(second, std::string::npos) << run.out;
  EXPECT_EQ(JsonNumber(run.out, "fixes_acked"), 50) << run.out;
  EXPECT_EQ(JsonNumber(run.out.substr(second), "fixes_acked"), 100) << run.out;
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(Loadgen, BatchesSpreadOverSeveralConnectionsAreEachAckedOnce) {
  Daemon daemon;
  const CommandRun run = StayawayApart(
      LoadgenArgs(daemon, "--rate 300 --duration 1 --devices 30 --batch 1 --connections 3"));
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_EQ(JsonNumber(run.out, "fixes_acked"), 300) << run.out;
  EXPECT_EQ(JsonNumber(run.out, "count", "ack_latency_us"), 300) << run.out;
  EXPECT_EQ(JsonNumber(run.out, "fixes_unanswered"), 0) << run.out;
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(Loadgen, ReplayFilesAreRetimedOntoTheSchedule) {
  Daemon daemon;
  const fs::path source = STAYAWAY_SOURCE_DIR;  // defined by stayaway_test()
  const CommandRun run = StayawayApart(LoadgenArgs(
      daemon, "--input " + (source / "examples").string() + " --rate 150 --duration 2 --batch 3"));
  ASSERT_EQ(run.status, 0) << run.out << run.err << daemon.Log();
  EXPECT_EQ(JsonNumber(run.out, "fixes_sent"), 300) << run.out;
  EXPECT_EQ(JsonNumber(run.out, "fixes_acked"), 300) << run.out;
  EXPECT_EQ(JsonNumber(run.out, "fixes_rejected"), 0) << run.out;
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(Loadgen, UnreachableDaemonAndBadFlagsAreUsageErrors) {
  EXPECT_EQ(StayawayApart("loadgen --target 127.0.0.1:1 --http 127.0.0.1:1 --rate 10 --duration 1")
                .status,
            2);
  EXPECT_EQ(StayawayApart("loadgen --target 127.0.0.1:1 --rate 10").status, 2);
  EXPECT_EQ(StayawayApart("loadgen --target a:1 --http a:1 --rate -5 --duration 1").status, 2);
}

}  // namespace
}  // namespace stayaway
