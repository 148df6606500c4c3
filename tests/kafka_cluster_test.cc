// stayawayd in Kafka mode (docs/kafka.md), end to end: real stayawayd processes against
// librdkafka's mock cluster in a process of its own (kafka_harness.h), reached over
// loopback TCP as a real cluster would be. Three instances under load, the leader killed
// with SIGKILL, a fourth joining later: every alert raised once and none lost, events
// keyed by alert_id on stayaway.events, an order posted to one instance enforced on
// fixes sent to others, and every instance's state the same.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "access/fix_mac.h"
#include "base/time.h"
#include "kafka/group_consumer.h"
#include "kafka/partition_reader.h"
#include "kafka/producer.h"
#include "kafka/topics.h"
#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"
#include "tests/kafka_harness.h"
#include "tests/mqtt_harness.h"
#include "tests/stayaway_cli.h"
#include "tests/webhook_receiver.h"

namespace stayaway {
namespace {

using testing_harness::Daemon;
using testing_harness::Http;
using testing_harness::NowMs;
using testing_harness::WaitForOpenAlertId;
namespace fs = std::filesystem;

// The session timeout the instances run with: a killed leader is replaced after about
// twice this, less a second, in the mock (docs/kafka.md). 3 s, or
// STAYAWAY_KAFKA_SESSION_TIMEOUT_MS to measure another (the takeover time is printed).
int SessionTimeoutMs() {
  const char* text = std::getenv("STAYAWAY_KAFKA_SESSION_TIMEOUT_MS");
  const int ms = text != nullptr ? std::atoi(text) : 0;
  return ms > 0 ? ms : 3000;
}

// The mock cluster with stayaway's topics.
std::unique_ptr<testing_harness::KafkaMockCluster> StartCluster() {
  return std::make_unique<testing_harness::KafkaMockCluster>(
      3, std::vector<std::pair<std::string, int>>{{kafka::kInputTopic, 1},
                                                  {kafka::kLeaderTopic, 1},
                                                  {kafka::kCredentialsTopic, 1},
                                                  {kafka::kDeviceKeysTopic, 1},
                                                  {kafka::kSnapshotsTopic, 1},
                                                  {kafka::kFixesTopic, 4},
                                                  {kafka::kEventsTopic, 4}});
}

// A stayawayd in Kafka mode, in a fresh data directory or (a restart) in `reuse`, with
// `more_kafka` added to its [kafka] table and `top_level` settings before it.
std::unique_ptr<Daemon> StartInstance(const std::string& brokers, const fs::path& reuse = {},
                                      const std::string& more_kafka = "",
                                      const std::string& top_level = "") {
  const fs::path config =
      fs::path(::testing::TempDir()) / ("kafka-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(config) << top_level << "[kafka]\nbrokers = \"" << brokers
                        << "\"\nsession_timeout_ms = " << SessionTimeoutMs() << "\n"
                        << more_kafka;
  return std::make_unique<Daemon>(std::vector<std::string>{"--config", config.string()}, reuse);
}

// The value of an unlabelled metric, or of the sum of a labelled one's series; -1 when
// the daemon does not answer.
double Metric(Daemon& daemon, const std::string& name) {
  const testing_harness::HttpReply reply = Http(daemon.http(), "GET", "/metrics");
  if (reply.status != 200) return -1;
  double sum = 0;
  std::istringstream lines(reply.body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0 || line.rfind(name + "{", 0) == 0) {
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return sum;
}

// The index of the one instance (of those still running) that says it leads; -1 when none
// does, or when two do (mid-rebalance).
int LeaderIndex(const std::vector<std::unique_ptr<Daemon>>& instances) {
  int found = -1;
  for (size_t i = 0; i < instances.size(); ++i) {
    if (instances[i] != nullptr && Metric(*instances[i], "stayaway_kafka_leader") == 1) {
      if (found >= 0) return -1;
      found = static_cast<int>(i);
    }
  }
  return found;
}

// LeaderIndex once one leads, polled every 50 ms for up to `give_up`; -1 if none did.
int WaitForLeader(const std::vector<std::unique_ptr<Daemon>>& instances,
                  std::chrono::milliseconds give_up = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + give_up;
  for (;;) {
    const int leader = LeaderIndex(instances);
    if (leader >= 0 || std::chrono::steady_clock::now() >= deadline) return leader;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// LeaderIndex once the same instance has led for 2 s without a break (the group settled
// after every join), polled for up to a minute; -1 if none did.
int WaitForSettledLeader(const std::vector<std::unique_ptr<Daemon>>& instances) {
  int leader = -1;
  for (int settled = 0, i = 0; i < 600 && settled < 20; ++i) {
    const int now = LeaderIndex(instances);
    settled = now >= 0 && now == leader ? settled + 1 : 0;
    leader = now;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return leader;
}

// What one instance says of every alert: id, order, kind, open or not. Ordered by id.
std::string AlertSummary(Daemon& daemon) {
  const std::string body = Http(daemon.http(), "GET", "/v1/alerts?state=all&limit=1000").body;
  std::set<std::string> alerts;
  for (size_t at = body.find("{\"alert_id\":\""); at != std::string::npos;
       at = body.find("{\"alert_id\":\"", at + 1)) {
    const size_t id_end = body.find('"', at + 13);
    const std::string id = body.substr(at + 13, id_end - at - 13);
    const size_t kind = body.find("\"kind\":\"", at);
    const size_t open = body.find("\"open\":", at);
    alerts.insert(id + " " + body.substr(kind + 8, body.find('"', kind + 8) - kind - 8) + " " +
                  body.substr(open + 7, 4));
  }
  std::string summary;
  for (const std::string& alert : alerts) summary += alert + "\n";
  return summary;
}

// Order g: tag-g must stay 300 m from phone-g; `more` is JSON for more of its fields
// (", \"victim_gateways\": [...]").
std::string GroupOrderJson(int g, const std::string& more = "") {
  const std::string n = std::to_string(g);
  return R"({"id": "KC-)" + n + R"(", "version": 1,
      "supervised": {"id": "aggressor-)" +
         n + R"(", "devices": ["tag-)" + n + R"("]},
      "protected": [{"id": "victim-)" +
         n + R"(", "devices": ["phone-)" + n +
         R"("], "relation": "victim"}],
      "violation_distance_m": 300, "warning_distance_m": 0,
      "valid_from": "2020-01-01T00:00:00Z")" +
         more + "}";
}

struct Round {
  int number;
  TimeMs time;  // the fixes' time
};

// Each group's tag is 40 m from the phone for 12 rounds (12 s of fix time: a confirmed
// violation), starting at round 10 + 15 g, and 5 km away otherwise: one episode each.
constexpr int kGroups = 6;
constexpr int kRounds = 120;
bool Near(int g, int round) { return round >= 10 + 15 * g && round < 22 + 15 * g; }
double TagLon(int g, int round) { return Near(g, round) ? 74.5905 : 74.65; }

TEST(KafkaCluster, ThreeInstancesShareTheWorkSurviveAKilledLeaderAndAgreeOnEveryAlert) {
  auto cluster = StartCluster();
  const std::string brokers = cluster->bootstrap_servers();
  ASSERT_FALSE(brokers.empty());
  std::vector<std::unique_ptr<Daemon>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(StartInstance(brokers));

  // One leader, soon.
  int leader = WaitForLeader(instances, std::chrono::seconds(10));
  ASSERT_GE(leader, 0) << instances[0]->Log();

  // Orders posted to one instance reach all: each is answered only once applied there, and
  // the others apply the same log.
  for (int g = 0; g < kGroups; ++g) {
    const auto reply = Http(instances[g % 3]->http(), "PUT", "/v1/orders/KC-" + std::to_string(g),
                            GroupOrderJson(g));
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
  for (auto& instance : instances) {
    for (int i = 0; i < 200; ++i) {
      if (Http(instance->http(), "GET", "/v1/orders/KC-5").status == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(Http(instance->http(), "GET", "/v1/orders/KC-5").status, 200);
  }

  // The load: a round every 250 ms, fix time one second further each round, ending about
  // now. Groups 0-3 through the instances' HTTP ports (the next instance when one does not
  // answer, as a gateway fails over), groups 4 and 5 through stayaway.fixes (replay JSON
  // and Traccar's JSON).
  kafka::ProducerOptions producer_options;
  producer_options.bootstrap_servers = brokers;
  auto producer = kafka::Producer::Create(producer_options);
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  const TimeMs start = NowMs() - kRounds * 1000 + 5000;
  std::atomic<int> rounds_sent{0};
  std::atomic<int> http_retries{0};
  std::mutex instances_mu;  // instances: the load reads, the test kills and adds
  std::thread load([&] {
    for (int r = 0; r < kRounds; ++r) {
      const TimeMs t = start + r * 1000;
      for (int g = 0; g < kGroups; ++g) {
        const std::string n = std::to_string(g);
        const uint64_t seq = static_cast<uint64_t>(r) + 1;
        if (g < 4) {
          const std::string body =
              "[" + testing_harness::FixJson("phone-" + n, seq, t, 74.59) + "," +
              testing_harness::FixJson("tag-" + n, seq, t + 500, TagLon(g, r)) + "]";
          for (int attempt = 0; attempt < 40; ++attempt) {
            uint16_t port = 0;
            {
              std::lock_guard<std::mutex> lock(instances_mu);
              std::vector<Daemon*> alive;
              for (auto& instance : instances) {
                if (instance != nullptr) alive.push_back(instance.get());
              }
              port = alive[static_cast<size_t>(r + g + attempt) % alive.size()]->http();
            }
            const auto reply = testing_harness::HttpExchange(
                port, "POST", "/v1/fixes",
                {{"Content-Type", "application/json"},
                 {"Authorization", std::string("Bearer ") + testing_harness::kHarnessToken}},
                body, std::chrono::seconds(5));
            if (reply.status == 200) break;
            ++http_retries;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
        } else if (g == 4) {
          for (const auto& [device, lon] :
               {std::pair<std::string, double>{"phone-4", 74.59}, {"tag-4", TagLon(g, r)}}) {
            const std::string line =
                testing_harness::FixJson(device, seq, device == "tag-4" ? t + 500 : t, lon);
            EXPECT_TRUE((*producer)->Produce(kafka::kFixesTopic, device, line).ok());
          }
        } else {
          EXPECT_TRUE((*producer)
                          ->Produce(kafka::kFixesTopic, "phone-5",
                                    testing_harness::TraccarForward("phone-5", t, 42.87, 74.59))
                          .ok());
          EXPECT_TRUE(
              (*producer)
                  ->Produce(kafka::kFixesTopic, "tag-5",
                            testing_harness::TraccarForward("tag-5", t + 500, 42.87, TagLon(g, r)))
                  .ok());
        }
      }
      (*producer)->Poll(std::chrono::milliseconds(0));
      rounds_sent = r + 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });

  // Mid-run (group 3's episode is under way): the leader dies without a word.
  while (rounds_sent < 58) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto killed_at = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(instances_mu);
    instances[static_cast<size_t>(leader)]->Kill();
    instances[static_cast<size_t>(leader)].reset();
  }
  const int new_leader =
      WaitForLeader(instances, std::chrono::milliseconds(3 * SessionTimeoutMs() + 10'000));
  const double takeover_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  ASSERT_GE(new_leader, 0) << "no instance took over";
  std::cout << "takeover after SIGKILL of the leader: " << takeover_s << " s (session timeout "
            << SessionTimeoutMs() << " ms)\n";
  if (SessionTimeoutMs() <= 8000) {
    EXPECT_LT(takeover_s, 15.0);  // the failover promise
  }

  // A fourth instance joins later, from an empty data directory: it reads the log from its
  // start and catches up.
  while (rounds_sent < 90) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::lock_guard<std::mutex> lock(instances_mu);
    instances.push_back(StartInstance(brokers));
  }
  load.join();
  ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());

  // Every instance alive ends with nothing left to read, and with the same alerts.
  std::vector<Daemon*> alive;
  for (auto& instance : instances) {
    if (instance != nullptr) alive.push_back(instance.get());
  }
  ASSERT_EQ(alive.size(), 3u);
  bool settled = false;
  for (int i = 0; i < 300 && !settled; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    settled = true;
    const std::string first = AlertSummary(*alive[0]);
    for (Daemon* instance : alive) {
      settled = settled && Metric(*instance, "stayaway_kafka_lag") <= 1 &&  // a tick may be due
                AlertSummary(*instance) == first;
    }
  }
  std::string lags;
  for (Daemon* instance : alive) {
    lags += std::to_string(Metric(*instance, "stayaway_kafka_lag")) + " ";
  }
  EXPECT_TRUE(settled) << "the instances did not converge; lags " << lags;
  const std::string alerts = AlertSummary(*alive[0]);
  for (Daemon* instance : alive) EXPECT_EQ(AlertSummary(*instance), alerts);

  // One violation alert per group: none lost, none opened twice across the failover.
  std::map<std::string, int> violations_by_order;
  const std::string listing = Http(alive[0]->http(), "GET", "/v1/alerts?state=all&limit=1000").body;
  for (int g = 0; g < kGroups; ++g) {
    const std::string order =
        "\"order_id\":\"KC-" + std::to_string(g) + "\",\"kind\":\"proximity_violation\"";
    size_t count = 0;
    for (size_t at = listing.find(order); at != std::string::npos; at = listing.find(order, at + 1))
      ++count;
    EXPECT_EQ(count, 1u) << "group " << g << "\n" << listing;
  }

  // stayaway.events: every event of the log, keyed by alert_id, each seq at least once
  // (a repeat carries the very same event), none missing.
  const double event_count = Metric(*alive[0], "stayaway_events_total");
  ASSERT_GT(event_count, kGroups);
  kafka::ConsumerOptions reader;
  reader.bootstrap_servers = brokers;
  reader.group_id = "test-reader-" + std::to_string(NowMs());
  auto consumer = kafka::GroupConsumer::Create(reader);
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE((*consumer)->Subscribe({kafka::kEventsTopic}).ok());
  std::map<uint64_t, std::string> by_seq;
  std::map<std::string, int> opened_by_alert;
  size_t repeats = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (by_seq.size() < static_cast<size_t>(event_count) &&
         std::chrono::steady_clock::now() < deadline) {
    auto message = (*consumer)->Poll(std::chrono::milliseconds(200));
    if (!message.ok() || !message->has_value()) continue;
    const kafka::ConsumedMessage& m = **message;
    const std::optional<std::string_view> seq_header = m.Header(kafka::kEventSeqHeader);
    ASSERT_TRUE(seq_header.has_value());
    const uint64_t seq = std::stoull(std::string(*seq_header));
    EXPECT_TRUE(testing_harness::Contains(m.value, "\"alert_id\":\"" + m.key + "\"")) << m.value;
    auto [place, fresh] = by_seq.emplace(seq, m.value);
    if (!fresh) {
      ++repeats;
      EXPECT_EQ(place->second, m.value) << "seq " << seq << " published as two events";
      continue;
    }
    if (testing_harness::Contains(m.value, "\"transition\":\"opened\"")) ++opened_by_alert[m.key];
  }
  EXPECT_EQ(by_seq.size(), static_cast<size_t>(event_count));
  if (!by_seq.empty()) {
    EXPECT_EQ(by_seq.begin()->first, 1u);
    EXPECT_EQ(by_seq.rbegin()->first, by_seq.size()) << "a seq is missing";
  }
  for (const auto& [alert, opened] : opened_by_alert) EXPECT_EQ(opened, 1) << alert;
  std::cout << "events on stayaway.events: " << by_seq.size() << " (" << repeats
            << " published twice across the takeover); HTTP retries to another instance: "
            << http_retries.load() << "\n";

  // Evidence: every instance signs what it applied; a bundle of group 3's alert (raised
  // while the first leader died) verifies from the instance that joined late and from
  // one that was there when it was raised.
  const size_t at = listing.find("\"order_id\":\"KC-3\",\"kind\":\"proximity_violation\"");
  ASSERT_NE(at, std::string::npos);
  const size_t id_at = listing.rfind("{\"alert_id\":\"", at) + 13;
  const std::string alert_id = listing.substr(id_at, listing.find('"', id_at) - id_at);
  Daemon* joined = instances.back().get();
  Daemon* survivor = alive[0] != joined ? alive[0] : alive[1];
  const fs::path survivor_dir = survivor->dir();
  for (Daemon* instance : {joined, survivor}) {
    const std::string log_before = instance->Log();
    ASSERT_EQ(instance->Stop(), 0)  // signs a checkpoint on the way out
        << instance->Log().substr(log_before.size());
    const fs::path bundle = instance->dir() / "bundle";
    const testing_harness::CommandRun written =
        testing_harness::Stayaway("evidence --data-dir " + (instance->dir() / "data").string() +
                                  " --alert " + alert_id + " --out " + bundle.string());
    ASSERT_EQ(written.status, 0) << written.out;
    const testing_harness::CommandRun verified =
        testing_harness::Stayaway("verify " + bundle.string());
    EXPECT_EQ(verified.status, 0) << verified.out;
    EXPECT_TRUE(testing_harness::Contains(verified.out, "VERIFIED")) << verified.out;
  }

  // Two of three stopped: the last one leads, whoever led before; the stopped survivor,
  // started again on its data, goes on from its journal and catches up with the ticks
  // written meanwhile.
  Daemon* last = nullptr;
  for (Daemon* instance : alive) {
    if (instance != joined && instance != survivor) last = instance;
  }
  ASSERT_NE(last, nullptr);
  for (int i = 0; i < 150 && Metric(*last, "stayaway_kafka_leader") != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Metric(*last, "stayaway_kafka_leader"), 1);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // ticks go on meanwhile
  auto restarted = StartInstance(brokers, survivor_dir);
  bool caught_up = false;
  for (int i = 0; i < 100 && !caught_up; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    caught_up = Metric(*restarted, "stayaway_kafka_lag") <= 1 &&
                AlertSummary(*restarted) == AlertSummary(*last);
  }
  EXPECT_TRUE(caught_up) << restarted->Log();
  EXPECT_TRUE(testing_harness::Contains(restarted->Log(), "recovered from the journal"));
}

// The leader's disk fills up: its journal cannot be written, so its core stops applying
// the log, and it could publish no event and notify nobody. It hands the lead over
// (leader_fitness.h), the other instance publishes the alert raised meanwhile, and the
// stalled one does not take the lead back while its core stays stuck.
TEST(KafkaCluster, ALeaderWhoseJournalCannotBeWrittenHandsOverTheLead) {
  auto cluster = StartCluster();
  const std::string brokers = cluster->bootstrap_servers();
  ASSERT_FALSE(brokers.empty());
  // Writing past a file size limit raises SIGXFSZ, which would kill the daemon: ignored
  // here, and so in the instances started now (an ignored signal stays ignored across
  // exec), whose writes past the limit then fail with EFBIG as on a full disk.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction before {};
  ASSERT_EQ(::sigaction(SIGXFSZ, &ignore, &before), 0);
  const std::string stall = "leader_stall_ms = 2000\n";
  std::vector<std::unique_ptr<Daemon>> instances;
  instances.push_back(StartInstance(brokers, {}, stall));
  instances.push_back(StartInstance(brokers, {}, stall));
  ASSERT_EQ(::sigaction(SIGXFSZ, &before, nullptr), 0);

  // One leader, settled after the second instance's join.
  const int leader = WaitForSettledLeader(instances);
  ASSERT_GE(leader, 0) << instances[0]->Log();
  Daemon& stalled = *instances[static_cast<size_t>(leader)];
  Daemon& other = *instances[static_cast<size_t>(1 - leader)];
  ASSERT_EQ(Http(other.http(), "PUT", "/v1/orders/KC-0", GroupOrderJson(0)).status, 200);
  for (int i = 0; i < 200 && Http(stalled.http(), "GET", "/v1/orders/KC-0").status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  // The leader's files may grow to 16 KiB past its journal: the journal is what grows
  // with the input. Fixes enough to pass that (those of devices no order names are
  // journaled all the same), and few enough that the stalled instance is soon within a
  // run of the log's end, where only its stuck core keeps it from joining again.
  uintmax_t journal_bytes = 0;
  for (const auto& entry : fs::directory_iterator(stalled.dir() / "data" / "journal")) {
    journal_bytes = std::max(journal_bytes, entry.file_size());
  }
  const rlimit limit{journal_bytes + 16 * 1024, journal_bytes + 16 * 1024};
  ASSERT_EQ(::prlimit(stalled.pid(), RLIMIT_FSIZE, &limit, nullptr), 0) << std::strerror(errno);
  for (int batch = 0; batch < 2; ++batch) {
    std::string body = "[";
    for (int i = 0; i < 500; ++i) {
      body += (i > 0 ? "," : "") + testing_harness::FixJson("filler-" + std::to_string(i),
                                                            static_cast<uint64_t>(batch) + 1,
                                                            NowMs() - 60'000, 74.59);
    }
    ASSERT_EQ(Http(other.http(), "POST", "/v1/fixes", body + "]").status, 200);
  }

  // It hands over within the grace, and the other instance leads after a rebalance.
  const auto filled_at = std::chrono::steady_clock::now();
  const auto waited = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - filled_at).count();
  };
  const std::string assigned = "stayaway_kafka_rebalances_total{kind=\"assigned\"}";
  while (Metric(stalled, "stayaway_kafka_handovers_total") < 1 && waited() < 30) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(Metric(stalled, "stayaway_kafka_handovers_total"), 1) << stalled.Log();
  // The times it was given a part in the group, from now on: it must not join again.
  const double assigned_when_handed_over = Metric(stalled, assigned);
  const double handed_over_s = waited();
  while (Metric(other, "stayaway_kafka_leader") != 1 && waited() < 40) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(Metric(other, "stayaway_kafka_leader"), 1) << other.Log();
  EXPECT_EQ(Metric(stalled, "stayaway_kafka_leader"), 0);
  std::cout << "a leader whose journal failed handed over " << handed_over_s
            << " s after the fixes that filled its disk; the other instance led " << waited()
            << " s after them (leader_stall_ms 2000, session timeout " << SessionTimeoutMs()
            << " ms)\n";
  EXPECT_GT(Metric(stalled, "stayaway_kafka_lag"), 0);
  EXPECT_LT(Metric(stalled, "stayaway_kafka_lag"), 2000);  // a run: caught up, but for its core

  // An alert raised now reaches stayaway.events, published by the new leader.
  ASSERT_EQ(Http(other.http(), "POST", "/v1/fixes", testing_harness::ApproachFixesJson("0")).status,
            200);
  const std::string alert_id = testing_harness::WaitForOpenAlertId(other.http(), "KC-0");
  ASSERT_FALSE(alert_id.empty());
  kafka::ConsumerOptions reader;
  reader.bootstrap_servers = brokers;
  reader.group_id = "test-reader-" + std::to_string(NowMs());
  auto consumer = kafka::GroupConsumer::Create(reader);
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE((*consumer)->Subscribe({kafka::kEventsTopic}).ok());
  bool published = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!published && std::chrono::steady_clock::now() < deadline) {
    auto message = (*consumer)->Poll(std::chrono::milliseconds(200));
    if (!message.ok() || !message->has_value()) continue;
    published = (*message)->key == alert_id &&
                testing_harness::Contains((*message)->value, "\"transition\":\"opened\"");
  }
  EXPECT_TRUE(published) << "the alert raised after the handover was not published";

  // Its core still stuck, the old leader stays out of the leadership group (more than
  // twice the grace after it left).
  while (waited() < handed_over_s + 5) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Metric(stalled, assigned), assigned_when_handed_over) << "it joined the group again";
  EXPECT_EQ(Metric(stalled, "stayaway_kafka_leader"), 0);
  EXPECT_EQ(Metric(other, "stayaway_kafka_leader"), 1);
  EXPECT_EQ(Metric(stalled, "stayaway_kafka_handovers_total"), 1);
}

// The webhooks and the victims' gateway run on the leader only, from cursors it commits
// with the events': the leader killed while they could not send (the receivers were
// down), the next one goes on from there. Every event reaches the webhook at least once
// (a repeat with the same body), and every victim gets the message about her violation,
// before, during and after the takeover.
//
// When `after_its_commit`, the leader is killed once it has committed the cursors past
// the held-back event: the next leader must go on from the committed cursors. Otherwise
// it is killed as soon as it has tried to send, while the group may still be settling:
// on a loaded machine the lead then often moves before any leader has committed (each
// commit answered REBALANCE_IN_PROGRESS), and the next leader's dispatchers must begin
// where the cluster's published events stand (event 1 here), not at its own "now", which
// had lost the held-back message about one run in two beside the ASan suite. On a
// failure every instance's log is printed, the killed one's included.
void DispatchersGoOnAcrossAKilledLeader(bool after_its_commit) {
  auto cluster = StartCluster();
  const std::string brokers = cluster->bootstrap_servers();
  ASSERT_FALSE(brokers.empty());
  testing_harness::WebhookReceiver hooks;
  testing_harness::WebhookReceiver sms;
  const std::string webhooks = "webhooks = [\"" + hooks.url() + "\"]\n";
  std::vector<std::unique_ptr<Daemon>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(StartInstance(brokers, {}, "", webhooks));
  int leader = WaitForLeader(instances);
  ASSERT_GE(leader, 0) << instances[0]->Log();
  Daemon* follower = instances[static_cast<size_t>(leader + 1) % 3].get();

  constexpr int kOrders = 4;
  for (int g = 0; g < kOrders; ++g) {
    const std::string gateway = R"(, "victim_gateways": [{"person": "victim-)" + std::to_string(g) +
                                R"(", "url": ")" + sms.url() + R"(", "to": "+99655500011)" +
                                std::to_string(g) + R"(", "channel": "sms"}])";
    ASSERT_EQ(Http(follower->http(), "PUT", "/v1/orders/KC-" + std::to_string(g),
                   GroupOrderJson(g, gateway))
                  .status,
              200);
  }
  const auto walk_in = [&](int g) {
    const auto sent = Http(follower->http(), "POST", "/v1/fixes",
                           testing_harness::ApproachFixesJson(std::to_string(g)));
    EXPECT_EQ(sent.status, 200) << sent.body;
  };
  // Group 0 before the kill, all sent. Group 1 just before it, while both receivers are
  // down: the old leader never sends it, the next one must.
  walk_in(0);
  for (int i = 0; i < 200 && sms.accepted().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(sms.accepted().empty()) << instances[static_cast<size_t>(leader)]->Log();
  hooks.SetRefusing(true);
  sms.SetRefusing(true);
  const int hook_attempts = hooks.requests();
  const int sms_attempts = sms.requests();
  walk_in(1);
  for (int i = 0; i < 200 && (hooks.requests() == hook_attempts || sms.requests() == sms_attempts);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GT(sms.requests(), sms_attempts) << "the leader did not try to tell victim 1";
  ASSERT_GT(hooks.requests(), hook_attempts) << "the leader did not try the webhook";
  if (after_its_commit) {
    // Every event published and confirmed, the cursors committed with it, read as the
    // next leader will; then whoever leads now is killed.
    const double events = Metric(*follower, "stayaway_events_total");
    kafka::ConsumerOptions reader;
    reader.bootstrap_servers = brokers;
    reader.group_id = "stayaway-leader";  // the leadership group (kafka_node.cc)
    auto cursors_reader = kafka::GroupConsumer::Create(reader);
    ASSERT_TRUE(cursors_reader.ok()) << cursors_reader.status().message();
    const std::string past_it = "next_event_seq=" + std::to_string(static_cast<int>(events) + 1);
    std::string committed;
    for (int i = 0; i < 200 && committed.find(past_it) == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto metadata =
          (*cursors_reader)->CommittedMetadata({kafka::kLeaderTopic, 0}, std::chrono::seconds(2));
      if (metadata.ok()) committed = *metadata;
    }
    ASSERT_NE(committed.find(past_it), std::string::npos) << committed;
    ASSERT_NE(committed.find("victim-gateways="), std::string::npos) << committed;
    leader = WaitForLeader(instances);
    ASSERT_GE(leader, 0) << "no instance leads";
  }
  instances[static_cast<size_t>(leader)]->Kill();
  std::unique_ptr<Daemon> killed = std::move(instances[static_cast<size_t>(leader)]);
  hooks.SetRefusing(false);
  sms.SetRefusing(false);
  const int new_leader = WaitForLeader(instances);
  ASSERT_GE(new_leader, 0) << "no instance took over";
  // Groups 2 and 3 after it.
  walk_in(2);
  walk_in(3);

  // Each victim told of her violation (so every alert has opened everywhere).
  std::map<std::string, int> violations_told;
  for (int i = 0; i < 300; ++i) {
    violations_told.clear();
    for (const auto& request : sms.accepted()) {
      v1::VictimMessage message;
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(request.body, &message).ok())
          << request.body;
      if (message.alert().proximity() == v1::ProtectedAlert::within_violation) {
        ++violations_told[message.order_id()];
      }
    }
    if (violations_told.size() == kOrders) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (int g = 0; g < kOrders; ++g) {
    EXPECT_GE(violations_told["KC-" + std::to_string(g)], 1) << "victim " << g << " never told";
  }
  // Every event of the log, by its seq, at least once; a repeat is the same POST.
  const auto events_total = [&] { return Metric(*follower, "stayaway_events_total"); };
  std::map<uint64_t, std::string> by_seq;
  size_t repeats = 0;
  const auto received_all = [&] {
    by_seq.clear();
    repeats = 0;
    for (const auto& request : hooks.accepted()) {
      const uint64_t seq = std::stoull("0" + request.Header("X-Stayaway-Event-Seq"));
      auto [place, fresh] = by_seq.emplace(seq, request.body);
      if (!fresh) {
        ++repeats;
        EXPECT_EQ(place->second, request.body) << "seq " << seq << " sent as two events";
      }
    }
    return events_total() > 0 && by_seq.size() == static_cast<size_t>(events_total()) &&
           by_seq.begin()->first == 1 && by_seq.rbegin()->first == by_seq.size();
  };
  bool all = false;
  for (int i = 0; i < 300 && !(all = received_all()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(all) << by_seq.size() << " of " << events_total() << " events reached the webhook";
  if (!all || violations_told.size() != kOrders) {
    for (auto& instance : instances) {
      if (instance != nullptr) std::cout << "---- instance log\n" << instance->Log();
    }
    std::cout << "---- the killed leader's log\n" << killed->Log();
  }

  // Whether the next leader, when it last began leading, found the cursors committed.
  const std::string new_leader_log = instances[static_cast<size_t>(new_leader)]->Log();
  const size_t began = new_leader_log.rfind(R"("msg":"leading: writing ticks)");
  const std::string_view none_committed = R"("from_seq":"1")";
  const bool found_none = began != std::string::npos &&
                          new_leader_log.compare(new_leader_log.find(R"("from_seq":)", began),
                                                 none_committed.size(), none_committed) == 0;
  if (after_its_commit) {
    EXPECT_FALSE(found_none) << new_leader_log;
  }
  std::cout << "webhook: " << by_seq.size() << " events, " << repeats
            << " sent twice across the takeover; victims' messages: " << sms.accepted().size()
            << "; the next leader found " << (found_none ? "no cursor committed" : "the cursors")
            << "\n";
}

TEST(KafkaCluster, WebhooksAndVictimMessagesGoOnFromTheCommittedCursorsAcrossAKilledLeader) {
  DispatchersGoOnAcrossAKilledLeader(/*after_its_commit=*/true);
}

TEST(KafkaCluster, WebhooksAndVictimMessagesGoOnAcrossALeaderKilledWhileTheGroupSettles) {
  DispatchersGoOnAcrossAKilledLeader(/*after_its_commit=*/false);
}

// A fix of `device` as POST /v1/fixes takes it, signed with `key` unless it is null.
std::string FixBody(const std::string& device, uint64_t seq, const access::DeviceKey* key) {
  v1::Fix fix;
  fix.set_device(device);
  fix.set_seq(seq);
  MsToTimestamp(NowMs() - 60'000 + static_cast<TimeMs>(seq), fix.mutable_time());
  fix.set_lat(42.87);
  fix.set_lon(74.65);
  fix.set_accuracy_m(5);
  if (key != nullptr) access::SignFix(&fix, *key);
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(fix, &json, options).ok());
  return "[" + json + "]";
}

// A device key set, rotated or removed through any instance's API holds on every one,
// one started later included; before an instance has read the cluster's keys it takes
// no fix at all.
TEST(KafkaCluster, DeviceKeysSetRotatedOrRemovedOnOneInstanceHoldOnEvery) {
  auto cluster = StartCluster();
  const std::string brokers = cluster->bootstrap_servers();
  ASSERT_FALSE(brokers.empty());
  auto a = StartInstance(brokers);
  auto b = StartInstance(brokers);
  ASSERT_EQ(Http(a->http(), "PUT", "/v1/orders/KC-0", GroupOrderJson(0)).status, 200);
  access::DeviceKey first{};
  first.fill(0x31);
  access::DeviceKey second{};
  second.fill(0x52);
  uint64_t seq = 0;
  // The code `on` answers for a fix of tag-0 signed with `key` (null: unsigned): "" when
  // taken. Waits out an instance not yet ready ("unavailable").
  const auto answer = [&](Daemon& on, const access::DeviceKey* key) {
    for (int i = 0; i < 100; ++i) {
      const testing_harness::HttpReply reply =
          Http(on.http(), "POST", "/v1/fixes", FixBody("tag-0", ++seq, key));
      if (testing_harness::Contains(reply.body, "unavailable")) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      return testing_harness::Contains(reply.body, "unauthenticated")
                 ? std::string("unauthenticated")
             : reply.status == 200 ? std::string()
                                   : reply.body;
    }
    return std::string("unavailable");
  };
  // Whether `on` comes to answer `expected` for fixes signed with `key` within 5 s.
  const auto comes_to = [&](Daemon& on, const access::DeviceKey* key, const std::string& expected) {
    for (int i = 0; i < 100; ++i) {
      if (answer(on, key) == expected) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  const auto put_key = [](Daemon& on, const access::DeviceKey& key) {
    return Http(on.http(), "PUT", "/v1/devices/tag-0/key",
                R"({"key": ")" + access::DeviceKeyToHex(key) + R"("})")
        .status;
  };
  EXPECT_TRUE(comes_to(*b, nullptr, ""));  // unkeyed: taken unsigned

  // Set on one: the other refuses the device's unsigned fixes and takes its signed ones.
  ASSERT_EQ(put_key(*a, first), 200);
  EXPECT_EQ(answer(*a, nullptr), "unauthenticated");  // at once where it was set
  EXPECT_TRUE(comes_to(*b, nullptr, "unauthenticated")) << "keyed on one instance, not another";
  EXPECT_EQ(answer(*b, &first), "");
  EXPECT_TRUE(testing_harness::Contains(Http(b->http(), "GET", "/v1/devices/keyed").body, "tag-0"));

  // Rotated on the other: the new key is taken everywhere, the old one nowhere.
  ASSERT_EQ(put_key(*b, second), 200);
  EXPECT_TRUE(comes_to(*a, &first, "unauthenticated")) << "an old key still good on one instance";
  EXPECT_EQ(answer(*a, &second), "");
  EXPECT_EQ(answer(*b, &second), "");

  // An instance started later knows the key from its first answer.
  auto c = StartInstance(brokers);
  EXPECT_EQ(answer(*c, nullptr), "unauthenticated");
  EXPECT_EQ(answer(*c, &first), "unauthenticated");
  EXPECT_EQ(answer(*c, &second), "");

  // Removed on the newcomer: unsigned fixes are taken everywhere again.
  ASSERT_EQ(Http(c->http(), "DELETE", "/v1/devices/tag-0/key").status, 200);
  EXPECT_TRUE(comes_to(*a, nullptr, "")) << "removed on one instance, still keyed on another";
  EXPECT_TRUE(comes_to(*b, nullptr, ""));
  EXPECT_FALSE(
      testing_harness::Contains(Http(a->http(), "GET", "/v1/devices/keyed").body, "tag-0"));
  // Never in an instance's own file: the cluster's keys are held in memory.
  for (Daemon* instance : {a.get(), b.get(), c.get()}) {
    std::ifstream file(instance->dir() / "data" / "device_keys.json");
    std::stringstream text;
    text << file.rdbuf();
    EXPECT_FALSE(testing_harness::Contains(text.str(), access::DeviceKeyToHex(second)));
  }
}

// `stayawayd` on `data` with `flags` until it exits (it must refuse to start): its exit
// status and what it logged.
std::pair<int, std::string> RunToRefusal(const fs::path& data, const std::string& flags) {
  const fs::path log = data.parent_path() / "refusal.log";
  const int rc = std::system(("timeout 30 " + testing_harness::DaemonBinary().string() +
                              " --data-dir " + data.string() +
                              " --ingest-port 0 --http-port 0 --osmand-port 0 " + flags + " 2>" +
                              log.string())
                                 .c_str());
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, text.str()};
}

// A Kafka instance's journal is the cluster's log record for record; a daemon of its own
// journals what it takes. Neither data directory may become the other kind.
TEST(KafkaCluster, ADataDirectoryNeverChangesSides) {
  auto cluster = StartCluster();
  const std::string brokers = cluster->bootstrap_servers();
  ASSERT_FALSE(brokers.empty());

  Daemon own;
  ASSERT_EQ(Http(own.http(), "PUT", "/v1/orders/KG-7", testing_harness::OrderJson()).status, 200);
  ASSERT_EQ(own.Stop(), 0);
  const auto [own_rc, own_log] = RunToRefusal(own.dir() / "data", "--kafka-brokers " + brokers);
  EXPECT_EQ(own_rc, 2);
  EXPECT_TRUE(testing_harness::Contains(own_log, "holds the journal of a daemon of its own"))
      << own_log;

  auto instance = StartInstance(brokers);
  ASSERT_EQ(instance->Stop(), 0);
  EXPECT_TRUE(fs::exists(instance->dir() / "data" / "kafka"));
  const auto [kafka_rc, kafka_log] = RunToRefusal(instance->dir() / "data", "");
  EXPECT_EQ(kafka_rc, 2);
  EXPECT_TRUE(testing_harness::Contains(kafka_log, "holds a Kafka instance's state")) << kafka_log;
}

// A credential issued on one instance is accepted by all, one started later included;
// revoked on another, it is refused by all.
TEST(KafkaCluster, CredentialsIssuedOrRevokedOnOneInstanceHoldOnEvery) {
  auto cluster = StartCluster();
  const std::string brokers = cluster->bootstrap_servers();
  ASSERT_FALSE(brokers.empty());
  auto a = StartInstance(brokers);
  auto b = StartInstance(brokers);
  const auto issue = [](Daemon& on, const std::string& name) {
    const testing_harness::HttpReply reply =
        Http(on.http(), "POST", "/v1/credentials",
             R"({"name": ")" + name + R"(", "roles": ["operator"]})");
    EXPECT_EQ(reply.status, 201) << reply.body;
    const auto field = [&](const std::string& key) {
      const size_t at = reply.body.find("\"" + key + "\":\"");
      if (at == std::string::npos) return std::string();
      const size_t start = at + key.size() + 4;
      return reply.body.substr(start, reply.body.find('"', start) - start);
    };
    return std::make_pair(field("id"), field("token"));
  };
  // Whether `token` is accepted by `on` within `seconds` (or refused, for `accepted` false).
  const auto comes_to = [](Daemon& on, const std::string& token, bool accepted) {
    for (int i = 0; i < 100; ++i) {
      const int status = testing_harness::HttpAs(token, on.http(), "GET", "/v1/alerts").status;
      if ((status == 200) == accepted) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  const auto [first_id, first_token] = issue(*a, "operator-one");
  ASSERT_FALSE(first_token.empty());
  EXPECT_TRUE(comes_to(*a, first_token, true));
  EXPECT_TRUE(comes_to(*b, first_token, true)) << "issued on one instance, unknown to another";

  // Revoked on the other instance: refused on both.
  EXPECT_EQ(Http(b->http(), "DELETE", "/v1/credentials/" + first_id).status, 200);
  EXPECT_TRUE(comes_to(*b, first_token, false));
  EXPECT_TRUE(comes_to(*a, first_token, false)) << "revoked on one instance, still good on another";
  // Its name is free again everywhere.
  const auto [second_id, second_token] = issue(*a, "operator-one");
  EXPECT_NE(second_id, first_id);

  // Revoked while an instance was down: from its first answer after the restart it
  // refuses the token (its file never held it; the cluster's credentials count only once
  // read to the end).
  const auto [third_id, third_token] = issue(*a, "operator-three");
  EXPECT_TRUE(comes_to(*b, third_token, true));
  const fs::path b_dir = b->dir();
  ASSERT_EQ(b->Stop(), 0);
  EXPECT_EQ(Http(a->http(), "DELETE", "/v1/credentials/" + third_id).status, 200);
  b = StartInstance(brokers, b_dir);
  EXPECT_NE(testing_harness::HttpAs(third_token, b->http(), "GET", "/v1/alerts").status, 200);
  EXPECT_TRUE(comes_to(*b, second_token, true));  // what still holds comes back
  EXPECT_NE(testing_harness::HttpAs(third_token, b->http(), "GET", "/v1/alerts").status, 200);

  // An instance started later learns all of it.
  auto c = StartInstance(brokers);
  EXPECT_TRUE(comes_to(*c, second_token, true)) << c->Log();
  EXPECT_TRUE(comes_to(*c, first_token, false));
  const std::string listing = Http(c->http(), "GET", "/v1/credentials").body;
  EXPECT_TRUE(testing_harness::Contains(listing, second_id)) << listing;
  EXPECT_FALSE(testing_harness::Contains(listing, first_id)) << listing;
  // Digests are never served.
  size_t digests = 0;
  for (size_t at = listing.find("\"token_sha256\":"); at != std::string::npos;
       at = listing.find("\"token_sha256\":", at + 1)) {
    EXPECT_EQ(listing.substr(at, 17), "\"token_sha256\":\"\"") << listing;
    ++digests;
  }
  EXPECT_EQ(digests, 2u) << listing;  // the harness credential and the second one
}

// MQTT in Kafka mode: every instance subscribes through one shared subscription, so each
// message reaches the log once, and only the leader publishes events, from the cursor the
// last leader committed, so a subscriber gets every event, and none twice while no
// leader dies.
TEST(KafkaCluster, MqttFixesReachTheLogOnceAndTheLeaderAlonePublishesEventsAcrossAKill) {
  auto cluster = StartCluster();
  const std::string brokers = cluster->bootstrap_servers();
  ASSERT_FALSE(brokers.empty());
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("kafka-mqtt-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  constexpr char kDaemonPassword[] = "daemon-password-for-tests";
  constexpr char kClientPassword[] = "client-password-for-tests";
  testing_harness::MosquittoBroker broker(
      dir / "broker",
      {{"stayawayd", kDaemonPassword}, {"gateway", kClientPassword}, {"watcher", kClientPassword}});
  std::ofstream(dir / "mqtt-password") << kDaemonPassword << "\n";
  const std::string mqtt = "[mqtt]\nbroker = \"" + broker.address() +
                           "\"\nuser = \"stayawayd\"\npassword_file = \"" +
                           (dir / "mqtt-password").string() + "\"\n";
  std::vector<std::unique_ptr<Daemon>> instances;
  for (int i = 0; i < 2; ++i) instances.push_back(StartInstance(brokers, {}, "", mqtt));
  for (auto& instance : instances) {
    for (int i = 0; i < 200 && Metric(*instance, "stayaway_mqtt_connected") != 1; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(Metric(*instance, "stayaway_mqtt_connected"), 1) << instance->Log();
  }
  const int leader = WaitForSettledLeader(instances);
  ASSERT_GE(leader, 0) << instances[0]->Log();
  Daemon& other = *instances[static_cast<size_t>(1 - leader)];
  for (int g = 0; g < 2; ++g) {
    const std::string order = "KC-" + std::to_string(g);
    ASSERT_EQ(Http(other.http(), "PUT", "/v1/orders/" + order, GroupOrderJson(g)).status, 200);
    for (auto& instance : instances) {
      for (int i = 0; i < 200 && Http(instance->http(), "GET", "/v1/orders/" + order).status != 200;
           ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }

  testing_harness::MqttTestClient watcher("watcher", true, "watcher", kClientPassword,
                                          broker.port());
  ASSERT_EQ(watcher.WaitConnack(), 0);
  ASSERT_TRUE(watcher.Subscribe("stayaway/events/#"));
  testing_harness::MqttTestClient gateway("gateway", true, "gateway", kClientPassword,
                                          broker.port());
  ASSERT_EQ(gateway.WaitConnack(), 0);
  // One message per fix: the group's three fixes of an approach, each sent once the one
  // before is applied (the instance that takes a message appends it to the log, so two
  // messages in flight could reach the log in either order).
  int fixes_sent = 0;
  const auto walk_in = [&](int g) {
    const TimeMs t = NowMs() - 60'000;
    const std::string n = std::to_string(g);
    for (const std::string& fix : {testing_harness::FixJson("phone-" + n, 1, t, 74.59),
                                   testing_harness::FixJson("tag-" + n, 1, t + 1000, 74.5905),
                                   testing_harness::FixJson("tag-" + n, 2, t + 11'000, 74.5905)}) {
      EXPECT_TRUE(gateway.Publish("stayaway/fixes", fix));
      ++fixes_sent;
      for (int i = 0; i < 200; ++i) {
        const int leading = LeaderIndex(instances);
        if (leading >= 0 && Metric(*instances[static_cast<size_t>(leading)],
                                   "stayaway_fixes_total") >= fixes_sent) {
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  };
  // The seq of each event the watcher received, by how many times it came.
  const auto received = [&] {
    std::map<uint64_t, int> seqs;
    for (const testing_harness::MqttMessage& m : watcher.messages()) {
      const size_t at = m.payload.find("\"seq\":");
      if (at != std::string::npos) ++seqs[std::stoull(m.payload.substr(at + 6))];
    }
    return seqs;
  };
  const auto every_event_came = [&](Daemon& daemon) {
    const double events = Metric(daemon, "stayaway_events_total");
    for (int i = 0; i < 300; ++i) {
      const std::map<uint64_t, int> seqs = received();
      if (events > 0 && seqs.size() == static_cast<size_t>(events) && seqs.begin()->first == 1 &&
          seqs.rbegin()->first == seqs.size()) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };

  walk_in(0);
  const std::string alert = WaitForOpenAlertId(instances[0]->http(), "KC-0");
  ASSERT_FALSE(alert.empty()) << instances[0]->Log();
  EXPECT_EQ(WaitForOpenAlertId(instances[1]->http(), "KC-0"), alert);
  // Each message taken by one instance: three in all, not three each.
  const auto messages_taken = [&] {
    return Metric(*instances[0], "stayaway_mqtt_messages_total") +
           Metric(*instances[1], "stayaway_mqtt_messages_total");
  };
  EXPECT_EQ(messages_taken(), 3);
  ASSERT_TRUE(every_event_came(*instances[0])) << received().size() << " events came";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a second publisher's copies
  for (const auto& [seq, times] : received()) EXPECT_EQ(times, 1) << "event " << seq;
  EXPECT_EQ(Metric(other, "stayaway_mqtt_events_published_total"), 0);

  // The leader killed: the other instance takes the fixes and publishes from where the
  // killed one's cursor was committed.
  instances[static_cast<size_t>(leader)]->Kill();
  instances[static_cast<size_t>(leader)].reset();
  ASSERT_EQ(WaitForLeader(instances, std::chrono::milliseconds(3 * SessionTimeoutMs() + 10'000)),
            1 - leader);
  walk_in(1);
  EXPECT_FALSE(WaitForOpenAlertId(other.http(), "KC-1").empty()) << other.Log();
  EXPECT_TRUE(every_event_came(other)) << received().size() << " events came";
  EXPECT_GE(Metric(other, "stayaway_mqtt_events_published_total"), 1);
  fs::remove_all(dir);
}

// Several centres share one Kafka cluster, each with its own topic prefix and group: what
// one centre is told (orders, fixes through its port or its fixes topic) is never applied
// by the other, and each publishes only its own events.
TEST(KafkaCluster, TwoCentresOnOneClusterWithTopicsOfTheirOwnStayApart) {
  std::vector<std::pair<std::string, int>> topics;
  for (const std::string prefix : {"centre-a.", "centre-b."}) {
    for (const auto& [end, partitions] :
         std::vector<std::pair<std::string, int>>{{"input", 1},
                                                  {"leader", 1},
                                                  {"credentials", 1},
                                                  {"device-keys", 1},
                                                  {"snapshots", 1},
                                                  {"fixes", 4},
                                                  {"events", 4}}) {
      topics.emplace_back(prefix + end, partitions);
    }
  }
  testing_harness::KafkaMockCluster cluster(3, topics);
  const std::string brokers = cluster.bootstrap_servers();
  ASSERT_FALSE(brokers.empty());
  std::vector<std::unique_ptr<Daemon>> a;
  std::vector<std::unique_ptr<Daemon>> b;
  a.push_back(StartInstance(brokers, {}, "group = \"centre-a\"\ntopic_prefix = \"centre-a.\"\n"));
  b.push_back(StartInstance(brokers, {}, "group = \"centre-b\"\ntopic_prefix = \"centre-b.\"\n"));
  ASSERT_EQ(WaitForLeader(a), 0) << a[0]->Log();
  ASSERT_EQ(WaitForLeader(b), 0) << b[0]->Log();
  Daemon& centre_a = *a[0];
  Daemon& centre_b = *b[0];

  ASSERT_EQ(Http(centre_a.http(), "PUT", "/v1/orders/KC-0", GroupOrderJson(0)).status, 200);
  ASSERT_EQ(Http(centre_b.http(), "PUT", "/v1/orders/KC-1", GroupOrderJson(1)).status, 200);
  // Centre a's walk-in through its port; centre b's through its fixes topic.
  ASSERT_EQ(
      Http(centre_a.http(), "POST", "/v1/fixes", testing_harness::ApproachFixesJson("0")).status,
      200);
  kafka::ProducerOptions producer_options;
  producer_options.bootstrap_servers = brokers;
  auto producer = kafka::Producer::Create(producer_options);
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  const TimeMs t = NowMs() - 60'000;
  int fixes_sent = 0;
  for (const auto& [device, fix] : std::vector<std::pair<std::string, std::string>>{
           {"phone-1", testing_harness::FixJson("phone-1", 1, t, 74.59)},
           {"tag-1", testing_harness::FixJson("tag-1", 1, t + 1000, 74.5905)},
           {"tag-1", testing_harness::FixJson("tag-1", 2, t + 11'000, 74.5905)}}) {
    auto report =
        (*producer)->ProduceAndWait("centre-b.fixes", device, fix, std::chrono::seconds(10));
    ASSERT_TRUE(report.ok() && report->status.ok());
    // The next once this one is applied: keyed by device, the phone's and the tag's fixes
    // are on different partitions, which the intake may reach in either order.
    ++fixes_sent;
    for (int i = 0; i < 500 && Metric(centre_b, "stayaway_fixes_total") < fixes_sent; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const std::string alert_a = WaitForOpenAlertId(centre_a.http(), "KC-0");
  ASSERT_FALSE(alert_a.empty()) << centre_a.Log();
  const std::string alert_b = WaitForOpenAlertId(centre_b.http(), "KC-1");
  ASSERT_FALSE(alert_b.empty()) << centre_b.Log();

  // Neither holds the other's order, fixes or alerts.
  EXPECT_EQ(Http(centre_a.http(), "GET", "/v1/orders/KC-1").status, 404);
  EXPECT_EQ(Http(centre_b.http(), "GET", "/v1/orders/KC-0").status, 404);
  EXPECT_EQ(Metric(centre_a, "stayaway_events_total"), Metric(centre_b, "stayaway_events_total"))
      << "one violation each";
  EXPECT_FALSE(testing_harness::Contains(Http(centre_a.http(), "GET", "/v1/alerts").body, "KC-1"));
  EXPECT_FALSE(testing_harness::Contains(Http(centre_b.http(), "GET", "/v1/alerts").body, "KC-0"));

  // Each centre's events on its own topic, and only its own.
  for (const auto& [topic, own, other] :
       {std::tuple<std::string, std::string, std::string>{"centre-a.events", alert_a, alert_b},
        std::tuple<std::string, std::string, std::string>{"centre-b.events", alert_b, alert_a}}) {
    kafka::ConsumerOptions reader;
    reader.bootstrap_servers = brokers;
    reader.group_id = "test-reader-" + topic;
    auto consumer = kafka::GroupConsumer::Create(reader);
    ASSERT_TRUE(consumer.ok());
    ASSERT_TRUE((*consumer)->Subscribe({topic}).ok());
    std::set<std::string> keys;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (keys.count(own) == 0 && std::chrono::steady_clock::now() < deadline) {
      auto message = (*consumer)->Poll(std::chrono::milliseconds(200));
      if (message.ok() && message->has_value()) keys.insert((**message).key);
    }
    EXPECT_EQ(keys.count(own), 1u) << topic;
    EXPECT_EQ(keys.count(other), 0u) << topic;
  }
}

// The end of the shared input log: the offset the next input gets; -1 when unknown.
int64_t InputLogEnd(const std::string& brokers) {
  kafka::PartitionReaderOptions options;
  options.bootstrap_servers = brokers;
  auto reader = kafka::PartitionReader::Open(options, {kafka::kInputTopic, 0}, 0);
  if (!reader.ok()) return -1;
  auto marks = (*reader)->Watermarks(std::chrono::seconds(5));
  return marks.ok() ? marks->second : -1;
}

// The value of `key` in the first line of `log` holding `message` (the daemon's JSON
// lines); empty when there is none.
std::string LoggedField(const std::string& log, const std::string& message,
                        const std::string& key) {
  const size_t line = log.find("\"" + message + "\"");
  if (line == std::string::npos) return "";
  const size_t at = log.find("\"" + key + "\":\"", line);
  if (at == std::string::npos || at > log.find('\n', line)) return "";
  const size_t from = at + key.size() + 4;
  return log.substr(from, log.find('"', from) - from);
}

// The leader publishes the state at the start of each journal segment it completes to
// stayaway.snapshots; an instance started later on an empty data directory takes the
// newest one as its journal's base and reads the log only after it. It ends with the
// alerts the others hold (one raised before its snapshot included, which it never read
// the fixes of), it raises the same alert as they do afterwards, and the evidence it cuts
// for that alert verifies, the order terms proven from the retained order record.
TEST(KafkaCluster, ANewInstanceStartsFromTheNewestSnapshotAndItsEvidenceVerifies) {
  auto cluster = StartCluster();
  const std::string brokers = cluster->bootstrap_servers();
  ASSERT_FALSE(brokers.empty());
  const std::string small_segments = "journal_segment_bytes = 4096\n";
  const std::string snapshot_often = "snapshot_check_ms = 1000\n";
  std::vector<std::unique_ptr<Daemon>> instances;
  for (int i = 0; i < 2; ++i) {
    instances.push_back(StartInstance(brokers, {}, snapshot_often, small_segments));
  }
  ASSERT_GE(WaitForLeader(instances, std::chrono::seconds(10)), 0) << instances[0]->Log();
  for (int g = 0; g < 3; ++g) {
    const auto reply =
        Http(instances[0]->http(), "PUT", "/v1/orders/KC-" + std::to_string(g), GroupOrderJson(g));
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
  // Group 0's violation, then fixes of group 2 far apart until a snapshot covers it. One
  // instance's port, each POST after the last was answered: the log holds them in order.
  // 200 once every fix is taken; an instance that has not read the cluster's device keys
  // yet takes none and is asked again.
  const auto post = [](Daemon& to, const std::string& body) {
    testing_harness::HttpReply reply;
    for (int attempt = 0; attempt < 200; ++attempt) {
      reply = Http(to.http(), "POST", "/v1/fixes", body);
      if (!testing_harness::Contains(reply.body, "\"code\":\"unavailable\"")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return testing_harness::Contains(reply.body, "\"rejected\":0") ? reply.status : -reply.status;
  };
  ASSERT_EQ(post(*instances[0], testing_harness::ApproachFixesJson("0")), 200);
  const std::string first_alert = WaitForOpenAlertId(instances[0]->http(), "KC-0");
  ASSERT_FALSE(first_alert.empty()) << instances[0]->Log();
  const int64_t after_first_alert = InputLogEnd(brokers);
  ASSERT_GT(after_first_alert, 0);
  const auto snapshot_offset = [&] {
    double newest = -1;
    for (auto& instance : instances) {
      newest = std::max(newest, Metric(*instance, "stayaway_kafka_snapshot_offset"));
    }
    return static_cast<int64_t>(newest);
  };
  const TimeMs start = NowMs() - 300'000;
  uint64_t seq = 0;
  // Up to a minute, and no fix time past now.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (snapshot_offset() < after_first_alert && seq < 2900 &&
         std::chrono::steady_clock::now() < give_up) {
    const TimeMs t = start + static_cast<TimeMs>(seq) * 100;
    ++seq;
    ASSERT_EQ(post(*instances[0], "[" + testing_harness::FixJson("phone-2", seq, t, 74.59) + "," +
                                      testing_harness::FixJson("tag-2", seq, t, 74.65) + "]"),
              200);
  }
  const int64_t published = snapshot_offset();
  ASSERT_GE(published, after_first_alert) << "no snapshot after " << seq << " rounds";

  // The new instance: from the snapshot, then the log after it.
  instances.push_back(StartInstance(brokers, {}, snapshot_often, small_segments));
  Daemon& joined = *instances.back();
  bool caught_up = false;
  for (int i = 0; i < 300 && !caught_up; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    caught_up = Metric(joined, "stayaway_kafka_lag") <= 1 &&
                AlertSummary(joined) == AlertSummary(*instances[0]);
  }
  ASSERT_TRUE(caught_up) << joined.Log();
  const std::string log = joined.Log();
  const std::string started_at =
      LoggedField(log, "started from the cluster's snapshot", "log_offset");
  ASSERT_FALSE(started_at.empty()) << log;
  EXPECT_GE(std::stoll(started_at), published);
  EXPECT_EQ(LoggedField(log, "recovered from the journal", "from_snapshot"), started_at) << log;
  EXPECT_EQ(LoggedField(log, "recovered from the journal", "records"), "0") << log;
  // What it started from, or a newer one it published since, had it taken the lead.
  EXPECT_GE(Metric(joined, "stayaway_kafka_snapshot_offset"), std::stod(started_at));
  EXPECT_TRUE(testing_harness::Contains(AlertSummary(joined), first_alert));
  // Group 0's devices reported only before the snapshot: the new instance's devices board
  // shows their last fixes from it, as the instances that took them do.
  for (const std::string device : {"tag-0", "phone-0"}) {
    const auto there = Http(instances[0]->http(), "GET", "/v1/devices/" + device);
    const auto here = Http(joined.http(), "GET", "/v1/devices/" + device);
    ASSERT_EQ(here.status, 200) << here.body;
    EXPECT_TRUE(testing_harness::Contains(here.body, "\"last_fix\"")) << here.body;
    EXPECT_EQ(here.body, there.body);
  }

  // Group 1's violation, through the new instance's port: every instance the same alert.
  ASSERT_EQ(post(joined, testing_harness::ApproachFixesJson("1")), 200);
  const std::string second_alert = WaitForOpenAlertId(joined.http(), "KC-1");
  ASSERT_FALSE(second_alert.empty()) << joined.Log();
  for (auto& instance : instances) {
    EXPECT_EQ(WaitForOpenAlertId(instance->http(), "KC-1"), second_alert);
  }

  // Its evidence, cut from the instance that started from the snapshot, verifies.
  const std::string log_before = joined.Log();
  ASSERT_EQ(joined.Stop(), 0) << joined.Log().substr(log_before.size());
  const fs::path bundle = joined.dir() / "bundle";
  const testing_harness::CommandRun written =
      testing_harness::Stayaway("evidence --data-dir " + (joined.dir() / "data").string() +
                                " --alert " + second_alert + " --out " + bundle.string());
  ASSERT_EQ(written.status, 0) << written.out;
  const testing_harness::CommandRun verified =
      testing_harness::Stayaway("verify " + bundle.string());
  EXPECT_EQ(verified.status, 0) << verified.out;
  EXPECT_TRUE(testing_harness::Contains(verified.out, "VERIFIED")) << verified.out;
  std::cout << "snapshot at log offset " << started_at
            << " (the log's end after the first alert: " << after_first_alert << ", after " << seq
            << " rounds of fixes)\n";
}

}  // namespace
}  // namespace stayaway
