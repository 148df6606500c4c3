// End-to-end test of device keys with the real binaries: stayawayd loads
// DATA_DIR/device_keys.json, `stayaway feed --device-keys` signs the keyed devices' fixes,
// and unsigned, wrongly signed and stale fixes are refused over the TCP ingest port, also
// after a restart.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/daemon_harness.h"
#include "tests/stayaway_cli.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

constexpr char kTagKey[] = "3f1c6a0b9e8d7c6b5a4f3e2d1c0b0a99887766554433221100ffeeddccbbaa01";
constexpr char kWrongKey[] = "0000000000000000000000000000000000000000000000000000000000000001";

class DeviceKeysEndToEnd : public ::testing::Test {
 protected:
  DeviceKeysEndToEnd() {
    dir_ = fs::path(::testing::TempDir()) /
           ("device-keys-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    DataDirCleanup::Add(dir_);
    // The centre's key table, as an operator provisions it before start.
    std::ofstream(dir_ / "data" / "device_keys.json") << "{\"tag-1\": \"" << kTagKey << "\"}\n";
    ::chmod((dir_ / "data" / "device_keys.json").c_str(), 0600);
    // The same key on the device side (`stayaway feed` plays the tag), and a wrong one.
    std::ofstream(dir_ / "tag-keys.json") << "{\"tag-1\": \"" << kTagKey << "\"}\n";
    std::ofstream(dir_ / "wrong-keys.json") << "{\"tag-1\": \"" << kWrongKey << "\"}\n";
  }

  // Feeds the lines as a story (the event times are moved to now by `feed`).
  CommandRun Feed(Daemon& daemon, const std::vector<std::string>& lines,
                  const std::string& key_file = "") {
    const fs::path fixes = dir_ / ("fixes-" + std::to_string(feeds_++) + ".ndjson");
    std::ofstream out(fixes);
    for (const std::string& line : lines) out << line << '\n';
    out.close();
    std::string args =
        "feed --target " + daemon.ingest() + " --fixes " + fixes.string() + " --speed 1000";
    if (!key_file.empty()) args += " --device-keys " + (dir_ / key_file).string();
    return Stayaway(args);
  }

  // A fix `second` seconds into the story.
  static std::string FixLine(const std::string& device, uint64_t seq, double lon, int second = 0) {
    return R"({"device": ")" + device + R"(", "seq": )" + std::to_string(seq) +
           R"(, "time": "2025-03-10T10:00:)" + (second < 10 ? "0" : "") + std::to_string(second) +
           R"(Z", "lat": 42.87, "lon": )" + std::to_string(lon) + R"(, "accuracy_m": 5})";
  }

  static inline int counter_ = 0;
  int feeds_ = 0;
  fs::path dir_;
};

TEST_F(DeviceKeysEndToEnd, SignedFixesRaiseTheAlertAndForgedOrReplayedOnesAreRefused) {
  {
    Daemon daemon({}, dir_);
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);

    // The victim's phone has no key; the tag signs. 40 m apart: a violation.
    const CommandRun signed_feed =
        Feed(daemon,
             {FixLine("phone-2", 1, 74.59), FixLine("tag-1", 1, 74.5905, 1),
              FixLine("tag-1", 10'000, 74.5905, 2)},
             "tag-keys.json");
    EXPECT_EQ(signed_feed.status, 0) << signed_feed.out;
    EXPECT_TRUE(Contains(signed_feed.out, "fed 3 fixes, 0 refused")) << signed_feed.out;
    const HttpReply alerts = Http(daemon.http(), "GET", "/v1/alerts?state=open");
    EXPECT_TRUE(Contains(alerts.body, "proximity_violation")) << alerts.body;

    // A gateway without the key cannot speak for the tag; the phone is unaffected.
    const CommandRun unsigned_feed =
        Feed(daemon, {FixLine("tag-1", 10'001, 74.70), FixLine("phone-2", 2, 74.59)});
    EXPECT_EQ(unsigned_feed.status, 1) << unsigned_feed.out;
    EXPECT_TRUE(Contains(unsigned_feed.out,
                         "refused tag-1#10001: unauthenticated: device tag-1 signs its fixes: "
                         "the fix has no mac"))
        << unsigned_feed.out;
    EXPECT_TRUE(Contains(unsigned_feed.out, "fed 1 fixes, 1 refused")) << unsigned_feed.out;

    const CommandRun forged = Feed(daemon, {FixLine("tag-1", 10'002, 74.70)}, "wrong-keys.json");
    EXPECT_EQ(forged.status, 1) << forged.out;
    EXPECT_TRUE(Contains(forged.out, "refused tag-1#10002: unauthenticated")) << forged.out;

    // A signed fix from long ago (more than 4096 numbers back) is not taken again.
    const CommandRun stale = Feed(daemon, {FixLine("tag-1", 2, 74.70)}, "tag-keys.json");
    EXPECT_EQ(stale.status, 1) << stale.out;
    EXPECT_TRUE(Contains(stale.out, "refused tag-1#2: stale_sequence")) << stale.out;

    const HttpReply metrics = Http(daemon.http(), "GET", "/metrics");
    EXPECT_TRUE(Contains(
        metrics.body, R"(stayaway_fixes_rejected_total{source="tcp",reason="unauthenticated"} 2)"))
        << metrics.body;
    EXPECT_TRUE(Contains(
        metrics.body, R"(stayaway_fixes_rejected_total{source="tcp",reason="stale_sequence"} 1)"))
        << metrics.body;
    EXPECT_TRUE(Contains(daemon.Log(), "device keys loaded")) << daemon.Log();
    EXPECT_FALSE(Contains(daemon.Log(), kTagKey)) << "a key was logged";
    EXPECT_EQ(daemon.Stop(), 0);
  }

  // After a restart the key and the tag's newest seq (from the replayed journal) still hold.
  Daemon restarted({}, dir_);
  const CommandRun stale = Feed(restarted, {FixLine("tag-1", 3, 74.70)}, "tag-keys.json");
  EXPECT_EQ(stale.status, 1) << stale.out;
  EXPECT_TRUE(Contains(stale.out, "refused tag-1#3: stale_sequence")) << stale.out;
  const CommandRun unsigned_feed = Feed(restarted, {FixLine("tag-1", 10'003, 74.70)});
  EXPECT_TRUE(Contains(unsigned_feed.out, "refused tag-1#10003: unauthenticated"))
      << unsigned_feed.out;
  const CommandRun fresh = Feed(restarted, {FixLine("tag-1", 10'004, 74.70)}, "tag-keys.json");
  EXPECT_EQ(fresh.status, 0) << fresh.out;
}

TEST_F(DeviceKeysEndToEnd, ADamagedKeyFileStopsTheDaemonNamingTheFile) {
  std::ofstream(dir_ / "data" / "device_keys.json") << "{\"tag-1\": \"abc";
  const fs::path binary = DaemonBinary();
  const std::string log = (dir_ / "start.log").string();
  const int rc =
      std::system(("timeout 30 " + binary.string() + " --data-dir " + (dir_ / "data").string() +
                   " --ingest-port 0 --http-port 0 --osmand-port 0 2>" + log)
                      .c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) != 0);
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(Contains(text.str(), "device_keys.json")) << text.str();
}

}  // namespace
}  // namespace stayaway
