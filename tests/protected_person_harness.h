// Helpers for the suites about the protected person (protected_person_test,
// victim_receipt_test, victim_gateway_test): her credential, an order that protects her,
// the approach that opens a violation, and her list of alerts, checked to hold nobody's
// position.
#ifndef STAYAWAY_TESTS_PROTECTED_PERSON_HARNESS_H_
#define STAYAWAY_TESTS_PROTECTED_PERSON_HARNESS_H_

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"

namespace stayaway::testing_harness {

// Every coordinate the fixes below carry, as JSON prints them.
inline const std::vector<std::string> kCoordinates = {"42.87", "74.59", "74.5905"};

// A protected person's credential for `person`, sending for `devices`: its token.
inline std::string IssueFor(Daemon& daemon, const std::string& name, const std::string& person,
                            const std::string& devices) {
  const HttpReply reply =
      Http(daemon.http(), "POST", "/v1/credentials",
           R"({"name": ")" + name + R"(", "roles": ["protected"], "person": ")" + person +
               R"(", "devices": [)" + devices + "]}");
  EXPECT_EQ(reply.status, 201) << reply.body;
  v1::IssuedCredential issued;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(reply.body, &issued).ok()) << reply.body;
  EXPECT_EQ(issued.credential().person(), person);
  return issued.token();
}

// Order `id` keeping tag-<group> 300 m from phone-<group>, whose victim is `victim`;
// `told` is its victim_notification ("" leaves it out: band); `more` is JSON for more of
// the order's fields (", \"victim_gateways\": [...]").
inline void PutOrder(Daemon& daemon, const std::string& id, const std::string& group,
                     const std::string& victim, const std::string& told = "",
                     const std::string& more = "") {
  const std::string order =
      R"({"id": ")" + id + R"(", "version": 1, "supervised": {"id": "s-)" + group +
      R"(", "devices": ["tag-)" + group + R"("]}, "protected": [{"id": ")" + victim +
      R"(", "devices": ["phone-)" + group + R"("], "relation": "victim"}],
      "violation_distance_m": 300, "warning_distance_m": 600,
      "valid_from": "2020-01-01T00:00:00Z")" +
      (told.empty() ? "" : R"(, "victim_notification": ")" + told + "\"") + more + "}";
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", order).status, 201) << order;
}

// Fixes that bring tag-<group> within ~41 m of phone-<group>: a confirmed violation.
inline void WalkIn(Daemon& daemon, const std::string& group) {
  const HttpReply sent = Http(daemon.http(), "POST", "/v1/fixes", ApproachFixesJson(group));
  ASSERT_EQ(sent.status, 200) << sent.body;
}

inline v1::ProtectedAlertList MyAlerts(Daemon& daemon, const std::string& token) {
  const HttpReply reply = HttpAs(token, daemon.http(), "GET", "/v1/me/alerts");
  EXPECT_EQ(reply.status, 200) << reply.body;
  for (const std::string& coordinate : kCoordinates) {
    EXPECT_FALSE(Contains(reply.body, coordinate)) << reply.body;
  }
  v1::ProtectedAlertList list;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(reply.body, &list).ok()) << reply.body;
  return list;
}

// Her event stream from its first event, read until `until` appears (3 s at most).
inline std::string MyStream(Daemon& daemon, const std::string& token, const std::string& until) {
  const int fd = ConnectLoopback(daemon.http(), std::chrono::milliseconds(200));
  EXPECT_GE(fd, 0);
  const std::string request =
      "GET /v1/me/events?from=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
      "\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string text;
  ReadUntil(fd, until, text, std::chrono::steady_clock::now() + std::chrono::seconds(3));
  ::close(fd);
  return text;
}

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_PROTECTED_PERSON_HARNESS_H_
