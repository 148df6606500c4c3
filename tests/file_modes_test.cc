// End-to-end test of file modes with the real binaries: everything stayawayd and the
// stayaway tools write (journal, snapshots, keys, credentials, checkpoints, webhook
// cursors, evidence bundles, exports, imports, simulations) is readable by its owner only,
// 0600 files in 0700 directories, even under the most permissive umask; and a data
// directory an older version left open to others is tightened at start-up, with a log line.
// They hold protected persons' positions (SECURITY.md, "Files on disk").
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "base/time.h"
#include "tests/daemon_harness.h"
#include "tests/stayaway_cli.h"
#include "tests/webhook_receiver.h"

namespace stayaway {
namespace {

namespace fs = std::filesystem;
using testing_harness::CommandRun;
using testing_harness::Daemon;
using testing_harness::FixJson;
using testing_harness::Http;
using testing_harness::HttpReply;
using testing_harness::NowMs;
using testing_harness::OrderJson;
using testing_harness::Stayaway;
using testing_harness::WaitForOpenAlertId;

fs::path FreshDir(const std::string& name) {
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("file-modes-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

mode_t ModeOf(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 07777;
  return st.st_mode;
}

// "0600": a mode as people write it, so a failure reads as one.
std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Every directory under `root` (and `root` itself) is 0700, every file 0600, and there is
// nothing else. Returns how many files it checked.
size_t ExpectPrivateTree(const fs::path& root) {
  EXPECT_TRUE(S_ISDIR(ModeOf(root))) << root;
  EXPECT_EQ(Octal(ModeOf(root)), "0700") << root;
  size_t files = 0;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(root)) {
    const mode_t mode = ModeOf(entry.path());
    if (S_ISDIR(mode)) {
      EXPECT_EQ(Octal(mode), "0700") << entry.path();
    } else if (S_ISREG(mode)) {
      EXPECT_EQ(Octal(mode), "0600") << entry.path();
      ++files;
    } else {
      ADD_FAILURE() << entry.path() << " is neither a file nor a directory";
    }
  }
  return files;
}

// Sets the process umask for one test and puts the old one back; the binaries the test
// starts inherit it.
class Umask {
 public:
  explicit Umask(mode_t mask) : old_(::umask(mask)) {}
  ~Umask() { ::umask(old_); }

 private:
  mode_t old_;
};

// Runs a daemon on `dir`/data through everything that writes a file: an order, fixes that
// open an alert, snapshots, a device key, a new credential, evidence over HTTP, a webhook.
// Returns the alert's id.
std::string RunCentre(const fs::path& dir) {
  std::ofstream(dir / "stayawayd.toml") << "snapshot_every_records = 1\n";
  testing_harness::WebhookReceiver sink;  // 204 to each POST, so the daemon saves its cursor
  Daemon daemon({"--config", (dir / "stayawayd.toml").string(), "--webhook", sink.url()}, dir);
  EXPECT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const TimeMs t = NowMs() - 60'000;
  std::string fixes = "[";
  for (int i = 0; i < 4; ++i) {  // tag-1 stays ~40 m from phone-2: a violation
    fixes += (i ? "," : "") + FixJson("phone-2", i + 1, t + i * 5'000, 74.59) + "," +
             FixJson("tag-1", i + 1, t + i * 5'000 + 1'000, 74.5905);
  }
  const HttpReply posted = Http(daemon.http(), "POST", "/v1/fixes", fixes + "]");
  EXPECT_EQ(posted.status, 200) << posted.body;
  const std::string alert_id = WaitForOpenAlertId(daemon.http(), "KG-7");
  EXPECT_FALSE(alert_id.empty()) << daemon.Log();
  const std::string key(64, 'a');
  EXPECT_EQ(
      Http(daemon.http(), "PUT", "/v1/devices/tag-9/key", R"({"key": ")" + key + "\"}").status,
      200);
  EXPECT_EQ(Http(daemon.http(), "POST", "/v1/credentials",
                 R"({"name": "operator-7", "roles": ["operator"]})")
                .status,
            201);
  const HttpReply evidence = Http(daemon.http(), "GET", "/v1/alerts/" + alert_id + "/evidence");
  EXPECT_EQ(evidence.status, 200) << evidence.body.substr(0, 200);
  const fs::path webhooks = dir / "data" / "webhooks";
  for (int i = 0; i < 200 && (!fs::exists(webhooks) || fs::is_empty(webhooks)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(daemon.Stop(), 0);
  return alert_id;
}

TEST(FileModes, EverythingTheDaemonAndTheToolsWriteIsOwnerOnlyWhateverTheUmask) {
  const Umask permissive(0);
  const fs::path dir = FreshDir("centre");
  const std::string alert_id = RunCentre(dir);
  const fs::path data = dir / "data";
  // What the daemon wrote: every kind of file it has is there to be checked.
  for (const char* name :
       {"journal/journal-000001.log", "keys/ed25519.key", "keys/ed25519.pub", "credentials.json",
        "device_keys.json", "checkpoints.ndjson", "engine_config.json", "ports"}) {
    EXPECT_TRUE(fs::exists(data / name)) << name;
  }
  EXPECT_FALSE(fs::is_empty(data / "snapshots"));
  EXPECT_FALSE(fs::is_empty(data / "webhooks"));
  EXPECT_TRUE(fs::exists(data / "tmp"));  // where evidence over HTTP is put together
  EXPECT_GE(ExpectPrivateTree(data), 10u);

  const fs::path out = FreshDir("out");
  const CommandRun bundle = Stayaway("evidence --data-dir " + data.string() + " --alert " +
                                     alert_id + " --out " + (out / "cases/bundle").string());
  ASSERT_EQ(bundle.status, 0) << bundle.out;
  EXPECT_GE(ExpectPrivateTree(out / "cases"), 8u);  // the parent it made, too

  const CommandRun exported =
      Stayaway("export --data-dir " + data.string() + " --out " + (out / "export").string());
  ASSERT_EQ(exported.status, 0) << exported.out;
  EXPECT_GE(ExpectPrivateTree(out / "export"), 9u);

  const CommandRun imported = Stayaway("import --from " + (out / "export").string() +
                                       " --data-dir " + (out / "imported").string());
  ASSERT_EQ(imported.status, 0) << imported.out;
  EXPECT_GE(ExpectPrivateTree(out / "imported"), 3u);

  const CommandRun simulated =
      Stayaway("simulate --orders 2 --seed 7 --duration 10m --out " + (out / "simulated").string());
  ASSERT_EQ(simulated.status, 0) << simulated.out;
  EXPECT_EQ(ExpectPrivateTree(out / "simulated"), 4u);

  // Writing again over files an older version made readable keeps nothing of their mode.
  fs::permissions(out / "simulated" / "fixes.ndjson", fs::perms::all);
  ASSERT_EQ(
      Stayaway("simulate --orders 2 --seed 7 --duration 10m --out " + (out / "simulated").string())
          .status,
      0);
  EXPECT_EQ(ExpectPrivateTree(out / "simulated"), 4u);
  fs::remove_all(dir);
  fs::remove_all(out);
}

TEST(FileModes, DaemonTightensADataDirectoryLeftOpenAndSaysSo) {
  const Umask usual(022);
  const fs::path dir = FreshDir("older");
  const fs::path data = dir / "data";
  fs::create_directories(data / "journal");
  fs::permissions(data, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  std::ofstream(data / "notes.txt") << "left by an operator\n";
  fs::permissions(data / "notes.txt", fs::perms::owner_read | fs::perms::owner_write |
                                          fs::perms::group_read | fs::perms::others_read);
  {
    Daemon daemon({}, dir);
    EXPECT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
    EXPECT_EQ(daemon.Stop(), 0);
    EXPECT_NE(daemon.Log().find("readable by group or others"), std::string::npos) << daemon.Log();
  }
  ExpectPrivateTree(data);
  // A second start finds nothing to change and says nothing.
  {
    Daemon daemon({}, dir);
    EXPECT_EQ(daemon.Stop(), 0);
  }
  std::ifstream log(dir / "stayawayd.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  size_t count = 0;
  for (size_t at = 0; (at = text.find("readable by group or others", at)) != std::string::npos;
       ++at) {
    ++count;
  }
  EXPECT_EQ(count, 1u) << text;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stayaway
