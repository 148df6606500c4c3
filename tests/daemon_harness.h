// Test harness for the real stayawayd binary: start it on loopback with free ports in a
// data directory, talk HTTP to it, stop it (SIGTERM) or kill it (SIGKILL). Shared by the
// end-to-end suites.
#ifndef STAYAWAY_TESTS_DAEMON_HARNESS_H_
#define STAYAWAY_TESTS_DAEMON_HARNESS_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "access/token.h"
#include "base/time.h"
#include "proto/stayaway.pb.h"
#include "tests/http_client.h"
#include "tests/raw_http.h"
#include "tools/daemon_client.h"

extern char** environ;

namespace stayaway::testing_harness {

namespace fs = std::filesystem;

// Whether `text` holds `part` (replies, logs, streams).
inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

inline fs::path DaemonBinary() {
  if (const char* dir = std::getenv("STAYAWAY_BIN_DIR"); dir != nullptr && *dir != '\0') {
    return fs::path(dir).parent_path() / "daemon" / "stayawayd";
  }
  return fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "daemon" / "stayawayd";
}

inline TimeMs NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The token of the credential every harness daemon starts with: "harness", holding all
// five roles and every device, so suites about something else are not about access. The
// suites about access issue their own narrower credentials through the API.
inline constexpr char kHarnessToken[] = "sa_harness-token-for-tests-only-000000000000";

// The credentials file a harness daemon starts with (the file format of
// access/credential_store.h), holding only the digest of kHarnessToken.
inline std::string HarnessCredentialsJson() {
  return R"({"credentials": [{"id": "cred-harness00000", "name": "harness",
      "roles": ["ingest", "operator", "admin", "auditor", "evidence"], "devices": ["*"],
      "created": "2026-01-01T00:00:00Z", "token_sha256": ")" +
         access::TokenDigest(kHarnessToken) + R"("}]})";
}

// One HTTP/1.1 request on its own connection (Connection: close), read to the end, with
// `token` as its bearer token (none when empty). Through the Beast client (http_client.h).
inline HttpReply HttpAs(const std::string& token, uint16_t port, const std::string& method,
                        const std::string& target, const std::string& body = "",
                        const std::string& content_type = "application/json") {
  HttpHeaders headers = {{"Content-Type", content_type}};
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return HttpExchange(port, method, target, headers, body);
}

// The same with the harness credential.
inline HttpReply Http(uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body = "",
                      const std::string& content_type = "application/json") {
  return HttpAs(kHarnessToken, port, method, target, body, content_type);
}

// Removes the data directories the daemons of this test program made, once every test
// has run and passed; after a failure they stay for whoever reads the logs.
class DataDirCleanup : public ::testing::Environment {
 public:
  static void Add(const fs::path& dir) {
    static DataDirCleanup* const registered = [] {
      auto* cleanup = new DataDirCleanup;
      ::testing::AddGlobalTestEnvironment(cleanup);  // gtest owns it
      return cleanup;
    }();
    registered->dirs_.push_back(dir);
  }
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->Failed()) return;
    std::error_code ignored;
    for (const fs::path& dir : dirs_) fs::remove_all(dir, ignored);
  }

 private:
  std::vector<fs::path> dirs_;
};

// The first "alert_id" in a JSON text (no std::regex: GCC 12 warns inside it under
// sanitizers, and warnings are errors).
inline std::string FirstAlertId(const std::string& json) {
  const std::string key = "\"alert_id\":\"";
  const size_t at = json.find(key);
  return at == std::string::npos ? "" : json.substr(at + key.size(), 16);
}

// A credential issued through the API by the harness admin.
struct IssuedCredential {
  std::string id;
  std::string token;
};

// A credential of `roles` ("\"operator\"", "\"operator\", \"auditor\"") named `name`.
inline IssuedCredential IssueCredential(uint16_t http_port, const std::string& name,
                                        const std::string& roles) {
  const HttpReply reply = Http(http_port, "POST", "/v1/credentials",
                               R"({"name": ")" + name + R"(", "roles": [)" + roles + "]}");
  EXPECT_EQ(reply.status, 201) << reply.body;
  v1::IssuedCredential issued;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(reply.body, &issued).ok())
      << reply.body;
  return {issued.credential().id(), issued.token()};
}

// The daemon as a child process with its own data directory and free ports.
class Daemon {
 public:
  // A fresh directory, or `reuse` (a restart on the same data).
  explicit Daemon(std::vector<std::string> extra_args = {}, fs::path reuse = {}) {
    dir_ = reuse;
    if (dir_.empty()) {
      dir_ = fs::path(::testing::TempDir()) /
             ("stayawayd-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
      fs::remove_all(dir_);
      fs::create_directories(dir_);
      DataDirCleanup::Add(dir_);
    }
    fs::remove(dir_ / "data" / "ports");
    // The harness credential, as an installer would provision it; and the token for the
    // `stayaway` tools the tests start.
    fs::create_directories(dir_ / "data");
    if (!fs::exists(dir_ / "data" / "credentials.json")) {
      std::ofstream(dir_ / "data" / "credentials.json") << HarnessCredentialsJson();
    }
    ::setenv("STAYAWAY_TOKEN", kHarnessToken, 1);
    const std::string binary = DaemonBinary().string();
    std::vector<std::string> args = {binary, "--data-dir", (dir_ / "data").string(),
                                     "--ingest-port", "0", "--http-port", "0",
                                     "--osmand-port", "0"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = (dir_ / "stayawayd.log").string();
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    EXPECT_EQ(posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    const fs::path ports = dir_ / "data" / "ports";
    for (int i = 0; i < 200 && !fs::exists(ports); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the file is complete
    std::ifstream in(ports);
    std::string line;
    while (std::getline(in, line)) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) ports_[line.substr(0, eq)] = std::stoi(line.substr(eq + 1));
    }
    EXPECT_EQ(ports_.size(), 3u) << "the daemon did not start; see " << log;
  }

  ~Daemon() {
    if (pid_ > 0) Stop();
  }

  // SIGTERM; returns the exit status. A daemon still running 60 s later is a failure, with
  // its log, and is killed (SIGABRT), so that a shutdown that hangs names itself instead of
  // running into the suite's timeout.
  int Stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ADD_FAILURE() << "stayawayd did not stop within 60 s of SIGTERM; its log:\n" << Log();
        ::kill(pid_, SIGABRT);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // SIGKILL: no chance to drain or flush anything.
  void Kill() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  const fs::path& dir() const { return dir_; }
  pid_t pid() const { return pid_; }

  uint16_t http() { return static_cast<uint16_t>(ports_["http_port"]); }
  uint16_t osmand() { return static_cast<uint16_t>(ports_["osmand_port"]); }
  std::string ingest() { return "127.0.0.1:" + std::to_string(ports_["ingest_port"]); }
  std::string Log() {
    std::ifstream in(dir_ / "stayawayd.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
  pid_t pid_ = -1;
  std::map<std::string, int> ports_;
};

// Connects to the ingest port and authenticates (the harness credential by default).
inline Status ConnectAndAuthenticate(tools::DaemonClient& client, const std::string& target,
                                     const std::string& token = kHarnessToken) {
  Status connected = client.Connect(target);
  if (!connected.ok()) return connected;
  // A daemon that stops answering fails the test with a message, not a silent hang.
  client.SetReceiveTimeout(60'000);
  return client.Authenticate(token);
}

// An order in force now: tag-1 must stay 300 m away from phone-2.
inline std::string OrderJson(int version = 1) {
  return R"({"id": "KG-7", "version": )" + std::to_string(version) +
         R"(, "supervised": {"id": "p1", "devices": ["tag-1"]},
             "protected": [{"id": "p2", "devices": ["phone-2"], "relation": "victim"}],
             "violation_distance_m": 300, "warning_distance_m": 0,
             "valid_from": "2020-01-01T00:00:00Z"})";
}

inline std::string OsmAndQuery(const std::string& id, TimeMs t, double lat, double lon) {
  // As Traccar Client forms it: seconds, knots, and every field even when zero.
  std::ostringstream q;
  q.precision(10);
  q << "/?id=" << id << "&timestamp=" << t / 1000 << "&lat=" << lat << "&lon=" << lon
    << "&speed=0.0&bearing=0.0&altitude=760.0&accuracy=8.0&batt=87.0";
  return q.str();
}

inline std::string TraccarForward(const std::string& unique_id, TimeMs t, double lat, double lon,
                           const std::string& alarm = "") {
  std::ostringstream j;
  j.precision(10);
  j << R"({"position": {"id": 0, "deviceId": 3, "protocol": "h02", "fixTime": ")"
    << FormatRfc3339(t) << R"(", "deviceTime": ")" << FormatRfc3339(t)
    << R"(", "outdated": false, "valid": true, "latitude": )" << lat << R"(, "longitude": )"
    << lon << R"(, "altitude": 0, "speed": 0.5, "course": 90, "accuracy": 6,
       "attributes": {)" << (alarm.empty() ? "" : "\"alarm\": \"" + alarm + "\", ")
    << R"("batteryLevel": 80}}, "device": {"id": 3, "name": "Tag", "uniqueId": ")"
    << unique_id << R"("}})";
  return j.str();
}

// A fix as POST /v1/fixes takes it: `device` at latitude 42.87 and longitude `lon`, 5 m
// accuracy.
inline std::string FixJson(const std::string& device, uint64_t seq, TimeMs t, double lon) {
  return R"({"device": ")" + device + R"(", "seq": )" + std::to_string(seq) + R"(, "time": ")" +
         FormatRfc3339(t) + R"(", "lat": 42.87, "lon": )" + std::to_string(lon) +
         R"(, "accuracy_m": 5})";
}

// Fixes that bring tag-<group> within ~41 m of phone-<group> (lat 42.87; lon 74.59 and
// 74.5905), a minute ago: with the default debounce, a confirmed violation.
inline std::string ApproachFixesJson(const std::string& group) {
  const TimeMs t = NowMs() - 60'000;
  return "[" + FixJson("phone-" + group, 1, t, 74.59) + "," +
         FixJson("tag-" + group, 1, t + 1000, 74.5905) + "," +
         FixJson("tag-" + group, 2, t + 11'000, 74.5905) + "]";
}

// The id of an open alert of `order`, asked of GET /v1/alerts every 20 ms for up to four
// seconds (the engine raises it asynchronously); empty when none opened.
inline std::string WaitForOpenAlertId(uint16_t http_port, const std::string& order) {
  for (int i = 0; i < 200; ++i) {
    const std::string body =
        Http(http_port, "GET", "/v1/alerts?order=" + order + "&state=open").body;
    const size_t at = body.find("\"alert_id\":\"");
    if (at != std::string::npos) return body.substr(at + 12, body.find('"', at + 12) - at - 12);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

// GET /v1/events/stream?from=1 as `token`, read until `until` has arrived, the daemon
// closed, or five seconds passed; what arrived. Raw (raw_http.h): the stream never ends,
// and the test reads it while it comes.
inline std::string ReadEventStream(const std::string& token, uint16_t port,
                                   const std::string& until) {
  const int fd = ConnectLoopback(port, std::chrono::milliseconds(100));
  if (fd < 0) return "";
  const std::string request = RequestText(token, "GET", "/v1/events/stream?from=1", "");
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string text;
  ReadUntil(fd, until, text, std::chrono::steady_clock::now() + std::chrono::seconds(5));
  ::close(fd);
  return text;
}

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_DAEMON_HARNESS_H_
