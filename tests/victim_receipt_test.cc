// Her app's receipts on the real daemon (POST /v1/me/alerts/{id}/receipt, engine.h
// "Receipts"): a receipt is hers alone, for an event of an alert she was told of, once;
// it is journaled and replayed, shown in the alert's timeline and in the evidence bundle a
// court verifies, so the record says that and when she was warned.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <string>

#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"
#include "tests/protected_person_harness.h"
#include "tests/stayaway_cli.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary
namespace pbutil = google::protobuf::util;

constexpr char kShownAt[] = "2026-12-06T10:00:00.250Z";

std::string ReceiptPath(const std::string& alert_id) {
  return "/v1/me/alerts/" + alert_id + "/receipt";
}

std::string ReceiptBody(uint64_t seq) {
  return R"({"event_seq": )" + std::to_string(seq) + R"(, "shown_at": ")" + kShownAt + "\"}";
}

// Her view of `alert_id`: the event her app would have shown.
v1::ProtectedAlert Shown(Daemon& daemon, const std::string& token, const std::string& alert_id) {
  const v1::ProtectedAlertList list = MyAlerts(daemon, token);
  for (const v1::ProtectedAlert& alert : list.alerts()) {
    if (alert.alert_id() == alert_id) return alert;
  }
  ADD_FAILURE() << "alert " << alert_id << " is not in her list";
  return {};
}

v1::AlertDetail Detail(Daemon& daemon, const std::string& alert_id) {
  const HttpReply reply = Http(daemon.http(), "GET", "/v1/alerts/" + alert_id);
  EXPECT_EQ(reply.status, 200) << reply.body;
  v1::AlertDetail detail;
  EXPECT_TRUE(pbutil::JsonStringToMessage(reply.body, &detail).ok()) << reply.body;
  return detail;
}

// The `received` events of the alert's timeline.
std::vector<v1::Event> Receipts(const v1::AlertDetail& detail) {
  std::vector<v1::Event> out;
  for (const v1::EventRecord& record : detail.timeline()) {
    if (record.event().transition() == v1::Event::received) out.push_back(record.event());
  }
  return out;
}

TEST(VictimReceipt, HerReceiptIsOnTheRecordOnceAndInTheEvidence) {
  Daemon daemon;
  PutOrder(daemon, "KG-1", "KG", "v-KG");
  const std::string her = IssueFor(daemon, "her-app", "v-KG", R"("phone-KG")");
  WalkIn(daemon, "KG");
  const std::string id = WaitForOpenAlertId(daemon.http(), "KG-1");
  ASSERT_FALSE(id.empty()) << daemon.Log();
  const v1::ProtectedAlert shown = Shown(daemon, her, id);
  ASSERT_GT(shown.seq(), 0u);

  const HttpReply sent =
      HttpAs(her, daemon.http(), "POST", ReceiptPath(id), ReceiptBody(shown.seq()));
  ASSERT_EQ(sent.status, 200) << sent.body;
  v1::AlertReceipt receipt;
  ASSERT_TRUE(pbutil::JsonStringToMessage(sent.body, &receipt).ok()) << sent.body;
  EXPECT_EQ(receipt.alert_id(), id);
  EXPECT_EQ(receipt.person(), "v-KG");
  EXPECT_EQ(receipt.event_seq(), shown.seq());
  EXPECT_FALSE(receipt.credential().empty());
  EXPECT_TRUE(receipt.has_time());  // the daemon's clock
  EXPECT_EQ(FormatRfc3339(TimestampToMs(receipt.shown_at())), "2026-12-06T10:00:00.250Z");

  // The centre's timeline has it, and the alert's view lists it; the alert is still the
  // open violation it was (a receipt changes nothing else).
  const v1::AlertDetail detail = Detail(daemon, id);
  const std::vector<v1::Event> received = Receipts(detail);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].received_by(), "v-KG");
  EXPECT_EQ(received[0].received_seq(), shown.seq());
  EXPECT_EQ(received[0].ack_credential(), receipt.credential());
  EXPECT_EQ(TimestampToMs(received[0].shown_at()), TimestampToMs(receipt.shown_at()));
  ASSERT_EQ(detail.alert().receipts_size(), 1);
  EXPECT_EQ(detail.alert().receipts(0).person(), "v-KG");
  EXPECT_TRUE(detail.alert().open());
  EXPECT_EQ(detail.alert().kind(), v1::Event::proximity_violation);
  EXPECT_EQ(detail.alert().last_event().transition(), v1::Event::opened);

  // Her stream carries it as news about an alert still open.
  const std::string stream = MyStream(daemon, her, "\"received\"");
  EXPECT_TRUE(Contains(stream, R"("transition":"received")")) << stream;
  EXPECT_FALSE(Contains(stream, R"("open":false)")) << stream;

  // Once per event: a repeat is a conflict, and the timeline still holds one.
  EXPECT_EQ(HttpAs(her, daemon.http(), "POST", ReceiptPath(id), ReceiptBody(shown.seq())).status,
            409);
  EXPECT_EQ(Receipts(Detail(daemon, id)).size(), 1u);

  // Journaled: after a restart the record and the refusal of a repeat are the same.
  ASSERT_EQ(daemon.Stop(), 0);
  {
    Daemon again({}, daemon.dir());
    EXPECT_EQ(Receipts(Detail(again, id)).size(), 1u);
    EXPECT_EQ(HttpAs(her, again.http(), "POST", ReceiptPath(id), ReceiptBody(shown.seq())).status,
              409);
    ASSERT_EQ(again.Stop(), 0);
  }

  // The evidence bundle holds it: the report says who was shown what and when, the
  // receipt input is proven in the signed log, and a court's verify accepts it.
  const fs::path bundle = daemon.dir() / "bundle";
  WriteVerifiedBundle(daemon.dir() / "data", id, bundle);
  const std::string report = ReadCapture((bundle / "report.html").string());
  EXPECT_TRUE(Contains(report, "shown to protected person v-KG")) << report;
  EXPECT_TRUE(Contains(report, "on her device at 2026-12-06 10:00:00 UTC")) << report;
  const std::string inputs = ReadCapture((bundle / "inputs.ndjson").string());
  EXPECT_TRUE(Contains(inputs, "\"receipt\"")) << inputs;
}

TEST(VictimReceipt, OnlyHerOwnAlertsAndRealEventsTakeAReceipt) {
  Daemon daemon;
  PutOrder(daemon, "KG-1", "KG", "v-KG");
  PutOrder(daemon, "OT-1", "OT", "v-OT");
  PutOrder(daemon, "NO-1", "NO", "v-NO", "none");
  const std::string her = IssueFor(daemon, "her-app", "v-KG", R"("phone-KG")");
  const std::string other = IssueFor(daemon, "other-app", "v-OT", R"("phone-OT")");
  const std::string untold = IssueFor(daemon, "untold-app", "v-NO", R"("phone-NO")");
  WalkIn(daemon, "KG");
  WalkIn(daemon, "NO");
  const std::string id = WaitForOpenAlertId(daemon.http(), "KG-1");
  const std::string untold_id = WaitForOpenAlertId(daemon.http(), "NO-1");
  ASSERT_FALSE(id.empty() || untold_id.empty()) << daemon.Log();
  const uint64_t seq = Shown(daemon, her, id).seq();
  const v1::AlertDetail before = Detail(daemon, untold_id);
  ASSERT_GT(before.timeline_size(), 0);

  // Another victim's credential cannot sign for her, and learns nothing of the alert.
  const HttpReply foreign = HttpAs(other, daemon.http(), "POST", ReceiptPath(id), ReceiptBody(seq));
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_TRUE(Contains(foreign.body, "not one of yours")) << foreign.body;
  // An order that tells her nothing takes no receipt from her either.
  EXPECT_EQ(HttpAs(untold, daemon.http(), "POST", ReceiptPath(untold_id),
                   ReceiptBody(before.timeline(0).seq()))
                .status,
            404);
  // An unknown alert answers as a foreign one; an event that is not of this alert, 404.
  EXPECT_EQ(
      HttpAs(her, daemon.http(), "POST", ReceiptPath("KG-1.nothing.9"), ReceiptBody(seq)).status,
      404);
  EXPECT_EQ(
      HttpAs(her, daemon.http(), "POST", ReceiptPath(id), ReceiptBody(before.timeline(0).seq()))
          .status,
      404);
  // What the daemon sets she may not, and a body that is not a receipt is refused.
  for (const std::string body :
       {R"({"event_seq": 1, "person": "v-OT"})", R"({"event_seq": 1, "credential": "x"})",
        R"({"event_seq": 1, "time": "2026-01-01T00:00:00Z"})",
        R"({"shown_at": "2026-01-01T00:00:00Z"})", R"({"event_seq": "many"})",
        R"({"event_seq": 1, "alert_id": "other"})", "[1]", ""}) {
    const HttpReply refused = HttpAs(her, daemon.http(), "POST", ReceiptPath(id), body);
    EXPECT_EQ(refused.status, 400) << body << " -> " << refused.body;
  }
  // Operators acknowledge; they do not sign her receipts.
  EXPECT_EQ(Http(daemon.http(), "POST", ReceiptPath(id), ReceiptBody(seq)).status, 403);
  EXPECT_TRUE(Receipts(Detail(daemon, id)).empty());
  EXPECT_TRUE(Receipts(Detail(daemon, untold_id)).empty());
}

}  // namespace
}  // namespace stayaway
