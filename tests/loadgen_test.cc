// End to end: the real `stayaway loadgen` binary against the real stayawayd, briefly and
// at a low rate, so the load generator's own numbers are checked where they come from:
// every fix sent is acknowledged, alerts happen and are traced back to their fixes, and
// the latencies are plausible for a loopback daemon.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

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
  // Its orders are revoked; its shelter cannot be removed through the API, and is named.
  EXPECT_NE(run.err.find("revoked 2 orders"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("0 orders in force, 0 open alerts, 1 global zones"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("the HTTP API cannot delete a zone"), std::string::npos) << run.err;
  EXPECT_EQ(daemon.Stop(), 0);
}

// How many times `part` occurs in `text`.
size_t Occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

TEST(Loadgen, RevokesItsOrdersAndResolvesItsAlertsAfterwards) {
  Daemon daemon;
  const CommandRun run =
      StayawayApart(LoadgenArgs(daemon,
                                "--id-prefix lgA- --rate 200 --duration 2 --devices 20 --batch 2 "
                                "--violation-fraction 0.5"));
  ASSERT_EQ(run.status, 0) << run.out << run.err << daemon.Log();
  ASSERT_GT(JsonNumber(run.out, "opened", "events_by_transition"), 0) << run.out;
  EXPECT_NE(run.err.find("stayaway loadgen: removed what the run made: revoked 10 orders, "
                         "resolved "),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("nothing of the run is left in force"), std::string::npos) << run.err;
  // The daemon agrees: no open alert of the run, every order of it revoked.
  const HttpReply open = Http(daemon.http(), "GET", "/v1/alerts?state=open&limit=1000");
  ASSERT_EQ(open.status, 200) << open.body;
  EXPECT_EQ(open.body.find("lgA-"), std::string::npos) << open.body;
  const HttpReply closed = Http(daemon.http(), "GET", "/v1/alerts?state=closed&limit=1000");
  EXPECT_GT(Occurrences(closed.body, "\"order_id\":\"lgA-"), 0u) << closed.body;
  for (int n = 0; n < 10; ++n) {
    const HttpReply order = Http(daemon.http(), "GET", "/v1/orders/lgA-order-" + std::to_string(n));
    EXPECT_EQ(order.status, 200) << n;
    EXPECT_NE(order.body.find("\"state\":\"revoked\""), std::string::npos) << order.body;
  }
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(Loadgen, KeepLeavesEverythingAndNamesIt) {
  Daemon daemon;
  const CommandRun run =
      StayawayApart(LoadgenArgs(daemon,
                                "--keep --id-prefix lgB- --rate 200 --duration 2 --devices 20 "
                                "--batch 2 --violation-fraction 0.5"));
  ASSERT_EQ(run.status, 0) << run.out << run.err << daemon.Log();
  const HttpReply open = Http(daemon.http(), "GET", "/v1/alerts?state=open&limit=1000");
  ASSERT_EQ(open.status, 200) << open.body;
  // The run's open alerts, by id (an alert's JSON names its id more than once).
  std::set<std::string> alert_ids;
  for (size_t at = open.body.find("\"alert_id\":\""); at != std::string::npos;
       at = open.body.find("\"alert_id\":\"", at + 1)) {
    const size_t start = at + 12;
    const std::string id = open.body.substr(start, open.body.find('"', start) - start);
    const size_t order = open.body.find("\"order_id\":\"", at);
    if (order != std::string::npos && open.body.compare(order + 12, 4, "lgB-") == 0) {
      alert_ids.insert(id);
    }
  }
  const size_t open_alerts = alert_ids.size();
  ASSERT_GT(open_alerts, 0u) << open.body;
  // Exactly what is left, counted and named, and how to remove it.
  EXPECT_NE(run.err.find("left in the daemon at 127.0.0.1:" + std::to_string(daemon.http()) +
                         " (every id starts with lgB-): 10 orders in force, " +
                         std::to_string(open_alerts) + " open alerts, 0 global zones"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(Occurrences(run.err, "stayaway loadgen:   order lgB-order-"), 10u) << run.err;
  EXPECT_EQ(Occurrences(run.err, "stayaway loadgen:   alert "), open_alerts) << run.err;
  for (const std::string& id : alert_ids) {
    EXPECT_NE(run.err.find("stayaway loadgen:   alert " + id + ": open"), std::string::npos)
        << id << " in\n"
        << run.err;
  }
  EXPECT_NE(run.err.find("DELETE /v1/orders/ID"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("POST /v1/alerts/ID/resolve"), std::string::npos) << run.err;
  const HttpReply order = Http(daemon.http(), "GET", "/v1/orders/lgB-order-0");
  EXPECT_EQ(order.body.find("revoked"), std::string::npos) << order.body;
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(Loadgen, CtrlCStopsTheRunAndStillRemovesWhatItMade) {
  Daemon daemon;
  const std::string base =
      ::testing::TempDir() + "/loadgen-interrupted-" + std::to_string(::getpid());
  // exec: the shell becomes stayaway, whose pid the test then signals as a terminal would.
  const std::string command =
      "exec " + StayawayBinary().string() + " " +
      LoadgenArgs(daemon,
                  "--id-prefix lgC- --rate 200 --duration 60 --devices 20 --batch 2 "
                  "--violation-fraction 0.5") +
      " >" + base + ".out 2>" + base + ".err";
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char* const*>(argv), environ),
            0);
  // Once it has loaded its orders and an alert of the run is open, Ctrl-C.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    const HttpReply open = Http(daemon.http(), "GET", "/v1/alerts?state=open&limit=1000");
    if (open.body.find("\"order_id\":\"lgC-") != std::string::npos) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << ReadCapture(base + ".err");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  const std::string out = ReadCapture(base + ".out");
  const std::string err = ReadCapture(base + ".err");
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 130) << err;  // as a shell reports a Ctrl-C
  EXPECT_NE(err.find("interrupted (signal 2)"), std::string::npos) << err;
  EXPECT_NE(err.find("removed what the run made: revoked 10 orders"), std::string::npos) << err;
  // The run was cut short, and said so.
  EXPECT_LT(JsonNumber(out, "fixes_sent"), JsonNumber(out, "fixes_scheduled")) << out;
  EXPECT_NE(out.find("interrupted: the rest of the schedule was not sent"), std::string::npos)
      << out;
  const HttpReply open = Http(daemon.http(), "GET", "/v1/alerts?state=open&limit=1000");
  EXPECT_EQ(open.body.find("lgC-"), std::string::npos) << open.body;
  for (int n = 0; n < 10; ++n) {
    const HttpReply order = Http(daemon.http(), "GET", "/v1/orders/lgC-order-" + std::to_string(n));
    EXPECT_NE(order.body.find("\"state\":\"revoked\""), std::string::npos) << order.body;
  }
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
