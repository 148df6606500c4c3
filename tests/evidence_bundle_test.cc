// Evidence bundles end to end: the real daemon records an approach and an operator's
// acknowledgement, `stayaway evidence` writes the bundle, `stayaway verify` accepts it,
// and every kind of tampering a court worries about makes verify fail naming what.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "tests/daemon_harness.h"
#include "tests/stayaway_cli.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class EvidenceBundle : public ::testing::Test {
 protected:
  // One recorded violation with an acknowledgement, and its bundle, shared by the tests.
  static void SetUpTestSuite() {
    Daemon daemon;
    data_dir_ = daemon.dir() / "data";
    EXPECT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
    const TimeMs t = NowMs() - 120'000;
    std::string fixes = "[";
    fixes += "{\"device\":\"phone-2\",\"seq\":1,\"time\":\"" + FormatRfc3339(t) +
             "\",\"lat\":42.87,\"lon\":74.59,\"accuracy_m\":8}";
    for (int i = 1; i <= 4; ++i) {  // the tag walks in from 150 m
      fixes += ",{\"device\":\"tag-1\",\"seq\":" + std::to_string(i) + ",\"time\":\"" +
               FormatRfc3339(t + i * 15'000) + "\",\"lat\":42.87,\"lon\":" +
               std::to_string(74.5918 - i * 0.0002) + ",\"accuracy_m\":6}";
    }
    fixes += "]";
    EXPECT_EQ(Http(daemon.http(), "POST", "/v1/fixes", fixes).status, 200);
    const std::string alerts = Http(daemon.http(), "GET", "/v1/alerts").body;
    alert_id_ = FirstAlertId(alerts);
    ASSERT_EQ(alert_id_.size(), 16u) << alerts;
    EXPECT_EQ(Http(daemon.http(), "POST", "/v1/alerts/" + alert_id_ + "/ack",
                   R"({"by": "operator-7", "note": "patrol sent"})")
                  .status,
              200);
    keys_json_ = Http(daemon.http(), "GET", "/v1/keys").body;  // what a court saves
    EXPECT_EQ(daemon.Stop(), 0);  // signs a checkpoint on the way out
    bundle_ = daemon.dir() / "bundle";
    const CommandRun written = Stayaway("evidence --data-dir " + data_dir_.string() + " --alert " +
                                 alert_id_ + " --out " + bundle_.string());
    ASSERT_EQ(written.status, 0) << written.out;
  }

  // A fresh copy of the bundle to tamper with.
  fs::path Copy(const std::string& name) {
    const fs::path copy = bundle_.parent_path() / name;
    fs::remove_all(copy);
    fs::copy(bundle_, copy);
    return copy;
  }

  static inline fs::path data_dir_;
  static inline fs::path bundle_;
  static inline std::string alert_id_;
  static inline std::string keys_json_;
};

TEST_F(EvidenceBundle, HoldsEverythingACourtNeedsAndVerifies) {
  for (const char* file : {"manifest.json", "manifest.sig", "checkpoint.json", "inputs.ndjson",
                           "events.ndjson", "distances.ndjson", "tracks.geojson", "report.html",
                           "engine_config.json"}) {
    EXPECT_TRUE(fs::exists(bundle_ / file)) << file;
  }
  const std::string report = Read(bundle_ / "report.html");
  EXPECT_NE(report.find("<svg"), std::string::npos);
  EXPECT_NE(report.find("operator-7"), std::string::npos);
  EXPECT_NE(report.find("response time"), std::string::npos);
  const std::string inputs = Read(bundle_ / "inputs.ndjson");
  EXPECT_NE(inputs.find("\"order\""), std::string::npos);
  EXPECT_NE(inputs.find("\"received\""), std::string::npos);
  const CommandRun verified = Stayaway("verify " + bundle_.string());
  EXPECT_EQ(verified.status, 0) << verified.out;
  EXPECT_NE(verified.out.find("VERIFIED"), std::string::npos) << verified.out;
  EXPECT_NE(verified.out.find("reproduces"), std::string::npos) << verified.out;
}

TEST_F(EvidenceBundle, ACourtPinsTheCentresKeyAsGetV1KeysPublishesIt) {
  // The key exactly as GET /v1/keys printed it: {"keys":[{"key_id":..,"key":"BASE64"}]}.
  const size_t at = keys_json_.find("\"key\":\"");
  ASSERT_NE(at, std::string::npos) << keys_json_;
  const std::string key = keys_json_.substr(at + 7, keys_json_.find('"', at + 7) - at - 7);
  const CommandRun pinned = Stayaway("verify --key " + key + " " + bundle_.string());
  EXPECT_EQ(pinned.status, 0) << pinned.out;
  EXPECT_NE(pinned.out.find("signed by the key given"), std::string::npos) << pinned.out;
  EXPECT_EQ(pinned.out.find("NOTE"), std::string::npos) << pinned.out;

  const fs::path saved = bundle_.parent_path() / "keys.json";
  std::ofstream(saved) << keys_json_;
  const CommandRun listed = Stayaway("verify --keys " + saved.string() + " " + bundle_.string());
  EXPECT_EQ(listed.status, 0) << listed.out;

  // Any other key: the bundle fails, naming the key it found and the key expected.
  const std::string other(64, '7');
  const CommandRun forged = Stayaway("verify --key " + other + " " + bundle_.string());
  EXPECT_EQ(forged.status, 1) << forged.out;
  const size_t id_at = keys_json_.find("\"key_id\":\"");
  const std::string key_id = keys_json_.substr(id_at + 10, 16);
  EXPECT_NE(forged.out.find("signed by key " + key_id + ", which is not the key given"),
            std::string::npos)
      << forged.out;
  EXPECT_NE(forged.out.find("NOT VERIFIED"), std::string::npos) << forged.out;

  // Without a key it says plainly what it did not check.
  const CommandRun unpinned = Stayaway("verify " + bundle_.string());
  EXPECT_EQ(unpinned.status, 0) << unpinned.out;
  EXPECT_NE(unpinned.out.find("checked only against the key inside the bundle (" + key_id + ")"),
            std::string::npos)
      << unpinned.out;

  // Usage: --help answers, a malformed key or key file is refused before anything is read.
  const CommandRun help = Stayaway("verify --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--keys FILE"), std::string::npos) << help.out;
  EXPECT_EQ(Stayaway("verify --key not-a-key " + bundle_.string()).status, 2);
  std::ofstream(bundle_.parent_path() / "not-keys.json") << "{\"keys\": []}";
  EXPECT_EQ(Stayaway("verify --keys " + (bundle_.parent_path() / "not-keys.json").string() + " " +
                     bundle_.string())
                .status,
            2);
}

TEST_F(EvidenceBundle, AFixMovedOneMetreFailsVerification) {
  const fs::path copy = Copy("moved");
  std::string inputs = Read(copy / "inputs.ndjson");
  // 42.87 -> 42.87001 is about 1.1 m north.
  const size_t at = inputs.find("\"lat\":42.87,");
  ASSERT_NE(at, std::string::npos);
  inputs.replace(at, 12, "\"lat\":42.87001,");
  Write(copy / "inputs.ndjson", inputs);
  const CommandRun verified = Stayaway("verify " + copy.string());
  EXPECT_EQ(verified.status, 1) << verified.out;
  EXPECT_NE(verified.out.find("MISMATCH: inputs.ndjson: its SHA-256"), std::string::npos)
      << verified.out;
  EXPECT_NE(verified.out.find("not in the signed log"), std::string::npos) << verified.out;
}

TEST_F(EvidenceBundle, ABackdatedAcknowledgementFailsVerification) {
  const fs::path copy = Copy("backdated");
  std::string events = Read(copy / "events.ndjson");
  const size_t ack = events.find("\"transition\":\"acknowledged\"");
  ASSERT_NE(ack, std::string::npos);
  const size_t time = events.find("\"time\":\"", ack);
  ASSERT_NE(time, std::string::npos);
  events[time + 8 + 3] = events[time + 8 + 3] == '0' ? '1' : '0';  // another year
  Write(copy / "events.ndjson", events);
  const CommandRun verified = Stayaway("verify " + copy.string());
  EXPECT_EQ(verified.status, 1) << verified.out;
  EXPECT_NE(verified.out.find("events.ndjson"), std::string::npos) << verified.out;
}

TEST_F(EvidenceBundle, ADroppedRecordFailsEvenWithTheManifestRehashed) {
  const fs::path copy = Copy("dropped");
  std::string inputs = Read(copy / "inputs.ndjson");
  const size_t second_line = inputs.find('\n') + 1;
  inputs.erase(second_line, inputs.find('\n', second_line) + 1 - second_line);
  Write(copy / "inputs.ndjson", inputs);
  // An attacker also rewrites the manifest's hash of the file; the centre's signature
  // over the manifest then no longer holds, and the report no longer matches.
  std::string manifest = Read(copy / "manifest.json");
  const std::string old_hash = manifest.substr(manifest.find("\"inputs.ndjson\": \"") + 18, 64);
  manifest.replace(manifest.find(old_hash), 64, std::string(64, 'a'));
  Write(copy / "manifest.json", manifest);
  const CommandRun verified = Stayaway("verify " + copy.string());
  EXPECT_EQ(verified.status, 1) << verified.out;
  EXPECT_NE(verified.out.find("MISMATCH: manifest.json: the centre's signature"), std::string::npos)
      << verified.out;
  EXPECT_NE(verified.out.find("report.html: does not match"), std::string::npos) << verified.out;
}

TEST_F(EvidenceBundle, OneChangedByteInTheReportOrCheckpointFails) {
  const fs::path report_copy = Copy("report");
  std::string report = Read(report_copy / "report.html");
  report[report.size() / 2] ^= 1;
  Write(report_copy / "report.html", report);
  CommandRun verified = Stayaway("verify " + report_copy.string());
  EXPECT_EQ(verified.status, 1);
  EXPECT_NE(verified.out.find("report.html"), std::string::npos) << verified.out;

  const fs::path checkpoint_copy = Copy("checkpoint");
  std::string checkpoint = Read(checkpoint_copy / "checkpoint.json");
  const size_t size_at = checkpoint.find("\"tree_size\":\"") + 13;
  checkpoint[size_at] = checkpoint[size_at] == '9' ? '8' : '9';
  Write(checkpoint_copy / "checkpoint.json", checkpoint);
  verified = Stayaway("verify " + checkpoint_copy.string());
  EXPECT_EQ(verified.status, 1);
  EXPECT_NE(verified.out.find("checkpoint.json"), std::string::npos) << verified.out;
}

TEST_F(EvidenceBundle, AnOrderOverAPeriodVerifiesToo) {
  const fs::path out = bundle_.parent_path() / "period";
  const TimeMs now = NowMs();
  const CommandRun written =
      Stayaway("evidence --data-dir " + data_dir_.string() + " --order KG-7 --from " +
               FormatRfc3339(now - 86'400'000) + " --to " + FormatRfc3339(now + 86'400'000) +
               " --out " + out.string());
  ASSERT_EQ(written.status, 0) << written.out;
  EXPECT_NE(Read(out / "report.html").find("Evidence report: order KG-7"), std::string::npos);
  EXPECT_NE(Read(out / "events.ndjson").find("acknowledged"), std::string::npos);
  const CommandRun verified = Stayaway("verify " + out.string());
  EXPECT_EQ(verified.status, 0) << verified.out;
  EXPECT_NE(verified.out.find("reproduces all"), std::string::npos) << verified.out;
}

TEST_F(EvidenceBundle, RandomlyCorruptedBundlesNeverCrashTheVerifier) {
  const unsigned seed = 4711;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const std::vector<std::string> files = {"manifest.json", "manifest.sig", "checkpoint.json",
                                          "inputs.ndjson", "events.ndjson", "report.html"};
  for (int round = 0; round < 25; ++round) {
    const fs::path copy = Copy("random-" + std::to_string(round));
    const fs::path target = copy / files[rng() % files.size()];
    std::string bytes = Read(target);
    if (round % 4 == 0) {
      bytes.resize(rng() % (bytes.size() + 1));  // truncated
    } else {
      for (int k = 0; k < 3; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    Write(target, bytes);
    const CommandRun verified = Stayaway("verify " + copy.string());
    EXPECT_EQ(verified.status, 1) << target << "\n" << verified.out;  // refused, not crashed
    EXPECT_NE(verified.out.find("NOT VERIFIED"), std::string::npos) << verified.out;
  }
}

TEST_F(EvidenceBundle, UnknownAlertIsRefusedClearly) {
  const CommandRun refused = Stayaway("evidence --data-dir " + data_dir_.string() +
                               " --alert 0000000000000000 --out " +
                               (bundle_.parent_path() / "none").string());
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.out.find("not in the journal"), std::string::npos) << refused.out;
}

TEST(EvidenceOverHttp, ALiveDaemonServesAVerifiableBundle) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const TimeMs t = NowMs() - 60'000;
  const std::string fixes =
      "[{\"device\":\"phone-2\",\"seq\":1,\"time\":\"" + FormatRfc3339(t) +
      "\",\"lat\":42.87,\"lon\":74.59,\"accuracy_m\":8},"
      "{\"device\":\"tag-1\",\"seq\":1,\"time\":\"" + FormatRfc3339(t + 1000) +
      "\",\"lat\":42.87,\"lon\":74.5912,\"accuracy_m\":6},"
      "{\"device\":\"tag-1\",\"seq\":2,\"time\":\"" + FormatRfc3339(t + 2000) +
      "\",\"lat\":42.87,\"lon\":74.5910,\"accuracy_m\":6}]";
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/fixes", fixes).status, 200);
  const std::string alerts = Http(daemon.http(), "GET", "/v1/alerts").body;
  const std::string id = FirstAlertId(alerts);
  ASSERT_EQ(id.size(), 16u) << alerts;
  const HttpReply bundle = Http(daemon.http(), "GET", "/v1/alerts/" + id + "/evidence");
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/alerts/0000000000000000/evidence").status, 404);

  // The integrator writes the files out and a court verifies them.
  google::protobuf::Struct body;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(bundle.body, &body).ok());
  const fs::path out = daemon.dir() / "served-bundle";
  fs::create_directories(out);
  for (const auto& [name, content] : body.fields().at("files").struct_value().fields()) {
    Write(out / name, content.string_value());
  }
  const CommandRun verified = Stayaway("verify " + out.string());
  EXPECT_EQ(verified.status, 0) << verified.out;

  // Or as one ZIP file: Accept: application/zip.
  const HttpReply zipped = HttpExchange(
      daemon.http(), "GET", "/v1/alerts/" + id + "/evidence",
      {{"Authorization", "Bearer " + std::string(kHarnessToken)}, {"Accept", "application/zip"}},
      "");
  ASSERT_EQ(zipped.status, 200) << zipped.head;
  EXPECT_NE(zipped.head.find("Content-Type: application/zip"), std::string::npos) << zipped.head;
  EXPECT_NE(zipped.head.find("filename=\"evidence-" + id + ".zip\""), std::string::npos)
      << zipped.head;
  EXPECT_EQ(zipped.body.rfind("PK\x03\x04", 0), 0u);
  Write(daemon.dir() / "served.zip", zipped.body);
  const CommandRun zip_verified = Stayaway("verify " + (daemon.dir() / "served.zip").string());
  EXPECT_EQ(zip_verified.status, 0) << zip_verified.out;
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST_F(EvidenceBundle, NewBundlesNameTheirReportFormat) {
  EXPECT_NE(Read(bundle_ / "manifest.json").find("\"report_format\": \"stayaway-report-2\""),
            std::string::npos);
  const std::string report = Read(bundle_ / "report.html");
  EXPECT_NE(report.find("<td class=\"time-zone\">UTC (the order names none)</td>"),
            std::string::npos);
  EXPECT_NE(report.find("<g class=\"scale-bar\">"), std::string::npos);
}

// Formats on disk are promises: a bundle written before reports had formats (its manifest
// names none, its report.html is the first format's: UTC only, no scale bar), kept in
// tests/testdata as that version wrote it, still verifies.
TEST(EvidenceBundleFormats, ABundleOfTheFirstReportFormatStillVerifies) {
  const fs::path old_bundle =
      fs::path(STAYAWAY_SOURCE_DIR) / "tests/testdata/evidence_bundle_format1";
  ASSERT_TRUE(fs::exists(old_bundle / "report.html"));
  EXPECT_EQ(Read(old_bundle / "manifest.json").find("report_format"), std::string::npos);
  const CommandRun verified = Stayaway("verify " + old_bundle.string());
  EXPECT_EQ(verified.status, 0) << verified.out;
  EXPECT_NE(verified.out.find("VERIFIED"), std::string::npos) << verified.out;
  // And its report is still held to the bytes that version wrote.
  const fs::path copy =
      fs::temp_directory_path() / ("stayaway-format1-" + std::to_string(::getpid()));
  fs::remove_all(copy);
  fs::copy(old_bundle, copy);
  std::string report = Read(copy / "report.html");
  report[report.size() / 2] ^= 1;
  Write(copy / "report.html", report);
  const CommandRun refused = Stayaway("verify " + copy.string());
  EXPECT_EQ(refused.status, 1) << refused.out;
  fs::remove_all(copy);
}

TEST_F(EvidenceBundle, OneZipFileHoldsTheBundleAndVerifiesAsTheDirectoryDoes) {
  const fs::path zip = bundle_.parent_path() / "bundle.zip";
  const CommandRun written = Stayaway("evidence --data-dir " + data_dir_.string() + " --alert " +
                                      alert_id_ + " --out " + zip.string() + " --zip");
  ASSERT_EQ(written.status, 0) << written.out;
  ASSERT_TRUE(fs::is_regular_file(zip));
  EXPECT_EQ(fs::status(zip).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_FALSE(fs::exists(zip.string() + ".unzipped.tmp"));
  const fs::path keys = bundle_.parent_path() / "zip-keys.json";
  std::ofstream(keys) << keys_json_;
  const CommandRun verified = Stayaway("verify --keys " + keys.string() + " " + zip.string());
  EXPECT_EQ(verified.status, 0) << verified.out;
  EXPECT_NE(verified.out.find("signed by the key given"), std::string::npos) << verified.out;
  // A changed byte inside the archive fails, as in a directory.
  std::string bytes = Read(zip);
  bytes[bytes.size() / 2] ^= 0x20;
  const fs::path changed = bundle_.parent_path() / "changed.zip";
  Write(changed, bytes);
  const CommandRun refused = Stayaway("verify " + changed.string());
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_NE(refused.out.find("NOT VERIFIED"), std::string::npos) << refused.out;
}

}  // namespace
}  // namespace stayaway
