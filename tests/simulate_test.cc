// Tests of `stayaway simulate` and `stayaway score`: the simulator's promises (determinism,
// fix cadence, noise statistics, real and complete ground truth, everyone else apart),
// the scorer's matching rules on hand-made events, and the end-to-end run through the
// real `stayaway` binary: simulate, replay through the engine, score.
#include <fcntl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <numbers>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/hex.h"
#include "base/sha256.h"
#include "geo/geodesic.h"
#include "geo/zone_shape.h"
#include "tools/score_command.h"
#include "tools/sim/gnss_noise.h"
#include "tools/sim/movement.h"
#include "tools/sim/random.h"
#include "tools/sim/scenario.h"
#include "tools/sim/simulation.h"
#include "tools/simulate_command.h"

extern char** environ;

namespace stayaway {
namespace {

namespace fs = std::filesystem;
using sim::EmittedFix;

constexpr TimeMs kMinute = 60'000;

fs::path StayawayBinary() {
  if (const char* dir = std::getenv("STAYAWAY_BIN_DIR"); dir != nullptr && *dir != '\0') {
    return fs::path(dir) / "stayaway";
  }
  return fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "tools" / "stayaway";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "stayaway_simulate_XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs `stayaway args...` with stdout to `out_path`; returns the exit status.
int RunBinary(const std::vector<std::string>& args, const fs::path& out_path,
              const fs::path& err_path) {
  const fs::path binary = StayawayBinary();
  std::vector<std::string> storage = {binary.string()};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int spawn_error =
      posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    ADD_FAILURE() << "cannot start " << binary << ": " << std::strerror(spawn_error);
    return -1;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

int Simulate(const std::vector<std::string>& args, std::string* out_text = nullptr) {
  std::vector<std::string_view> views(args.begin(), args.end());
  std::ostringstream out, err;
  const int status = tools::RunSimulateCommand(views, out, err);
  if (out_text != nullptr) *out_text = out.str() + err.str();
  return status;
}

// Collects every fix the simulation writes.
class Recorder : public sim::FixObserver {
 public:
  void OnFix(const EmittedFix& fix) override { fixes.push_back(fix); }
  std::vector<EmittedFix> fixes;
};

sim::SimulationOptions SmallCity(uint64_t seed) {
  sim::SimulationOptions options;
  options.seed = seed;
  options.orders = 20;
  options.duration_ms = 6 * 60 * kMinute;
  return options;
}

struct SimulatedRun {
  sim::Scenario scenario;
  std::vector<EmittedFix> fixes;
};

SimulatedRun RunSmallCity(uint64_t seed) {
  SimulatedRun run{sim::BuildScenario(SmallCity(seed)), {}};
  Recorder recorder;
  std::ostringstream sink;
  sim::RunSimulation(run.scenario, sink, &recorder, nullptr);
  run.fixes = std::move(recorder.fixes);
  return run;
}

// ---------------------------------------------------------------------------------------
// Determinism and the command line.

TEST(SimulateCommandTest, SameSeedGivesByteIdenticalFilesAndAnotherSeedDoesNot) {
  TempDir a, b, c;
  for (const TempDir* dir : {&a, &b}) {
    ASSERT_EQ(Simulate({"--orders", "15", "--seed", "42", "--duration", "3h", "--out",
                        dir->path().string()}),
              0);
  }
  ASSERT_EQ(
      Simulate({"--orders", "15", "--seed", "43", "--duration", "3h", "--out", c.path().string()}),
      0);
  for (const char* name : {"orders.json", "zones.json", "fixes.ndjson", "truth.json"}) {
    const std::string first = ReadFile(a.path() / name);
    ASSERT_FALSE(first.empty()) << name;
    EXPECT_EQ(first, ReadFile(b.path() / name)) << name << " differs for the same seed";
  }
  EXPECT_NE(ReadFile(a.path() / "fixes.ndjson"), ReadFile(c.path() / "fixes.ndjson"));
  EXPECT_NE(ReadFile(a.path() / "orders.json"), ReadFile(c.path() / "orders.json"));
}

// The same seed must give the same bytes from every compiler, not only from one build run
// twice: this test runs in the GCC build and in the Clang (AddressSanitizer) build, and
// both must produce these digests. A mismatch in one build only means the simulator
// depends on the compiler: look for two draws from one SimRandom in the arguments of one
// call or the operands of one operator (their order is unspecified; draw into named
// locals) or for floating-point contraction. Change the digests only for a deliberate
// change to what the simulator draws, and then check they come out of both builds. (The
// libm is part of the promise too, see tools/sim/random.h: these are glibc's.)
TEST(SimulateCommandTest, PinnedCityIsTheSameFromEveryCompiler) {
  TempDir dir;
  ASSERT_EQ(Simulate({"--orders", "30", "--seed", "2718", "--duration", "6h", "--approach-share",
                      "0.3", "--zone-entry-share", "0.25", "--near-miss-share", "0.3",
                      "--late-upload-share", "0.5", "--out", dir.path().string()}),
            0);
  const std::map<std::string, std::string> expected = {
      {"orders.json", "580e8534e3d891e557d6cdd94099f9448b3d302712bfe7e574f23d7dd4399cee"},
      {"zones.json", "b197887cdca0e0137036f643387a5ad72eb58c76a985668359b58f7422e33051"},
      {"fixes.ndjson", "027674981a462d7708a47b954d214d3c138b152570868f37b8813ae962f9a1df"},
      {"truth.json", "0726d5256eeaf95dc88f8bc4f0fd723286abc9af22bd0a1711917eadb08f9ace"},
  };
  for (const auto& [name, digest] : expected) {
    const std::string text = ReadFile(dir.path() / name);
    ASSERT_FALSE(text.empty()) << name;
    EXPECT_EQ(HexEncode(Sha256(text)), digest) << name << " is not the pinned city's";
  }
}

TEST(SimulateCommandTest, DurationsAndUsageErrors) {
  EXPECT_EQ(tools::ParseDurationMs("24h"), 24 * 60 * kMinute);
  EXPECT_EQ(tools::ParseDurationMs("90m"), 90 * kMinute);
  EXPECT_EQ(tools::ParseDurationMs("3600s"), 3'600'000);
  EXPECT_EQ(tools::ParseDurationMs("2d"), 48 * 60 * kMinute);
  for (const char* bad : {"", "h", "24", "0h", "-3h", "1.5h", "24x", "400d"}) {
    EXPECT_FALSE(tools::ParseDurationMs(bad).has_value()) << bad;
  }
  TempDir dir;
  const std::string out = dir.path().string();
  EXPECT_EQ(Simulate({"--orders", "5", "--seed", "1", "--duration", "1x", "--out", out}), 2);
  EXPECT_EQ(Simulate({"--orders", "0", "--seed", "1", "--duration", "1h", "--out", out}), 2);
  EXPECT_EQ(Simulate({"--orders", "5", "--seed", "1", "--duration", "1h"}), 2);
  EXPECT_EQ(Simulate({"--orders", "5", "--seed", "1", "--duration", "1h", "--out", out, "--colour",
                      "red"}),
            2);
  EXPECT_EQ(Simulate({"--orders", "5", "--seed", "1", "--duration", "1h", "--out", out, "--start",
                      "yesterday"}),
            2);
  EXPECT_EQ(Simulate({"--orders", "5", "--seed", "1", "--duration", "1h", "--out", out, "--start",
                      "2027-01-04T08:00:00Z"}),
            0);
  EXPECT_NE(ReadFile(dir.path() / "fixes.ndjson").find("\"time\": \"2027-01-04T08:00"),
            std::string::npos);
  EXPECT_EQ(Simulate({"--orders", "5", "--seed", "1", "--duration", "1h", "--out", out,
                      "--near-miss-share", "1.5"}),
            2);
  // Every order a near miss: the run says how many visits it made.
  std::string said;
  EXPECT_EQ(Simulate({"--orders", "5", "--seed", "1", "--duration", "6h", "--out", out,
                      "--approach-share", "0", "--zone-entry-share", "0", "--near-miss-share", "1"},
                     &said),
            0);
  EXPECT_NE(said.find(" near-miss visits in 5 orders"), std::string::npos) << said;
  EXPECT_NE(ReadFile(dir.path() / "truth.json").find("\"script\": \"near_miss\""),
            std::string::npos);
}

TEST(SimulateCommandTest, StreamIsInReceivedOrderWithMinuteTicksAndLateUploadsNewestFirst) {
  const sim::Scenario scenario = sim::BuildScenario(SmallCity(5));
  std::ostringstream stream;
  Recorder recorder;
  sim::RunSimulation(scenario, stream, &recorder, nullptr);
  // Received times never go back; a tick every minute.
  TimeMs last_received = 0;
  for (const EmittedFix& fix : recorder.fixes) {
    EXPECT_GE(fix.received_ms, last_received);
    EXPECT_GE(fix.received_ms, fix.time_ms);
    last_received = fix.received_ms;
  }
  size_t ticks = 0;
  std::istringstream lines(stream.str());
  for (std::string line; std::getline(lines, line);) ticks += line.rfind("{\"tick\"", 0) == 0;
  EXPECT_EQ(ticks, 6u * 60u);
  // Late uploads exist, arrive after their gap, and come newest first per upload.
  std::map<std::string, std::vector<const EmittedFix*>> late_by_device;
  for (const EmittedFix& fix : recorder.fixes) {
    if (fix.uploaded_late) late_by_device[fix.device->id].push_back(&fix);
  }
  ASSERT_FALSE(late_by_device.empty());
  size_t reversed_pairs = 0, uploads = 0;
  for (const auto& [device, fixes] : late_by_device) {
    for (size_t i = 0; i < fixes.size(); ++i) {
      EXPECT_GE(fixes[i]->received_ms - fixes[i]->time_ms, 10'000) << device;
      const bool same_upload = i > 0 && fixes[i]->received_ms - fixes[i - 1]->received_ms <= 1000;
      if (same_upload) {
        EXPECT_LT(fixes[i]->time_ms, fixes[i - 1]->time_ms) << device;
        ++reversed_pairs;
      }
      const bool last_of_upload =
          i + 1 == fixes.size() || fixes[i + 1]->received_ms - fixes[i]->received_ms > 1000;
      if (last_of_upload) {
        // The oldest buffered fix waited out the whole gap (at least 3 minutes).
        EXPECT_GT(fixes[i]->received_ms - fixes[i]->time_ms, 2 * 60'000) << device;
        ++uploads;
      }
    }
  }
  EXPECT_GT(reversed_pairs, uploads);
}

// ---------------------------------------------------------------------------------------
// Cadence and noise.

TEST(SimulationTest, TagsReportEveryMinuteAndEvery15SecondsInPursuit) {
  const SimulatedRun run = RunSmallCity(7);
  std::map<std::string, std::vector<const EmittedFix*>> by_device;
  for (const EmittedFix& fix : run.fixes) by_device[fix.device->id].push_back(&fix);
  size_t exact = 0, intervals = 0, pursuit_intervals = 0, phone_intervals = 0;
  for (auto& [device, fixes] : by_device) {
    std::sort(fixes.begin(), fixes.end(),
              [](const EmittedFix* a, const EmittedFix* b) { return a->seq < b->seq; });
    for (size_t i = 1; i < fixes.size(); ++i) {
      const EmittedFix& prev = *fixes[i - 1];
      const TimeMs interval = fixes[i]->time_ms - prev.time_ms;
      const TimeMs cadence = prev.pursuit ? 15'000 : 60'000;
      if (prev.device->kind == sim::DeviceKind::kPhone) {
        EXPECT_FALSE(prev.pursuit);
        ++phone_intervals;
      }
      // Lost fixes (coverage gaps without buffering) only stretch an interval by whole
      // measurement periods; nothing is ever measured early.
      EXPECT_GE(interval, cadence) << device << " seq " << prev.seq;
      EXPECT_EQ(interval % 15'000, 0) << device << " seq " << prev.seq;
      ++intervals;
      exact += interval == cadence;
      pursuit_intervals += prev.pursuit && interval == 15'000;
    }
  }
  EXPECT_GT(phone_intervals, 1000u);
  EXPECT_GT(static_cast<double>(exact), 0.97 * static_cast<double>(intervals));
  EXPECT_GT(pursuit_intervals, 100u);
  // Pursuit happens only while a script brings the tag near its protected persons.
  for (const EmittedFix& fix : run.fixes) {
    if (!fix.pursuit) continue;
    const sim::SimOrder& order = run.scenario.orders[fix.device->order];
    EXPECT_NE(order.script, sim::ScriptKind::kNone) << fix.device->id;
    EXPECT_TRUE(order.InScript(fix.time_ms)) << fix.device->id;
  }
}

TEST(SimulationTest, SomeApproachesReachTheCentreOnlyAfterTheirWalkIn) {
  const SimulatedRun run = RunSmallCity(7);
  std::map<std::string, size_t> late_in_approach;
  for (const EmittedFix& fix : run.fixes) {
    const sim::SimOrder& order = run.scenario.orders[fix.device->order];
    if (fix.uploaded_late && fix.device->kind == sim::DeviceKind::kAnkleTag &&
        order.script == sim::ScriptKind::kApproach && fix.time_ms >= order.script_start_ms &&
        fix.time_ms <= order.script_end_ms) {
      ++late_in_approach[order.id];
      EXPECT_TRUE(fix.pursuit);  // buffered at the pursuit rate
    }
  }
  ASSERT_FALSE(late_in_approach.empty());
  for (const auto& [order, count] : late_in_approach) {
    EXPECT_GE(count, 8u) << order;  // at least 2 minutes of 15 s fixes
    bool has_violation = false;
    for (const sim::TruthEpisode& e : run.scenario.episodes) {
      has_violation =
          has_violation || (e.order_id == order && e.kind == sim::EpisodeKind::kProximityViolation);
    }
    EXPECT_TRUE(has_violation) << order;
  }
}

TEST(GnssNoiseTest, HonestErrorsAreWithinOneAndTwoStatedRadiiAt68And95Percent) {
  for (const sim::DeviceKind kind : {sim::DeviceKind::kAnkleTag, sim::DeviceKind::kPhone}) {
    for (const bool indoors : {false, true}) {
      sim::SimRandom rng(2024);
      sim::CanyonBurst burst;
      size_t honest = 0, within1 = 0, within2 = 0, canyon = 0, gnss = 0;
      for (int i = 0; i < 200'000; ++i) {
        const sim::Measurement m = sim::DrawMeasurement(rng, kind, indoors, &burst);
        ASSERT_GT(m.stated_accuracy_m, 0);
        if (m.source == sim::FixSource::kGnss) ++gnss;
        if (m.urban_canyon) {
          ++canyon;
          continue;
        }
        const double error = std::hypot(m.error_east_m, m.error_north_m);
        ++honest;
        within1 += error <= m.stated_accuracy_m;
        within2 += error <= 2 * m.stated_accuracy_m;
      }
      const double f1 = static_cast<double>(within1) / static_cast<double>(honest);
      const double f2 = static_cast<double>(within2) / static_cast<double>(honest);
      EXPECT_NEAR(f1, 0.6827, 0.01) << "kind " << static_cast<int>(kind) << " indoors " << indoors;
      EXPECT_NEAR(f2, 0.9545, 0.005);
      EXPECT_NEAR(static_cast<double>(canyon) / static_cast<double>(gnss), sim::kUrbanCanyonShare,
                  0.005);
    }
  }
}

// Urban-canyon fixes come in bursts of 1-3 consecutive GNSS fixes of one device (45/35/20 %),
// each 80-250 m off in the burst's bearing +-30 degrees, stating the device's normal radius;
// Wi-Fi and cell fixes between them neither end nor join a burst.
TEST(GnssNoiseTest, CanyonFixesComeInShortBurstsFarOffInOneDirectionStatingASmallRadius) {
  struct Case {
    sim::DeviceKind kind;
    bool indoors;
    double max_stated_m;
  };
  for (const Case c :
       {Case{sim::DeviceKind::kAnkleTag, false, 8}, Case{sim::DeviceKind::kAnkleTag, true, 25},
        Case{sim::DeviceKind::kPhone, false, 15}, Case{sim::DeviceKind::kPhone, true, 30}}) {
    sim::SimRandom rng(77);
    sim::CanyonBurst burst;
    std::vector<sim::Measurement> gnss;
    for (int i = 0; i < 300'000; ++i) {
      const sim::Measurement m = sim::DrawMeasurement(rng, c.kind, c.indoors, &burst);
      EXPECT_FALSE(m.urban_canyon && m.source != sim::FixSource::kGnss);
      if (m.source == sim::FixSource::kGnss) gnss.push_back(m);
    }
    size_t lengths[4] = {0, 0, 0, 0}, canyon = 0;
    for (size_t i = 0; i < gnss.size();) {
      if (!gnss[i].urban_canyon) {
        ++i;
        continue;
      }
      ASSERT_TRUE(gnss[i].burst_start) << "a run of canyon fixes starts a burst";
      const double first_bearing = std::atan2(gnss[i].error_east_m, gnss[i].error_north_m);
      size_t j = i;
      for (; j < gnss.size() && gnss[j].urban_canyon; ++j) {
        if (j > i) {
          EXPECT_FALSE(gnss[j].burst_start);
        }
        const double error = std::hypot(gnss[j].error_east_m, gnss[j].error_north_m);
        EXPECT_GE(error, 80 - 1e-9);
        EXPECT_LE(error, 250 + 1e-9);
        EXPECT_LE(gnss[j].stated_accuracy_m, c.max_stated_m);  // says nothing of its error
        const double bearing = std::atan2(gnss[j].error_east_m, gnss[j].error_north_m);
        const double apart = std::remainder(bearing - first_bearing, 2 * std::numbers::pi);
        EXPECT_LE(std::fabs(apart), 60 * std::numbers::pi / 180 + 1e-9);
      }
      ASSERT_LE(j - i, 3u) << "a burst lasts 1, 2 or 3 fixes";
      ++lengths[j - i];
      canyon += j - i;
      i = j;
    }
    const double bursts = static_cast<double>(lengths[1] + lengths[2] + lengths[3]);
    ASSERT_GT(bursts, 1000);
    EXPECT_NEAR(static_cast<double>(lengths[1]) / bursts, 0.45, 0.03);
    EXPECT_NEAR(static_cast<double>(lengths[2]) / bursts, 0.35, 0.03);
    EXPECT_NEAR(static_cast<double>(lengths[3]) / bursts, 0.20, 0.03);
    EXPECT_NEAR(static_cast<double>(canyon) / static_cast<double>(gnss.size()),
                sim::kUrbanCanyonShare, 0.004);
  }
}

TEST(SimulationTest, ReportedPositionsAreAsAccurateAsTheyStateOnTheEllipsoid) {
  const SimulatedRun run = RunSmallCity(11);
  size_t honest = 0, within1 = 0, within2 = 0, canyon_beyond = 0, canyon = 0;
  for (const EmittedFix& fix : run.fixes) {
    const double error = geo::GeodesicDistanceMeters(fix.reported, fix.truth);
    const double stated = fix.measurement.stated_accuracy_m;
    if (fix.measurement.urban_canyon) {
      ++canyon;
      canyon_beyond += error > 2.5 * stated && error >= 79.9 && error <= 250.1;
      continue;
    }
    ++honest;
    within1 += error <= stated;
    within2 += error <= 2 * stated;
  }
  ASSERT_GT(honest, 10'000u);
  EXPECT_NEAR(static_cast<double>(within1) / static_cast<double>(honest), 0.683, 0.02);
  EXPECT_NEAR(static_cast<double>(within2) / static_cast<double>(honest), 0.954, 0.01);
  ASSERT_GT(canyon, 100u);
  EXPECT_EQ(canyon_beyond, canyon);  // every canyon fix is off by more than it says
}

TEST(SimulationTest, CanyonBurstsAreRunsOfOneDevicesGnssFixesSharingABearing) {
  const sim::Scenario scenario = sim::BuildScenario(SmallCity(13));
  Recorder recorder;
  std::ostringstream sink;
  const sim::SimulationStats stats = sim::RunSimulation(scenario, sink, &recorder, nullptr);
  std::map<std::string, std::vector<const EmittedFix*>> gnss_by_device;
  size_t gnss = 0;
  for (const EmittedFix& fix : recorder.fixes) {
    if (fix.measurement.source != sim::FixSource::kGnss) continue;
    gnss_by_device[fix.device->id].push_back(&fix);
    ++gnss;
  }
  size_t runs = 0, canyon = 0, longer_than_one = 0;
  for (auto& [device, fixes] : gnss_by_device) {
    std::sort(fixes.begin(), fixes.end(),
              [](const EmittedFix* a, const EmittedFix* b) { return a->seq < b->seq; });
    for (size_t i = 0; i < fixes.size();) {
      if (!fixes[i]->measurement.urban_canyon) {
        ++i;
        continue;
      }
      EXPECT_TRUE(fixes[i]->measurement.burst_start) << device;
      const sim::EnuPoint t0 = scenario.city.ToEnu(fixes[i]->truth);
      const sim::EnuPoint r0 = scenario.city.ToEnu(fixes[i]->reported);
      const double first = std::atan2(r0.east_m - t0.east_m, r0.north_m - t0.north_m);
      size_t j = i;
      for (; j < fixes.size() && fixes[j]->measurement.urban_canyon; ++j) {
        const EmittedFix& fix = *fixes[j];
        const double error = geo::GeodesicDistanceMeters(fix.reported, fix.truth);
        EXPECT_GE(error, 79.9) << device;
        EXPECT_LE(error, 250.1) << device;
        EXPECT_LE(fix.measurement.stated_accuracy_m, 30) << device;
        const sim::EnuPoint t = scenario.city.ToEnu(fix.truth);
        const sim::EnuPoint r = scenario.city.ToEnu(fix.reported);
        const double bearing = std::atan2(r.east_m - t.east_m, r.north_m - t.north_m);
        EXPECT_LE(std::fabs(std::remainder(bearing - first, 2 * std::numbers::pi)),
                  60.5 * std::numbers::pi / 180)
            << device;
      }
      EXPECT_LE(j - i, 3u) << device;
      longer_than_one += j - i > 1;
      canyon += j - i;
      ++runs;
      i = j;
    }
  }
  EXPECT_EQ(canyon, stats.urban_canyon_fixes);
  EXPECT_EQ(runs, stats.canyon_bursts);
  EXPECT_GT(longer_than_one, runs / 3);
  EXPECT_NEAR(static_cast<double>(canyon) / static_cast<double>(gnss), sim::kUrbanCanyonShare,
              0.006);
}

TEST(RandomTest, StreamsAreReproducibleAndDistinct) {
  sim::SimRandom a = sim::SimRandom::ForStream(1, 2, 3), b = sim::SimRandom::ForStream(1, 2, 3);
  sim::SimRandom c = sim::SimRandom::ForStream(1, 3, 3);
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.NextU64();
    EXPECT_EQ(x, b.NextU64());
    EXPECT_NE(x, c.NextU64());
  }
  // Pinned values: a change of generator or seeding changes every simulated city.
  sim::SimRandom pinned(1);
  const uint64_t first = pinned.NextU64();
  sim::SimRandom again(1);
  EXPECT_EQ(first, again.NextU64());
  sim::SimRandom u(9);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < 100'000; ++i) {
    const double n = u.Normal();
    sum += n;
    sum2 += n * n;
    const uint64_t k = u.Below(7);
    ASSERT_LT(k, 7u);
  }
  EXPECT_NEAR(sum / 100'000, 0, 0.02);
  EXPECT_NEAR(sum2 / 100'000, 1, 0.02);
}

// ---------------------------------------------------------------------------------------
// Ground truth.

// The true position of every protected person at every tag fix, by retracing their
// movement with the simulation's own random streams.
struct Retraced {
  const EmittedFix* tag_fix;
  std::vector<geo::LatLng> protected_truth;  // in the order's protected_persons order
};

std::vector<Retraced> RetraceProtected(const SimulatedRun& run) {
  std::vector<const EmittedFix*> tag_fixes;
  for (const EmittedFix& fix : run.fixes) {
    if (fix.device->kind == sim::DeviceKind::kAnkleTag) tag_fixes.push_back(&fix);
  }
  std::stable_sort(
      tag_fixes.begin(), tag_fixes.end(),
      [](const EmittedFix* a, const EmittedFix* b) { return a->time_ms < b->time_ms; });
  std::vector<std::unique_ptr<sim::PersonMovement>> movers;
  for (size_t p = 0; p < run.scenario.persons.size(); ++p) {
    movers.push_back(std::make_unique<sim::PersonMovement>(
        &run.scenario.city, &run.scenario.persons[p].plan,
        sim::MovementRandom(run.scenario.options.seed, p), run.scenario.options.start_ms));
  }
  std::vector<Retraced> out;
  for (const EmittedFix* fix : tag_fixes) {
    Retraced r{fix, {}};
    for (size_t p : run.scenario.orders[fix->device->order].protected_persons) {
      r.protected_truth.push_back(run.scenario.city.ToLatLng(movers[p]->PositionAt(fix->time_ms)));
    }
    out.push_back(std::move(r));
  }
  return out;
}

TEST(ScenarioTest, TruthEpisodesAreRealAndComplete) {
  const SimulatedRun run = RunSmallCity(7);
  size_t violations = 0, zone_episodes = 0, inside_checked = 0;
  for (const sim::TruthEpisode& e : run.scenario.episodes) {
    EXPECT_LT(e.start_ms, e.end_ms);
    violations += e.kind == sim::EpisodeKind::kProximityViolation;
    zone_episodes += e.kind == sim::EpisodeKind::kExclusionZone;
  }
  EXPECT_GE(violations, 4u);
  EXPECT_GE(zone_episodes, 1u);
  // Near misses raise warnings and nothing else (checked below on true positions: the
  // fixes of a near miss are never inside a violation episode, and always outside the
  // violation distance).
  size_t near_miss_orders = 0;
  for (const sim::SimOrder& order : run.scenario.orders) {
    if (order.script != sim::ScriptKind::kNearMiss) continue;
    ++near_miss_orders;
    for (const sim::TruthEpisode& e : run.scenario.episodes) {
      if (e.order_id == order.id) {
        EXPECT_EQ(e.kind, sim::EpisodeKind::kProximityWarning);
      }
    }
  }
  EXPECT_GE(near_miss_orders, 1u);

  // Proximity: at every tag fix, the true distance is below the limit exactly when the
  // fix falls inside an episode of that pair (1 s of slack at the crossings).
  for (const Retraced& r : RetraceProtected(run)) {
    const EmittedFix& fix = *r.tag_fix;
    const sim::SimOrder& order = run.scenario.orders[fix.device->order];
    for (size_t k = 0; k < order.protected_persons.size(); ++k) {
      const std::string& person = run.scenario.persons[order.protected_persons[k]].id;
      const double d = geo::GeodesicDistanceMeters(fix.truth, r.protected_truth[k]);
      for (const auto& [kind, limit] :
           {std::pair{sim::EpisodeKind::kProximityViolation, order.violation_m},
            std::pair{sim::EpisodeKind::kProximityWarning, order.warning_m}}) {
        if (limit <= 0) continue;
        bool in_episode = false, near_edge = false;
        for (const sim::TruthEpisode& e : run.scenario.episodes) {
          if (e.order_id != order.id || e.kind != kind || e.protected_person != person) continue;
          in_episode = in_episode || (fix.time_ms >= e.start_ms && fix.time_ms <= e.end_ms);
          near_edge = near_edge || std::llabs(fix.time_ms - e.start_ms) <= 1000 ||
                      std::llabs(fix.time_ms - e.end_ms) <= 1000;
        }
        if (near_edge) continue;
        EXPECT_EQ(d < limit, in_episode)
            << order.id << " " << person << " at " << FormatRfc3339(fix.time_ms) << ": " << d
            << " m against " << limit << " m";
        inside_checked += in_episode;
      }
    }
  }
  EXPECT_GT(inside_checked, 100u);

  // Zones: every tag fix inside a zone episode is truly within the zone's buffer.
  size_t zone_checked = 0;
  for (const sim::TruthEpisode& e : run.scenario.episodes) {
    if (e.kind != sim::EpisodeKind::kExclusionZone || e.rule.rfind("zone:global:", 0) == 0)
      continue;
    const sim::SimOrder* order = nullptr;
    for (const sim::SimOrder& o : run.scenario.orders) order = o.id == e.order_id ? &o : order;
    ASSERT_NE(order, nullptr);
    const sim::SimZone* zone = nullptr;
    for (const sim::SimZone& z : order->zones) zone = z.id == e.zone_id ? &z : zone;
    ASSERT_NE(zone, nullptr);
    auto shape = geo::ZoneShape::FromGeoJson(sim::ZoneGeoJson(*zone));
    ASSERT_TRUE(shape.ok());
    for (const EmittedFix& fix : run.fixes) {
      if (fix.device->order != static_cast<size_t>(&*order - &run.scenario.orders[0]) ||
          fix.device->kind != sim::DeviceKind::kAnkleTag || fix.time_ms <= e.start_ms + 1000 ||
          fix.time_ms >= e.end_ms - 1000) {
        continue;
      }
      EXPECT_LT((*shape)->SignedDistance(fix.truth).signed_m, zone->buffer_m);
      ++zone_checked;
    }
  }
  EXPECT_GT(zone_checked, 5u);
}

TEST(ScenarioTest, OutsideScriptsEveryoneStaysWellApart) {
  for (const uint64_t seed : {7u, 8u}) {
    const SimulatedRun run = RunSmallCity(seed);
    size_t checked = 0;
    for (const Retraced& r : RetraceProtected(run)) {
      const EmittedFix& fix = *r.tag_fix;
      const sim::SimOrder& order = run.scenario.orders[fix.device->order];
      if (order.InScript(fix.time_ms)) continue;
      for (const geo::LatLng& p : r.protected_truth) {
        EXPECT_GT(geo::GeodesicDistanceMeters(fix.truth, p),
                  order.OuterRingM() + sim::kPursuitMarginM)
            << order.id << " at " << FormatRfc3339(fix.time_ms) << " seed " << seed;
      }
      const sim::EnuPoint where = run.scenario.city.ToEnu(fix.truth);
      for (const sim::SimZone& zone : order.zones) {
        EXPECT_GT(sim::PlaneDistance(where, zone.centre), 1000) << order.id;
      }
      EXPECT_TRUE(run.scenario.city.ClearOfShelters(where, 100)) << order.id;
      ++checked;
    }
    EXPECT_GT(checked, 5000u);
  }
}

TEST(ScenarioTest, ScriptsPlayAsWrittenAndProtectedPersonsWaitWhereTheTruthPutsThem) {
  // A whole day, so the daily rhythm (nights at home, work, errands) meets the holds.
  for (const uint64_t seed : {21u, 22u, 23u}) {
    sim::SimulationOptions options = SmallCity(seed);
    options.duration_ms = 24 * 60 * kMinute;
    options.approach_share = 0.4;
    options.zone_entry_share = 0.3;
    options.near_miss_share = 0.3;
    const sim::Scenario scenario = sim::BuildScenario(options);
    size_t scripts = 0;
    for (const sim::SimOrder& order : scenario.orders) {
      if (order.script == sim::ScriptKind::kNone) continue;
      ++scripts;
      const sim::SimPerson& supervised = scenario.persons[order.supervised];
      ASSERT_EQ(supervised.plan.holds.size(), order.script_spans.size());
      std::vector<std::unique_ptr<sim::PersonMovement>> movers;
      for (size_t p : order.protected_persons) {
        movers.push_back(
            std::make_unique<sim::PersonMovement>(&scenario.city, &scenario.persons[p].plan,
                                                  sim::MovementRandom(seed, p), options.start_ms));
      }
      sim::PersonMovement walker(&scenario.city, &supervised.plan,
                                 sim::MovementRandom(seed, order.supervised), options.start_ms);
      for (size_t visit = 0; visit < order.script_spans.size(); ++visit) {
        const std::vector<sim::PathSegment>& script = supervised.plan.holds.at(visit).script;
        ASSERT_FALSE(script.empty());
        EXPECT_EQ(script.front().t0_ms, order.script_spans[visit].from_ms);
        EXPECT_EQ(script.back().t1_ms, order.script_spans[visit].until_ms);
        size_t segment = 0;
        for (TimeMs t = script.front().t0_ms; t <= script.back().t1_ms; t += 10'000) {
          while (script[segment].t1_ms < t) ++segment;
          EXPECT_LT(sim::PlaneDistance(walker.PositionAt(t), script[segment].At(t)), 0.01)
              << order.id << " seed " << seed;
          for (size_t k = 0; k < movers.size(); ++k) {
            const sim::SimPerson& person = scenario.persons[order.protected_persons[k]];
            const sim::EnuPoint held = person.plan.places[person.plan.holds.at(visit).place].point;
            EXPECT_LT(sim::PlaneDistance(movers[k]->PositionAt(t), held), 0.01)
                << order.id << " protected " << k << " seed " << seed << " at " << FormatRfc3339(t);
          }
        }
      }
    }
    EXPECT_GE(scripts, 8u);
  }
}

// A city where half the orders have near misses, over half a day (room for two visits).
sim::SimulationOptions NearMissCity(uint64_t seed) {
  sim::SimulationOptions options = SmallCity(seed);
  options.orders = 30;
  options.duration_ms = 12 * 60 * kMinute;
  options.near_miss_share = 0.5;
  return options;
}

TEST(ScenarioTest, NearMissesComeCloseButNeverWithinAViolationZoneOrShelterOnTruePositions) {
  // Two small cities full of near misses, and four of the default mix at the issue's size
  // (400 orders, 12 h), where a few near misses need another way round a zone or shelter.
  std::vector<sim::SimulationOptions> cities = {NearMissCity(31), NearMissCity(32)};
  for (const uint64_t seed : {1u, 2u, 3u, 4u}) {
    sim::SimulationOptions options;
    options.seed = seed;
    options.orders = 400;
    options.duration_ms = 12 * 60 * kMinute;
    cities.push_back(options);
  }
  size_t near_miss_orders = 0, two_visits = 0, warnings = 0;
  for (const sim::SimulationOptions& options : cities) {
    const uint64_t seed = options.seed;
    const sim::Scenario scenario = sim::BuildScenario(options);
    std::vector<std::shared_ptr<geo::ZoneShape>> shelters;
    for (const sim::Shelter& shelter : scenario.city.shelters()) {
      const geo::LatLng c = scenario.city.ToLatLng(shelter.centre);
      auto shape = geo::ZoneShape::FromCircle(
          {sim::RoundDegrees(c.lat_deg), sim::RoundDegrees(c.lng_deg)}, shelter.radius_m);
      ASSERT_TRUE(shape.ok());
      shelters.push_back(std::move(*shape));
    }
    for (const sim::SimOrder& order : scenario.orders) {
      if (order.script != sim::ScriptKind::kNearMiss) continue;
      ++near_miss_orders;
      two_visits += order.script_spans.size() == 2;
      ASSERT_GE(order.script_spans.size(), 1u);
      // The truth: warnings (when the order has a ring), never a violation or a zone.
      size_t order_warnings = 0;
      for (const sim::TruthEpisode& e : scenario.episodes) {
        if (e.order_id != order.id) continue;
        EXPECT_EQ(e.kind, sim::EpisodeKind::kProximityWarning) << order.id << " " << e.rule;
        EXPECT_EQ(e.script, sim::ScriptKind::kNearMiss);
        EXPECT_FALSE(e.late_upload);
        order_warnings += e.kind == sim::EpisodeKind::kProximityWarning;
      }
      if (order.warning_m > 0) {
        EXPECT_GE(order_warnings, order.script_spans.size() * order.protected_persons.size())
            << order.id;
      }
      warnings += order_warnings;
      // True positions, every 5 s of every visit: more than violation_m + 40 m from every
      // protected person (held at home), 40 m beyond every zone's and shelter's buffer;
      // and close: within violation_m + 200 m of them for 10 minutes or more.
      std::vector<std::shared_ptr<geo::ZoneShape>> zones;
      for (const sim::SimZone& zone : order.zones) {
        auto shape = geo::ZoneShape::FromGeoJson(sim::ZoneGeoJson(zone));
        ASSERT_TRUE(shape.ok());
        zones.push_back(std::move(*shape));
      }
      sim::PersonMovement walker(&scenario.city, &scenario.persons[order.supervised].plan,
                                 sim::MovementRandom(seed, order.supervised), options.start_ms);
      std::vector<std::unique_ptr<sim::PersonMovement>> movers;
      for (size_t p : order.protected_persons) {
        movers.push_back(
            std::make_unique<sim::PersonMovement>(&scenario.city, &scenario.persons[p].plan,
                                                  sim::MovementRandom(seed, p), options.start_ms));
      }
      for (const sim::TimeSpan& span : order.script_spans) {
        TimeMs near_ms = 0;
        double closest = 1e9;
        for (TimeMs t = span.from_ms; t <= span.until_ms; t += 5000) {
          const geo::LatLng s = scenario.city.ToLatLng(walker.PositionAt(t));
          for (size_t k = 0; k < movers.size(); ++k) {
            const sim::SimPerson& person = scenario.persons[order.protected_persons[k]];
            const sim::EnuPoint at = movers[k]->PositionAt(t);
            EXPECT_LT(sim::PlaneDistance(at, person.plan.places[0].point), 0.01)
                << order.id << ": the protected person is held at home";
            EXPECT_TRUE(movers[k]->StayingAt(t)) << order.id << ": indoors";
            const double d = geo::GeodesicDistanceMeters(s, scenario.city.ToLatLng(at));
            EXPECT_GT(d, order.violation_m + sim::kNearMissMarginM - 0.5)
                << order.id << " at " << FormatRfc3339(t);
            closest = std::min(closest, d);
            if (k == 0 && d <= order.violation_m + 200.5) near_ms += 5000;
          }
          for (size_t z = 0; z < zones.size(); ++z) {
            EXPECT_GT(zones[z]->SignedDistance(s).signed_m,
                      order.zones[z].buffer_m + sim::kNearMissMarginM - 0.5)
                << order.id << " zone " << order.zones[z].id;
          }
          for (size_t z = 0; z < shelters.size(); ++z) {
            EXPECT_GT(shelters[z]->SignedDistance(s).signed_m,
                      scenario.city.shelters()[z].buffer_m + sim::kNearMissMarginM - 0.5)
                << order.id << " shelter " << z;
          }
        }
        EXPECT_LE(closest, order.violation_m + 200.5) << order.id;
        EXPECT_GE(near_ms, 10 * kMinute) << order.id;
      }
    }
  }
  EXPECT_GE(near_miss_orders, 200u);
  EXPECT_GE(two_visits, 60u);
  EXPECT_GE(warnings, 200u);
}

TEST(SimulationTest, InScriptsTheHeldVictimsPhoneReportsWifiOnceAMinuteNextToATagIn15sPursuit) {
  const sim::SimulationOptions options = NearMissCity(33);
  const sim::Scenario scenario = sim::BuildScenario(options);
  Recorder recorder;
  std::ostringstream sink;
  sim::RunSimulation(scenario, sink, &recorder, nullptr);
  std::map<std::string, std::vector<const EmittedFix*>> by_device;
  for (const EmittedFix& fix : recorder.fixes) by_device[fix.device->id].push_back(&fix);
  size_t near_miss_tag_fixes = 0;
  for (sim::ScriptKind kind : {sim::ScriptKind::kApproach, sim::ScriptKind::kNearMiss}) {
    size_t victim_fixes = 0, wifi = 0, minute_intervals = 0, intervals = 0;
    for (auto& [device, fixes] : by_device) {
      std::sort(fixes.begin(), fixes.end(),
                [](const EmittedFix* a, const EmittedFix* b) { return a->seq < b->seq; });
      const sim::SimOrder& order = scenario.orders[fixes.front()->device->order];
      if (order.script != kind) continue;
      const bool victim =
          scenario.persons[fixes.front()->device->person].role == sim::Role::kVictim;
      const bool tag = fixes.front()->device->kind == sim::DeviceKind::kAnkleTag;
      for (size_t i = 0; i < fixes.size(); ++i) {
        const EmittedFix& fix = *fixes[i];
        if (!order.InScript(fix.time_ms)) continue;
        if (kind == sim::ScriptKind::kNearMiss) {
          EXPECT_FALSE(fix.uploaded_late) << device;
        }
        if (victim) {
          ++victim_fixes;
          wifi += fix.measurement.source == sim::FixSource::kWifi;
          EXPECT_FALSE(fix.pursuit);
          if (i + 1 < fixes.size()) {
            ++intervals;
            minute_intervals += fixes[i + 1]->time_ms - fix.time_ms == 60'000;
          }
        }
        if (tag && kind == sim::ScriptKind::kNearMiss) {
          // Within the warning ring (or, without one, 300 m beyond the violation distance)
          // of the protected persons' home: in pursuit, a fix every 15 s.
          const sim::SimPerson& person = scenario.persons[order.protected_persons.front()];
          const double d = geo::GeodesicDistanceMeters(
              fix.truth, scenario.city.ToLatLng(person.plan.places[0].point));
          const double ring = order.warning_m > 0 ? order.warning_m : order.violation_m + 300;
          if (d < ring) {
            ++near_miss_tag_fixes;
            EXPECT_TRUE(fix.pursuit) << device;
            if (i + 1 < fixes.size()) {
              EXPECT_EQ(fixes[i + 1]->time_ms - fix.time_ms, 15'000);
            }
          }
        }
      }
    }
    ASSERT_GT(victim_fixes, 100u) << sim::ScriptKindName(kind);
    const double wifi_share = static_cast<double>(wifi) / static_cast<double>(victim_fixes);
    EXPECT_GT(wifi_share, 0.6) << sim::ScriptKindName(kind);
    EXPECT_LT(wifi_share, 0.8) << sim::ScriptKindName(kind);
    EXPECT_GT(static_cast<double>(minute_intervals), 0.97 * static_cast<double>(intervals));
  }
  EXPECT_GT(near_miss_tag_fixes, 400u);
}

// ---------------------------------------------------------------------------------------
// The scorer on hand-made events.

std::string Event(const std::string& id, const std::string& order, const std::string& kind,
                  const std::string& transition, const std::string& time,
                  const std::string& detected, const std::string& rule,
                  const std::string& certainty = "confirmed", const std::string& device = "") {
  std::string line = "{\"alert_id\": \"" + id + "\", \"order_id\": \"" + order +
                     "\", \"kind\": \"" + kind + "\", \"transition\": \"" + transition +
                     "\", \"time\": \"" + time + "\", \"detected_at\": \"" + detected +
                     "\", \"rule\": \"" + rule + "\"";
  if (!certainty.empty()) line += ", \"certainty\": \"" + certainty + "\"";
  if (!device.empty()) line += ", \"device\": \"" + device + "\"";
  return line + "}\n";
}

constexpr std::string_view kHandTruth = R"({
  "format": "stayaway-sim-truth/1", "seed": 1, "orders": 3, "devices": 10,
  "start": "2026-03-02T00:00:00Z", "end": "2026-03-03T00:00:00Z",
  "episodes": [
    {"order": "A", "kind": "proximity_warning", "rule": "proximity:a:b",
     "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T10:30:00Z"},
    {"order": "A", "kind": "proximity_violation", "rule": "proximity:a:b",
     "start": "2026-03-02T10:10:00Z", "end": "2026-03-02T10:20:00Z"},
    {"order": "B", "kind": "proximity_violation", "rule": "proximity:c:d",
     "start": "2026-03-02T11:00:00Z", "end": "2026-03-02T11:05:00Z"},
    {"order": "C", "kind": "exclusion_zone", "rule": "zone:home", "zone": "home",
     "start": "2026-03-02T12:00:00Z", "end": "2026-03-02T12:10:00Z"}
  ],
  "device_events": [
    {"order": "A", "device": "phone-b", "kind": "sos", "time": "2026-03-02T10:15:00Z"},
    {"order": "B", "device": "tag-c", "kind": "strap_tamper", "time": "2026-03-02T13:00:00Z"}
  ]})";

tools::ScoreReport ScoreHand(const std::string& events, TimeMs tolerance_ms = 5 * kMinute) {
  StatusOr<tools::Truth> truth = tools::ParseTruthJson(kHandTruth);
  EXPECT_TRUE(truth.ok()) << truth.status().message();
  std::istringstream in(events);
  return tools::ScoreEvents(*truth, in, tolerance_ms);
}

TEST(ScoreTest, DetectionDelayMissedEpisodeAndFalseAlert) {
  std::string events;
  // Order A: a warning at 10:00:20 (detected 10:00:25), escalated to a violation at
  // 10:10:40, detected 10:10:45 (45 s after the true start), closed at 10:31.
  events += Event("a1", "A", "proximity_warning", "opened", "2026-03-02T10:00:20Z",
                  "2026-03-02T10:00:25Z", "proximity:a:b", "possible");
  events += Event("a1", "A", "proximity_violation", "escalated", "2026-03-02T10:10:40Z",
                  "2026-03-02T10:10:45Z", "proximity:a:b");
  events += Event("a1", "A", "proximity_violation", "closed", "2026-03-02T10:31:00Z",
                  "2026-03-02T10:31:02Z", "proximity:a:b");
  // Order B's violation raises nothing: missed. Order C's zone entry is seen 2 min late.
  events += Event("c1", "C", "exclusion_zone", "opened", "2026-03-02T12:01:00Z",
                  "2026-03-02T12:02:00Z", "zone:home", "possible");
  // A false warning for order A hours later, and a sos on time.
  events += Event("a2", "A", "proximity_warning", "opened", "2026-03-02T18:00:00Z",
                  "2026-03-02T18:00:01Z", "proximity:a:b", "possible");
  events += Event("a2", "A", "proximity_warning", "closed", "2026-03-02T18:03:00Z",
                  "2026-03-02T18:03:01Z", "proximity:a:b", "possible");
  events += Event("s1", "A", "sos", "opened", "2026-03-02T10:15:00Z", "2026-03-02T10:15:02Z",
                  "sos:phone-b", "", "phone-b");
  // The watch format and a broken line.
  std::string closed = Event("c1", "C", "exclusion_zone", "closed", "2026-03-02T12:12:00Z",
                             "2026-03-02T12:12:01Z", "zone:home", "possible");
  closed.pop_back();  // the newline
  events += "{\"seq\": 7, \"event\": " + closed + "}\n";
  events += "not json\n";

  const tools::ScoreReport r = ScoreHand(events);
  EXPECT_EQ(r.true_episodes, 4u);
  EXPECT_EQ(r.detected, 3u);
  ASSERT_EQ(r.missed.size(), 1u);
  EXPECT_EQ(r.missed[0].order, "B");
  EXPECT_EQ(r.alerts, 3u);
  ASSERT_EQ(r.false_alerts.size(), 1u);
  EXPECT_EQ(r.false_alerts[0].alert_id, "a2");
  EXPECT_FALSE(r.false_alerts[0].confirmed);
  // Delays: warning 25 s, violation 45 s, zone 120 s.
  EXPECT_EQ(r.delay.count, 3u);
  EXPECT_DOUBLE_EQ(r.delay.p50_s, 45);
  EXPECT_DOUBLE_EQ(r.delay.p90_s, 120);
  EXPECT_DOUBLE_EQ(r.delay.max_s, 120);
  EXPECT_DOUBLE_EQ(r.by_kind[0].delay.p50_s, 45);  // proximity_violation
  EXPECT_EQ(r.by_kind[0].confirmed_delay.count, 1u);
  EXPECT_DOUBLE_EQ(r.by_kind[0].confirmed_delay.max_s, 45);
  // The warning alert was confirmed only when it escalated (10:10:45), 645 s after the
  // warning episode began; the zone alert never was.
  EXPECT_DOUBLE_EQ(r.by_kind[1].confirmed_delay.max_s, 645);
  EXPECT_EQ(r.by_kind[2].confirmed_delay.count, 0u);
  EXPECT_DOUBLE_EQ(r.false_alerts_per_device_day, 0.1);  // 1 / (10 devices x 1 day)
  EXPECT_EQ(r.device_events, 2u);
  EXPECT_EQ(r.device_events_alerted, 1u);
  ASSERT_EQ(r.device_events_missed.size(), 1u);
  EXPECT_EQ(r.device_events_missed[0].kind, "strap_tamper");
  EXPECT_EQ(r.events_read, 8u);
  EXPECT_EQ(r.unreadable_lines, 1u);
  const std::string json = tools::ScoreReportToJson(r);
  EXPECT_NE(json.find("\"missed\": 1"), std::string::npos) << json;
  EXPECT_NE(json.find("\"false_alerts\": 1"), std::string::npos) << json;
  EXPECT_NE(json.find("\"detection_delay_s\": {\"p50\": 45, \"p90\": 120, \"max\": 120}"),
            std::string::npos)
      << json;
}

// A violation raised only as possible (the measured distance never certain) is detected
// but unconfirmed: listed with the truth's limit and closest approach, so a reader sees
// how far inside the limit it went. A confirmed one is not listed; a missed one is listed
// as missed only.
TEST(ScoreTest, UnconfirmedViolationsAreListedWithTheirLimitAndClosestApproach) {
  StatusOr<tools::Truth> truth = tools::ParseTruthJson(R"({
    "start": "2026-03-02T00:00:00Z", "end": "2026-03-03T00:00:00Z", "devices": 4,
    "episodes": [
      {"order": "A", "kind": "proximity_violation", "rule": "proximity:a:b",
       "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T10:00:30Z",
       "limit_m": 300, "closest_m": 254},
      {"order": "B", "kind": "proximity_violation", "rule": "proximity:c:d",
       "start": "2026-03-02T11:00:00Z", "end": "2026-03-02T11:05:00Z", "limit_m": 500},
      {"order": "C", "kind": "proximity_violation", "rule": "proximity:e:f",
       "start": "2026-03-02T12:00:00Z", "end": "2026-03-02T12:05:00Z"}]})");
  ASSERT_TRUE(truth.ok()) << truth.status().message();
  std::string events;
  events += Event("a1", "A", "proximity_violation", "opened", "2026-03-02T10:00:10Z",
                  "2026-03-02T10:00:10Z", "proximity:a:b", "possible");
  events += Event("b1", "B", "proximity_violation", "opened", "2026-03-02T11:00:30Z",
                  "2026-03-02T11:00:30Z", "proximity:c:d");
  std::istringstream in(events);
  const tools::ScoreReport r = tools::ScoreEvents(*truth, in, 5 * kMinute);
  EXPECT_EQ(r.detected, 2u);
  ASSERT_EQ(r.missed.size(), 1u);
  EXPECT_EQ(r.missed[0].order, "C");
  ASSERT_EQ(r.unconfirmed_violations.size(), 1u);
  EXPECT_EQ(r.unconfirmed_violations[0].order, "A");
  EXPECT_EQ(r.unconfirmed_violations[0].limit_m, 300);
  EXPECT_EQ(r.unconfirmed_violations[0].closest_m, 254);
  EXPECT_EQ(r.by_kind[0].never_confirmed, 2u);  // A, and C (missed)
  const std::string json = tools::ScoreReportToJson(r);
  EXPECT_NE(json.find("\"unconfirmed_violations\": [{\"order\": \"A\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"limit_m\": 300, \"closest_m\": 254}"), std::string::npos) << json;
}

TEST(ScoreTest, ToleranceBoundsAreInclusiveAndAWarningIsNoViolation) {
  // A warning-only alert for order B's violation episode: the violation stays missed,
  // and the alert is false (B has no warning episode).
  tools::ScoreReport r =
      ScoreHand(Event("b1", "B", "proximity_warning", "opened", "2026-03-02T11:02:00Z",
                      "2026-03-02T11:02:01Z", "proximity:c:d"));
  EXPECT_EQ(r.missed.size(), 4u);
  EXPECT_EQ(r.false_alerts.size(), 1u);
  // A violation opened exactly at end + tolerance matches; 1 ms later it does not.
  r = ScoreHand(Event("b2", "B", "proximity_violation", "opened", "2026-03-02T11:10:00Z",
                      "2026-03-02T11:10:00Z", "proximity:c:d"));
  EXPECT_EQ(r.detected, 1u);
  EXPECT_TRUE(r.false_alerts.empty());
  EXPECT_DOUBLE_EQ(r.delay.max_s, 600);
  r = ScoreHand(Event("b3", "B", "proximity_violation", "opened", "2026-03-02T11:10:00.001Z",
                      "2026-03-02T11:10:00.001Z", "proximity:c:d"));
  EXPECT_EQ(r.detected, 0u);
  EXPECT_EQ(r.false_alerts.size(), 1u);
  EXPECT_TRUE(r.false_alerts[0].confirmed);
  // An alert raised before the true start that is still open counts with delay 0; the
  // wrong rule (another protected person) does not match.
  r = ScoreHand(Event("b4", "B", "proximity_violation", "opened", "2026-03-02T10:40:00Z",
                      "2026-03-02T10:40:01Z", "proximity:c:d") +
                Event("b5", "B", "proximity_violation", "opened", "2026-03-02T11:01:00Z",
                      "2026-03-02T11:01:01Z", "proximity:c:e"));
  EXPECT_EQ(r.detected, 1u);
  EXPECT_DOUBLE_EQ(r.delay.max_s, 0);
  ASSERT_EQ(r.false_alerts.size(), 1u);
  EXPECT_EQ(r.false_alerts[0].alert_id, "b5");
}

// An alert can be confirmed, stepped down and confirmed again: each episode is confirmed
// by what the alert said inside its own window.
TEST(ScoreTest, AnEpisodeIsConfirmedOnlyByAConfirmationInItsWindow) {
  std::string events;
  // A: confirmed 8 minutes before the violation episode's window opens, and still so.
  events += Event("z1", "A", "proximity_violation", "opened", "2026-03-02T10:02:00Z",
                  "2026-03-02T10:02:01Z", "proximity:a:b", "confirmed");
  events += Event("z1", "A", "proximity_violation", "closed", "2026-03-02T10:40:00Z",
                  "2026-03-02T10:40:01Z", "proximity:a:b", "confirmed");
  // B: a possible violation in the window, stepped down, confirmed only 40 min later.
  events += Event("y1", "B", "proximity_warning", "opened", "2026-03-02T10:40:00Z",
                  "2026-03-02T10:40:01Z", "proximity:c:d", "confirmed");
  events += Event("y1", "B", "proximity_violation", "escalated", "2026-03-02T10:58:00Z",
                  "2026-03-02T10:58:05Z", "proximity:c:d", "possible");
  events += Event("y1", "B", "proximity_warning", "downgraded", "2026-03-02T11:07:00Z",
                  "2026-03-02T11:07:01Z", "proximity:c:d", "confirmed");
  events += Event("y1", "B", "proximity_violation", "escalated", "2026-03-02T11:40:00Z",
                  "2026-03-02T11:40:01Z", "proximity:c:d", "confirmed");
  const tools::ScoreReport r = ScoreHand(events);
  const tools::KindScore& v = r.by_kind[0];
  ASSERT_EQ(v.kind, "proximity_violation");
  EXPECT_EQ(v.detected, 2u);
  EXPECT_EQ(v.confirmed_delay.count, 1u) << "B was never confirmed inside its window";
  EXPECT_DOUBLE_EQ(v.confirmed_delay.max_s, 0) << "A was confirmed before its episode began";
  EXPECT_EQ(v.never_confirmed, 1u);
}

TEST(ScoreTest, FalseAlertsByKindAndCertaintyAtTheHighestLevelEvenAfterADowngrade) {
  std::string events;
  // x6: order A's true violation. A warning at 10:00:10, a possible violation at 10:10:30
  // (detected 10:10:35), confirmed at 10:11:00 (detected 10:11:05, 65 s after the true
  // start), stepped down to a warning at 10:25 by a transition this scorer may not know.
  events += Event("x6", "A", "proximity_warning", "opened", "2026-03-02T10:00:10Z",
                  "2026-03-02T10:00:12Z", "proximity:a:b", "possible");
  events += Event("x6", "A", "proximity_violation", "escalated", "2026-03-02T10:10:30Z",
                  "2026-03-02T10:10:35Z", "proximity:a:b", "possible");
  events += Event("x6", "A", "proximity_violation", "updated", "2026-03-02T10:11:00Z",
                  "2026-03-02T10:11:05Z", "proximity:a:b", "confirmed");
  events += Event("x6", "A", "proximity_warning", "downgraded", "2026-03-02T10:25:00Z",
                  "2026-03-02T10:25:01Z", "proximity:a:b", "possible");
  events += Event("x6", "A", "proximity_warning", "closed", "2026-03-02T10:31:00Z",
                  "2026-03-02T10:31:01Z", "proximity:a:b", "possible");
  // x1: a false confirmed violation (A has nothing at 15:00), corrected two minutes later:
  // still a false confirmed violation.
  events += Event("x1", "A", "proximity_warning", "opened", "2026-03-02T15:00:00Z",
                  "2026-03-02T15:00:01Z", "proximity:a:b", "possible");
  events += Event("x1", "A", "proximity_violation", "escalated", "2026-03-02T15:01:00Z",
                  "2026-03-02T15:01:01Z", "proximity:a:b", "confirmed");
  events += Event("x1", "A", "proximity_warning", "downgraded", "2026-03-02T15:03:00Z",
                  "2026-03-02T15:03:01Z", "proximity:a:b", "possible");
  events += Event("x1", "A", "proximity_warning", "closed", "2026-03-02T15:20:00Z",
                  "2026-03-02T15:20:01Z", "proximity:a:b", "possible");
  // x2: a false possible violation; x3 and x4: false warnings, confirmed and possible;
  // x5: a false zone alert, possible first, then confirmed.
  events += Event("x2", "A", "proximity_violation", "opened", "2026-03-02T16:00:00Z",
                  "2026-03-02T16:00:01Z", "proximity:a:b", "possible");
  events += Event("x3", "B", "proximity_warning", "opened", "2026-03-02T17:00:00Z",
                  "2026-03-02T17:00:01Z", "proximity:c:d", "confirmed");
  events += Event("x4", "B", "proximity_warning", "opened", "2026-03-02T18:00:00Z",
                  "2026-03-02T18:00:01Z", "proximity:c:d", "possible");
  events += Event("x5", "C", "exclusion_zone", "opened", "2026-03-02T20:00:00Z",
                  "2026-03-02T20:00:01Z", "zone:home", "possible");
  events += Event("x5", "C", "exclusion_zone", "updated", "2026-03-02T20:01:00Z",
                  "2026-03-02T20:01:01Z", "zone:home", "confirmed");

  const tools::ScoreReport r = ScoreHand(events);
  EXPECT_EQ(r.unreadable_lines, 0u) << "an unknown transition is no unreadable line";
  EXPECT_EQ(r.events_read, 14u);
  EXPECT_EQ(r.alerts, 6u);
  ASSERT_EQ(r.false_alerts.size(), 5u);
  ASSERT_EQ(r.false_by_kind.size(), 3u);
  const tools::FalseByKind& violation = r.false_by_kind[0];
  EXPECT_EQ(violation.kind, "proximity_violation");
  EXPECT_EQ(violation.confirmed, 1u);                         // x1, downgraded afterwards
  EXPECT_EQ(violation.possible, 1u);                          // x2
  EXPECT_DOUBLE_EQ(violation.confirmed_per_device_day, 0.1);  // 1 / (10 devices x 1 day)
  EXPECT_DOUBLE_EQ(violation.possible_per_device_day, 0.1);
  EXPECT_EQ(r.false_by_kind[1].kind, "proximity_warning");
  EXPECT_EQ(r.false_by_kind[1].confirmed, 1u);
  EXPECT_EQ(r.false_by_kind[1].possible, 1u);
  EXPECT_EQ(r.false_by_kind[2].kind, "exclusion_zone");
  EXPECT_EQ(r.false_by_kind[2].confirmed, 1u);
  EXPECT_EQ(r.false_by_kind[2].possible, 0u);
  EXPECT_DOUBLE_EQ(r.false_confirmed_violations_per_device_day, 0.1);
  EXPECT_DOUBLE_EQ(r.false_alerts_per_device_day, 0.5);
  // x6 is a true violation alert even though it ended as a warning.
  for (const tools::FalseAlert& f : r.false_alerts) EXPECT_NE(f.alert_id, "x6");
  // Delays: first at the level 35 s, first confirmed 65 s; B's violation and C's zone
  // entry are missed, so never confirmed; A's warning was confirmed (at 10:11:05).
  const tools::KindScore& v = r.by_kind[0];
  EXPECT_EQ(v.detected, 1u);
  EXPECT_DOUBLE_EQ(v.delay.max_s, 35);
  EXPECT_EQ(v.confirmed_delay.count, 1u);
  EXPECT_DOUBLE_EQ(v.confirmed_delay.p50_s, 65);
  EXPECT_EQ(v.never_confirmed, 1u);
  EXPECT_EQ(r.by_kind[1].never_confirmed, 0u);
  EXPECT_EQ(r.by_kind[2].never_confirmed, 1u);
  const std::string json = tools::ScoreReportToJson(r);
  for (const char* expected :
       {"\"false_by_kind\": {\"proximity_violation\": {\"confirmed\": 1, \"possible\": 1, "
        "\"confirmed_per_device_day\": 0.1, \"possible_per_device_day\": 0.1}, "
        "\"proximity_warning\": {\"confirmed\": 1, \"possible\": 1, ",
        "\"exclusion_zone\": {\"confirmed\": 1, \"possible\": 0, \"confirmed_per_device_day\": "
        "0.1, \"possible_per_device_day\": 0}}",
        "\"false_confirmed_violations_per_device_day\": 0.1",
        "\"false_alerts_per_device_day\": 0.5",
        "\"violation_confirmed_delay_s\": {\"p50\": 65, \"p90\": 65, \"max\": 65}, "
        "\"violations_never_confirmed\": 1",
        "\"never_confirmed\": 1"}) {
    EXPECT_NE(json.find(expected), std::string::npos) << expected << "\n" << json;
  }
  google::protobuf::Struct parsed;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok()) << json;
}

TEST(ScoreTest, RatesKeepSixDecimals) {
  // One false confirmed violation over 10 devices x 1 day is 0.1; over 980 device-days
  // (a 400-order city, 12 h) it is 0.00102, which three decimals would round to 0.001.
  StatusOr<tools::Truth> truth = tools::ParseTruthJson(kHandTruth);
  ASSERT_TRUE(truth.ok());
  truth->devices = 1960;
  std::istringstream in(Event("y1", "A", "proximity_violation", "opened", "2026-03-02T20:00:00Z",
                              "2026-03-02T20:00:01Z", "proximity:a:b"));
  const std::string json = tools::ScoreReportToJson(tools::ScoreEvents(*truth, in, 5 * kMinute));
  EXPECT_NE(json.find("\"false_confirmed_violations_per_device_day\": 0.00051"), std::string::npos)
      << json;
}

TEST(ScoreTest, UsageErrorsExitTwoAndAScoreExitsZero) {
  TempDir dir;
  std::ofstream(dir.path() / "truth.json") << kHandTruth;
  std::ofstream(dir.path() / "events.ndjson") << "";
  std::ofstream(dir.path() / "bad.json") << "[1, 2]";
  auto run = [](std::vector<std::string> args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    std::ostringstream out, err;
    return tools::RunScoreCommand(views, out, err);
  };
  const std::string truth = (dir.path() / "truth.json").string();
  const std::string events = (dir.path() / "events.ndjson").string();
  EXPECT_EQ(run({"--truth", truth, "--events", events}), 0);  // everything missed: still 0
  EXPECT_EQ(run({"--truth", truth}), 2);
  EXPECT_EQ(run({"--truth", truth, "--events", events, "--tolerance", "soon"}), 2);
  EXPECT_EQ(run({"--truth", (dir.path() / "nope.json").string(), "--events", events}), 2);
  EXPECT_EQ(run({"--truth", (dir.path() / "bad.json").string(), "--events", events}), 2);
  EXPECT_EQ(run({"--truth", truth, "--events", events, "--frobnicate", "1"}), 2);
}

// ---------------------------------------------------------------------------------------
// End to end: the real binary simulates, the real engine replays, the scorer scores.

double Number(const google::protobuf::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? -1 : it->second.number_value();
}

TEST(SimulateEndToEndTest, EngineMissesNoViolationAndRaisesFewFalseAlerts) {
  ASSERT_TRUE(fs::exists(StayawayBinary())) << StayawayBinary() << " is not built";
  for (const char* seed : {"7", "8"}) {
    TempDir dir;
    const fs::path d = dir.path();
    ASSERT_EQ(RunBinary({"simulate", "--orders", "20", "--seed", seed, "--duration", "6h", "--out",
                         (d / "city").string()},
                        d / "simulate.out", d / "simulate.err"),
              0)
        << ReadFile(d / "simulate.err");
    ASSERT_EQ(
        RunBinary({"replay", "--orders", (d / "city/orders.json").string(), "--zones",
                   (d / "city/zones.json").string(), "--fixes", (d / "city/fixes.ndjson").string()},
                  d / "events.ndjson", d / "replay.err"),
        0)
        << ReadFile(d / "replay.err");
    ASSERT_EQ(RunBinary({"score", "--truth", (d / "city/truth.json").string(), "--events",
                         (d / "events.ndjson").string()},
                        d / "score.json", d / "score.err"),
              0)
        << ReadFile(d / "score.err");
    const std::string text = ReadFile(d / "score.json");
    google::protobuf::Struct score;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text, &score).ok()) << text;
    const auto& by_kind = score.fields().at("by_kind").struct_value().fields();
    const auto& violations = by_kind.at("proximity_violation").struct_value();
    const auto& zones = by_kind.at("exclusion_zone").struct_value();
    std::cout << "seed " << seed << ": " << text;
    EXPECT_GE(Number(violations, "true"), 4) << text;
    EXPECT_EQ(Number(violations, "missed"), 0) << text;
    EXPECT_GE(Number(zones, "true"), 1) << text;
    EXPECT_EQ(Number(zones, "missed"), 0) << text;
    EXPECT_EQ(Number(score, "missed"), 0) << text;
    // False alerts come only from the error circles near a real approach or a near miss
    // ("possible" alerts where the circles straddle a limit); none is ever confirmed.
    // These cities are small (12 device-days), so one alert is 0.08 per device-day: the
    // per-device-day targets are held on a full city by alert_precision_test.
    EXPECT_LT(Number(score, "false_alerts_per_device_day"), 0.5) << text;
    EXPECT_EQ(Number(score, "false_alerts_confirmed"), 0) << text;
    EXPECT_EQ(Number(score.fields().at("device_events").struct_value(), "true"),
              Number(score.fields().at("device_events").struct_value(), "alerted"))
        << text;
    EXPECT_EQ(Number(score, "unreadable_lines"), 0);
    // Everyone else stays apart: every false alert is within half an hour of a visit of
    // its own order's script (approach, zone entry or near miss; a near miss may visit
    // twice).
    google::protobuf::Struct truth;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(ReadFile(d / "city/truth.json"), &truth).ok());
    auto ms = [](const std::string& rfc3339) {
      google::protobuf::Timestamp ts;
      EXPECT_TRUE(google::protobuf::util::TimeUtil::FromString(rfc3339, &ts)) << rfc3339;
      return TimestampToMs(ts);
    };
    std::map<std::string, std::vector<std::pair<TimeMs, TimeMs>>> scripts;
    for (const auto& v : truth.fields().at("scripts").list_value().values()) {
      const auto& f = v.struct_value().fields();
      scripts[f.at("order").string_value()].emplace_back(ms(f.at("start").string_value()),
                                                         ms(f.at("end").string_value()));
    }
    ASSERT_GE(scripts.size(), 4u);
    for (const auto& v : score.fields().at("false_alert_list").list_value().values()) {
      const auto& f = v.struct_value().fields();
      const std::string order = f.at("order").string_value();
      ASSERT_TRUE(scripts.count(order)) << "a false alert far from any script: " << order;
      const TimeMs opened = ms(f.at("opened").string_value());
      bool near_a_visit = false;
      for (const auto& [start, end] : scripts[order]) {
        near_a_visit =
            near_a_visit || (opened >= start - 30 * kMinute && opened <= end + 30 * kMinute);
      }
      EXPECT_TRUE(near_a_visit) << order << " " << f.at("opened").string_value();
    }
  }
}

}  // namespace
}  // namespace stayaway
