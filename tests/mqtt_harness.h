// Test harness for MQTT: Debian's real mosquitto broker on a free loopback port with a
// generated configuration (users from `mosquitto_passwd -b`, persistence so sessions
// survive a restart), and a libmosquitto client that publishes and records what it
// receives. Used by mqtt_test.cc. The broker is required (scripts/deps.sh installs it): a
// machine without it fails the test, it does not skip it.
#ifndef STAYAWAY_TESTS_MQTT_HARNESS_H_
#define STAYAWAY_TESTS_MQTT_HARNESS_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <mosquitto.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/raw_http.h"

extern char** environ;

namespace stayaway::testing_harness {

inline constexpr char kMosquittoBinary[] = "/usr/sbin/mosquitto";
inline constexpr char kMosquittoPasswd[] = "/usr/bin/mosquitto_passwd";

// A child process, its output appended to `log`; -1 when it could not start.
inline pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// mosquitto on 127.0.0.1:port(), users and passwords given at construction, anonymous
// clients refused; with `acl`, that text as its acl_file (else every user may do anything);
// with `tls_dir`, a TLS listener too (tls_port()). Stop()
// (SIGTERM: the broker saves its sessions) and Start() again keep the port, the users and the
// persistent sessions.
class MosquittoBroker {
 public:
  MosquittoBroker(const std::filesystem::path& dir,
                  const std::vector<std::pair<std::string, std::string>>& users,
                  const std::string& acl = "", const std::filesystem::path& tls_dir = {})
      : dir_(dir) {
    std::filesystem::create_directories(dir_);
    const std::string passwd = (dir_ / "passwd").string();
    bool first = true;
    for (const auto& [user, password] : users) {
      std::vector<std::string> args = {kMosquittoPasswd, "-b"};
      if (first) args.push_back("-c");
      args.insert(args.end(), {passwd, user, password});
      const pid_t pid = Spawn(args, (dir_ / "mosquitto_passwd.log").string());
      EXPECT_GT(pid, 0) << kMosquittoPasswd << " is missing: run scripts/deps.sh";
      int status = 1;
      if (pid > 0) ::waitpid(pid, &status, 0);
      EXPECT_EQ(status, 0) << "mosquitto_passwd failed";
      first = false;
    }
    // A free port: the system picks one, and the broker takes it over.
    const int fd = ListenLoopback(port_);
    const int tls_fd = tls_dir.empty() ? -1 : ListenLoopback(tls_port_);  // both held: two ports
    ::close(fd);
    if (tls_fd >= 0) ::close(tls_fd);
    if (!acl.empty()) std::ofstream(dir_ / "acl") << acl;
    std::ofstream conf(dir_ / "mosquitto.conf");
    // With `tls_dir` (test_certificates.h), a second listener on tls_port() serves
    // localhost.pem, signed by its ca.pem.
    if (!tls_dir.empty()) {
      conf << "listener " << tls_port_ << " 127.0.0.1\n"
           << "certfile " << (tls_dir / "localhost.pem").string() << "\n"
           << "keyfile " << (tls_dir / "localhost.key").string() << "\n"
           << "cafile " << (tls_dir / "ca.pem").string() << "\n";
    }
    conf << (acl.empty() ? "" : "acl_file " + (dir_ / "acl").string() + "\n") << "listener "
         << port_ << " 127.0.0.1\n"
         << "allow_anonymous false\n"
         << "password_file " << passwd
         << "\n"
         // Started as root, mosquitto would drop to user mosquitto, which may not write
         // here: it stays the user the test runs as.
         << "user " << ::getpwuid(::getuid())->pw_name << "\n"
         << "persistence true\n"
         << "persistence_location " << dir_.string() << "/\n"
         << "log_dest stderr\n"
         << "log_type error\nlog_type warning\nlog_type notice\n";
    conf.close();
    Start();
  }
  ~MosquittoBroker() { Stop(); }

  // Starts the broker and waits (up to 5 s) until it accepts connections.
  void Start() {
    pid_ = Spawn({kMosquittoBinary, "-c", (dir_ / "mosquitto.conf").string()},
                 (dir_ / "mosquitto.log").string());
    ASSERT_GT(pid_, 0) << kMosquittoBinary << " is missing: run scripts/deps.sh";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      const int fd = ConnectLoopback(port_, std::chrono::milliseconds(100));
      if (fd >= 0) {
        ::close(fd);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "mosquitto did not start; see " << (dir_ / "mosquitto.log");
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  uint16_t port() const { return port_; }
  // What the broker has logged (errors, warnings, notices), for failure messages.
  std::string Log() const {
    std::ifstream in(dir_ / "mosquitto.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // The TLS listener, by the name its certificate carries; 0 without one.
  uint16_t tls_port() const { return tls_port_; }
  std::string tls_address() const { return "localhost:" + std::to_string(tls_port_); }

 private:
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  pid_t pid_ = -1;
};

// One received message.
struct MqttMessage {
  std::string topic;
  std::string payload;
  int qos = 0;
};

// A libmosquitto client on its own network thread (mosquitto_loop_start). `clean` false
// keeps its session (subscriptions and queued QoS 1 messages) at the broker across
// connections, under a fixed client id. Thread-safe.
class MqttTestClient {
 public:
  MqttTestClient(const std::string& client_id, bool clean, const std::string& user,
                 const std::string& password, uint16_t port) {
    mosquitto_lib_init();
    client_ = mosquitto_new(client_id.c_str(), clean, this);
    mosquitto_int_option(client_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_username_pw_set(client_, user.c_str(), password.c_str());
    mosquitto_connect_callback_set(client_, [](mosquitto*, void* self, int rc) {
      auto* me = static_cast<MqttTestClient*>(self);
      std::lock_guard<std::mutex> lock(me->mu_);
      me->connack_ = rc;
      me->changed_.notify_all();
    });
    mosquitto_subscribe_callback_set(client_, [](mosquitto*, void* self, int, int, const int*) {
      auto* me = static_cast<MqttTestClient*>(self);
      std::lock_guard<std::mutex> lock(me->mu_);
      ++me->subacks_;
      me->changed_.notify_all();
    });
    mosquitto_publish_callback_set(client_, [](mosquitto*, void* self, int) {
      auto* me = static_cast<MqttTestClient*>(self);
      std::lock_guard<std::mutex> lock(me->mu_);
      ++me->pubacks_;
      me->changed_.notify_all();
    });
    mosquitto_message_callback_set(client_, [](mosquitto*, void* self, const mosquitto_message* m) {
      auto* me = static_cast<MqttTestClient*>(self);
      std::lock_guard<std::mutex> lock(me->mu_);
      me->messages_.push_back(
          {m->topic, std::string(static_cast<const char*>(m->payload), m->payloadlen), m->qos});
      me->changed_.notify_all();
    });
    EXPECT_EQ(mosquitto_connect(client_, "127.0.0.1", port, 30), MOSQ_ERR_SUCCESS);
    EXPECT_EQ(mosquitto_loop_start(client_), MOSQ_ERR_SUCCESS);
  }
  ~MqttTestClient() {
    mosquitto_disconnect(client_);
    mosquitto_loop_stop(client_, false);
    mosquitto_destroy(client_);
  }

  // The CONNACK's code within 5 s (0: accepted), -1 when none came.
  int WaitConnack() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, std::chrono::seconds(5), [this] { return connack_ >= 0; });
    return connack_;
  }

  bool Subscribe(const std::string& topic) {
    int before;
    {
      std::lock_guard<std::mutex> lock(mu_);
      before = subacks_;
    }
    if (mosquitto_subscribe(client_, nullptr, topic.c_str(), 1) != MOSQ_ERR_SUCCESS) return false;
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return subacks_ > before; });
  }

  // Publishes with QoS 1 and waits (up to 5 s) for the broker's PUBACK.
  bool Publish(const std::string& topic, const std::string& payload) {
    int before;
    {
      std::lock_guard<std::mutex> lock(mu_);
      before = pubacks_;
    }
    if (mosquitto_publish(client_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                          payload.data(), 1, false) != MOSQ_ERR_SUCCESS) {
      return false;
    }
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return pubacks_ > before; });
  }

  // Waits up to `timeout` for a received message `accept` takes; true when one came.
  bool WaitFor(const std::function<bool(const std::vector<MqttMessage>&)>& accept,
               std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return accept(messages_); });
  }

  std::vector<MqttMessage> messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }

 private:
  mosquitto* client_ = nullptr;
  std::mutex mu_;
  std::condition_variable changed_;
  int connack_ = -1;                   // guarded by mu_
  int subacks_ = 0;                    // guarded by mu_
  int pubacks_ = 0;                    // guarded by mu_
  std::vector<MqttMessage> messages_;  // guarded by mu_
};

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_MQTT_HARNESS_H_
