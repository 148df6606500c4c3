// stayaway_kafka_mock: librdkafka's mock Kafka cluster (mock_cluster.h) as a process of
// its own, so that separate processes (tests' clients, several stayawayd) reach it over
// loopback TCP as they would a real cluster. For tests and benchmarks; not installed.
//
//   stayaway_kafka_mock --brokers 3 --topic stayaway.fixes:8 --topic stayaway.events:8
//
// Prints the bootstrap servers on one line to stdout once every topic exists, then runs
// until SIGTERM or SIGINT. Exit status 0 after a signal, 2 on a usage error, 1 when the
// cluster or a topic could not be made.
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/mock_cluster.h"
#include "tools/command_line.h"

namespace {

int Main(int argc, char** argv) {
  stayaway::tools::CommandLine line(
      "stayaway_kafka_mock", "[--brokers N] [--topic NAME:PARTITIONS ...]",
      "Hosts librdkafka's mock Kafka cluster on loopback TCP, prints its bootstrap servers\n"
      "on one line to stdout and runs until SIGTERM or SIGINT. For tests and benchmarks.");
  uint32_t brokers = 3;
  std::vector<std::string> topics;
  line.Option("--brokers", &brokers, "N", "brokers in the cluster (3)");
  line.Option("--topic", &topics, "NAME:PARTITIONS",
              "a topic to create with that many partitions (repeatable); other topics are\n"
              "created on first use with 4 partitions");
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (auto exit = line.Parse(args, std::cout, std::cerr)) return *exit;
  if (brokers < 1 || brokers > 64) return line.UsageError(std::cerr, "--brokers is 1 to 64");

  struct Topic {
    std::string name;
    int partitions = 0;
  };
  std::vector<Topic> wanted;
  for (const std::string& spec : topics) {
    const size_t colon = spec.rfind(':');
    Topic topic;
    if (colon != std::string::npos && colon > 0) {
      topic.name = spec.substr(0, colon);
      const std::string_view count = std::string_view(spec).substr(colon + 1);
      const auto [end, ec] =
          std::from_chars(count.data(), count.data() + count.size(), topic.partitions);
      if (ec != std::errc() || end != count.data() + count.size()) topic.partitions = 0;
    }
    if (topic.partitions < 1 || topic.partitions > 10000) {
      return line.UsageError(std::cerr, "--topic " + spec +
                                            ": expected NAME:PARTITIONS, "
                                            "PARTITIONS from 1 to 10000");
    }
    wanted.push_back(topic);
  }

  // The signals are taken by sigwait below, never by a handler: blocked before any
  // librdkafka thread starts, so every thread inherits the mask.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  auto cluster = stayaway::kafka::MockCluster::Create(static_cast<int>(brokers));
  if (!cluster.ok()) {
    std::cerr << "stayaway_kafka_mock: " << cluster.status().message() << '\n';
    return 1;
  }
  for (const Topic& topic : wanted) {
    stayaway::Status created = (*cluster)->CreateTopic(topic.name, topic.partitions);
    if (!created.ok()) {
      std::cerr << "stayaway_kafka_mock: " << created.message() << '\n';
      return 1;
    }
  }
  std::cout << (*cluster)->bootstrap_servers() << std::endl;  // flushed: readers wait for it
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
