// End-to-end tests of `stayaway replay`: each test writes small orders and fixes files to
// a fresh temporary directory, runs the real binary (posix_spawn, stdout and stderr sent
// to files) and checks its output and exit status.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;

// The binary: $STAYAWAY_BIN_DIR/stayaway (set by ctest), else ../tools/stayaway next to
// this test executable, so the test also runs when started by hand.
fs::path StayawayBinary() {
  if (const char* dir = std::getenv("STAYAWAY_BIN_DIR"); dir != nullptr && *dir != '\0') {
    return fs::path(dir) / "stayaway";
  }
  return fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "tools" / "stayaway";
}

fs::path SourceDir() { return STAYAWAY_SOURCE_DIR; }  // defined by stayaway_test()

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct RunResult {
  int exit_status = -1;
  std::string out;
  std::string err;
};

class ReplayCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "stayaway_replay_cli_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ASSERT_TRUE(fs::exists(StayawayBinary())) << StayawayBinary() << " is not built";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path Write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // Runs `stayaway <args...>` with stdout and stderr captured.
  RunResult Run(const std::vector<std::string>& args) {
    const fs::path binary = StayawayBinary();
    const std::string out_path = (dir_ / "stdout.txt").string();
    const std::string err_path = (dir_ / "stderr.txt").string();
    std::vector<std::string> argv_storage = {binary.string()};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    RunResult result;
    const int spawn_error =
        posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawn_error != 0) {
      ADD_FAILURE() << "cannot start " << binary << ": " << std::strerror(spawn_error);
      return result;
    }
    int wait_status = 0;
    if (waitpid(pid, &wait_status, 0) == pid && WIFEXITED(wait_status)) {
      result.exit_status = WEXITSTATUS(wait_status);
    }
    result.out = ReadFile(out_path);
    result.err = ReadFile(err_path);
    return result;
  }

  RunResult Replay(const fs::path& orders, const fs::path& fixes) {
    return Run({"replay", "--orders", orders.string(), "--fixes", fixes.string()});
  }

  fs::path dir_;
};

// One order: p1 wears tag-1 and must keep 500 m (warning 1000 m) from p2, who carries
// phone-2. The victim stays at kHome.
constexpr char kOrders[] = R"([
  {"id": "T-1", "version": 1, "state": "active",
   "supervised": {"id": "p1", "devices": ["tag-1"]},
   "protected": [{"id": "p2", "devices": ["phone-2"], "relation": "victim"}],
   "violation_distance_m": 500, "warning_distance_m": 1000,
   "valid_from": "2025-01-01T00:00:00Z", "valid_until": "2026-01-01T00:00:00Z"}
])";
constexpr double kHomeLat = 42.87;
constexpr double kHomeLon = 74.59;
constexpr double kMetresPerDegreeLat = 111'000;  // close enough for a test story

std::string FixLine(const std::string& device, int seq, int minute, int second, double lat,
                    double lon) {
  char time[32];
  std::snprintf(time, sizeof time, "2025-03-01T10:%02d:%02dZ", minute, second);
  std::ostringstream line;
  line.precision(10);
  line << R"({"device":")" << device << R"(","seq":)" << seq << R"(,"time":")" << time
       << R"(","lat":)" << lat << R"(,"lon":)" << lon << R"(,"accuracy_m":5})";
  return line.str();
}

// The aggressor drives from 3 km north of the victim's home to 400 m from it, then walks
// to 100 m; one fix every 30 s, while the victim's phone reports from home at the same
// times. He skips the warning ring (1000 m) between two fixes, so the alert opens as a
// violation rather than escalating from a warning.
std::vector<std::string> ApproachStory() {
  constexpr double kMetresNorth[] = {3000, 2400, 1800, 1200, 400, 300, 200,
                                     100,  100,  100,  100,  100, 100};
  std::vector<std::string> lines;
  int seq = 0;
  for (int step = 0; step <= 12; ++step) {
    const double metres_north = kMetresNorth[step];
    const int minute = step / 2;
    const int second = (step % 2) * 30;
    ++seq;
    lines.push_back(FixLine("phone-2", seq, minute, second, kHomeLat, kHomeLon));
    lines.push_back(FixLine("tag-1", seq, minute, second,
                            kHomeLat + metres_north / kMetresPerDegreeLat, kHomeLon));
  }
  lines.push_back(R"({"tick":"2025-03-01T10:07:00Z"})");
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

// The first stdout line that holds every one of `parts`, or "".
std::string FindLine(const std::string& out, const std::vector<std::string>& parts) {
  for (const std::string& line : Lines(out)) {
    bool all = true;
    for (const std::string& part : parts) all = all && line.find(part) != std::string::npos;
    if (all) return line;
  }
  return "";
}

TEST_F(ReplayCliTest, ApproachOpensAViolation) {
  const RunResult run =
      Replay(Write("orders.json", kOrders), Write("fixes.ndjson", Join(ApproachStory())));
  EXPECT_EQ(run.exit_status, 0) << run.err;
  const std::string opened =
      FindLine(run.out, {R"("kind":"proximity_violation")", R"("transition":"opened")"});
  ASSERT_FALSE(opened.empty()) << run.out;
  EXPECT_NE(opened.find(R"("alert_id":")"), std::string::npos) << opened;
  EXPECT_NE(opened.find(R"("order_id":"T-1")"), std::string::npos) << opened;
  EXPECT_TRUE(opened.starts_with("{") && opened.ends_with("}")) << opened;
  EXPECT_NE(run.err.find("summary: lines=27 fixes=26 ticks=1 duplicates=0 rejected=0"),
            std::string::npos)
      << run.err;
}

TEST_F(ReplayCliTest, BadLineIsReportedAndTheRestIsProcessed) {
  std::vector<std::string> lines = ApproachStory();
  lines.insert(lines.begin() + 2, R"({"device":"tag-1","seq":99,)");          // line 3
  lines.insert(lines.begin() + 4, R"({"device":"tag-1","seq":98,"lat":1})");  // line 5
  lines.insert(lines.begin() + 5, "");                                        // skipped
  const RunResult run = Replay(Write("orders.json", kOrders), Write("fixes.ndjson", Join(lines)));
  EXPECT_EQ(run.exit_status, 1) << run.err;
  EXPECT_NE(run.err.find("line 3: fix: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("line 5: fix has no time"), std::string::npos) << run.err;
  // The violation comes from lines after the bad ones.
  EXPECT_FALSE(
      FindLine(run.out, {R"("kind":"proximity_violation")", R"("transition":"opened")"}).empty())
      << run.out;
  EXPECT_NE(run.err.find("rejected=2"), std::string::npos) << run.err;
}

TEST_F(ReplayCliTest, EngineRefusalIsReportedWithItsLine) {
  std::vector<std::string> lines = ApproachStory();
  lines.insert(lines.begin(), FixLine("tag-99", 1, 0, 0, kHomeLat, kHomeLon));  // unknown
  lines.insert(lines.begin() + 1, FixLine("tag-1", 50, 0, 0, 91.5, kHomeLon));  // bad lat
  const RunResult run = Replay(Write("orders.json", kOrders), Write("fixes.ndjson", Join(lines)));
  EXPECT_EQ(run.exit_status, 1) << run.err;
  EXPECT_NE(run.err.find("line 1: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("line 2: "), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("line 3:"), std::string::npos) << run.err;
}

TEST_F(ReplayCliTest, TimesTheDaemonWouldNotJournalAreRefusedAsTheDaemonRefusesThem) {
  // Protobuf's JSON parser reads these (an offset carries them past the range), the
  // daemon refuses them (ingest/recordable_input.h), and so does the replay.
  std::vector<std::string> lines = ApproachStory();
  lines.insert(lines.begin(),
               R"({"device": "tag-1", "seq": 90, "time": "9999-12-31T23:59:59-00:01", )"
               R"("lat": 42.87, "lon": 74.59, "accuracy_m": 5})");
  lines.insert(lines.begin() + 1, R"({"tick": "0001-01-01T00:00:00+00:01"})");
  const std::string orders =
      std::string(kOrders).substr(0, std::string(kOrders).rfind(']')) +
      R"(, {"id": "T-2", "version": 1, "valid_until": "9999-12-31T23:59:59-01:00",
                                   "supervised": {"id": "a", "devices": ["t-a"]},
                                   "protected": [{"id": "b", "devices": ["p-b"]}],
                                   "violation_distance_m": 500}])";
  const RunResult run = Replay(Write("orders.json", orders), Write("fixes.ndjson", Join(lines)));
  EXPECT_EQ(run.exit_status, 1) << run.err;
  EXPECT_NE(run.err.find("line 1: fix.time: seconds 253402300859 is outside"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("line 2: tick.tick: seconds -62135596860 is outside"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("order 1 (T-2): order.valid_until: seconds 253402304399 is outside"),
            std::string::npos)
      << run.err;
  EXPECT_FALSE(FindLine(run.out, {R"("kind":"proximity_violation")"}).empty()) << run.out;
}

TEST_F(ReplayCliTest, OverlongLineIsRefusedAndTheRestIsProcessed) {
  std::vector<std::string> lines = ApproachStory();
  lines.insert(lines.begin(), R"({"device":")" + std::string(100'000, 'x') + R"("})");
  const RunResult run = Replay(Write("orders.json", kOrders), Write("fixes.ndjson", Join(lines)));
  EXPECT_EQ(run.exit_status, 1) << run.err;
  EXPECT_NE(run.err.find("line 1: line is 100013 bytes, more than the limit of 65536"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("lines=28 fixes=26 ticks=1 duplicates=0 rejected=1"), std::string::npos)
      << run.err;
}

TEST_F(ReplayCliTest, CrLfLineEndingsAndNoFinalNewlineAreFine) {
  std::string text;
  for (const std::string& line : ApproachStory()) text += line + "\r\n";
  text += FixLine("phone-2", 100, 9, 0, kHomeLat, kHomeLon);  // no newline at the end
  const RunResult run = Replay(Write("orders.json", kOrders), Write("fixes.ndjson", text));
  EXPECT_EQ(run.exit_status, 0) << run.err;
  EXPECT_NE(run.err.find("lines=28 fixes=27 ticks=1"), std::string::npos) << run.err;
}

TEST_F(ReplayCliTest, DuplicatesAreIgnoredSilently) {
  std::vector<std::string> lines = ApproachStory();
  lines.insert(lines.begin() + 3, lines[1]);
  const RunResult run = Replay(Write("orders.json", kOrders), Write("fixes.ndjson", Join(lines)));
  EXPECT_EQ(run.exit_status, 0) << run.err;
  EXPECT_EQ(run.err.find("line "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("duplicates=1 rejected=0"), std::string::npos) << run.err;
}

TEST_F(ReplayCliTest, RefusedOrderIsReportedAndTheRestStillRuns) {
  const std::string orders = std::string(kOrders).substr(0, std::string(kOrders).rfind(']')) +
                             R"(, {"id": "T-2", "version": 1, "violation_distance_m": 500}])";
  const RunResult run =
      Replay(Write("orders.json", orders), Write("fixes.ndjson", Join(ApproachStory())));
  EXPECT_EQ(run.exit_status, 1) << run.err;
  EXPECT_NE(run.err.find("order 1 (T-2): "), std::string::npos) << run.err;
  EXPECT_FALSE(FindLine(run.out, {R"("kind":"proximity_violation")"}).empty()) << run.out;
}

TEST_F(ReplayCliTest, SameInputGivesByteIdenticalOutput) {
  const fs::path orders = Write("orders.json", kOrders);
  const fs::path fixes = Write("fixes.ndjson", Join(ApproachStory()));
  const RunResult first = Replay(orders, fixes);
  const RunResult second = Replay(orders, fixes);
  ASSERT_FALSE(first.out.empty());
  EXPECT_EQ(first.out, second.out);
  EXPECT_EQ(first.err, second.err);
}

TEST_F(ReplayCliTest, MissingFileExitsTwo) {
  const fs::path orders = Write("orders.json", kOrders);
  const RunResult no_fixes = Replay(orders, dir_ / "nope.ndjson");
  EXPECT_EQ(no_fixes.exit_status, 2);
  EXPECT_NE(no_fixes.err.find("cannot read"), std::string::npos) << no_fixes.err;
  EXPECT_NE(no_fixes.err.find("nope.ndjson"), std::string::npos) << no_fixes.err;
  EXPECT_TRUE(no_fixes.out.empty());

  const RunResult no_orders = Replay(dir_ / "nope.json", Write("fixes.ndjson", ""));
  EXPECT_EQ(no_orders.exit_status, 2);
  EXPECT_NE(no_orders.err.find("nope.json"), std::string::npos) << no_orders.err;
}

TEST_F(ReplayCliTest, OrdersThatAreNotAnArrayExitTwo) {
  const RunResult run = Replay(Write("orders.json", R"({"id": "T-1"})"), Write("fixes.ndjson", ""));
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_NE(run.err.find("expected a JSON array of orders"), std::string::npos) << run.err;
}

TEST_F(ReplayCliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Run({}).exit_status, 2);
  EXPECT_EQ(Run({"frobnicate"}).exit_status, 2);
  const RunResult missing_fixes = Run({"replay", "--orders", "x.json"});
  EXPECT_EQ(missing_fixes.exit_status, 2);
  EXPECT_NE(missing_fixes.err.find("--fixes is required"), std::string::npos);
  EXPECT_NE(missing_fixes.err.find("usage: stayaway replay"), std::string::npos);
  EXPECT_EQ(Run({"replay", "--orders"}).exit_status, 2);
  EXPECT_EQ(Run({"replay", "--speed", "3"}).exit_status, 2);

  const RunResult help = Run({"replay", "--help"});
  EXPECT_EQ(help.exit_status, 0);
  EXPECT_NE(help.out.find("usage: stayaway replay"), std::string::npos);
  EXPECT_EQ(Run({"--help"}).exit_status, 0);
}

TEST_F(ReplayCliTest, ExamplesReplayCleanly) {
  const fs::path examples = SourceDir() / "examples";
  const RunResult run =
      Run({"replay", "--orders", (examples / "orders.json").string(), "--zones",
           (examples / "zones.json").string(), "--fixes", (examples / "fixes.ndjson").string()});
  EXPECT_EQ(run.exit_status, 0) << run.err;
  EXPECT_NE(run.err.find("duplicates=1 rejected=0"), std::string::npos) << run.err;
  for (const char* kind : {"proximity_warning", "proximity_violation", "strap_tamper"}) {
    EXPECT_FALSE(FindLine(run.out, {std::string(R"("kind":")") + kind + "\""}).empty())
        << kind << " missing from\n"
        << run.out;
  }
}

TEST_F(ReplayCliTest, IdsOutsideTheIdentifierRuleAreRefusedInEveryInputFile) {
  // Orders and zones files: refused whole, naming the field (exit 2, like any bad file).
  std::string orders = kOrders;
  orders.replace(orders.find("\"tag-1\""), 7, "\"tag\\r\\n1\"");
  const RunResult bad_orders = Replay(Write("orders.json", orders), Write("fixes.ndjson", ""));
  EXPECT_EQ(bad_orders.exit_status, 2) << bad_orders.err;
  EXPECT_NE(bad_orders.err.find("orders[0].supervised.devices[0] \"tag\\x0d\\x0a1\" is not a "
                                "valid id: character 4 is a carriage return (CR)"),
            std::string::npos)
      << bad_orders.err;
  const RunResult bad_zones =
      Run({"replay", "--orders", Write("orders.json", kOrders).string(), "--zones",
           Write("zones.json", R"([{"id": "-rf", "kind": "exclusion",
              "circle": {"lat": 1, "lon": 2, "radius_m": 50}}])")
               .string(),
           "--fixes", Write("fixes.ndjson", "").string()});
  EXPECT_EQ(bad_zones.exit_status, 2) << bad_zones.err;
  EXPECT_NE(bad_zones.err.find("zones[0].id \"-rf\" is not a valid id: it starts with '-'"),
            std::string::npos)
      << bad_zones.err;
  // A fix line: refused by itself, the rest is processed.
  std::vector<std::string> lines = ApproachStory();
  lines.insert(lines.begin(), FixLine(std::string(65, '7'), 1, 0, 0, kHomeLat, kHomeLon));
  lines.insert(lines.begin() + 1, FixLine("tag\\u00001", 1, 0, 0, kHomeLat, kHomeLon));
  const RunResult run = Replay(Write("orders.json", kOrders), Write("fixes.ndjson", Join(lines)));
  EXPECT_EQ(run.exit_status, 1) << run.err;
  EXPECT_NE(run.err.find("line 1: fix: device \"" + std::string(65, '7') +
                         "\" is not a valid id: it is 65 characters long"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("line 2: fix: device \"tag\\x001\" is not a valid id: character 4 is "
                         "a NUL byte"),
            std::string::npos)
      << run.err;
  EXPECT_FALSE(
      FindLine(run.out, {R"("kind":"proximity_violation")", R"("transition":"opened")"}).empty())
      << run.out;
}

// Many cases and more lines than one chunk of the replay (8,192), with refused lines,
// duplicates and ticks spread through: the same stdout and stderr for every --lanes.
TEST_F(ReplayCliTest, EveryLaneCountGivesTheSameOutput) {
  std::string orders = "[";
  for (int c = 0; c < 30; ++c) {
    const std::string n = std::to_string(c);
    orders += std::string(c ? "," : "") + R"({"id":"C-)" + n +
              R"(","version":1,"supervised":{"id":"s)" + n + R"(","devices":["tag-)" + n +
              R"("]},"protected":[{"id":"v)" + n + R"(","devices":["phone-)" + n +
              R"("]}],"violation_distance_m":300,"warning_distance_m":800,)" +
              R"("valid_from":"2025-01-01T00:00:00Z"})";
  }
  orders += "]";
  std::vector<std::string> lines;
  for (int step = 0; step < 300; ++step) {
    const int minute = step / 6 % 60;
    const int second = step % 6 * 10;
    for (int c = 0; c < 30; ++c) {
      const double home_lat = kHomeLat + 0.05 * c;
      // Odd cases close in from 3 km to 100 m and back out; even ones keep 3 km away.
      const double north = c % 2 ? 100 + 2900.0 * std::abs(150 - step) / 150 : 3000;
      lines.push_back(FixLine("phone-" + std::to_string(c), step + 1, minute, second, home_lat,
                              kHomeLon));
      lines.push_back(FixLine("tag-" + std::to_string(c), step + 1, minute, second,
                              home_lat + north / kMetresPerDegreeLat, kHomeLon));
    }
    if (step % 50 == 7) lines.push_back(lines[lines.size() - 5]);          // a duplicate
    if (step % 40 == 3) lines.push_back(R"({"device":"tag-1","seq":)");    // does not parse
    if (step % 45 == 4) lines.push_back(FixLine("nobody", 1, 0, 0, 1, 1));  // no order
    if (step % 60 == 59) lines.push_back("");
  }
  lines.push_back(R"({"tick":"2025-03-01T11:00:00Z"})");
  ASSERT_GT(lines.size(), 2u * 8192u);
  const fs::path orders_path = Write("orders.json", orders);
  const fs::path fixes_path = Write("fixes.ndjson", Join(lines));
  auto replay = [&](const std::string& lanes) {
    return Run({"replay", "--orders", orders_path.string(), "--fixes", fixes_path.string(),
                "--lanes", lanes});
  };
  const RunResult one = replay("1");
  EXPECT_EQ(one.exit_status, 1) << one.err;  // the refused lines
  EXPECT_GT(Lines(one.out).size(), 30u) << one.err;
  EXPECT_FALSE(
      FindLine(one.out, {R"("kind":"proximity_violation")", R"("order_id":"C-29")"}).empty());
  EXPECT_NE(one.err.find("duplicates=6 "), std::string::npos) << one.err;
  for (const std::string lanes : {"2", "3"}) {
    const RunResult more = replay(lanes);
    EXPECT_EQ(more.exit_status, one.exit_status) << lanes;
    EXPECT_TRUE(more.out == one.out) << lanes << " lanes: stdout differs";
    EXPECT_EQ(more.err, one.err) << lanes << " lanes";
  }
  const RunResult bad = replay("0");
  EXPECT_EQ(bad.exit_status, 2);
  EXPECT_NE(bad.err.find("--lanes is a number from 1 to 256"), std::string::npos) << bad.err;
}

}  // namespace
