#include "tools/loadgen/cleanup.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace stayaway::loadgen {
namespace {

std::string Printed(const CleanupReport& report) {
  std::ostringstream out;
  PrintCleanup(report, "lg1-", "127.0.0.1:7380", out);
  return out.str();
}

TEST(LoadgenCleanup, EverythingRemovedSaysSoInOneLineMore) {
  CleanupReport report;
  report.orders_revoked = 3;
  report.alerts_resolved = 2;
  EXPECT_TRUE(report.everything_removed());
  EXPECT_EQ(Printed(report),
            "stayaway loadgen: removed what the run made: revoked 3 orders, resolved 2 open "
            "alerts\n"
            "stayaway loadgen: nothing of the run is left in force in the daemon\n");
}

TEST(LoadgenCleanup, WhatCouldNotBeRemovedIsNamedWithTheReasonAndTheWayToRemoveIt) {
  CleanupReport report;
  report.orders_revoked = 1;
  report.orders_left = {"lg1-order-1: HTTP 403 {\"error\":\"forbidden\"}"};
  report.alerts_left = {"a1b2: HTTP 500 oops"};
  report.zones_left = {"lg1-shelter: the HTTP API cannot delete a zone"};
  EXPECT_FALSE(report.orders_and_alerts_removed());
  const std::string text = Printed(report);
  for (const char* line :
       {"stayaway loadgen: removed what the run made: revoked 1 orders, resolved 0 open alerts\n",
        "stayaway loadgen: left in the daemon at 127.0.0.1:7380 (every id starts with lg1-): 1 "
        "orders in force, 1 open alerts, 1 global zones\n",
        "stayaway loadgen:   order lg1-order-1: HTTP 403 {\"error\":\"forbidden\"}\n",
        "stayaway loadgen:   alert a1b2: HTTP 500 oops\n",
        "stayaway loadgen:   zone lg1-shelter: the HTTP API cannot delete a zone\n",
        "stayaway loadgen: to remove an order: DELETE /v1/orders/ID",
        "stayaway loadgen: to close an alert: POST /v1/alerts/ID/resolve",
        "a global zone cannot be removed through the API"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  }
}

TEST(LoadgenCleanup, ZonesAloneDoNotCountAsAFailedCleanup) {
  CleanupReport report;
  report.zones_left = {"z: the HTTP API cannot delete a zone"};
  EXPECT_TRUE(report.orders_and_alerts_removed());
  EXPECT_FALSE(report.everything_removed());
}

}  // namespace
}  // namespace stayaway::loadgen
