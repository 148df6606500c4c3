// End-to-end tests of `stayaway export` and `stayaway import` with the real binaries, the
// way a centre changing systems uses them: a stayawayd runs with orders, fixes and an
// acknowledged alert and stops (signing a checkpoint); its data directory is exported and
// imported into a new one; a stayawayd started there answers exactly as the old one did.
// Tampered exports and an altered journal are refused with messages naming the place.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/crc32c.h"
#include "base/time.h"
#include "journal/journal.h"
#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"
#include "tests/stayaway_cli.h"
#include "tools/daemon_client.h"

namespace stayaway {
namespace {

namespace fs = std::filesystem;
using testing_harness::CommandRun;
using testing_harness::ConnectAndAuthenticate;
using testing_harness::Daemon;
using testing_harness::FixJson;
using testing_harness::Http;
using testing_harness::HttpReply;
using testing_harness::NowMs;
using testing_harness::Stayaway;
using testing_harness::WaitForOpenAlertId;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

fs::path FreshDir(const std::string& name) {
  static int counter = 0;
  const fs::path dir = fs::path(::testing::TempDir()) /
                       ("export-" + std::to_string(::getpid()) + "-" +
                        std::to_string(counter++) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string OrderJson(int version) {
  return R"({"id": "KG-7", "version": )" + std::to_string(version) +
         R"(, "supervised": {"id": "p1", "devices": ["tag-1"]},
             "protected": [{"id": "p2", "devices": ["phone-2"], "relation": "victim"}],
             "violation_distance_m": 300, "warning_distance_m": )" +
         std::to_string(version == 1 ? 0 : 600) + R"(, "valid_from": "2020-01-01T00:00:00Z"})";
}

std::vector<v1::EventRecord> ReadEvents(Daemon& daemon, size_t count) {
  std::vector<v1::EventRecord> out;
  tools::DaemonClient client;
  EXPECT_TRUE(ConnectAndAuthenticate(client, daemon.ingest()).ok());
  v1::ClientFrame subscribe;
  subscribe.mutable_subscribe()->set_from_seq(1);
  EXPECT_TRUE(client.Send(subscribe).ok());
  while (out.size() < count) {
    v1::ServerFrame frame;
    if (!client.Receive(&frame).ok()) break;
    if (frame.has_event()) out.push_back(frame.event());
  }
  return out;
}

// What the old centre had: its data directory, its alerts answer and its event stream,
// recorded while it ran. The stream ends with the operator's acknowledgement.
struct OldCentre {
  fs::path data_dir;
  std::string alerts;
  std::vector<v1::EventRecord> events;
};

OldCentre RunOldCentre() {
  OldCentre old;
  old.data_dir = FreshDir("old") / "data";
  Daemon daemon({}, old.data_dir.parent_path());  // the harness runs on <dir>/data
  EXPECT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson(1)).status, 201);
  const TimeMs t = NowMs() - 60'000;
  // tag-1 comes within ~40 m of phone-2 and stays: a proximity violation.
  std::string fixes = "[";
  for (int i = 0; i < 6; ++i) {
    fixes += (i ? "," : "") + FixJson("phone-2", i + 1, t + i * 5'000, 74.59) + "," +
             FixJson("tag-1", i + 1, t + i * 5'000 + 1'000, 74.5905);
  }
  const HttpReply posted = Http(daemon.http(), "POST", "/v1/fixes", fixes + "]");
  EXPECT_EQ(posted.status, 200) << posted.body;
  // A new order version (adds a warning distance), then more fixes under it.
  const HttpReply updated = Http(daemon.http(), "PUT", "/v1/orders/KG-7", OrderJson(2));
  EXPECT_EQ(updated.status, 200) << updated.body;
  fixes = "[" + FixJson("tag-1", 7, t + 40'000, 74.5906) + "," +
          FixJson("phone-2", 7, t + 41'000, 74.59) + "]";
  EXPECT_EQ(Http(daemon.http(), "POST", "/v1/fixes", fixes).status, 200);

  const std::string alert_id = WaitForOpenAlertId(daemon.http(), "KG-7");
  EXPECT_FALSE(alert_id.empty()) << daemon.Log();
  const HttpReply ack = Http(daemon.http(), "POST", "/v1/alerts/" + alert_id + "/ack",
                             R"({"by": "operator-7", "note": "patrol sent"})");
  EXPECT_EQ(ack.status, 200) << ack.body;

  // The stream up to and including the acknowledgement: everything this load caused.
  tools::DaemonClient client;
  EXPECT_TRUE(ConnectAndAuthenticate(client, daemon.ingest()).ok());
  v1::ClientFrame subscribe;
  subscribe.mutable_subscribe()->set_from_seq(1);
  EXPECT_TRUE(client.Send(subscribe).ok());
  for (int i = 0; i < 1000; ++i) {
    v1::ServerFrame frame;
    if (!client.Receive(&frame).ok()) break;
    if (!frame.has_event()) continue;
    old.events.push_back(frame.event());
    if (frame.event().event().transition() == v1::Event::acknowledged) break;
  }
  old.alerts = Http(daemon.http(), "GET", "/v1/alerts").body;
  EXPECT_EQ(daemon.Stop(), 0);
  return old;
}

TEST(ExportImport, ImportedDataDirectoryServesTheSameAlertsAndEventStream) {
  const OldCentre old = RunOldCentre();
  ASSERT_GE(old.events.size(), 2u);
  ASSERT_EQ(old.events.back().event().transition(), v1::Event::acknowledged);
  ASSERT_NE(old.alerts.find("operator-7"), std::string::npos) << old.alerts;

  const fs::path out = FreshDir("export") / "out";
  const CommandRun exported =
      Stayaway("export --data-dir " + old.data_dir.string() + " --out " + out.string());
  ASSERT_EQ(exported.status, 0) << exported.out;
  for (const char* name : {"README.txt", "manifest.json", "engine_config.json", "public_keys.json",
                           "checkpoints.ndjson", "inputs.ndjson", "events.ndjson", "orders.ndjson",
                           "alerts.ndjson", "proofs.ndjson"}) {
    EXPECT_TRUE(fs::exists(out / name)) << name;
  }
  EXPECT_NE(ReadFile(out / "manifest.json").find("\"format\": \"stayaway-export-1\""),
            std::string::npos);
  EXPECT_EQ(ReadFile(out / "checkpoints.ndjson"), ReadFile(old.data_dir / "checkpoints.ndjson"));
  const std::string orders = ReadFile(out / "orders.ndjson");
  EXPECT_NE(orders.find("\"version\":1"), std::string::npos) << orders;
  EXPECT_NE(orders.find("\"version\":2"), std::string::npos) << orders;
  EXPECT_NE(ReadFile(out / "alerts.ndjson").find("\"by\": \"operator-7\""), std::string::npos);
  EXPECT_NE(ReadFile(out / "inputs.ndjson").find("\"kind\":\"ack\""), std::string::npos);

  const fs::path new_dir = FreshDir("new") / "data";
  const CommandRun imported =
      Stayaway("import --from " + out.string() + " --data-dir " + new_dir.string());
  ASSERT_EQ(imported.status, 0) << imported.out;
  EXPECT_FALSE(fs::exists(new_dir / "keys" / "ed25519.key"));  // the old secret stays behind

  {
    Daemon daemon({}, new_dir.parent_path());
    EXPECT_EQ(Http(daemon.http(), "GET", "/v1/alerts").body, old.alerts);
    const std::vector<v1::EventRecord> events = ReadEvents(daemon, old.events.size());
    ASSERT_EQ(events.size(), old.events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].SerializeAsString(), old.events[i].SerializeAsString())
          << "event " << i + 1 << ":\n" << events[i].DebugString() << "\nwas\n"
          << old.events[i].DebugString();
    }
    EXPECT_EQ(daemon.Stop(), 0);
  }
  // The new centre has its own key, and its history exports again: the old checkpoints
  // are checked with the old centre's public key it kept.
  EXPECT_NE(ReadFile(new_dir / "keys" / "ed25519.pub"),
            ReadFile(old.data_dir / "keys" / "ed25519.pub"));
  const fs::path again = FreshDir("again") / "out";
  const CommandRun reexported =
      Stayaway("export --data-dir " + new_dir.string() + " --out " + again.string());
  EXPECT_EQ(reexported.status, 0) << reexported.out;

  // A non-empty target is never overwritten.
  const CommandRun onto_old =
      Stayaway("import --from " + out.string() + " --data-dir " + old.data_dir.string());
  EXPECT_EQ(onto_old.status, 1);
  EXPECT_NE(onto_old.out.find("is not empty"), std::string::npos) << onto_old.out;
}

// Copies the export, lets `edit` change its lines, and returns import's result.
CommandRun ImportEdited(const fs::path& out, const std::string& file,
                        const std::function<void(std::vector<std::string>*)>& edit) {
  const fs::path copy = FreshDir("tampered") / "out";
  fs::copy(out, copy, fs::copy_options::recursive);
  std::vector<std::string> lines;
  std::istringstream in(ReadFile(copy / file));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  edit(&lines);
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  WriteFile(copy / file, text);
  const fs::path target = FreshDir("target") / "data";
  CommandRun result = Stayaway("import --from " + copy.string() + " --data-dir " + target.string());
  EXPECT_FALSE(fs::exists(target / "journal")) << "a refused import left a data directory";
  return result;
}

// Index of the first line holding `needle`.
size_t FindLine(const std::vector<std::string>& lines, const std::string& needle) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(needle) != std::string::npos) return i;
  }
  ADD_FAILURE() << "no line holds " << needle;
  return 0;
}

TEST(ExportImport, TamperedExportIsRefusedNamingTheLine) {
  const OldCentre old = RunOldCentre();
  const fs::path out = FreshDir("export") / "out";
  ASSERT_EQ(Stayaway("export --data-dir " + old.data_dir.string() + " --out " + out.string()).status,
            0);

  // One fix's latitude changed.
  size_t changed_line = 0;
  const CommandRun moved = ImportEdited(out, "inputs.ndjson", [&](std::vector<std::string>* l) {
    changed_line = FindLine(*l, "\"device\":\"tag-1\"");
    const size_t at = (*l)[changed_line].find("\"lat\":42.87");
    ASSERT_NE(at, std::string::npos) << (*l)[changed_line];
    (*l)[changed_line].replace(at, 11, "\"lat\":42.8701");
  });
  EXPECT_EQ(moved.status, 1) << moved.out;
  EXPECT_NE(moved.out.find("inputs.ndjson line " + std::to_string(changed_line + 1) + " "),
            std::string::npos)
      << moved.out;
  EXPECT_NE(moved.out.find("not the record the centre signed"), std::string::npos) << moved.out;

  // One line dropped.
  size_t dropped_line = 0;
  const CommandRun dropped = ImportEdited(out, "inputs.ndjson", [&](std::vector<std::string>* l) {
    dropped_line = FindLine(*l, "\"kind\":\"fix\"");
    l->erase(l->begin() + static_cast<std::ptrdiff_t>(dropped_line));
  });
  EXPECT_EQ(dropped.status, 1) << dropped.out;
  EXPECT_NE(dropped.out.find("inputs.ndjson line " + std::to_string(dropped_line + 1) + ":"),
            std::string::npos)
      << dropped.out;
  EXPECT_NE(dropped.out.find("missing or out of order"), std::string::npos) << dropped.out;

  // A derived file edited: the acknowledgement's operator in the alert summary.
  const CommandRun renamed = ImportEdited(out, "alerts.ndjson", [&](std::vector<std::string>* l) {
    const size_t line = FindLine(*l, "operator-7");
    (*l)[line].replace((*l)[line].find("operator-7"), 10, "operator-9");
  });
  EXPECT_EQ(renamed.status, 1) << renamed.out;
  EXPECT_NE(renamed.out.find("alerts.ndjson line"), std::string::npos) << renamed.out;
}

TEST(ExportImport, ExportRefusesAJournalAlteredAfterACheckpoint) {
  const OldCentre old = RunOldCentre();
  // Replace a mid-journal fix with a different valid record of the same length (another
  // latitude; a double is always 8 bytes) and a correct checksum: only the signed root
  // can tell.
  fs::path segment;
  for (const auto& file : fs::directory_iterator(old.data_dir / "journal")) {
    if (segment.empty() || file.path() < segment) segment = file.path();  // the first
  }
  std::string bytes = ReadFile(segment);
  bool replaced = false;
  for (size_t at = 0; at + 8 <= bytes.size() && !replaced;) {
    uint32_t length = 0;
    std::memcpy(&length, bytes.data() + at, 4);
    const std::string payload = bytes.substr(at + 8, length);
    v1::Input input;
    ASSERT_TRUE(input.ParseFromString(payload));
    if (input.has_fix() && input.fix().device() == "tag-1") {
      input.mutable_fix()->set_lat(input.fix().lat() + 0.001);
      const std::string altered = input.SerializeAsString();
      ASSERT_EQ(altered.size(), payload.size());
      const uint32_t crc = Crc32c(altered);
      std::memcpy(bytes.data() + at + 4, &crc, 4);
      bytes.replace(at + 8, length, altered);
      replaced = true;
    }
    at += 8 + length;
  }
  ASSERT_TRUE(replaced);
  WriteFile(segment, bytes);

  const fs::path out = FreshDir("export") / "out";
  const CommandRun exported =
      Stayaway("export --data-dir " + old.data_dir.string() + " --out " + out.string());
  EXPECT_EQ(exported.status, 1) << exported.out;
  EXPECT_NE(exported.out.find("does not match the checkpoint signed at tree size"),
            std::string::npos)
      << exported.out;
  EXPECT_NE(exported.out.find("altered"), std::string::npos) << exported.out;
  EXPECT_FALSE(fs::exists(out / "manifest.json"));
}

}  // namespace
}  // namespace stayaway
