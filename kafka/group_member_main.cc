// stayaway_kafka_member: one GroupConsumer (group_consumer.h) in a process of its own, so
// tests can kill a group member with SIGKILL and watch its partitions move. For tests;
// not installed.
//
//   stayaway_kafka_member --bootstrap 127.0.0.1:PORT --group G --topic T [--topic T2]
//
// Prints one line per rebalance, flushed: "assigned T:0 T:3" or "revoked T:0 T:3"
// (possibly with no partitions), and "error TEXT" for consumer errors. Consumes (and
// drops) messages without committing, until SIGTERM or SIGINT (then closes, leaving the
// group) or SIGKILL.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/group_consumer.h"
#include "tools/command_line.h"

namespace {

std::atomic<bool> stopping{false};

void OnStop(int) { stopping = true; }

int Main(int argc, char** argv) {
  stayaway::tools::CommandLine line(
      "stayaway_kafka_member", "--bootstrap SERVERS --group G --topic T [--topic T ...]",
      "Joins a consumer group, prints every assignment and revocation on a line of its own,\n"
      "and consumes until SIGTERM or SIGINT. For tests.");
  std::string bootstrap, group;
  std::vector<std::string> topics;
  uint32_t session_timeout_ms = 6000;
  line.Required("--bootstrap", &bootstrap, "SERVERS", "HOST:PORT[,HOST:PORT...]");
  line.Required("--group", &group, "G", "the consumer group");
  line.Option("--topic", &topics, "T", "a topic to subscribe to (repeatable, at least one)");
  line.Option("--session-timeout-ms", &session_timeout_ms, "MS",
              "how long the group waits for a silent member (6000)");
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (auto exit = line.Parse(args, std::cout, std::cerr)) return *exit;
  if (topics.empty()) return line.UsageError(std::cerr, "--topic is required");

  struct sigaction action = {};
  action.sa_handler = &OnStop;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  using stayaway::kafka::RebalanceKind;
  stayaway::kafka::ConsumerOptions options;
  options.bootstrap_servers = bootstrap;
  options.group_id = group;
  options.client_id = "stayaway-kafka-member";
  options.session_timeout_ms = static_cast<int>(session_timeout_ms);
  options.heartbeat_interval_ms = 500;
  auto consumer = stayaway::kafka::GroupConsumer::Create(
      options, [](RebalanceKind kind, const std::vector<stayaway::kafka::TopicPartition>& parts) {
        std::cout << (kind == RebalanceKind::kAssigned ? "assigned" : "revoked");
        for (const auto& p : parts) std::cout << ' ' << p.topic << ':' << p.partition;
        std::cout << std::endl;
      });
  if (!consumer.ok()) {
    std::cerr << "stayaway_kafka_member: " << consumer.status().message() << '\n';
    return 1;
  }
  if (stayaway::Status s = (*consumer)->Subscribe(topics); !s.ok()) {
    std::cerr << "stayaway_kafka_member: " << s.message() << '\n';
    return 1;
  }
  while (!stopping) {
    auto message = (*consumer)->Poll(std::chrono::milliseconds(100));
    if (!message.ok()) std::cout << "error " << message.status().message() << std::endl;
  }
  (void)(*consumer)->Close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
