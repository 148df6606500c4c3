// Signing key rotation end to end (evidence/key_rotation.h): the real daemon rotates on
// POST /v1/keys/rotate (admin only), GET /v1/keys lists the history, bundles cut before
// and after the rotation verify against the key a court pinned before it, the offline
// `stayaway keys` commands respect the running daemon's lock, exports still import, and a
// stolen old key cannot sign a checkpoint dated after its retirement.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "evidence/checkpoint.h"
#include "evidence/checkpoint_signer.h"
#include "evidence/merkle_tree.h"
#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"
#include "tests/stayaway_cli.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

v1::PublicKeyList ParseKeys(const std::string& json) {
  v1::PublicKeyList keys;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &keys).ok()) << json;
  return keys;
}

// The key as GET /v1/keys prints it: base64 of the 32 bytes.
std::string PrintedKey(const v1::PublicKey& key) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(key, &json);
  const size_t at = json.find("\"key\":\"");
  return json.substr(at + 7, json.find('"', at + 7) - at - 7);
}

// An approach of tag-1 to phone-2 at `t`, fixes numbered from `seq`.
std::string Approach(TimeMs t, int seq) {
  std::string fixes = "[{\"device\":\"phone-2\",\"seq\":" + std::to_string(seq) + ",\"time\":\"" +
                      FormatRfc3339(t) + "\",\"lat\":42.87,\"lon\":74.59,\"accuracy_m\":8}";
  for (int i = 1; i <= 3; ++i) {
    fixes += ",{\"device\":\"tag-1\",\"seq\":" + std::to_string(seq + i) + ",\"time\":\"" +
             FormatRfc3339(t + i * 10'000) +
             "\",\"lat\":42.87,\"lon\":" + std::to_string(74.5916 - i * 0.0002) +
             ",\"accuracy_m\":6}";
  }
  return fixes + "]";
}

void Save(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

TEST(SigningKeyRotation, ALiveRotationKeepsEveryBundleVerifiableWithThePinnedKey) {
  Daemon daemon;
  const fs::path data = daemon.dir() / "data";
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const TimeMs t = NowMs() - 120'000;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/fixes", Approach(t, 1)).status, 200);
  const std::string alert = FirstAlertId(Http(daemon.http(), "GET", "/v1/alerts").body);
  ASSERT_EQ(alert.size(), 16u);

  // What a court saved before the rotation: one key.
  const std::string saved_before = Http(daemon.http(), "GET", "/v1/keys").body;
  const v1::PublicKeyList before = ParseKeys(saved_before);
  ASSERT_EQ(before.keys_size(), 1);
  Save(daemon.dir() / "keys-before.json", saved_before);
  const HttpReply early_bundle = Http(daemon.http(), "GET", "/v1/alerts/" + alert + "/evidence");
  ASSERT_EQ(early_bundle.status, 200);

  // Only an admin may rotate; an operator is told which role may.
  const IssuedCredential desk = IssueCredential(daemon.http(), "desk", R"("operator")");
  const HttpReply refused = HttpAs(desk.token, daemon.http(), "POST", "/v1/keys/rotate", "");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("admin"), std::string::npos) << refused.body;
  EXPECT_EQ(HttpAs("", daemon.http(), "POST", "/v1/keys/rotate", "").status, 401);
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/keys/rotate").status, 405);

  const HttpReply rotated = Http(daemon.http(), "POST", "/v1/keys/rotate", "");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const v1::PublicKeyList after = ParseKeys(rotated.body);
  ASSERT_EQ(after.keys_size(), 2);
  EXPECT_EQ(after.keys(0).key_id(), before.keys(0).key_id());
  EXPECT_TRUE(after.keys(0).has_retired_at());
  EXPECT_EQ(after.keys(1).endorsement().endorser_key_id(), before.keys(0).key_id());
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/keys").body, rotated.body);
  EXPECT_NE(daemon.Log().find("\"action\":\"signing key rotated\""), std::string::npos);

  // The episode goes on after the rotation; the bundle now carries the new key.
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/fixes", Approach(t + 60'000, 10)).status, 200);
  const HttpReply served = Http(daemon.http(), "GET", "/v1/alerts/" + alert + "/evidence");
  ASSERT_EQ(served.status, 200) << served.body;
  EXPECT_NE(served.body.find("key_history.json"), std::string::npos);

  // `stayaway keys rotate` refuses while the daemon holds the directory.
  const CommandRun busy = Stayaway("keys rotate --data-dir " + data.string());
  EXPECT_EQ(busy.status, 1) << busy.out;
  EXPECT_NE(busy.out.find("in use"), std::string::npos) << busy.out;
  ASSERT_EQ(daemon.Stop(), 0);

  // Offline bundles: the one cut now verifies with the key pinned before the rotation
  // (through its endorsement), with the saved answer of before, and with the new key.
  const fs::path bundle = daemon.dir() / "bundle";
  const CommandRun written = Stayaway("evidence --data-dir " + data.string() + " --alert " + alert +
                                      " --out " + bundle.string());
  ASSERT_EQ(written.status, 0) << written.out;
  EXPECT_TRUE(fs::exists(bundle / "key_history.json"));
  const CommandRun old_pinned =
      Stayaway("verify --key " + PrintedKey(before.keys(0)) + " " + bundle.string());
  EXPECT_EQ(old_pinned.status, 0) << old_pinned.out;
  EXPECT_NE(old_pinned.out.find("VERIFIED"), std::string::npos) << old_pinned.out;
  EXPECT_NE(old_pinned.out.find("endorsed by " + before.keys(0).key_id()), std::string::npos)
      << old_pinned.out;
  const CommandRun saved = Stayaway(
      "verify --keys " + (daemon.dir() / "keys-before.json").string() + " " + bundle.string());
  EXPECT_EQ(saved.status, 0) << saved.out;
  const CommandRun new_pinned =
      Stayaway("verify --key " + PrintedKey(after.keys(1)) + " " + bundle.string());
  EXPECT_EQ(new_pinned.status, 0) << new_pinned.out;
  EXPECT_NE(new_pinned.out.find("signed by the key given"), std::string::npos) << new_pinned.out;

  // The bundle cut before the rotation: the new answer of GET /v1/keys lists the old key,
  // so it verifies with that; the new key alone does not vouch for the old one.
  const fs::path early = daemon.dir() / "early-bundle";
  fs::create_directories(early);
  google::protobuf::Struct early_body;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(early_bundle.body, &early_body).ok());
  for (const auto& [name, content] : early_body.fields().at("files").struct_value().fields()) {
    Save(early / name, content.string_value());
  }
  Save(daemon.dir() / "keys-after.json", rotated.body);
  const CommandRun early_listed = Stayaway(
      "verify --keys " + (daemon.dir() / "keys-after.json").string() + " " + early.string());
  EXPECT_EQ(early_listed.status, 0) << early_listed.out;
  const CommandRun early_new_key =
      Stayaway("verify --key " + PrintedKey(after.keys(1)) + " " + early.string());
  EXPECT_EQ(early_new_key.status, 1) << early_new_key.out;
  EXPECT_NE(early_new_key.out.find("not the key given"), std::string::npos) << early_new_key.out;

  // The offline list is the daemon's answer; the whole history exports and imports.
  const CommandRun listed = Stayaway("keys list --data-dir " + data.string());
  ASSERT_EQ(listed.status, 0) << listed.out;
  EXPECT_EQ(ParseKeys(listed.out).SerializeAsString(), after.SerializeAsString());
  const fs::path exported = daemon.dir() / "export";
  const CommandRun exported_run =
      Stayaway("export --data-dir " + data.string() + " --out " + exported.string());
  ASSERT_EQ(exported_run.status, 0) << exported_run.out;
  const CommandRun imported = Stayaway("import --from " + exported.string() + " --data-dir " +
                                       (daemon.dir() / "imported").string());
  EXPECT_EQ(imported.status, 0) << imported.out;

  // Statistics signed by the new key verify with the key pinned before the rotation too.
  const fs::path report = daemon.dir() / "report.json";
  const CommandRun reported =
      Stayaway("report --data-dir " + data.string() + " --from " + FormatRfc3339(t - 60'000) +
               " --to " + FormatRfc3339(NowMs()) + " --out " + report.string());
  ASSERT_EQ(reported.status, 0) << reported.out;
  const CommandRun report_verified =
      Stayaway("verify --report " + report.string() + " --data-dir " + data.string() +
               " --key " + PrintedKey(before.keys(0)));
  EXPECT_EQ(report_verified.status, 0) << report_verified.out;
  EXPECT_NE(report_verified.out.find("endorsed by " + before.keys(0).key_id()), std::string::npos)
      << report_verified.out;

  // A restart keeps the new key and the history.
  Daemon again({}, daemon.dir());
  EXPECT_EQ(ParseKeys(Http(again.http(), "GET", "/v1/keys").body).SerializeAsString(),
            after.SerializeAsString());
  EXPECT_EQ(again.Stop(), 0);
}

TEST(SigningKeyRotation, AStolenOldKeyCannotSignAfterItsRetirement) {
  Daemon daemon;
  const fs::path data = daemon.dir() / "data";
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/fixes", Approach(NowMs() - 120'000, 1)).status, 200);
  const std::string alert = FirstAlertId(Http(daemon.http(), "GET", "/v1/alerts").body);
  ASSERT_EQ(alert.size(), 16u);
  const v1::PublicKeyList before = ParseKeys(Http(daemon.http(), "GET", "/v1/keys").body);
  ASSERT_EQ(daemon.Stop(), 0);

  // A copy of the old secret is taken, then the centre rotates offline.
  fs::copy(data / "keys", daemon.dir() / "stolen-keys");
  const CommandRun rotated = Stayaway("keys rotate --data-dir " + data.string());
  ASSERT_EQ(rotated.status, 0) << rotated.out;
  EXPECT_NE(rotated.out.find("retired key " + before.keys(0).key_id()), std::string::npos)
      << rotated.out;

  // The thief signs the newest checkpoint's tree again, dated after the rotation, and it
  // is what the next bundle uses.
  StatusOr<evidence::CheckpointSigner> stolen =
      evidence::CheckpointSigner::LoadOrCreate((daemon.dir() / "stolen-keys").string());
  ASSERT_TRUE(stolen.ok());
  StatusOr<std::vector<v1::SignedCheckpoint>> log = evidence::LoadCheckpointLog(data.string());
  ASSERT_TRUE(log.ok() && !log->empty());
  const v1::Checkpoint& newest = log->back().checkpoint();
  StatusOr<evidence::Hash> root = evidence::HashFromBytes(newest.root_hash());
  ASSERT_TRUE(root.ok());
  const v1::SignedCheckpoint forged = stolen->Sign(newest.tree_size(), *root, NowMs() + 60'000);
  std::string line;
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(forged, &line, json);
  std::ofstream(data / "checkpoints.ndjson", std::ios::app) << line << "\n";

  const fs::path bundle = daemon.dir() / "bundle";
  const CommandRun written = Stayaway("evidence --data-dir " + data.string() + " --alert " + alert +
                                      " --out " + bundle.string());
  ASSERT_EQ(written.status, 0) << written.out;
  const CommandRun verified =
      Stayaway("verify --key " + PrintedKey(before.keys(0)) + " " + bundle.string());
  EXPECT_EQ(verified.status, 1) << verified.out;
  EXPECT_NE(verified.out.find("after it was retired"), std::string::npos) << verified.out;
}

}  // namespace
}  // namespace stayaway
