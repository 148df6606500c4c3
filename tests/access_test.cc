// End-to-end tests of authentication and roles against the real stayawayd binary: deny by
// default, the bootstrap admin, credentials issued and revoked over HTTP, what each role
// may do on every port (HTTP API, OsmAnd, TCP), ingest credentials limited to their
// devices, protected persons' positions withheld from auditors, and the refusals counted
// in metrics and logged, the audited actions logged, and tokens never written anywhere.
#include <fcntl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "access/token.h"
#include "base/time.h"
#include "proto/stayaway.pb.h"
#include "tests/client_watchdog.h"
#include "tests/daemon_harness.h"
#include "tests/wire_fixtures.h"
#include "tools/daemon_client.h"

extern char** environ;

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary
using testing_fixtures::MakeFix;
namespace pbutil = google::protobuf::util;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The value of the Prometheus sample `series` (its whole name with labels), 0 when absent.
double Metric(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  const size_t value = at + 1 + series.size() + 1;
  return std::stod(text.substr(value, text.find('\n', value) - value));
}

std::string Rejected(const std::string& source, const std::string& reason) {
  return "stayaway_fixes_rejected_total{source=\"" + source + "\",reason=\"" + reason + "\"}";
}

// GET /v1/events/stream?from=1 as `token`, read as it arrives.
class EventStream {
 public:
  EventStream(const std::string& token, uint16_t port)
      : fd_(ConnectLoopback(port, std::chrono::milliseconds(100))) {
    const std::string request = RequestText(token, "GET", "/v1/events/stream?from=1", "");
    if (fd_ >= 0) ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  }
  ~EventStream() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Reads until `needle` has arrived; false after five seconds or when the daemon closed.
  bool ReadUntil(const std::string& needle) {
    while (!Contains(text_, needle)) {
      if (!ReadSome()) return false;
    }
    return true;
  }
  // Reads until the daemon closes the stream; false when it is still open after 5 s.
  bool ReadToClose() {
    while (!closed_) {
      if (!ReadSome() && !closed_) return false;
    }
    return true;
  }
  const std::string& text() const { return text_; }

 private:
  bool ReadSome() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    char buffer[65536];
    while (fd_ >= 0 && !closed_ && std::chrono::steady_clock::now() < deadline) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n == 0) closed_ = true;
      if (n > 0) {
        text_.append(buffer, static_cast<size_t>(n));
        return true;
      }
    }
    return false;
  }

  int fd_;
  bool closed_ = false;
  std::string text_;
};

// The first "protected" object in compact JSON (a PositionReport: no nested objects).
std::string ProtectedObject(const std::string& json) {
  const size_t at = json.find("\"protected\":{");
  if (at == std::string::npos) return "";
  return json.substr(at, json.find('}', at) + 1 - at);
}

// A credential issued through the API.
struct Issued {
  std::string id;
  std::string name;
  std::string token;
};

Issued Issue(Daemon& daemon, const std::string& name, const std::string& roles,
             const std::string& devices = "", const std::string& admin_token = kHarnessToken) {
  const std::string body = R"({"name": ")" + name + R"(", "roles": [)" + roles + "]" +
                           (devices.empty() ? "" : R"(, "devices": [)" + devices + "]") + "}";
  const HttpReply reply = HttpAs(admin_token, daemon.http(), "POST", "/v1/credentials", body);
  EXPECT_EQ(reply.status, 201) << body << " -> " << reply.body;
  EXPECT_TRUE(Contains(reply.head, "Cache-Control: no-store")) << reply.head;
  v1::IssuedCredential issued;
  EXPECT_TRUE(pbutil::JsonStringToMessage(reply.body, &issued).ok()) << reply.body;
  EXPECT_EQ(issued.credential().name(), name);
  EXPECT_EQ(issued.token().rfind("sa_", 0), 0u) << issued.token();
  EXPECT_TRUE(issued.credential().token_sha256().empty()) << reply.body;
  return {issued.credential().id(), name, issued.token()};
}

std::string FixJson(const std::string& device, uint64_t seq, TimeMs t, double lat, double lon) {
  std::ostringstream j;
  j.precision(10);
  j << R"({"device": ")" << device << R"(", "seq": )" << seq << R"(, "time": ")" << FormatRfc3339(t)
    << R"(", "lat": )" << lat << R"(, "lon": )" << lon << R"(, "accuracy_m": 5})";
  return j.str();
}

// The fix results of a /v1/fixes or /v1/traccar answer.
std::vector<google::protobuf::Struct> FixResults(const std::string& body) {
  google::protobuf::Struct parsed;
  EXPECT_TRUE(pbutil::JsonStringToMessage(body, &parsed).ok()) << body;
  std::vector<google::protobuf::Struct> out;
  if (!parsed.fields().contains("results")) return out;
  for (const auto& value : parsed.fields().at("results").list_value().values()) {
    out.push_back(value.struct_value());
  }
  return out;
}

std::string Field(const google::protobuf::Struct& s, const std::string& name) {
  if (!s.fields().contains(name)) return "";
  const google::protobuf::Value& v = s.fields().at(name);
  if (v.has_bool_value()) return v.bool_value() ? "true" : "false";
  return v.string_value();
}

// Where the victim's phone is (distinct digits, so its latitude can be looked for in the
// answers) and where the tag comes, about 41 m off: a violation of a 300 m order.
constexpr double kVictimLat = 42.8703;
constexpr char kVictimLatText[] = "42.8703";
constexpr double kVictimLon = 74.5917;
constexpr double kTagLat = 42.87;
constexpr double kTagLon = 74.592;

// Puts the order in force and reports the victim's phone and the approaching tag (two
// tag fixes 10 s apart); answers the violation's alert id.
std::string OpenViolation(Daemon& daemon) {
  EXPECT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const TimeMs t = NowMs() - 30'000;
  const std::string fixes = "[" + FixJson("phone-2", 1, t, kVictimLat, kVictimLon) + "," +
                            FixJson("tag-1", 1, t + 1'000, kTagLat, kTagLon) + "," +
                            FixJson("tag-1", 2, t + 11'000, kTagLat, kTagLon) + "]";
  const HttpReply posted = Http(daemon.http(), "POST", "/v1/fixes", fixes);
  EXPECT_EQ(posted.status, 200) << posted.body;
  const HttpReply alerts = Http(daemon.http(), "GET", "/v1/alerts?state=open");
  v1::AlertList list;
  EXPECT_TRUE(pbutil::JsonStringToMessage(alerts.body, &list).ok()) << alerts.body;
  for (const v1::AlertView& alert : list.alerts()) {
    if (alert.kind() == v1::Event::proximity_violation) return alert.alert_id();
  }
  ADD_FAILURE() << "no violation opened: " << alerts.body << "\n" << daemon.Log();
  return "";
}

// A data directory of our own, holding `credentials` as DATA_DIR/credentials.json (so the
// harness leaves it as it is).
fs::path DataDirWithCredentials(const std::string& name, const std::string& credentials) {
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("access-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "data");
  DataDirCleanup::Add(dir);
  std::ofstream(dir / "data" / "credentials.json") << credentials;
  return dir;
}

// Starts a daemon that is expected to refuse to start: returns its exit status (-1 when
// it was still running after five seconds, and was killed) and fills *log.
int StartExpectingExit(const fs::path& dir, const std::vector<std::string>& extra_args,
                       const std::string& admin_token_env, std::string* log) {
  const std::string binary = DaemonBinary().string();
  std::vector<std::string> args = {binary, "--data-dir", (dir / "data").string()};
  for (const char* port : {"--ingest-port", "--http-port", "--osmand-port"}) {
    args.insert(args.end(), {port, "0"});
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("STAYAWAY_ADMIN_TOKEN=", 0) != 0) env_strings.push_back(*e);
  }
  if (!admin_token_env.empty()) env_strings.push_back("STAYAWAY_ADMIN_TOKEN=" + admin_token_env);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string log_path = (dir / "refused.log").string();
  fs::remove(log_path);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  int result = -1;
  for (int i = 0; i < 500; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (result == -1 && ::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  *log = ReadFile(log_path);
  return result;
}

// Starts a daemon on `dir` with STAYAWAY_ADMIN_TOKEN set to `token` for it only.
std::unique_ptr<Daemon> StartWithAdminTokenEnv(const fs::path& dir, const std::string& token) {
  ::setenv("STAYAWAY_ADMIN_TOKEN", token.c_str(), 1);
  auto daemon = std::make_unique<Daemon>(std::vector<std::string>{}, dir);
  ::unsetenv("STAYAWAY_ADMIN_TOKEN");
  return daemon;
}

// One request of the role matrix: every route and method a role decides about.
struct Probe {
  std::string method;
  std::string target;
  std::string body;
};

// ---------------------------------------------------------------------------------------

TEST(Access, WithoutCredentialsEveryProtectedRouteIsRefusedAndTheBootstrapAdminGetsIn) {
  const fs::path dir = DataDirWithCredentials("deny", R"({"credentials": []})");
  const std::vector<Probe> protected_routes = {
      {"GET", "/metrics", ""},
      {"GET", "/v1/whoami", ""},
      {"POST", "/v1/fixes", "[]"},
      {"POST", "/v1/traccar", "{}"},
      {"POST", "/v1/orders", OrderJson()},
      {"GET", "/v1/orders/KG-7", ""},
      {"PUT", "/v1/orders/KG-7", OrderJson()},
      {"DELETE", "/v1/orders/KG-7", ""},
      {"GET", "/v1/zones", ""},
      {"GET", "/v1/zones/z1", ""},
      {"GET", "/v1/alerts", ""},
      {"POST", "/v1/alerts/0000000000000000/ack", "{}"},
      {"GET", "/v1/alerts/0000000000000000/evidence", ""},
      {"GET", "/v1/reports/summary?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z", ""},
      {"GET", "/v1/events/stream", ""},
      {"GET", "/v1/credentials", ""},
      {"POST", "/v1/credentials", R"({"name": "x", "roles": ["admin"]})"},
      {"DELETE", "/v1/credentials/cred-harness00000", ""},
      {"PUT", "/v1/devices/tag-1/key", R"({"key": "00"})"},
      {"DELETE", "/v1/devices/tag-1/key", ""},
      {"GET", "/v1/devices/keyed", ""},
  };
  {
    Daemon daemon({}, dir);
    EXPECT_TRUE(Contains(daemon.Log(), "no credentials")) << daemon.Log();
    for (const Probe& probe : protected_routes) {
      // No token, and a token that was never issued here (the harness's).
      for (const std::string& token : {std::string(), std::string(kHarnessToken)}) {
        const HttpReply reply =
            HttpAs(token, daemon.http(), probe.method, probe.target, probe.body);
        EXPECT_EQ(reply.status, 401) << probe.method << " " << probe.target << ": " << reply.body;
        EXPECT_TRUE(Contains(reply.body, "\"unauthenticated\"")) << reply.body;
        EXPECT_TRUE(Contains(reply.head, "WWW-Authenticate: Bearer")) << reply.head;
      }
    }
    EXPECT_EQ(Http(daemon.http(), "GET", "/healthz").status, 200);
    EXPECT_EQ(HttpAs("", daemon.http(), "GET", "/healthz").status, 200);
    const HttpReply keys = HttpAs("", daemon.http(), "GET", "/v1/keys");
    EXPECT_EQ(keys.status, 200);
    EXPECT_TRUE(Contains(keys.body, "keys")) << keys.body;
    // The other ports refuse too.
    EXPECT_EQ(Http(daemon.osmand(), "GET", OsmAndQuery("phone-2", NowMs(), 42.87, 74.59)).status,
              401);
    tools::DaemonClient client;
    ClientWatchdog watchdog(client);
    const Status authenticated = ConnectAndAuthenticate(client, daemon.ingest());
    EXPECT_EQ(authenticated.code(), StatusCode::kUnauthenticated) << authenticated.message();
    EXPECT_TRUE(Contains(daemon.Log(), "\"msg\":\"access refused\"")) << daemon.Log();
    EXPECT_EQ(daemon.Stop(), 0);
  }

  // A start with STAYAWAY_ADMIN_TOKEN creates the bootstrap admin: an admin, nothing more.
  const std::string admin_token = "bootstrap-admin-token-for-access-tests";
  {
    auto daemon = StartWithAdminTokenEnv(dir, admin_token);
    const HttpReply who = HttpAs(admin_token, daemon->http(), "GET", "/v1/whoami");
    ASSERT_EQ(who.status, 200) << who.body;
    v1::Authenticated whoami;
    ASSERT_TRUE(pbutil::JsonStringToMessage(who.body, &whoami).ok()) << who.body;
    EXPECT_EQ(whoami.name(), "bootstrap-admin");
    ASSERT_EQ(whoami.roles_size(), 1);
    EXPECT_EQ(whoami.roles(0), v1::Credential::admin);
    EXPECT_EQ(HttpAs(admin_token, daemon->http(), "POST", "/v1/orders", OrderJson()).status, 201);
    EXPECT_EQ(HttpAs(admin_token, daemon->http(), "GET", "/v1/orders/KG-7").status, 200);
    EXPECT_EQ(HttpAs(admin_token, daemon->http(), "GET", "/v1/credentials").status, 200);
    EXPECT_EQ(HttpAs(admin_token, daemon->http(), "GET", "/metrics").status, 200);
    const HttpReply alerts = HttpAs(admin_token, daemon->http(), "GET", "/v1/alerts");
    EXPECT_EQ(alerts.status, 403) << alerts.body;
    EXPECT_TRUE(Contains(alerts.body, "\"permission_denied\"")) << alerts.body;
    EXPECT_TRUE(Contains(alerts.body, "operator or auditor")) << alerts.body;
    // Still nobody else.
    EXPECT_EQ(Http(daemon->http(), "GET", "/v1/whoami").status, 401);
    const std::string metrics = HttpAs(admin_token, daemon->http(), "GET", "/metrics").body;
    EXPECT_EQ(Metric(metrics, Rejected("http", "unauthenticated")), 1) << metrics;
    EXPECT_EQ(Metric(metrics, Rejected("http", "permission_denied")), 1) << metrics;
    const std::string log = daemon->Log();
    EXPECT_TRUE(Contains(log, "bootstrap admin credential set")) << log;
    EXPECT_TRUE(Contains(log, "STAYAWAY_ADMIN_TOKEN")) << log;
    EXPECT_TRUE(Contains(log, "\"action\":\"order created\",\"by\":\"'bootstrap-admin'")) << log;
    EXPECT_FALSE(Contains(log, admin_token)) << "the bootstrap token was logged";
    const std::string file = ReadFile(dir / "data" / "credentials.json");
    EXPECT_FALSE(Contains(file, admin_token));
    EXPECT_TRUE(Contains(file, access::TokenDigest(admin_token))) << file;
    struct stat st {};
    ASSERT_EQ(::stat((dir / "data" / "credentials.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(daemon->Stop(), 0);
  }
  // Kept across a restart without it.
  Daemon again({}, dir);
  EXPECT_EQ(HttpAs(admin_token, again.http(), "GET", "/v1/whoami").status, 200);
}

TEST(Access, ATooShortOrUnreadableBootstrapTokenStopsStartUp) {
  const fs::path dir = DataDirWithCredentials("short", R"({"credentials": []})");
  std::string log;
  const std::string short_token = "only-19-characters!";
  ASSERT_EQ(short_token.size(), 19u);
  EXPECT_EQ(StartExpectingExit(dir, {}, short_token, &log), 2) << log;
  EXPECT_TRUE(Contains(log, "STAYAWAY_ADMIN_TOKEN")) << log;
  EXPECT_TRUE(Contains(log, "at least 20")) << log;
  EXPECT_FALSE(Contains(log, short_token)) << "the refused token was logged";
  EXPECT_FALSE(fs::exists(dir / "data" / "ports"));

  std::ofstream(dir / "short-token") << "  tiny  \n";
  EXPECT_EQ(StartExpectingExit(
                dir, {"--bootstrap-admin-token-file", (dir / "short-token").string()}, "", &log),
            2)
      << log;
  EXPECT_TRUE(Contains(log, "--bootstrap-admin-token-file")) << log;
  EXPECT_TRUE(Contains(log, "at least 20")) << log;

  EXPECT_EQ(StartExpectingExit(dir, {"--bootstrap-admin-token-file", (dir / "absent").string()}, "",
                               &log),
            2)
      << log;
  EXPECT_TRUE(Contains(log, "cannot read")) << log;
  EXPECT_TRUE(Contains(ReadFile(dir / "data" / "credentials.json"), R"({"credentials": []})"));
}

TEST(Access, BootstrapTokenFileWorksAndANewTokenReplacesTheOldOne) {
  Daemon first;  // the harness credential plus the bootstrap admin
  const fs::path dir = first.dir();
  EXPECT_EQ(first.Stop(), 0);
  const fs::path token_file = dir / "admin-token";
  const std::string old_token = "first-bootstrap-token-0123456789";
  const std::string new_token = "second-bootstrap-token-9876543210";
  std::ofstream(token_file) << old_token << "\n";  // as `echo` writes it: trimmed
  std::string bootstrap_id;
  {
    Daemon daemon({"--bootstrap-admin-token-file", token_file.string()}, dir);
    const HttpReply who = HttpAs(old_token, daemon.http(), "GET", "/v1/whoami");
    ASSERT_EQ(who.status, 200) << who.body << daemon.Log();
    v1::Authenticated whoami;
    ASSERT_TRUE(pbutil::JsonStringToMessage(who.body, &whoami).ok());
    EXPECT_EQ(whoami.name(), "bootstrap-admin");
    bootstrap_id = whoami.credential_id();
    EXPECT_EQ(Http(daemon.http(), "GET", "/v1/whoami").status, 200);  // the harness's stays
    EXPECT_TRUE(Contains(daemon.Log(), "--bootstrap-admin-token-file")) << daemon.Log();
    EXPECT_FALSE(Contains(daemon.Log(), old_token));
    EXPECT_EQ(daemon.Stop(), 0);
  }
  std::ofstream(token_file, std::ios::trunc) << new_token;
  {
    Daemon daemon({"--bootstrap-admin-token-file", token_file.string()}, dir);
    EXPECT_EQ(HttpAs(old_token, daemon.http(), "GET", "/v1/whoami").status, 401);
    const HttpReply who = HttpAs(new_token, daemon.http(), "GET", "/v1/whoami");
    ASSERT_EQ(who.status, 200) << who.body;
    v1::Authenticated whoami;
    ASSERT_TRUE(pbutil::JsonStringToMessage(who.body, &whoami).ok());
    EXPECT_EQ(whoami.credential_id(), bootstrap_id);  // the same credential, a new token
    // One bootstrap admin, not two.
    const HttpReply list = HttpAs(new_token, daemon.http(), "GET", "/v1/credentials");
    v1::CredentialList credentials;
    ASSERT_TRUE(pbutil::JsonStringToMessage(list.body, &credentials).ok()) << list.body;
    EXPECT_EQ(credentials.credentials_size(), 2) << list.body;
    const std::string file = ReadFile(dir / "data" / "credentials.json");
    EXPECT_FALSE(Contains(file, access::TokenDigest(old_token))) << file;
    EXPECT_TRUE(Contains(file, access::TokenDigest(new_token))) << file;
    EXPECT_EQ(daemon.Stop(), 0);
  }
}

TEST(Access, RefusalsAreAllCountedButTheirLogLinesAreRateLimited) {
  Daemon daemon;
  constexpr int kBurst = 100;
  for (int i = 0; i < kBurst; ++i) {
    ASSERT_EQ(HttpAs("sa_guessed-" + std::to_string(i), daemon.http(), "GET", "/v1/alerts").status,
              401);
  }
  const auto refusal_lines = [&daemon] {
    const std::string log = daemon.Log();
    int lines = 0;
    for (size_t at = log.find("\"msg\":\"access refused\""); at != std::string::npos;
         at = log.find("\"msg\":\"access refused\"", at + 1)) {
      ++lines;
    }
    return lines;
  };
  EXPECT_EQ(
      Metric(Http(daemon.http(), "GET", "/metrics").body, Rejected("http", "unauthenticated")),
      kBurst);
  const int logged = refusal_lines();
  EXPECT_GE(logged, 20);
  EXPECT_LT(logged, kBurst) << daemon.Log();
  // Once the limit's second is over, the next line says how many were held back.
  for (int i = 0; i < 60 && !Contains(daemon.Log(), "\"suppressed\":\""); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    HttpAs("sa_guessed-again", daemon.http(), "GET", "/v1/alerts");
  }
  EXPECT_TRUE(Contains(daemon.Log(), "\"suppressed\":\"")) << daemon.Log();
}

TEST(Access, EachRoleGetsExactlyTheRoutesItsRoleGrants) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const Issued gateway = Issue(daemon, "gateway-north", R"("ingest")", R"("tag-*")");
  const Issued op = Issue(daemon, "operator-7", R"("operator")");
  const Issued auditor = Issue(daemon, "auditor-3", R"("auditor")");
  const Issued admin = Issue(daemon, "admin-2", R"("admin")");
  const std::vector<Issued> who = {gateway, op, auditor, admin};

  const TimeMs t = NowMs() - 60'000;
  // Requests a permitted caller gets past the gate with: 200, or 400/404 for a body or id
  // that is wrong on purpose, so that no request changes what the next one finds.
  const std::vector<Probe> probes = {
      {"GET", "/v1/whoami", ""},
      {"POST", "/v1/fixes", "[" + FixJson("tag-1", 1, t, kTagLat, kTagLon) + "]"},
      {"POST", "/v1/traccar", TraccarForward("tag-7", t, kTagLat, kTagLon)},
      {"GET", "/v1/orders/KG-7", ""},
      {"POST", "/v1/orders", "{}"},
      {"GET", "/v1/zones", ""},
      {"GET", "/v1/alerts", ""},
      {"POST", "/v1/alerts/0000000000000000/ack", R"({"note": "x"})"},
      {"GET", "/v1/alerts/0000000000000000", ""},
      {"POST", "/v1/alerts/0000000000000000/resolve", R"({"disposition": "other"})"},
      {"GET", "/v1/alerts/0000000000000000/evidence", ""},
      // A reversed period: refused (400) only once past the gate.
      {"GET", "/v1/reports/summary?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", ""},
      {"GET", "/metrics", ""},
      {"GET", "/v1/credentials", ""},
      {"POST", "/v1/credentials", "{}"},
      {"DELETE", "/v1/credentials/cred-000000000000", ""},
      {"GET", "/v1/devices/keyed", ""},
      {"PUT", "/v1/devices/tag-9/key", R"({"key": "0"})"},
      {"GET", "/healthz", ""},
      {"GET", "/v1/keys", ""},
  };
  // Expected status per probe, for gateway, operator, auditor, admin.
  const std::vector<std::array<int, 4>> expected = {
      {200, 200, 200, 200},  // whoami: any credential
      {200, 403, 403, 403},  // fixes: ingest
      {200, 403, 403, 403},  // traccar: ingest
      {403, 200, 200, 200},  // read orders
      {403, 403, 403, 400},  // write orders: admin
      {403, 200, 200, 200},  // read zones
      {403, 200, 200, 403},  // alerts: operator, auditor
      {403, 404, 403, 403},  // ack: operator
      {403, 404, 404, 403},  // one alert: operator, auditor
      {403, 404, 403, 403},  // resolve: operator
      {403, 403, 403, 403},  // evidence: the evidence role only
      {403, 403, 400, 400},  // statistics: auditor, admin
      {403, 200, 200, 200},  // metrics
      {403, 403, 403, 200},  // credentials: admin
      {403, 403, 403, 400}, {403, 403, 403, 404}, {403, 403, 403, 200},  // device keys: admin
      {403, 403, 403, 400}, {200, 200, 200, 200},                        // open
      {200, 200, 200, 200},
  };
  ASSERT_EQ(probes.size(), expected.size());
  int denied = 0;
  for (size_t p = 0; p < probes.size(); ++p) {
    for (size_t c = 0; c < who.size(); ++c) {
      const HttpReply reply =
          HttpAs(who[c].token, daemon.http(), probes[p].method, probes[p].target, probes[p].body);
      EXPECT_EQ(reply.status, expected[p][c]) << who[c].name << ": " << probes[p].method << " "
                                              << probes[p].target << " -> " << reply.body;
      if (expected[p][c] == 403) {
        ++denied;
        EXPECT_TRUE(Contains(reply.body, "\"permission_denied\"")) << reply.body;
        EXPECT_TRUE(Contains(reply.body, "credential '" + who[c].name + "'")) << reply.body;
        EXPECT_TRUE(Contains(reply.body, "role")) << reply.body;
      }
    }
  }
  // The ingest credential's traccar fix was for tag-7, which "tag-*" covers: taken in.
  const HttpReply whoami = HttpAs(gateway.token, daemon.http(), "GET", "/v1/whoami");
  EXPECT_TRUE(Contains(whoami.body, "\"name\":\"gateway-north\"")) << whoami.body;
  EXPECT_TRUE(Contains(whoami.body, "\"ingest\"")) << whoami.body;
  // A 403 names the role the permission needs.
  const HttpReply keyed = HttpAs(op.token, daemon.http(), "GET", "/v1/devices/keyed");
  ++denied;
  EXPECT_TRUE(Contains(keyed.body, "needs the admin role")) << keyed.body;
  // Revoked-looking and made-up tokens: 401 everywhere.
  for (const std::string& bad : {std::string("sa_not-a-token"), gateway.token + "x"}) {
    EXPECT_EQ(HttpAs(bad, daemon.http(), "GET", "/v1/whoami").status, 401);
  }

  // Every refusal counted by reason.
  const std::string metrics = Http(daemon.http(), "GET", "/metrics").body;
  EXPECT_EQ(Metric(metrics, Rejected("http", "permission_denied")), denied) << metrics;
  EXPECT_EQ(Metric(metrics, Rejected("http", "unauthenticated")), 2) << metrics;

  // Tokens are shown once: never listed, never stored, never logged.
  const HttpReply listed = Http(daemon.http(), "GET", "/v1/credentials");
  ASSERT_EQ(listed.status, 200);
  v1::CredentialList list;
  ASSERT_TRUE(pbutil::JsonStringToMessage(listed.body, &list).ok()) << listed.body;
  EXPECT_EQ(list.credentials_size(), 5);
  for (const v1::Credential& credential : list.credentials()) {
    EXPECT_TRUE(credential.token_sha256().empty()) << listed.body;
  }
  const fs::path file = daemon.dir() / "data" / "credentials.json";
  const std::string stored = ReadFile(file);
  const std::string log = daemon.Log();
  for (const Issued& credential : who) {
    EXPECT_FALSE(Contains(listed.body, credential.token));
    EXPECT_FALSE(Contains(listed.body, access::TokenDigest(credential.token)));
    EXPECT_FALSE(Contains(stored, credential.token)) << credential.name;
    EXPECT_TRUE(Contains(stored, access::TokenDigest(credential.token))) << credential.name;
    EXPECT_FALSE(Contains(log, credential.token)) << credential.name << "'s token was logged";
    EXPECT_TRUE(Contains(log, "\"action\":\"credential issued\",\"by\":\"'harness'")) << log;
    EXPECT_TRUE(Contains(log, credential.id + " '" + credential.name + "'")) << log;
  }
  EXPECT_FALSE(Contains(log, kHarnessToken));
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Requests for credentials that cannot be: refused with the reason.
  EXPECT_EQ(Http(daemon.http(), "POST", "/v1/credentials",
                 R"({"name": "operator-7", "roles": ["operator"]})")
                .status,
            409);
  const HttpReply no_devices =
      Http(daemon.http(), "POST", "/v1/credentials", R"({"name": "gw", "roles": ["ingest"]})");
  EXPECT_EQ(no_devices.status, 400);
  EXPECT_TRUE(Contains(no_devices.body, "devices")) << no_devices.body;
  EXPECT_EQ(
      Http(daemon.http(), "POST", "/v1/credentials", R"({"name": "x", "roles": ["superuser"]})")
          .status,
      400);
  EXPECT_EQ(Http(daemon.http(), "POST", "/v1/credentials",
                 R"({"name": "x", "roles": ["operator"], "token_sha256": ")" +
                     access::TokenDigest("chosen-by-the-client-0000") + "\"}")
                .status,
            400);
}

TEST(Access, AnIngestCredentialSendsOnlyForItsDevicesOverHttpTraccarAndOsmAnd) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const Issued gateway = Issue(daemon, "gateway", R"("ingest")", R"("tag-*")");
  const Issued phone = Issue(daemon, "phone-app", R"("ingest")", R"("phone-2")");
  const TimeMs t = NowMs() - 60'000;

  // One request, two devices: the tag's fix is taken in, the phone's refused alone.
  const HttpReply mixed = HttpAs(gateway.token, daemon.http(), "POST", "/v1/fixes",
                                 "[" + FixJson("tag-1", 1, t, kTagLat, kTagLon) + "," +
                                     FixJson("phone-2", 1, t, kVictimLat, kVictimLon) + "]");
  ASSERT_EQ(mixed.status, 200) << mixed.body;
  auto results = FixResults(mixed.body);
  ASSERT_EQ(results.size(), 2u) << mixed.body;
  EXPECT_EQ(Field(results[0], "accepted"), "true") << mixed.body;
  EXPECT_EQ(Field(results[1], "accepted"), "false") << mixed.body;
  EXPECT_EQ(Field(results[1], "code"), "permission_denied") << mixed.body;
  EXPECT_TRUE(Contains(Field(results[1], "reason"), "phone-2")) << mixed.body;
  // Only the tag's fix reached the engine: sent again by a credential for every device,
  // the tag's is a duplicate and the phone's is new.
  const HttpReply again = Http(daemon.http(), "POST", "/v1/fixes",
                               "[" + FixJson("tag-1", 1, t, kTagLat, kTagLon) + "," +
                                   FixJson("phone-2", 1, t, kVictimLat, kVictimLon) + "]");
  results = FixResults(again.body);
  ASSERT_EQ(results.size(), 2u) << again.body;
  EXPECT_EQ(Field(results[0], "duplicate"), "true") << again.body;
  EXPECT_EQ(Field(results[1], "accepted"), "true") << again.body;
  EXPECT_EQ(Field(results[1], "duplicate"), "false") << again.body;

  // A Traccar forward: answered 200 either way (Traccar would retry), refused per fix.
  const HttpReply tag = HttpAs(gateway.token, daemon.http(), "POST", "/v1/traccar",
                               TraccarForward("tag-1", t + 5'000, kTagLat, kTagLon));
  ASSERT_EQ(tag.status, 200) << tag.body;
  EXPECT_EQ(Field(FixResults(tag.body).at(0), "accepted"), "true") << tag.body;
  const HttpReply not_its = HttpAs(gateway.token, daemon.http(), "POST", "/v1/traccar",
                                   TraccarForward("phone-2", t + 5'000, kVictimLat, kVictimLon));
  ASSERT_EQ(not_its.status, 200) << not_its.body;
  EXPECT_EQ(Field(FixResults(not_its.body).at(0), "code"), "permission_denied") << not_its.body;

  // OsmAnd: the token in the server URL the app is given, or a bearer header.
  const auto with_token = [](const std::string& token, const std::string& query) {
    return "/?token=" + token + "&" + query.substr(2);
  };
  const std::string phone_query = OsmAndQuery("phone-2", t + 7'000, kVictimLat, kVictimLon);
  EXPECT_EQ(HttpAs("", daemon.osmand(), "GET", phone_query).status, 401);
  const HttpReply unknown =
      HttpAs("", daemon.osmand(), "GET", with_token("sa_unknown", phone_query));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_TRUE(Contains(unknown.body, "token")) << unknown.body;
  const HttpReply accepted =
      HttpAs("", daemon.osmand(), "GET", with_token(phone.token, phone_query));
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  const HttpReply other_device =
      HttpAs("", daemon.osmand(), "GET",
             with_token(phone.token, OsmAndQuery("tag-1", t + 8'000, kTagLat, kTagLon)));
  EXPECT_EQ(other_device.status, 403) << other_device.body;
  EXPECT_TRUE(Contains(other_device.body, "permission_denied")) << other_device.body;
  EXPECT_EQ(HttpAs(phone.token, daemon.osmand(), "GET",
                   OsmAndQuery("phone-2", t + 9'000, kVictimLat, kVictimLon))
                .status,
            200);
  EXPECT_EQ(HttpAs("", daemon.osmand(), "GET", "/?token=" + phone.token + "&id=phone-2").status,
            400);  // no position
  // An operator's token is known but may not send fixes.
  const Issued op = Issue(daemon, "operator", R"("operator")");
  EXPECT_EQ(HttpAs("", daemon.osmand(), "GET",
                   with_token(op.token, OsmAndQuery("phone-2", t + 10'000, 42.87, 74.59)))
                .status,
            403);

  const std::string metrics = Http(daemon.http(), "GET", "/metrics").body;
  EXPECT_EQ(Metric(metrics, Rejected("http", "permission_denied")), 1) << metrics;
  EXPECT_EQ(Metric(metrics, Rejected("traccar", "permission_denied")), 1) << metrics;
  EXPECT_EQ(Metric(metrics, Rejected("osmand", "unauthenticated")), 2) << metrics;
  EXPECT_EQ(Metric(metrics, Rejected("osmand", "permission_denied")), 2) << metrics;
  const std::string log = daemon.Log();
  EXPECT_TRUE(Contains(log, "'gateway' (" + gateway.id + ", ingest) sent a fix for device phone-2"))
      << log;
  EXPECT_FALSE(Contains(log, phone.token)) << "a token from an OsmAnd URL was logged";
}

TEST(Access, TcpConnectionsAuthenticateFirstAndIngestCredentialsSendOnlyForTheirDevices) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const Issued gateway = Issue(daemon, "gateway", R"("ingest")", R"("tag-*", "phone-9")");
  const Issued op = Issue(daemon, "operator", R"("operator")");
  const TimeMs t = NowMs() - 60'000;
  const auto batch_of = [](uint64_t id, std::vector<v1::Fix> fixes) {
    v1::ClientFrame frame;
    frame.mutable_batch()->set_batch_id(id);
    for (v1::Fix& fix : fixes) *frame.mutable_batch()->add_fixes() = std::move(fix);
    return frame;
  };

  // A batch before any authenticate frame: refused, and the daemon hangs up.
  {
    tools::DaemonClient client;
    ClientWatchdog watchdog(client);
    ASSERT_TRUE(client.Connect(daemon.ingest()).ok());
    ASSERT_TRUE(client.Send(batch_of(1, {MakeFix("tag-1", 1, t, kTagLat, kTagLon)})).ok());
    v1::ServerFrame reply;
    ASSERT_TRUE(client.Receive(&reply).ok());
    EXPECT_EQ(reply.error().code(), "unauthenticated") << reply.DebugString();
    EXPECT_FALSE(client.Receive(&reply).ok()) << "still open: " << reply.DebugString();
  }
  // A token no credential has: the same.
  {
    tools::DaemonClient client;
    ClientWatchdog watchdog(client);
    const Status refused = ConnectAndAuthenticate(client, daemon.ingest(), "sa_wrong-token");
    EXPECT_EQ(refused.code(), StatusCode::kUnauthenticated);
    EXPECT_TRUE(Contains(refused.message(), "unauthenticated")) << refused.message();
    v1::ServerFrame reply;
    EXPECT_FALSE(client.Receive(&reply).ok());
  }
  // The gateway: its devices pass, another is refused by index (phone-9 passes the access
  // check and reaches the engine, which knows no order for it); a subscribe is refused
  // while the connection carries on.
  {
    tools::DaemonClient client;
    ClientWatchdog watchdog(client);
    ASSERT_TRUE(ConnectAndAuthenticate(client, daemon.ingest(), gateway.token).ok());
    ASSERT_TRUE(client
                    .Send(batch_of(7, {MakeFix("tag-1", 1, t, kTagLat, kTagLon),
                                       MakeFix("phone-2", 1, t, kVictimLat, kVictimLon),
                                       MakeFix("phone-9", 1, t, kVictimLat, kVictimLon)}))
                    .ok());
    v1::ServerFrame reply;
    ASSERT_TRUE(client.Receive(&reply).ok());
    ASSERT_TRUE(reply.has_ack()) << reply.DebugString();
    EXPECT_EQ(reply.ack().batch_id(), 7u);
    ASSERT_EQ(reply.ack().accepted_size(), 1) << reply.DebugString();
    EXPECT_EQ(reply.ack().accepted(0).device(), "tag-1");
    ASSERT_EQ(reply.ack().rejected_size(), 2) << reply.DebugString();
    EXPECT_EQ(reply.ack().rejected(0).index(), 1u);
    EXPECT_EQ(reply.ack().rejected(0).device(), "phone-2");
    EXPECT_EQ(reply.ack().rejected(0).code(), "permission_denied");
    EXPECT_EQ(reply.ack().rejected(1).index(), 2u);
    EXPECT_EQ(reply.ack().rejected(1).code(), "not_found");

    v1::ClientFrame subscribe;
    subscribe.mutable_subscribe()->set_from_seq(1);
    ASSERT_TRUE(client.Send(subscribe).ok());
    ASSERT_TRUE(client.Receive(&reply).ok());
    EXPECT_EQ(reply.error().code(), "permission_denied") << reply.DebugString();
    EXPECT_TRUE(Contains(reply.error().message(), "operator or auditor")) << reply.DebugString();

    ASSERT_TRUE(client.Send(batch_of(8, {MakeFix("tag-1", 2, t + 1'000, kTagLat, kTagLon)})).ok());
    ASSERT_TRUE(client.Receive(&reply).ok());
    ASSERT_TRUE(reply.has_ack()) << reply.DebugString();
    EXPECT_EQ(reply.ack().batch_id(), 8u);
    EXPECT_EQ(reply.ack().accepted_size(), 1);
  }
  // An operator may subscribe but not send fixes.
  {
    tools::DaemonClient client;
    ClientWatchdog watchdog(client);
    ASSERT_TRUE(ConnectAndAuthenticate(client, daemon.ingest(), op.token).ok());
    ASSERT_TRUE(client.Send(batch_of(9, {MakeFix("tag-1", 3, t + 2'000, kTagLat, kTagLon)})).ok());
    v1::ServerFrame reply;
    ASSERT_TRUE(client.Receive(&reply).ok());
    EXPECT_EQ(reply.error().code(), "permission_denied") << reply.DebugString();
    EXPECT_TRUE(Contains(reply.error().message(), "ingest")) << reply.DebugString();
  }
  const std::string metrics = Http(daemon.http(), "GET", "/metrics").body;
  EXPECT_EQ(Metric(metrics, Rejected("tcp", "unauthenticated")), 2) << metrics;
  EXPECT_EQ(Metric(metrics, Rejected("tcp", "permission_denied")), 3) << metrics;
  const std::string log = daemon.Log();
  EXPECT_TRUE(Contains(log, "\"source\":\"tcp\",\"code\":\"unauthenticated\"")) << log;
  EXPECT_TRUE(Contains(log, "sent a fix for device phone-2 (tcp from 127.0.0.1")) << log;
}

TEST(Access, AuditorsReadAlertsAndEventsWithoutAnybodysPosition) {
  Daemon daemon;
  const Issued op = Issue(daemon, "operator-7", R"("operator")");
  const Issued auditor = Issue(daemon, "auditor-3", R"("auditor")");
  const Issued clerk = Issue(daemon, "court-clerk", R"("evidence")");
  // Subscribed over TCP before anything happens: live events.
  tools::DaemonClient op_events, auditor_events;
  ClientWatchdog op_watchdog(op_events), auditor_watchdog(auditor_events);
  for (const auto& [client, token] : std::vector<std::pair<tools::DaemonClient*, std::string>>{
           {&op_events, op.token}, {&auditor_events, auditor.token}}) {
    ASSERT_TRUE(ConnectAndAuthenticate(*client, daemon.ingest(), token).ok());
    v1::ClientFrame subscribe;
    subscribe.mutable_subscribe()->set_from_seq(1);
    ASSERT_TRUE(client->Send(subscribe).ok());
  }
  const std::string alert_id = OpenViolation(daemon);
  ASSERT_FALSE(alert_id.empty());

  // HTTP: the operator sees where the victim is, the auditor does not.
  const HttpReply seen = HttpAs(op.token, daemon.http(), "GET", "/v1/alerts");
  ASSERT_EQ(seen.status, 200);
  EXPECT_TRUE(Contains(seen.body, kVictimLatText)) << seen.body;
  EXPECT_FALSE(Contains(seen.body, "withheld")) << seen.body;
  const HttpReply withheld = HttpAs(auditor.token, daemon.http(), "GET", "/v1/alerts");
  ASSERT_EQ(withheld.status, 200);
  EXPECT_FALSE(Contains(withheld.body, kVictimLatText)) << withheld.body;
  v1::AlertList list;
  ASSERT_TRUE(pbutil::JsonStringToMessage(withheld.body, &list).ok()) << withheld.body;
  ASSERT_EQ(list.alerts_size(), 1) << withheld.body;
  const v1::Event& redacted = list.alerts(0).last_event();
  EXPECT_TRUE(redacted.protected_().withheld());
  EXPECT_EQ(redacted.protected_().device(), "phone-2");  // who and which device stay
  EXPECT_TRUE(redacted.redacted());
  EXPECT_TRUE(redacted.supervised().withheld());  // the supervised person's goes too
  EXPECT_EQ(redacted.supervised().lat(), 0);
  EXPECT_FALSE(redacted.has_distance_m());  // and the distance with its bounds
  EXPECT_FALSE(redacted.has_distance_upper_m());
  // The protected object says withheld and has no coordinates at all, not (0, 0).
  const std::string protected_json = ProtectedObject(withheld.body);
  EXPECT_TRUE(Contains(protected_json, "\"withheld\":true")) << protected_json;
  EXPECT_FALSE(Contains(protected_json, "\"lat\"")) << protected_json;
  EXPECT_FALSE(Contains(protected_json, "\"lon\"")) << protected_json;

  // TCP subscribers: the same rule.
  const auto opened = [](tools::DaemonClient& client) {
    v1::Event event;
    for (int i = 0; i < 20; ++i) {
      v1::ServerFrame frame;
      if (!client.Receive(&frame).ok()) break;
      if (frame.has_event() && frame.event().event().kind() == v1::Event::proximity_violation) {
        return frame.event().event();
      }
    }
    ADD_FAILURE() << "no violation event";
    return event;
  };
  const v1::Event op_event = opened(op_events);
  EXPECT_EQ(op_event.protected_().lat(), kVictimLat);
  EXPECT_EQ(op_event.protected_().lon(), kVictimLon);
  EXPECT_FALSE(op_event.protected_().has_withheld());
  const v1::Event auditor_event = opened(auditor_events);
  EXPECT_TRUE(auditor_event.protected_().has_withheld());
  EXPECT_TRUE(auditor_event.protected_().withheld());
  EXPECT_EQ(auditor_event.protected_().lat(), 0);
  EXPECT_EQ(auditor_event.protected_().lon(), 0);
  EXPECT_EQ(auditor_event.protected_().accuracy_m(), 0);
  EXPECT_EQ(auditor_event.protected_().device(), "phone-2");
  EXPECT_EQ(auditor_event.supervised().lat(), 0);
  EXPECT_FALSE(auditor_event.has_distance_m());
  EXPECT_EQ(auditor_event.alert_id(), alert_id);

  // Server-sent events: the same rule.
  const std::string auditor_stream =
      ReadEventStream(auditor.token, daemon.http(), "event: proximity_violation");
  EXPECT_TRUE(Contains(auditor_stream, "event: proximity_violation")) << auditor_stream;
  EXPECT_TRUE(Contains(auditor_stream, "\"withheld\":true")) << auditor_stream;
  EXPECT_FALSE(Contains(auditor_stream, kVictimLatText)) << auditor_stream;
  EXPECT_TRUE(Contains(ProtectedObject(auditor_stream), "\"withheld\":true")) << auditor_stream;
  EXPECT_FALSE(Contains(ProtectedObject(auditor_stream), "\"lat\"")) << auditor_stream;
  const std::string op_stream = ReadEventStream(op.token, daemon.http(), kVictimLatText);
  EXPECT_TRUE(Contains(op_stream, kVictimLatText)) << op_stream;

  // `stayaway watch` with the auditor's credential prints the same.
  const fs::path token_file = daemon.dir() / "auditor-token";
  std::ofstream(token_file) << auditor.token << "\n";
  const fs::path watch_out = daemon.dir() / "watch.out";
  const std::string stayaway =
      (DaemonBinary().parent_path().parent_path() / "tools" / "stayaway").string();
  const int watched = std::system(("timeout 10 " + stayaway + " watch --target " + daemon.ingest() +
                                   " --count 1 --format json --token-file " + token_file.string() +
                                   " >" + watch_out.string() + " 2>&1")
                                      .c_str());
  const std::string watch_json = ReadFile(watch_out);
  EXPECT_EQ(watched, 0) << watch_json;
  EXPECT_TRUE(Contains(watch_json, "\"withheld\":true")) << watch_json;
  EXPECT_FALSE(Contains(watch_json, "\"lat\"")) << watch_json;  // nobody's
  EXPECT_TRUE(Contains(ProtectedObject(watch_json), "\"withheld\":true")) << watch_json;
  EXPECT_FALSE(Contains(ProtectedObject(watch_json), "\"lat\"")) << watch_json;

  // Evidence is for courts and holds every position: the evidence role exports it, whole;
  // neither the operator nor the auditor may.
  for (const Issued& who : {op, auditor}) {
    const HttpReply denied =
        HttpAs(who.token, daemon.http(), "GET", "/v1/alerts/" + alert_id + "/evidence");
    EXPECT_EQ(denied.status, 403) << denied.body;
    EXPECT_TRUE(Contains(denied.body, "needs the evidence role")) << denied.body;
  }
  const HttpReply bundle =
      HttpAs(clerk.token, daemon.http(), "GET", "/v1/alerts/" + alert_id + "/evidence");
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  EXPECT_TRUE(Contains(bundle.body, kVictimLatText)) << "the bundle lost the victim's position";
  const std::string log = daemon.Log();
  EXPECT_TRUE(
      Contains(log, "\"msg\":\"audit\",\"action\":\"evidence exported\",\"by\":\"'court-clerk' (" +
                        clerk.id + ", evidence)\",\"subject\":\"alert " + alert_id + "\""))
      << log;
}

TEST(Access, ARevokedCredentialIsRefusedAtOnceAndTheLastAdminStays) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const Issued op = Issue(daemon, "operator-7", R"("operator")");
  const Issued gateway = Issue(daemon, "gateway", R"("ingest")", R"("*")");
  ASSERT_EQ(HttpAs(op.token, daemon.http(), "GET", "/v1/alerts").status, 200);
  // Open connections of both: a gateway's, and the operator's TCP subscription and event
  // stream.
  tools::DaemonClient feeder, subscriber;
  ClientWatchdog feeder_watchdog(feeder), watchdog(subscriber);
  ASSERT_TRUE(ConnectAndAuthenticate(feeder, daemon.ingest(), gateway.token).ok());
  ASSERT_TRUE(ConnectAndAuthenticate(subscriber, daemon.ingest(), op.token).ok());
  v1::ClientFrame subscribe;
  subscribe.mutable_subscribe()->set_from_seq(1);
  ASSERT_TRUE(subscriber.Send(subscribe).ok());
  const TimeMs t = NowMs() - 60'000;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/traccar",
                 TraccarForward("tag-1", t, kTagLat, kTagLon, "tampering"))
                .status,
            200);
  v1::ServerFrame frame;
  ASSERT_TRUE(subscriber.Receive(&frame).ok());
  ASSERT_TRUE(frame.has_event()) << frame.DebugString();  // it is live
  EventStream stream(op.token, daemon.http());
  ASSERT_TRUE(stream.ReadUntil("event: strap_tamper")) << stream.text();

  ASSERT_EQ(Http(daemon.http(), "DELETE", "/v1/credentials/" + gateway.id).status, 200);
  const HttpReply revoked = Http(daemon.http(), "DELETE", "/v1/credentials/" + op.id);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_TRUE(Contains(revoked.body, "operator-7")) << revoked.body;
  EXPECT_FALSE(Contains(revoked.body, access::TokenDigest(op.token))) << revoked.body;
  const HttpReply refused = HttpAs(op.token, daemon.http(), "GET", "/v1/alerts");
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_FALSE(Contains(ReadFile(daemon.dir() / "data" / "credentials.json"), op.id));
  EXPECT_EQ(Http(daemon.http(), "DELETE", "/v1/credentials/" + op.id).status, 404);

  // The subscription ends at its next event (the strap closing): an error instead of the
  // event, then the daemon hangs up. Events sent before the revocation may come first.
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/traccar",
                 TraccarForward("tag-1", t + 1'000, kTagLat, kTagLon))
                .status,
            200);
  std::vector<v1::ServerFrame> after;
  while (subscriber.Receive(&frame).ok()) after.push_back(frame);
  ASSERT_FALSE(after.empty()) << "closed without saying why";
  EXPECT_EQ(after.back().error().code(), "unauthenticated") << after.back().DebugString();
  EXPECT_TRUE(Contains(after.back().error().message(), "revoked")) << after.back().DebugString();
  for (const v1::ServerFrame& f : after) {
    EXPECT_FALSE(f.event().event().kind() == v1::Event::strap_tamper &&
                 f.event().event().transition() == v1::Event::closed)
        << "a revoked subscriber got an event after its revocation: " << f.DebugString();
  }
  // The event stream ends too, without that event.
  EXPECT_TRUE(stream.ReadToClose()) << stream.text();
  EXPECT_EQ(stream.text().find("\"transition\":\"closed\""), std::string::npos) << stream.text();
  // The gateway's next batch is refused and the connection closed.
  v1::ClientFrame batch;
  *batch.mutable_batch()->add_fixes() = MakeFix("tag-1", 1, t, kTagLat, kTagLon);
  ASSERT_TRUE(feeder.Send(batch).ok());
  ASSERT_TRUE(feeder.Receive(&frame).ok());
  EXPECT_EQ(frame.error().code(), "unauthenticated") << frame.DebugString();
  EXPECT_FALSE(feeder.Receive(&frame).ok()) << "still open: " << frame.DebugString();
  // A new connection with it is refused.
  tools::DaemonClient again;
  ClientWatchdog again_watchdog(again);
  EXPECT_EQ(ConnectAndAuthenticate(again, daemon.ingest(), op.token).code(),
            StatusCode::kUnauthenticated);

  // The harness credential is the only admin: it cannot be revoked, by itself or anyone.
  const HttpReply last = Http(daemon.http(), "DELETE", "/v1/credentials/cred-harness00000");
  EXPECT_EQ(last.status, 409) << last.body;
  EXPECT_TRUE(Contains(last.body, "failed_precondition")) << last.body;
  EXPECT_TRUE(Contains(last.body, "last admin")) << last.body;
  // With a second admin it can; then that one is the last.
  const Issued admin = Issue(daemon, "admin-2", R"("admin")");
  EXPECT_EQ(
      HttpAs(admin.token, daemon.http(), "DELETE", "/v1/credentials/cred-harness00000").status,
      200);
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/whoami").status, 401);
  EXPECT_EQ(HttpAs(admin.token, daemon.http(), "DELETE", "/v1/credentials/" + admin.id).status,
            409);
  EXPECT_EQ(HttpAs(admin.token, daemon.http(), "GET", "/v1/whoami").status, 200);

  const std::string log = daemon.Log();
  EXPECT_TRUE(Contains(log, "\"action\":\"credential revoked\",\"by\":\"'harness'")) << log;
  EXPECT_TRUE(Contains(log, "\"action\":\"credential revoked\",\"by\":\"'admin-2'")) << log;
  // The revocations outlast a restart.
  EXPECT_EQ(daemon.Stop(), 0);
  Daemon restarted({}, daemon.dir());
  EXPECT_EQ(HttpAs(op.token, restarted.http(), "GET", "/v1/whoami").status, 401);
  EXPECT_EQ(Http(restarted.http(), "GET", "/v1/whoami").status, 401);
  EXPECT_EQ(HttpAs(admin.token, restarted.http(), "GET", "/v1/whoami").status, 200);
}

TEST(Access, AnAcknowledgementCarriesTheCredentialItCameWith) {
  Daemon daemon;
  const Issued op = Issue(daemon, "operator-7", R"("operator")");
  const Issued auditor = Issue(daemon, "auditor-3", R"("auditor")");
  const Issued clerk = Issue(daemon, "court-clerk", R"("evidence")");
  const std::string alert_id = OpenViolation(daemon);
  ASSERT_FALSE(alert_id.empty());
  const std::string ack = "/v1/alerts/" + alert_id + "/ack";

  EXPECT_EQ(HttpAs(auditor.token, daemon.http(), "POST", ack, R"({"note": "x"})").status, 403);
  const HttpReply forged = HttpAs(op.token, daemon.http(), "POST", ack,
                                  R"({"note": "x", "credential": "cred-someoneelse"})");
  EXPECT_EQ(forged.status, 400) << forged.body;
  EXPECT_TRUE(Contains(forged.body, "credential")) << forged.body;

  const HttpReply acked = HttpAs(op.token, daemon.http(), "POST", ack, R"({"note": "x"})");
  ASSERT_EQ(acked.status, 200) << acked.body;
  v1::AlertView view;
  ASSERT_TRUE(pbutil::JsonStringToMessage(acked.body, &view).ok()) << acked.body;
  ASSERT_EQ(view.acks_size(), 1) << acked.body;
  EXPECT_EQ(view.acks(0).by(), "operator-7");
  EXPECT_EQ(view.acks(0).note(), "x");
  const HttpReply alerts = HttpAs(op.token, daemon.http(), "GET", "/v1/alerts?state=all");
  EXPECT_TRUE(Contains(alerts.body, "\"by\":\"operator-7\"")) << alerts.body;
  // The journal keeps the credential with the acknowledgement (the evidence bundle's
  // inputs), and nothing of the refused attempt.
  const HttpReply bundle =
      HttpAs(clerk.token, daemon.http(), "GET", "/v1/alerts/" + alert_id + "/evidence");
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  EXPECT_TRUE(Contains(bundle.body, "credential\\\":\\\"" + op.id)) << bundle.body;
  EXPECT_FALSE(Contains(bundle.body, "cred-someoneelse")) << bundle.body;
  EXPECT_TRUE(Contains(daemon.Log(), "\"action\":\"alert acknowledged\",\"by\":\"'operator-7' (" +
                                         op.id + ", operator)\",\"subject\":\"alert " + alert_id))
      << daemon.Log();
}

TEST(Access, DeviceKeysAreManagedByAdminsAndNeverEchoed) {
  Daemon daemon;
  const Issued op = Issue(daemon, "operator-7", R"("operator")");
  const std::string route = "/v1/devices/tag-1/key";
  const std::string bad_key = "this-is-not-a-key-but-could-be-a-secret";
  const HttpReply bad = Http(daemon.http(), "PUT", route, R"({"key": ")" + bad_key + "\"}");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_FALSE(Contains(bad.body, bad_key)) << bad.body;
  const std::string short_hex(62, 'a');
  const HttpReply short_key = Http(daemon.http(), "PUT", route, R"({"key": ")" + short_hex + "\"}");
  EXPECT_EQ(short_key.status, 400) << short_key.body;
  EXPECT_FALSE(Contains(short_key.body, short_hex)) << short_key.body;
  const HttpReply stray =
      Http(daemon.http(), "PUT", route, R"({"key": "00", "k": ")" + bad_key + "\"}");
  EXPECT_EQ(stray.status, 400) << stray.body;
  EXPECT_FALSE(Contains(stray.body, bad_key)) << stray.body;

  const std::string key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  EXPECT_EQ(HttpAs(op.token, daemon.http(), "PUT", route, R"({"key": ")" + key + "\"}").status,
            403);
  EXPECT_EQ(HttpAs(op.token, daemon.http(), "GET", "/v1/devices/keyed").status, 403);
  const HttpReply put = Http(daemon.http(), "PUT", route, R"({"key": ")" + key + "\"}");
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_FALSE(Contains(put.body, key)) << put.body;
  const HttpReply keyed = Http(daemon.http(), "GET", "/v1/devices/keyed");
  EXPECT_EQ(keyed.status, 200);
  EXPECT_TRUE(Contains(keyed.body, "{\"devices\":[\"tag-1\"]}")) << keyed.body;
  EXPECT_FALSE(Contains(keyed.body, key)) << keyed.body;
  EXPECT_EQ(HttpAs(op.token, daemon.http(), "DELETE", route).status, 403);
  EXPECT_EQ(Http(daemon.http(), "DELETE", route).status, 200);
  EXPECT_EQ(Http(daemon.http(), "DELETE", route).status, 404);
  EXPECT_TRUE(Contains(Http(daemon.http(), "GET", "/v1/devices/keyed").body, "{\"devices\":[]}"));

  const std::string log = daemon.Log();
  EXPECT_FALSE(Contains(log, key)) << "a device key was logged";
  EXPECT_FALSE(Contains(log, bad_key)) << "a rejected key was logged";
  EXPECT_TRUE(Contains(log, "\"action\":\"device key set\",\"by\":\"'harness'")) << log;
  EXPECT_TRUE(Contains(log, "\"action\":\"device key removed\",\"by\":\"'harness'")) << log;
}

TEST(Access, WithoutCredentialsEveryPathAndMethodAnswers401BeforeTheRouteTable) {
  Daemon daemon;
  const std::vector<Probe> probes = {
      {"DELETE", "/v1/orders", ""},               // a route, but not this method
      {"PATCH", "/v1/alerts", ""},                // the same
      {"DELETE", "/v1/zones", ""},                // the same
      {"POST", "/metrics", ""},                   // the same
      {"GET", "/v1/nope", ""},                    // no such route
      {"GET", "/v1/orders/KG-7/extra", ""},       // no such route
      {"GET", "/v1", ""},                         // no such route ("/" is the console)
      {"POST", "/", ""},                          // the console's files are only read
      {"GET", "/v1/events/stream?from=%zz", ""},  // a malformed query
      {"GET", "/v1/orders/%zz", ""},              // a malformed path
      {"GET", "/v1/orders/bad%20id", ""},         // an id outside the rule
      {"POST", "/v1/orders", "{not json"},        // a malformed body
  };
  for (const Probe& probe : probes) {
    for (const std::string& token : {std::string(), std::string("sa_not-a-token")}) {
      const HttpReply reply = HttpAs(token, daemon.http(), probe.method, probe.target, probe.body);
      EXPECT_EQ(reply.status, 401) << probe.method << " " << probe.target << ": " << reply.body;
      EXPECT_TRUE(Contains(reply.head, "WWW-Authenticate: Bearer")) << reply.head;
      EXPECT_FALSE(Contains(reply.head, "Allow:")) << reply.head;
    }
  }
  // The public paths answer everyone, also about their methods.
  EXPECT_EQ(HttpAs("", daemon.http(), "GET", "/healthz").status, 200);
  EXPECT_EQ(HttpAs("", daemon.http(), "GET", "/v1/keys").status, 200);
  EXPECT_EQ(HttpAs("", daemon.http(), "POST", "/healthz").status, 405);
  // Signed in, the route table is there.
  const HttpReply wrong_method = HttpAs(kHarnessToken, daemon.http(), "DELETE", "/v1/orders");
  EXPECT_EQ(wrong_method.status, 405) << wrong_method.body;
  EXPECT_TRUE(Contains(wrong_method.head, "Allow: GET, POST")) << wrong_method.head;
  EXPECT_EQ(HttpAs(kHarnessToken, daemon.http(), "GET", "/v1/nope").status, 404);
}

}  // namespace
}  // namespace stayaway
