// Test harness for Kafka: the mock cluster program (kafka/mock_cluster_main.cc,
// stayaway_kafka_mock) as a child process on loopback TCP, and a consumer-group member in
// a process of its own (stayaway_kafka_member) that a test can kill with SIGKILL. Used by
// kafka_test.cc; later by the multi-instance stayawayd tests, which reach the cluster as
// they would a real one. The programs are built beside the tests (build/kafka/); a test
// without them fails, it does not skip.
#ifndef STAYAWAY_TESTS_KAFKA_HARNESS_H_
#define STAYAWAY_TESTS_KAFKA_HARNESS_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace stayaway::testing_harness {

// Where the kafka/ programs are built: beside STAYAWAY_BIN_DIR (build/tools) when set,
// else beside this test's own folder.
inline std::filesystem::path KafkaProgram(const std::string& name) {
  namespace fs = std::filesystem;
  if (const char* dir = std::getenv("STAYAWAY_BIN_DIR"); dir != nullptr && *dir != '\0') {
    return fs::path(dir).parent_path() / "kafka" / name;
  }
  return fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "kafka" / name;
}

// A child process whose stdout the test reads line by line (stderr is inherited, so its
// complaints show in the test's output). The destructor stops it: SIGTERM, then SIGKILL
// when it has not exited within 5 s.
class LineProcess {
 public:
  explicit LineProcess(const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe failed";
      return;
    }
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = fds[0];
    if (rc != 0) {
      pid_ = -1;
      ADD_FAILURE() << args[0] << " did not start (is it built?)";
    }
  }
  ~LineProcess() {
    Stop();
    if (out_ >= 0) ::close(out_);
  }
  LineProcess(const LineProcess&) = delete;
  LineProcess& operator=(const LineProcess&) = delete;

  // The next line of its stdout (without the newline), waiting up to `timeout`; nullopt
  // at the deadline or at end of output.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (const size_t end = buffer_.find('\n'); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || out_ < 0) return std::nullopt;
      pollfd p = {out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::read(out_, chunk, sizeof(chunk));
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  // Sends `signal` and reaps the process (SIGKILL: at once, as a crash would).
  void Kill(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Kill(SIGKILL);
  }

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
};

// librdkafka's mock cluster in its own process: `brokers` brokers on loopback ports and
// the topics given (name, partitions) created before bootstrap_servers() is known; other
// topics appear with 4 partitions on first use. Stopped (SIGTERM) on destruction, with
// everything it stored.
class KafkaMockCluster {
 public:
  explicit KafkaMockCluster(int brokers,
                            const std::vector<std::pair<std::string, int>>& topics = {})
      : process_(Args(brokers, topics)) {
    const std::optional<std::string> line = process_.ReadLine(std::chrono::seconds(10));
    if (!line.has_value() || line->empty()) {
      ADD_FAILURE() << "stayaway_kafka_mock printed no bootstrap servers";
      return;
    }
    bootstrap_servers_ = *line;
  }

  // "127.0.0.1:PORT,127.0.0.1:PORT,..."
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  pid_t pid() const { return process_.pid(); }
  // The whole cluster gone at once (SIGKILL), as a network partition looks to a client.
  void Kill() { process_.Kill(SIGKILL); }

 private:
  static std::vector<std::string> Args(int brokers,
                                       const std::vector<std::pair<std::string, int>>& topics) {
    std::vector<std::string> args = {KafkaProgram("stayaway_kafka_mock").string(), "--brokers",
                                     std::to_string(brokers)};
    for (const auto& [name, partitions] : topics) {
      args.insert(args.end(), {"--topic", name + ":" + std::to_string(partitions)});
    }
    return args;
  }

  LineProcess process_;
  std::string bootstrap_servers_;
};

// One consumer-group member in a process of its own (stayaway_kafka_member). Its stdout
// has a line per rebalance: "assigned T:0 T:3", "revoked T:0 T:3".
class KafkaGroupMemberProcess {
 public:
  KafkaGroupMemberProcess(const std::string& bootstrap_servers, const std::string& group,
                          const std::string& topic, int session_timeout_ms)
      : process_({KafkaProgram("stayaway_kafka_member").string(), "--bootstrap", bootstrap_servers,
                  "--group", group, "--topic", topic, "--session-timeout-ms",
                  std::to_string(session_timeout_ms)}) {}

  // The partitions of the next "assigned" line with at least one partition, waiting up
  // to `timeout` ("T:3" each); empty when none came.
  std::vector<std::string> WaitAssigned(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      const std::optional<std::string> line = process_.ReadLine(left);
      if (!line.has_value()) return {};
      if (line->rfind("assigned ", 0) != 0) continue;
      std::vector<std::string> partitions;
      size_t start = 9;
      while (start < line->size()) {
        size_t end = line->find(' ', start);
        if (end == std::string::npos) end = line->size();
        partitions.push_back(line->substr(start, end - start));
        start = end + 1;
      }
      return partitions;
    }
  }

  void Kill(int signal) { process_.Kill(signal); }

 private:
  LineProcess process_;
};

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_KAFKA_HARNESS_H_
