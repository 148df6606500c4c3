// The load generator's fix numbering: every device counts its own fixes 1, 2, 3, ... in
// stream order, as real devices do, and a (device, seq) pair leads back to the fix that
// carried it, for the built-in workload and for replay files (whose devices report
// unevenly), over several laps of the stream.
#include "tools/loadgen/workload.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace stayaway::loadgen {
namespace {

namespace fs = std::filesystem;

// Walks `fixes` fixes of the stream: each device's seqs run 1, 2, 3, ... without a gap,
// and FixOfSeq inverts SeqOfFix.
void ExpectPerDeviceNumbering(const Workload& workload, uint64_t fixes) {
  std::map<uint32_t, uint64_t> last;
  for (uint64_t index = 0; index < fixes; ++index) {
    const uint32_t device = workload.DeviceOfFix(index);
    const uint64_t seq = workload.SeqOfFix(index);
    ASSERT_EQ(seq, last[device] + 1) << "fix " << index << " of device " << device;
    last[device] = seq;
    ASSERT_EQ(workload.FixOfSeq(device, seq), index) << "device " << device << " seq " << seq;
    v1::Fix fix;
    workload.MakeFix(index, 1'000'000, &fix);
    ASSERT_EQ(fix.seq(), seq);
    ASSERT_EQ(fix.device(), workload.device_ids()[device]);
  }
  EXPECT_FALSE(workload.FixOfSeq(0, 0).has_value());
  EXPECT_FALSE(workload.FixOfSeq(static_cast<uint32_t>(workload.device_ids().size()), 1));
}

TEST(Workload, TheBuiltInDevicesCountTheirOwnFixes) {
  BuiltInWorkloadOptions options;
  options.devices = 6;
  const Workload workload = Workload::BuiltIn(options);
  ExpectPerDeviceNumbering(workload, 6 * 50 + 3);
  EXPECT_EQ(workload.SeqOfFix(6 * 50 + 2), 51u);  // the third device's 51st fix
}

TEST(Workload, ReplayDevicesThatReportUnevenlyCountTheirOwnFixes) {
  std::string pattern = (fs::temp_directory_path() / "stayaway-workload-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  std::ofstream(dir / "orders.json") << R"([{"id": "o1", "version": 1, "state": "active",
    "supervised": {"id": "a", "devices": ["tag-1"]},
    "protected": [{"id": "v", "devices": ["phone-2"]}], "violation_distance_m": 300}])";
  // tag-1 three times as often as phone-2, and one device no order names.
  std::ofstream fixes(dir / "fixes.ndjson");
  const char* devices[] = {"tag-1", "tag-1", "phone-2", "tag-1", "stray-9", "tag-1"};
  int seq = 0;
  for (const char* device : devices) {
    fixes << R"({"device": ")" << device << R"(", "seq": )" << ++seq
          << R"(, "time": "2026-03-01T10:00:00Z", "lat": 42.87, "lon": 74.59, "accuracy_m": 8})"
          << "\n";
  }
  fixes << R"({"tick": "2026-03-01T10:05:00Z"})"
        << "\n";
  fixes.close();
  StatusOr<Workload> workload = Workload::FromReplayDir(dir.string(), "lg-");
  ASSERT_TRUE(workload.ok()) << workload.status().message();
  ExpectPerDeviceNumbering(*workload, 6 * 7 + 4);
  // The fourth lap's first tag-1 fix is its 13th: four a lap.
  const uint32_t tag = *workload->DeviceIndex("lg-tag-1");
  EXPECT_EQ(workload->SeqOfFix(6 * 3), 13u);
  EXPECT_EQ(workload->FixOfSeq(tag, 13), 6u * 3);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stayaway::loadgen
