// stayaway's Kafka building blocks (kafka/) against librdkafka's mock cluster in a process
// of its own, over loopback TCP, as a real cluster is reached: no-loss production and
// ordered consumption with message headers, one partition read from an offset outside any
// group, consumer groups sharing and handing over partitions (a member closed, a member's
// process killed), committed offsets resumed, and what the mock does with transactions. Each test
// starts its own cluster; every wait is bounded.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/group_consumer.h"
#include "kafka/partition_reader.h"
#include "kafka/producer.h"
#include "kafka/topic_admin.h"
#include "tests/kafka_harness.h"

namespace stayaway::kafka {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using testing_harness::KafkaGroupMemberProcess;
using testing_harness::KafkaMockCluster;

std::unique_ptr<Producer> MakeProducer(const std::string& brokers,
                                       const std::string& transactional_id = "",
                                       Producer::DeliveryCallback on_delivery = {}) {
  ProducerOptions options;
  options.bootstrap_servers = brokers;
  options.transactional_id = transactional_id;
  options.message_timeout_ms = 10000;
  auto producer = Producer::Create(options, std::move(on_delivery));
  EXPECT_TRUE(producer.ok()) << producer.status().message();
  return producer.ok() ? std::move(*producer) : nullptr;
}

std::unique_ptr<GroupConsumer> MakeConsumer(const std::string& brokers, const std::string& group,
                                            bool read_committed = true,
                                            GroupConsumer::RebalanceCallback on_rebalance = {},
                                            int session_timeout_ms = 6000,
                                            const std::string& assignor = "") {
  ConsumerOptions options;
  options.bootstrap_servers = brokers;
  options.group_id = group;
  options.read_committed = read_committed;
  options.session_timeout_ms = session_timeout_ms;
  options.heartbeat_interval_ms = 500;
  if (!assignor.empty()) options.extra.Set("partition.assignment.strategy", assignor);
  auto consumer = GroupConsumer::Create(options, std::move(on_rebalance));
  EXPECT_TRUE(consumer.ok()) << consumer.status().message();
  return consumer.ok() ? std::move(*consumer) : nullptr;
}

// Polls `consumer` until `count` messages came or `timeout` passed; consumer errors are
// ignored (a broker connection being set up reports some), messages are returned in
// the order Poll gave them.
std::vector<ConsumedMessage> Consume(GroupConsumer& consumer, size_t count, milliseconds timeout) {
  std::vector<ConsumedMessage> out;
  const auto deadline = steady_clock::now() + timeout;
  while (out.size() < count && steady_clock::now() < deadline) {
    auto message = consumer.Poll(milliseconds(50));
    if (message.ok() && message->has_value()) out.push_back(std::move(**message));
  }
  return out;
}

// Polls every consumer in turn (each must be polled to take part in a rebalance) until
// `done` holds or `timeout` passed; whether it held.
template <typename Done>
bool PollUntil(const std::vector<GroupConsumer*>& consumers, Done done, milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    for (GroupConsumer* c : consumers) (void)c->Poll(milliseconds(10));
    if (done()) return true;
  }
  return done();
}

// The session timeout of the takeover tests' members, milliseconds: 3000, or
// STAYAWAY_KAFKA_SESSION_TIMEOUT_MS to measure another (docs/kafka.md has the figures).
int SessionTimeoutMs() {
  const char* text = std::getenv("STAYAWAY_KAFKA_SESSION_TIMEOUT_MS");
  const int ms = text != nullptr ? std::atoi(text) : 0;
  return ms > 0 ? ms : 3000;
}

// How long a takeover may take: 15 s (the failover promise) at the default session
// timeout; longer ones are for measuring and get three session timeouts.
milliseconds TakeoverBound() {
  return std::max<milliseconds>(seconds(15), milliseconds(3 * SessionTimeoutMs()));
}

std::vector<TopicPartition> AllPartitions(const std::string& topic, int count) {
  std::vector<TopicPartition> all;
  for (int p = 0; p < count; ++p) all.push_back({topic, p});
  return all;
}

TEST(KafkaTest, ProducedMessagesComeBackInOrderPerPartitionWithTheirKeys) {
  KafkaMockCluster cluster(3, {{"fixes", 4}});
  std::vector<DeliveryReport> reports;
  auto producer = MakeProducer(cluster.bootstrap_servers(), "",
                               [&](const DeliveryReport& r) { reports.push_back(r); });
  ASSERT_NE(producer, nullptr);
  // 20 devices, 10 fixes each, interleaved; the value names the device and its sequence.
  constexpr int kDevices = 20, kPerDevice = 10;
  for (int seq = 0; seq < kPerDevice; ++seq) {
    for (int d = 0; d < kDevices; ++d) {
      const std::string key = "tag-" + std::to_string(d);
      ASSERT_TRUE(producer
                      ->Produce("fixes", key, key + "/" + std::to_string(seq),
                                static_cast<uint64_t>(d * kPerDevice + seq))
                      .ok());
    }
  }
  ASSERT_TRUE(producer->Flush(seconds(10)).ok());
  ASSERT_EQ(reports.size(), static_cast<size_t>(kDevices * kPerDevice));
  std::map<std::string, int32_t> partition_of_key;
  std::set<std::pair<int32_t, int64_t>> delivered_at;
  for (const DeliveryReport& r : reports) {
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    EXPECT_GE(r.offset, 0);
    // One key, one partition: a device's fixes stay in order.
    auto [it, fresh] = partition_of_key.emplace(r.key, r.partition);
    EXPECT_EQ(it->second, r.partition) << r.key;
    EXPECT_TRUE(delivered_at.emplace(r.partition, r.offset).second) << "offset reused";
  }
  std::set<int32_t> used;
  for (const auto& [key, partition] : partition_of_key) used.insert(partition);
  EXPECT_GT(used.size(), 1u) << "20 keys all hashed to one partition";

  auto consumer = MakeConsumer(cluster.bootstrap_servers(), "order-check");
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->Subscribe({"fixes"}).ok());
  const std::vector<ConsumedMessage> got = Consume(*consumer, kDevices * kPerDevice, seconds(20));
  ASSERT_EQ(got.size(), static_cast<size_t>(kDevices * kPerDevice));
  std::map<int32_t, int64_t> last_offset;
  std::map<std::string, int> next_seq;
  for (const ConsumedMessage& m : got) {
    EXPECT_EQ(m.topic, "fixes");
    // The key came back, and with the value it was produced with.
    ASSERT_EQ(m.value.substr(0, m.key.size() + 1), m.key + "/") << m.value;
    EXPECT_EQ(m.partition, partition_of_key[m.key]);
    EXPECT_TRUE(delivered_at.count({m.partition, m.offset})) << "never delivered there";
    // Within a partition, offsets rise with no gap; a device's fixes in produced order.
    if (last_offset.count(m.partition)) {
      EXPECT_EQ(m.offset, last_offset[m.partition] + 1);
    }
    last_offset[m.partition] = m.offset;
    EXPECT_EQ(m.value, m.key + "/" + std::to_string(next_seq[m.key]++));
    EXPECT_GT(m.timestamp_ms, 0);
  }
  for (const auto& [key, n] : next_seq) EXPECT_EQ(n, kPerDevice) << key;
}

TEST(KafkaTest, ProduceAndWaitSaysWhereTheMessageWentOrWhyNot) {
  KafkaMockCluster cluster(1, {{"events", 4}});
  auto producer = MakeProducer(cluster.bootstrap_servers());
  ASSERT_NE(producer, nullptr);
  for (int64_t expected = 0; expected < 3; ++expected) {
    auto report = producer->ProduceAndWait("events", "alert-1", "opened", seconds(10), 2);
    ASSERT_TRUE(report.ok()) << report.status().message();
    ASSERT_TRUE(report->status.ok()) << report->status.message();
    EXPECT_EQ(report->partition, 2);
    EXPECT_EQ(report->offset, expected);
    EXPECT_EQ(report->key, "alert-1");
  }
  // A partition the topic does not have: refused, with a reason, at once or on delivery.
  auto bad = producer->ProduceAndWait("events", "alert-1", "x", seconds(10), 99);
  const Status failure = bad.ok() ? bad->status : bad.status();
  EXPECT_FALSE(failure.ok());
  EXPECT_NE(failure.message().find("kafka: "), std::string::npos) << failure.message();
  EXPECT_NE(failure.message().find("PARTITION"), std::string::npos) << failure.message();
  std::printf("[ kafka    ] an unknown partition: %s\n", failure.message().c_str());

  // A configuration librdkafka refuses names the property.
  ProducerOptions options;
  options.bootstrap_servers = cluster.bootstrap_servers();
  options.extra.Set("acks", "most");
  auto refused = Producer::Create(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("acks=most"), std::string::npos)
      << refused.status().message();
}

// Delivery never silently drops: a message the cluster never acknowledges gets a failed
// report once message_timeout_ms has passed, and the ones still queued when the producer
// is destroyed get a failed report each from the destructor.
TEST(KafkaTest, MessagesTheClusterNeverAcknowledgedAreReportedFailed) {
  KafkaMockCluster cluster(1, {{"events", 1}});
  std::vector<DeliveryReport> reports;
  ProducerOptions options;
  options.bootstrap_servers = cluster.bootstrap_servers();
  options.message_timeout_ms = 1500;
  options.close_timeout_ms = 200;
  auto producer = Producer::Create(options, [&](const DeliveryReport& r) { reports.push_back(r); });
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  auto first = (*producer)->ProduceAndWait("events", "alert-0", "delivered", seconds(10));
  ASSERT_TRUE(first.ok() && first->status.ok());

  cluster.Kill();
  const auto start = steady_clock::now();
  auto lost = (*producer)->ProduceAndWait("events", "alert-1", "lost", seconds(10));
  ASSERT_TRUE(lost.ok()) << lost.status().message();  // a report came...
  EXPECT_FALSE(lost->status.ok());                    // ...saying it failed
  EXPECT_NE(lost->status.message().find("TIMED_OUT"), std::string::npos) << lost->status.message();
  EXPECT_LT(steady_clock::now() - start, seconds(5));

  for (uint64_t token = 10; token < 13; ++token) {
    ASSERT_TRUE((*producer)->Produce("events", "alert-2", "queued", token).ok());
  }
  producer->reset();  // destroys it
  // One failed report each, in no promised order.
  ASSERT_EQ(reports.size(), 5u);
  std::multiset<uint64_t> purged;
  for (size_t i = 2; i < 5; ++i) {
    purged.insert(reports[i].token);
    EXPECT_FALSE(reports[i].status.ok());
    EXPECT_EQ(reports[i].offset, -1);
  }
  EXPECT_EQ(purged, (std::multiset<uint64_t>{10, 11, 12}));
}

TEST(KafkaTest, TopicAdminReadsPartitionCountsAndRefusesAnotherCount) {
  KafkaMockCluster cluster(3, {{"stayaway.input", 8}});
  auto admin = TopicAdmin::Create(cluster.bootstrap_servers());
  ASSERT_TRUE(admin.ok()) << admin.status().message();
  auto count = (*admin)->PartitionCount("stayaway.input", seconds(10));
  ASSERT_TRUE(count.ok()) << count.status().message();
  EXPECT_EQ(*count, 8);
  EXPECT_TRUE((*admin)->EnsureTopic({.name = "stayaway.input", .partitions = 8}, seconds(10)).ok());
  const Status other =
      (*admin)->EnsureTopic({.name = "stayaway.input", .partitions = 16}, seconds(10));
  EXPECT_EQ(other.code(), StatusCode::kFailedPrecondition) << other.message();
  EXPECT_NE(other.message().find("has 8 partitions"), std::string::npos) << other.message();
  // The mock creates a topic with 4 partitions on any metadata request for it, whatever
  // the client asks (a real cluster is asked not to), so a topic stayaway would have made
  // with 2 partitions exists with 4 by the time EnsureTopic looks: refused, not used.
  auto asked = (*admin)->PartitionCount("never-made", seconds(10));
  ASSERT_TRUE(asked.ok()) << asked.status().message();
  EXPECT_EQ(*asked, 4);
  const Status wrong = (*admin)->EnsureTopic(
      {.name = "made-now", .partitions = 2, .replication_factor = 1}, seconds(5));
  EXPECT_EQ(wrong.code(), StatusCode::kFailedPrecondition) << wrong.message();
}

TEST(KafkaTest, TwoMembersSplitThePartitionsAndACloseHandsThemOver) {
  constexpr int kPartitions = 8;
  KafkaMockCluster cluster(3, {{"input", kPartitions}});
  std::vector<TopicPartition> revoked_b;
  auto a = MakeConsumer(cluster.bootstrap_servers(), "split", true, {}, SessionTimeoutMs());
  auto b = MakeConsumer(
      cluster.bootstrap_servers(), "split", true,
      [&](RebalanceKind kind, const std::vector<TopicPartition>& parts) {
        if (kind == RebalanceKind::kRevoked) revoked_b = parts;
      },
      SessionTimeoutMs());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Subscribe({"input"}).ok());
  ASSERT_TRUE(b->Subscribe({"input"}).ok());
  const std::vector<TopicPartition> all = AllPartitions("input", kPartitions);
  auto split = [&] {
    std::vector<TopicPartition> ours = a->Assignment(), theirs = b->Assignment();
    if (ours.empty() || theirs.empty()) return false;
    std::vector<TopicPartition> both;
    std::merge(ours.begin(), ours.end(), theirs.begin(), theirs.end(), std::back_inserter(both));
    return both == all;  // every partition once: disjoint and complete
  };
  const auto join_start = steady_clock::now();
  ASSERT_TRUE(PollUntil({a.get(), b.get()}, split, seconds(20)))
      << "a: " << a->Assignment().size() << " b: " << b->Assignment().size();
  const std::vector<TopicPartition> b_had = b->Assignment();
  std::printf(
      "[ kafka    ] two members split %d partitions %zu/%zu in %lld ms\n", kPartitions,
      a->Assignment().size(), b_had.size(),
      static_cast<long long>(
          std::chrono::duration_cast<milliseconds>(steady_clock::now() - join_start).count()));

  ASSERT_TRUE(b->Close().ok());
  EXPECT_EQ(revoked_b, b_had) << "B was not told what it lost";
  const auto start = steady_clock::now();
  ASSERT_TRUE(PollUntil(
      {a.get()}, [&] { return a->Assignment() == all; }, TakeoverBound()))
      << "A has " << a->Assignment().size() << " partitions";
  const auto took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
  std::printf("[ kafka    ] takeover after a member closed (session timeout %d ms): %lld ms\n",
              SessionTimeoutMs(), static_cast<long long>(took.count()));
}

// The cooperative protocol (the assignor docs/kafka.md proposes): when a member leaves,
// the survivor gains the lost partitions without giving up its own first.
TEST(KafkaTest, ACooperativeMemberKeepsItsPartitionsWhileGainingALeaversOnes) {
  constexpr int kPartitions = 8;
  KafkaMockCluster cluster(3, {{"input", kPartitions}});
  std::vector<TopicPartition> revoked_from_a;
  std::vector<std::vector<TopicPartition>> assigned_to_a;
  auto a = MakeConsumer(
      cluster.bootstrap_servers(), "cooperative", true,
      [&](RebalanceKind kind, const std::vector<TopicPartition>& parts) {
        if (kind == RebalanceKind::kRevoked) {
          revoked_from_a.insert(revoked_from_a.end(), parts.begin(), parts.end());
        } else {
          assigned_to_a.push_back(parts);
        }
      },
      SessionTimeoutMs(), "cooperative-sticky");
  auto b = MakeConsumer(cluster.bootstrap_servers(), "cooperative", true, {}, SessionTimeoutMs(),
                        "cooperative-sticky");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Subscribe({"input"}).ok());
  ASSERT_TRUE(b->Subscribe({"input"}).ok());
  const std::vector<TopicPartition> all = AllPartitions("input", kPartitions);
  ASSERT_TRUE(PollUntil(
      {a.get(), b.get()},
      [&] {
        const size_t n = a->Assignment().size(), m = b->Assignment().size();
        return n > 0 && m > 0 && n + m == all.size();
      },
      seconds(20)))
      << "a: " << a->Assignment().size() << " b: " << b->Assignment().size();
  const std::vector<TopicPartition> a_had = a->Assignment();
  revoked_from_a.clear();
  assigned_to_a.clear();

  ASSERT_TRUE(b->Close().ok());
  const auto start = steady_clock::now();
  ASSERT_TRUE(PollUntil(
      {a.get()}, [&] { return a->Assignment() == all; }, TakeoverBound()))
      << "A has " << a->Assignment().size() << " partitions";
  std::printf("[ kafka    ] cooperative takeover after a member closed: %lld ms\n",
              static_cast<long long>(
                  std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count()));
  // A lost nothing, and what it was given was only what it lacked.
  EXPECT_TRUE(revoked_from_a.empty()) << revoked_from_a.size() << " revoked";
  std::vector<TopicPartition> gained;
  for (const auto& parts : assigned_to_a) gained.insert(gained.end(), parts.begin(), parts.end());
  std::sort(gained.begin(), gained.end());
  std::vector<TopicPartition> lacked;
  std::set_difference(all.begin(), all.end(), a_had.begin(), a_had.end(),
                      std::back_inserter(lacked));
  EXPECT_EQ(gained, lacked);
}

TEST(KafkaTest, AKilledMembersPartitionsMoveAfterItsSessionTimeout) {
  constexpr int kPartitions = 8;
  const int kSessionTimeoutMs = SessionTimeoutMs();
  KafkaMockCluster cluster(3, {{"input", kPartitions}});
  KafkaGroupMemberProcess member(cluster.bootstrap_servers(), "crash", "input", kSessionTimeoutMs);
  // The other process joins first and holds everything, then has to share.
  ASSERT_FALSE(member.WaitAssigned(seconds(15)).empty()) << "the member process got nothing";
  auto a = MakeConsumer(cluster.bootstrap_servers(), "crash", true, {}, kSessionTimeoutMs);
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->Subscribe({"input"}).ok());
  const std::vector<TopicPartition> all = AllPartitions("input", kPartitions);
  ASSERT_TRUE(PollUntil(
      {a.get()},
      [&] {
        const size_t n = a->Assignment().size();
        return n > 0 && n < all.size();
      },
      seconds(20)))
      << "the group never split; A has " << a->Assignment().size();

  member.Kill(SIGKILL);
  const auto start = steady_clock::now();
  ASSERT_TRUE(PollUntil(
      {a.get()}, [&] { return a->Assignment() == all; }, TakeoverBound()))
      << "A has " << a->Assignment().size() << " partitions";
  const auto took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
  std::printf("[ kafka    ] takeover after SIGKILL (session timeout %d ms): %lld ms\n",
              kSessionTimeoutMs, static_cast<long long>(took.count()));
  // Not before the coordinator could know: the killed member never said goodbye.
  EXPECT_GE(took.count(), kSessionTimeoutMs / 2);
}

TEST(KafkaTest, ANewConsumerResumesFromTheCommittedOffsets) {
  constexpr int kPartitions = 4, kMessages = 40, kFirst = 25;
  KafkaMockCluster cluster(3, {{"input", kPartitions}});
  auto producer = MakeProducer(cluster.bootstrap_servers());
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_TRUE(producer->Produce("input", "k" + std::to_string(i), std::to_string(i)).ok());
  }
  ASSERT_TRUE(producer->Flush(seconds(10)).ok());

  std::set<std::pair<int32_t, int64_t>> first_read;
  {
    auto first = MakeConsumer(cluster.bootstrap_servers(), "resume", true, {}, 3000);
    ASSERT_NE(first, nullptr);
    ASSERT_TRUE(first->Subscribe({"input"}).ok());
    for (const ConsumedMessage& m : Consume(*first, kFirst, seconds(20))) {
      first_read.emplace(m.partition, m.offset);
    }
    ASSERT_EQ(first_read.size(), static_cast<size_t>(kFirst));
    // The lag metric: what is left of each partition after what was read.
    int64_t behind = 0;
    auto lags = first->Lag(seconds(10));
    ASSERT_TRUE(lags.ok()) << lags.status().message();
    ASSERT_EQ(lags->size(), static_cast<size_t>(kPartitions));
    for (const PartitionLag& p : *lags) {
      ASSERT_GE(p.lag, 0) << ToString(TopicPartition{p.topic, p.partition});
      EXPECT_EQ(p.lag, p.high_watermark - p.position);
      behind += p.lag;
    }
    EXPECT_EQ(behind, kMessages - kFirst);
    ASSERT_TRUE(first->Commit().ok());
    auto committed = first->Committed(AllPartitions("input", kPartitions), seconds(10));
    ASSERT_TRUE(committed.ok()) << committed.status().message();
    int64_t done = 0;
    for (const PartitionOffset& o : *committed) done += std::max<int64_t>(o.offset, 0);
    EXPECT_EQ(done, kFirst);
    ASSERT_TRUE(first->Close().ok());
  }
  auto second = MakeConsumer(cluster.bootstrap_servers(), "resume", true, {}, 3000);
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(second->Subscribe({"input"}).ok());
  const std::vector<ConsumedMessage> rest = Consume(*second, kMessages - kFirst, seconds(20));
  ASSERT_EQ(rest.size(), static_cast<size_t>(kMessages - kFirst));
  for (const ConsumedMessage& m : rest) {
    EXPECT_FALSE(first_read.count({m.partition, m.offset}))
        << "read again: " << m.partition << "@" << m.offset;
  }
  // And nothing more: everything was read exactly once over the two consumers.
  EXPECT_TRUE(Consume(*second, 1, milliseconds(1500)).empty());
  // The lag metric of a member that is done: zero everywhere, also on the partitions it
  // never had to read from (the first consumer had finished them).
  auto lags = second->Lag(seconds(10));
  ASSERT_TRUE(lags.ok()) << lags.status().message();
  ASSERT_EQ(lags->size(), static_cast<size_t>(kPartitions));
  for (const PartitionLag& p : *lags) {
    EXPECT_EQ(p.lag, 0) << ToString(TopicPartition{p.topic, p.partition});
  }
}

// What librdkafka 2.0.2's mock cluster does with the transactional producer. The API works
// end to end (init, begin, produce, commit, abort), but the mock keeps no transaction
// state in its logs: EndTxn writes no commit or abort marker, and Fetch answers with no
// aborted transactions and a last stable offset at the end of the log. So a
// read_committed consumer sees an aborted transaction's messages like any others. This
// test pins that finding (docs/kafka.md: stayaway's Kafka mode is at-least-once with
// deterministic event ids, not exactly-once, against this mock); if a librdkafka upgrade
// makes the mock hide aborted messages, it fails here, and the design can move to
// exactly-once.
TEST(KafkaTest, TheMockRunsTransactionsButShowsAbortedMessagesToReadCommittedConsumers) {
  KafkaMockCluster cluster(3, {{"events", 1}});
  auto producer = MakeProducer(cluster.bootstrap_servers(), "stayaway-test-tx");
  ASSERT_NE(producer, nullptr);
  ASSERT_TRUE(producer->InitTransactions(seconds(10)).ok());
  auto transaction = [&](const std::string& prefix, int n, bool commit) {
    ASSERT_TRUE(producer->BeginTransaction().ok());
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(producer->Produce("events", "alert", prefix + std::to_string(i)).ok());
    }
    // In the partition's log before the transaction ends (an abort drops what is still
    // queued in the client, which would prove nothing about the cluster).
    ASSERT_TRUE(producer->Flush(seconds(10)).ok());
    const Status end =
        commit ? producer->CommitTransaction(seconds(10)) : producer->AbortTransaction(seconds(10));
    ASSERT_TRUE(end.ok()) << end.message();
  };
  transaction("committed-", 3, true);
  transaction("aborted-", 3, false);
  transaction("after-", 2, true);

  auto values = [](const std::vector<ConsumedMessage>& messages) {
    std::vector<std::string> out;
    for (const ConsumedMessage& m : messages) out.push_back(m.value);
    return out;
  };
  const std::vector<std::string> everything = {"committed-0", "committed-1", "committed-2",
                                               "aborted-0",   "aborted-1",   "aborted-2",
                                               "after-0",     "after-1"};
  // Both join their groups at once (each first join waits 3 s for more members).
  auto uncommitted_reader = MakeConsumer(cluster.bootstrap_servers(), "uncommitted", false);
  auto committed_reader = MakeConsumer(cluster.bootstrap_servers(), "committed", true);
  ASSERT_NE(uncommitted_reader, nullptr);
  ASSERT_NE(committed_reader, nullptr);
  ASSERT_TRUE(uncommitted_reader->Subscribe({"events"}).ok());
  ASSERT_TRUE(committed_reader->Subscribe({"events"}).ok());
  EXPECT_EQ(values(Consume(*uncommitted_reader, 8, seconds(10))), everything);
  // A real cluster gives the five committed messages only; the mock gives all eight.
  EXPECT_EQ(values(Consume(*committed_reader, 8, seconds(10))), everything)
      << "the mock now hides aborted transactions: exactly-once is testable (docs/kafka.md)";
}

// Consume, transform, produce in one transaction (send_offsets_to_transaction): on a real
// cluster the input's offsets are committed for the group with the output, or not at all.
// The mock accepts the offsets (TxnOffsetCommit answers ok) and stores none: the group's
// committed offset stays unset after the transaction commits. Pinned like the test above.
TEST(KafkaTest, TheMockAcceptsOffsetsSentToATransactionButStoresNone) {
  KafkaMockCluster cluster(3, {{"input", 1}, {"output", 1}});
  auto feeder = MakeProducer(cluster.bootstrap_servers());
  ASSERT_NE(feeder, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(feeder->Produce("input", "k", std::to_string(i)).ok());
  ASSERT_TRUE(feeder->Flush(seconds(10)).ok());

  auto consumer = MakeConsumer(cluster.bootstrap_servers(), "worker");
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->Subscribe({"input"}).ok());
  auto producer = MakeProducer(cluster.bootstrap_servers(), "stayaway-test-worker");
  ASSERT_NE(producer, nullptr);
  ASSERT_TRUE(producer->InitTransactions(seconds(10)).ok());
  const std::vector<TopicPartition> input = {{"input", 0}};

  ASSERT_TRUE(producer->BeginTransaction().ok());
  const std::vector<ConsumedMessage> batch = Consume(*consumer, 3, seconds(15));
  ASSERT_EQ(batch.size(), 3u);
  for (const ConsumedMessage& m : batch) {
    ASSERT_TRUE(producer->Produce("output", m.key, "seen " + m.value).ok());
  }
  // Positions() is what a worker sends: the next offset to read, 3.
  const std::vector<PartitionOffset> positions = consumer->Positions();
  ASSERT_EQ(positions, (std::vector<PartitionOffset>{{"input", 0, 3}}));
  const Status sent = producer->SendOffsetsToTransaction(*consumer, positions, seconds(10));
  ASSERT_TRUE(sent.ok()) << sent.message();
  const Status committed = producer->CommitTransaction(seconds(10));
  ASSERT_TRUE(committed.ok()) << committed.message();

  auto after = consumer->Committed(input, seconds(10));
  ASSERT_TRUE(after.ok()) << after.status().message();
  // A real cluster: offset 3. The mock: none (kNoOffset).
  EXPECT_EQ(*after, (std::vector<PartitionOffset>{{"input", 0, kNoOffset}}))
      << "the mock now stores transactional offsets: exactly-once is testable (docs/kafka.md)";
  // An ordinary commit of the same position is stored: the read above was not the fault.
  ASSERT_TRUE(consumer->CommitOffsets(positions).ok());
  after = consumer->Committed(input, seconds(10));
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, positions);
}

// Headers travel with the message: repeated names, empty and binary values, in order.
TEST(KafkaTest, MessageHeadersComeBackWithTheMessage) {
  KafkaMockCluster cluster(1, {{"events", 1}});
  auto producer = MakeProducer(cluster.bootstrap_servers());
  ASSERT_NE(producer, nullptr);
  const std::vector<MessageHeader> headers = {{"stayaway-offset", "42"},
                                              {"empty", ""},
                                              {"twice", "first"},
                                              {"binary", std::string("\0\x01\xff", 3)},
                                              {"twice", "second"}};
  ASSERT_TRUE(producer->Produce("events", "k", "with", 1, 0, headers).ok());
  ASSERT_TRUE(producer->Produce("events", "k", "without", 2, 0).ok());
  ASSERT_TRUE(producer->Flush(seconds(5)).ok());

  auto consumer = MakeConsumer(cluster.bootstrap_servers(), "headers");
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->Subscribe({"events"}).ok());
  const std::vector<ConsumedMessage> got = Consume(*consumer, 2, seconds(5));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].value, "with");
  EXPECT_EQ(got[0].headers, headers);
  EXPECT_EQ(got[0].Header("stayaway-offset"), std::optional<std::string_view>("42"));
  EXPECT_EQ(got[0].Header("twice"), std::optional<std::string_view>("first")) << "the first one";
  EXPECT_EQ(got[0].Header("binary"),
            std::optional<std::string_view>(std::string_view("\0\x01\xff", 3)));
  ASSERT_TRUE(got[0].Header("empty").has_value());
  EXPECT_TRUE(got[0].Header("empty")->empty());
  EXPECT_FALSE(got[0].Header("Stayaway-Offset").has_value()) << "names are case-sensitive";
  EXPECT_EQ(got[1].value, "without");
  EXPECT_TRUE(got[1].headers.empty());
  EXPECT_FALSE(got[1].Header("stayaway-offset").has_value());
}

// The next message `reader` gives within `timeout`, skipping the errors of connections
// being set up; nullopt when none came.
std::optional<ConsumedMessage> ReadOne(PartitionReader& reader, milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    auto message = reader.Read(milliseconds(50));
    if (message.ok() && message->has_value()) return std::move(**message);
  }
  return std::nullopt;
}

// A PartitionReader reads one partition from the offset it is given, in order, outside any
// group; Seek goes back; Watermarks are the partition's first and next offsets.
TEST(KafkaTest, APartitionReaderReadsFromAnOffsetInOrderAndSeeksBack) {
  KafkaMockCluster cluster(1, {{"log", 2}});
  auto producer = MakeProducer(cluster.bootstrap_servers());
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(producer->Produce("log", "k", "m" + std::to_string(i), 0, 1).ok());
  }
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(producer->Produce("log", "k", "other", 0, 0).ok());
  ASSERT_TRUE(producer->Flush(seconds(5)).ok());

  PartitionReaderOptions options;
  options.bootstrap_servers = cluster.bootstrap_servers();
  EXPECT_EQ(PartitionReader::Open(options, {"log", 1}, -1).status().code(),
            StatusCode::kInvalidArgument);
  PartitionReaderOptions no_servers;
  EXPECT_EQ(PartitionReader::Open(no_servers, {"log", 1}, 0).status().code(),
            StatusCode::kInvalidArgument);
  auto opened = PartitionReader::Open(options, {"log", 1}, 4);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  PartitionReader& reader = **opened;
  EXPECT_EQ(reader.position(), 4);
  for (int64_t offset = 4; offset < 10; ++offset) {
    std::optional<ConsumedMessage> message = ReadOne(reader, seconds(3));
    ASSERT_TRUE(message.has_value()) << "offset " << offset;
    EXPECT_EQ(message->topic, "log");
    EXPECT_EQ(message->partition, 1);
    EXPECT_EQ(message->offset, offset);
    EXPECT_EQ(message->value, "m" + std::to_string(offset));
    EXPECT_EQ(reader.position(), offset + 1);
  }
  // The end of the partition is no error: nothing came.
  auto end = reader.Read(milliseconds(200));
  ASSERT_TRUE(end.ok()) << end.status().message();
  EXPECT_FALSE(end->has_value());
  EXPECT_EQ(reader.position(), 10);

  auto marks = reader.Watermarks(seconds(3));
  ASSERT_TRUE(marks.ok()) << marks.status().message();
  EXPECT_EQ(*marks, (std::pair<int64_t, int64_t>(0, 10)));

  ASSERT_TRUE(reader.Seek(2).ok());
  EXPECT_EQ(reader.position(), 2);
  for (int64_t offset = 2; offset < 4; ++offset) {
    std::optional<ConsumedMessage> message = ReadOne(reader, seconds(3));
    ASSERT_TRUE(message.has_value()) << "offset " << offset;
    EXPECT_EQ(message->offset, offset);
    EXPECT_EQ(message->value, "m" + std::to_string(offset));
  }

  // One more produced: the high watermark follows, and the reader, after seeking to the
  // end, reads exactly it.
  auto report = producer->ProduceAndWait("log", "k", "m10", seconds(5), 1);
  ASSERT_TRUE(report.ok() && report->status.ok());
  EXPECT_EQ(report->offset, 10);
  marks = reader.Watermarks(seconds(3));
  ASSERT_TRUE(marks.ok()) << marks.status().message();
  EXPECT_EQ(marks->second, 11);
  ASSERT_TRUE(reader.Seek(10).ok());
  std::optional<ConsumedMessage> last = ReadOne(reader, seconds(3));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->offset, 10);
  EXPECT_EQ(last->value, "m10");
}

}  // namespace
}  // namespace stayaway::kafka
