// What stayawayd journals is exactly what its evidence shows and `stayaway verify` replays
// (ingest/recordable_input.h), against the real daemon on its TCP port: a fix that could
// not be shown as it was sent (a field the schema does not know, a Timestamp out of range)
// is refused by name and counted, and leaves nothing in the journal and no alert; valid
// fixes still make evidence that verifies, and so does a panic-button report whose NaN
// coordinates came with a bit pattern the JSON form cannot carry.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "journal/journal.h"
#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"
#include "tests/stayaway_cli.h"
#include "tests/wire_fixtures.h"
#include "tools/daemon_client.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary
using testing_fixtures::MakeFix;

// The distinct "alert_id" values in a JSON text (an alert names itself and its newest
// event), in order of appearance.
std::vector<std::string> AlertIds(const std::string& json) {
  std::vector<std::string> ids;
  const std::string key = "\"alert_id\":\"";
  for (size_t at = json.find(key); at != std::string::npos; at = json.find(key, at + 1)) {
    std::string id = json.substr(at + key.size(), 16);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
  }
  return ids;
}

double Counter(uint16_t http_port, const std::string& labels) {
  const std::string metrics = Http(http_port, "GET", "/metrics").body;
  const std::string line = "\nstayaway_fixes_rejected_total{" + labels + "} ";
  const size_t at = metrics.find(line);
  return at == std::string::npos ? 0 : std::stod(metrics.substr(at + line.size()));
}

// Field 15 as a varint holding 1: tag (15 << 3 | 0) = 0x78, then 0x01. Protobuf keeps it
// as an unknown field, re-serializes it, and its JSON form drops it.
constexpr char kUnknownField15[] = "\x78\x01";

v1::Fix WithUnknownField(const v1::Fix& fix) {
  v1::Fix out;
  EXPECT_TRUE(out.ParseFromString(fix.SerializeAsString() + kUnknownField15));
  EXPECT_FALSE(out.GetReflection()->GetUnknownFields(out).empty());
  return out;
}

// Sends one batch over the ingest port and returns the daemon's acknowledgement.
v1::BatchAck SendBatch(tools::DaemonClient& client, uint64_t batch_id,
                       const std::vector<v1::Fix>& fixes) {
  v1::ClientFrame frame;
  frame.mutable_batch()->set_batch_id(batch_id);
  for (const v1::Fix& fix : fixes) *frame.mutable_batch()->add_fixes() = fix;
  EXPECT_TRUE(client.Send(frame).ok());
  v1::ServerFrame reply;
  const Status received = client.Receive(&reply);
  EXPECT_TRUE(received.ok()) << received.message();
  EXPECT_TRUE(reply.has_ack()) << reply.DebugString();
  return reply.ack();
}

// The fixes of `device` in the daemon's journal (read-only: the daemon is stopped).
int JournaledFixes(const fs::path& data_dir, const std::string& device) {
  int count = 0;
  journal::ReadOptions read;
  read.mode = journal::ReadMode::kReadOnly;
  const auto report =
      journal::ReadAll((data_dir / "journal").string(), read, [&](const v1::Input& input) {
        if (input.has_fix() && input.fix().device() == device) ++count;
      });
  EXPECT_TRUE(report.ok()) << report.status().message();
  return count;
}

TEST(VerifiableIngest, InputTheEvidenceCouldNotShowIsRefusedByNameAndNeverJournaled) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  tools::DaemonClient client;
  ASSERT_TRUE(ConnectAndAuthenticate(client, daemon.ingest()).ok());
  const TimeMs t = NowMs() - 60'000;
  // The protected person's phone, then the tag 40 m from it: each tag fix below would
  // open a proximity violation if it were taken in.
  v1::BatchAck ack = SendBatch(client, 1, {MakeFix("phone-2", 1, t, 42.87, 74.59)});
  ASSERT_EQ(ack.accepted_size(), 1) << ack.DebugString();

  struct Case {
    std::string name;
    v1::Fix fix;
    std::string code;
    std::string says;  // what the reason must contain
  };
  std::vector<Case> cases;
  cases.push_back({"unknown field 15 in the fix",
                   WithUnknownField(MakeFix("tag-1", 1, t + 1000, 42.87, 74.5905)), "unknown_field",
                   "fix: field number 15"});
  {
    v1::Fix fix = MakeFix("tag-1", 2, t + 2000, 42.87, 74.5905);
    EXPECT_TRUE(
        fix.mutable_time()->ParseFromString(fix.time().SerializeAsString() + kUnknownField15));
    cases.push_back(
        {"unknown field 15 in the fix's time", fix, "unknown_field", "fix.time: field number 15"});
  }
  {
    v1::Fix fix = MakeFix("tag-1", 3, t + 3000, 42.87, 74.5905);
    fix.mutable_time()->set_nanos(std::numeric_limits<int32_t>::max());
    cases.push_back({"nanos 2^31-1", fix, "time_out_of_range", "fix.time: nanos 2147483647"});
  }
  {
    // 2^61 + s: times 1000 it wraps around 2^64 to s * 1000, a time a minute ago, which
    // passed the engine's future-time check before (2305843011010169504 in December 2026).
    v1::Fix fix = MakeFix("tag-1", 4, t + 4000, 42.87, 74.5905);
    const int64_t seconds = (int64_t{1} << 61) + (t + 4000) / 1000;
    fix.mutable_time()->set_seconds(seconds);
    cases.push_back({"seconds that overflow into the present", fix, "time_out_of_range",
                     "fix.time: seconds " + std::to_string(seconds) + " is outside"});
  }
  {
    // 2^62 s times 1000 wraps to 0: the engine's error used to call this time 1970.
    v1::Fix fix = MakeFix("tag-1", 6, t + 6000, 42.87, 74.5905);
    fix.mutable_time()->set_seconds(int64_t{1} << 62);
    cases.push_back({"a far-future time", fix, "time_out_of_range",
                     "fix.time: seconds 4611686018427387904 is outside"});
  }
  {
    v1::Fix fix = MakeFix("tag-1", 5, t + 5000, 42.87, 74.5905);
    fix.mutable_time()->set_nanos(-1);
    cases.push_back({"negative nanos", fix, "time_out_of_range", "nanos -1"});
  }

  uint64_t batch_id = 10;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ack = SendBatch(client, ++batch_id, {c.fix});
    EXPECT_EQ(ack.accepted_size(), 0) << ack.DebugString();
    ASSERT_EQ(ack.rejected_size(), 1) << ack.DebugString();
    EXPECT_EQ(ack.rejected(0).code(), c.code);
    EXPECT_NE(ack.rejected(0).reason().find(c.says), std::string::npos) << ack.rejected(0).reason();
    // A date, not digits: the seconds quoted above can hold "1970" by chance.
    EXPECT_EQ(ack.rejected(0).reason().find("1970-01-01"), std::string::npos)
        << ack.rejected(0).reason();
  }
  // JSON has no unknown fields, but Protobuf's JSON parser reads a time just past either
  // end of the range when it comes with an offset: the HTTP port applies the same rule.
  const HttpReply fixes =
      Http(daemon.http(), "POST", "/v1/fixes",
           R"([{"device": "tag-1", "seq": 9, "time": "9999-12-31T23:59:59-00:01",
                                    "lat": 42.87, "lon": 74.5905, "accuracy_m": 6}])");
  EXPECT_EQ(fixes.status, 200);
  EXPECT_NE(
      fixes.body.find(
          R"("code":"time_out_of_range","reason":"fix.time: seconds 253402300859 is outside)"),
      std::string::npos)
      << fixes.body;
  std::string order = OrderJson();
  order.replace(order.find("KG-7"), 4, "KG-8");
  order.replace(order.find("2020-01-01T00:00:00Z"), 20, "0001-01-01T00:00:00+00:01");
  const HttpReply refused_order = Http(daemon.http(), "POST", "/v1/orders", order);
  EXPECT_EQ(refused_order.status, 400);
  EXPECT_NE(refused_order.body.find("order.valid_from: seconds -62135596860 is outside"),
            std::string::npos)
      << refused_order.body;
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/orders/KG-8").status, 404);

  // Each kind counted under its own reason.
  EXPECT_EQ(Counter(daemon.http(), R"(source="tcp",reason="unknown_field")"), 2);
  EXPECT_EQ(Counter(daemon.http(), R"(source="tcp",reason="time_out_of_range")"), 4);
  EXPECT_EQ(Counter(daemon.http(), R"(source="http",reason="time_out_of_range")"), 1);
  // No alert rests on them, and the good fix of the same connection still counts.
  EXPECT_TRUE(AlertIds(Http(daemon.http(), "GET", "/v1/alerts").body).empty());
  EXPECT_EQ(daemon.Stop(), 0);
  EXPECT_EQ(JournaledFixes(daemon.dir() / "data", "tag-1"), 0);
  EXPECT_EQ(JournaledFixes(daemon.dir() / "data", "phone-2"), 1);
}

TEST(VerifiableIngest, EvidenceOfFixesSentOverTcpVerifies) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  tools::DaemonClient client;
  ASSERT_TRUE(ConnectAndAuthenticate(client, daemon.ingest()).ok());
  const TimeMs t = NowMs() - 60'000;
  // The tag walks up to the phone: a proximity violation.
  v1::BatchAck ack = SendBatch(
      client, 1,
      {MakeFix("phone-2", 1, t, 42.87, 74.59), MakeFix("tag-1", 1, t + 1000, 42.87, 74.5912),
       MakeFix("tag-1", 2, t + 2000, 42.87, 74.5910)});
  EXPECT_EQ(ack.accepted_size(), 3) << ack.DebugString();
  // The phone's panic button without a position, its coordinates the NaN x86 arithmetic
  // makes (sign bit set): JSON writes "NaN" for it and reads back the positive quiet NaN.
  v1::Fix sos = MakeFix("phone-2", 2, t + 3000, 0, 0);
  const double negative_nan = std::bit_cast<double>(uint64_t{0xfff8000000000000});
  sos.set_lat(negative_nan);
  sos.set_lon(negative_nan);
  sos.set_no_position(true);
  sos.add_flags(v1::Fix::sos);
  ack = SendBatch(client, 2, {sos});
  EXPECT_EQ(ack.accepted_size(), 1) << ack.DebugString();

  const std::vector<std::string> alerts = AlertIds(Http(daemon.http(), "GET", "/v1/alerts").body);
  ASSERT_EQ(alerts.size(), 2u) << Http(daemon.http(), "GET", "/v1/alerts").body;
  EXPECT_EQ(daemon.Stop(), 0);  // signs a checkpoint on the way out
  for (const std::string& alert : alerts) {
    SCOPED_TRACE(alert);
    const fs::path bundle = daemon.dir() / ("bundle-" + alert);
    const CommandRun written = Stayaway("evidence --data-dir " + (daemon.dir() / "data").string() +
                                        " --alert " + alert + " --out " + bundle.string());
    ASSERT_EQ(written.status, 0) << written.out;
    const CommandRun verified = Stayaway("verify " + bundle.string());
    EXPECT_EQ(verified.status, 0) << verified.out;
    EXPECT_NE(verified.out.find("VERIFIED"), std::string::npos) << verified.out;
  }
}

}  // namespace
}  // namespace stayaway
