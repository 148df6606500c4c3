// A downgrade is on the record like every other transition: the real daemon journals the
// fixes, the engine steps a confirmed violation down when the supervised person withdraws
// to where the error circles straddle the limit, `stayaway evidence` bundles the alert with
// its `downgraded` event, and `stayaway verify` reproduces it from the signed inputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/daemon_harness.h"
#include "tests/stayaway_cli.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

// Degrees of longitude per metre at latitude 42.87.
constexpr double kLonPerMetre = 1.0 / 81'600.0;

std::string Fix(const std::string& device, uint64_t seq, TimeMs t, double metres_east,
                double accuracy_m, double speed_mps) {
  std::ostringstream j;
  j.precision(12);
  j << R"({"device": ")" << device << R"(", "seq": )" << seq << R"(, "time": ")" << FormatRfc3339(t)
    << R"(", "lat": 42.87, "lon": )" << 74.59 + metres_east * kLonPerMetre << R"(, "accuracy_m": )"
    << accuracy_m << R"(, "speed_mps": )" << speed_mps << "}";
  return j.str();
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(DowngradeEvidence, ADowngradedViolationIsInTheBundleAndReproducedByVerify) {
  fs::path data_dir, bundle;
  std::string alert_id;
  {
    Daemon daemon;
    data_dir = daemon.dir() / "data";
    bundle = daemon.dir() / "bundle";
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
    const TimeMs t = NowMs() - 10 * 60'000;
    std::string fixes = "[";
    // Her phone at home, at rest, once a minute.
    for (uint64_t k = 0; k < 3; ++k) {
      fixes += (k ? "," : "") + Fix("phone-2", k + 1, t + static_cast<TimeMs>(k) * 60'000, 0, 8, 0);
    }
    // His tag 150 m from her (inside 300 m) for four fixes: a confirmed violation, borne out.
    for (uint64_t k = 0; k < 4; ++k) {
      fixes += "," + Fix("tag-1", k + 1, t + 130'000 + static_cast<TimeMs>(k) * 15'000, 150, 5, 1);
    }
    // Then 300 m with 40 m accuracy: the circles straddle the limit for 45 s.
    for (uint64_t k = 0; k < 4; ++k) {
      fixes += "," + Fix("tag-1", k + 5, t + 190'000 + static_cast<TimeMs>(k) * 15'000, 300, 40, 1);
    }
    fixes += "]";
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/fixes", fixes).status, 200);
    alert_id = WaitForOpenAlertId(daemon.http(), "KG-7");
    ASSERT_EQ(alert_id.size(), 16u);
    EXPECT_EQ(daemon.Stop(), 0);
  }
  const CommandRun written = Stayaway("evidence --data-dir " + data_dir.string() + " --alert " +
                                      alert_id + " --out " + bundle.string());
  ASSERT_EQ(written.status, 0) << written.out;
  const std::string events = ReadText(bundle / "events.ndjson");
  EXPECT_NE(events.find("\"downgraded\""), std::string::npos) << events;
  EXPECT_NE(events.find("\"eased\""), std::string::npos) << events;
  EXPECT_NE(events.find("\"at_rest\""), std::string::npos) << events;
  const CommandRun verified = Stayaway("verify " + bundle.string());
  EXPECT_EQ(verified.status, 0) << verified.out;
  EXPECT_NE(verified.out.find("reproduces"), std::string::npos) << verified.out;
  EXPECT_NE(ReadText(bundle / "report.html").find("downgraded"), std::string::npos);
}

}  // namespace
}  // namespace stayaway
