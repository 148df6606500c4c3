// Duplicates through the real daemon: a device that leaves gaps in its sequence numbers
// (issue 11, item 6: past 32 gaps, resending the same 50 fixes applied them again), and
// one that leaves a gap with every fix past the duplicate memory's cap (engine/seq_set.h),
// whose resent fixes are refused as stale, counted, and never applied again.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "base/time.h"
#include "engine/seq_set.h"
#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"
#include "tools/daemon_client.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

// `count` fixes of tag-1 numbered 2, 4, 6, ...: a gap before each, a second apart, far
// from the phone.
v1::ClientFrame GappedBatch(int count, TimeMs start) {
  v1::ClientFrame frame;
  frame.mutable_batch()->set_batch_id(1);
  for (int i = 0; i < count; ++i) {
    v1::Fix* fix = frame.mutable_batch()->add_fixes();
    fix->set_device("tag-1");
    fix->set_seq(2 * static_cast<uint64_t>(i + 1));
    MsToTimestamp(start + i * 1000, fix->mutable_time());
    fix->set_lat(42.90);
    fix->set_lon(74.70);
    fix->set_accuracy_m(5);
  }
  return frame;
}

v1::BatchAck SendAndAck(tools::DaemonClient& client, const v1::ClientFrame& frame) {
  EXPECT_TRUE(client.Send(frame).ok());
  v1::ServerFrame reply;
  EXPECT_TRUE(client.Receive(&reply).ok());
  EXPECT_TRUE(reply.has_ack()) << reply.DebugString();
  return reply.ack();
}

std::string Metrics(Daemon& daemon) { return Http(daemon.http(), "GET", "/metrics").body; }

TEST(Duplicates, FiftyFixesResentAfterMoreThan32GapsAreAllDuplicates) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  tools::DaemonClient client;
  ASSERT_TRUE(ConnectAndAuthenticate(client, daemon.ingest()).ok());
  const v1::ClientFrame batch = GappedBatch(50, NowMs() - 120'000);
  const v1::BatchAck first = SendAndAck(client, batch);
  EXPECT_EQ(first.accepted_size(), 50);
  EXPECT_EQ(first.duplicates(), 0u);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const v1::BatchAck again = SendAndAck(client, batch);
  EXPECT_EQ(again.accepted_size(), 50) << again.DebugString();
  EXPECT_EQ(again.rejected_size(), 0) << again.DebugString();
  EXPECT_EQ(again.duplicates(), 50u) << again.DebugString();
  const std::string metrics = Metrics(daemon);
  EXPECT_NE(metrics.find("stayaway_fixes_total{source=\"tcp\",outcome=\"new\"} 50\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("stayaway_fixes_total{source=\"tcp\",outcome=\"duplicate\"} 50\n"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(Duplicates, PastTheCapResentFixesAreRefusedAsStaleAndCountedNeverApplied) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  tools::DaemonClient client;
  ASSERT_TRUE(ConnectAndAuthenticate(client, daemon.ingest()).ok());
  const int closed = 40;
  const int count = static_cast<int>(engine::SeqSet::kMaxRanges) + closed;
  const v1::ClientFrame batch = GappedBatch(count, NowMs() - 600'000);
  ASSERT_EQ(SendAndAck(client, batch).accepted_size(), count);
  const v1::BatchAck again = SendAndAck(client, batch);
  EXPECT_EQ(again.duplicates(), static_cast<uint32_t>(count - closed));
  ASSERT_EQ(again.rejected_size(), closed) << again.DebugString();
  for (const v1::Rejection& r : again.rejected()) {
    EXPECT_EQ(r.code(), "stale_sequence") << r.DebugString();
    EXPECT_LT(r.seq(), 2u * closed + 1) << "only the lowest, closed numbers";
    EXPECT_NE(r.reason().find("is stale"), std::string::npos) << r.reason();
  }
  const std::string metrics = Metrics(daemon);
  EXPECT_NE(metrics.find("stayaway_fixes_total{source=\"tcp\",outcome=\"new\"} " +
                         std::to_string(count) + "\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find("stayaway_fixes_rejected_total{source=\"tcp\",reason=\"stale_sequence\"} " +
                   std::to_string(closed) + "\n"),
      std::string::npos)
      << metrics;
  EXPECT_EQ(daemon.Stop(), 0);
}

}  // namespace
}  // namespace stayaway
