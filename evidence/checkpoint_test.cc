// Tests of signed checkpoints: key files (creation, persistence, refusal of damaged or
// exposed keys), the documented signed text, and that any change to a checkpoint or its
// signature, or another key, fails verification.
#include "evidence/checkpoint.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "evidence/checkpoint_signer.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {
namespace {

namespace fs = std::filesystem;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "stayaway-checkpoint-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string KeyDir(const std::string& name = "keys") const { return dir_ + "/" + name; }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }
  static void WriteFile(const std::string& path, const std::string& data, mode_t mode) {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << data;
    }
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
  }

  std::string dir_;
};

const Hash kRoot = [] {
  Hash h{};
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(i * 9 + 1);
  return h;
}();
constexpr TimeMs kTime = 1740823200123;  // 2025-03-01T10:00:00.123Z

TEST_F(CheckpointTest, SignAndVerifyRoundTrip) {
  StatusOr<CheckpointSigner> signer = CheckpointSigner::LoadOrCreate(KeyDir());
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  EXPECT_EQ(signer->key_id().size(), 16u);
  EXPECT_EQ(signer->key_id(), KeyIdOf(signer->public_key()));

  const v1::SignedCheckpoint signed_checkpoint = signer->Sign(42, kRoot, kTime);
  EXPECT_EQ(signed_checkpoint.checkpoint().tree_size(), 42u);
  EXPECT_EQ(signed_checkpoint.checkpoint().root_hash(), HashToBytes(kRoot));
  EXPECT_EQ(TimestampToMs(signed_checkpoint.checkpoint().time()), kTime);
  EXPECT_EQ(signed_checkpoint.checkpoint().key_id(), signer->key_id());
  EXPECT_EQ(signed_checkpoint.signature().size(), kSignatureSize);
  const Status verified = VerifyCheckpoint(signed_checkpoint, signer->public_key());
  EXPECT_TRUE(verified.ok()) << verified.ToString();

  // Survives the wire: serialized and parsed back, it still verifies.
  v1::SignedCheckpoint parsed;
  ASSERT_TRUE(parsed.ParseFromString(signed_checkpoint.SerializeAsString()));
  EXPECT_TRUE(VerifyCheckpoint(parsed, signer->public_key()).ok());

  // Times before 1970 and the empty tree are signable too.
  EXPECT_TRUE(VerifyCheckpoint(signer->Sign(0, EmptyRoot(), -1501), signer->public_key()).ok());
}

TEST_F(CheckpointTest, AnyChangeFailsVerification) {
  StatusOr<CheckpointSigner> signer = CheckpointSigner::LoadOrCreate(KeyDir());
  ASSERT_TRUE(signer.ok());
  const v1::SignedCheckpoint good = signer->Sign(42, kRoot, kTime);
  const PublicKey& key = signer->public_key();

  auto expect_refused = [&](const v1::SignedCheckpoint& bad, const std::string& what) {
    const Status status = VerifyCheckpoint(bad, key);
    EXPECT_FALSE(status.ok()) << what;
    return status;
  };

  v1::SignedCheckpoint bad = good;
  bad.mutable_checkpoint()->set_tree_size(43);
  Status status = expect_refused(bad, "tree size");
  EXPECT_NE(status.message().find("signature does not match"), std::string::npos)
      << status.message();

  bad = good;
  bad.mutable_checkpoint()->set_tree_size(41);
  expect_refused(bad, "smaller tree size");

  for (size_t byte = 0; byte < kHashSize; ++byte) {
    bad = good;
    (*bad.mutable_checkpoint()->mutable_root_hash())[byte] ^= 0x01;
    expect_refused(bad, "root byte " + std::to_string(byte));
  }
  bad = good;
  bad.mutable_checkpoint()->mutable_root_hash()->pop_back();
  expect_refused(bad, "short root");

  bad = good;
  MsToTimestamp(kTime - 1, bad.mutable_checkpoint()->mutable_time());
  expect_refused(bad, "backdated by a millisecond");
  bad = good;
  bad.mutable_checkpoint()->mutable_time()->set_seconds(good.checkpoint().time().seconds() +
                                                        3600);
  expect_refused(bad, "an hour later");
  bad = good;
  bad.mutable_checkpoint()->mutable_time()->set_nanos(good.checkpoint().time().nanos() + 1);
  status = expect_refused(bad, "sub-millisecond time");
  EXPECT_NE(status.message().find("milliseconds"), std::string::npos) << status.message();

  for (size_t byte = 0; byte < kSignatureSize; ++byte) {
    bad = good;
    (*bad.mutable_signature())[byte] ^= 0x40;
    expect_refused(bad, "signature byte " + std::to_string(byte));
  }
  bad = good;
  bad.mutable_signature()->pop_back();
  expect_refused(bad, "truncated signature");
  bad = good;
  bad.clear_signature();
  expect_refused(bad, "no signature");
  bad = good;
  bad.clear_checkpoint();
  expect_refused(bad, "no checkpoint");
  bad = good;
  bad.mutable_checkpoint()->set_key_id("0000000000000000");
  expect_refused(bad, "key id");
}

TEST_F(CheckpointTest, AnotherKeyFails) {
  StatusOr<CheckpointSigner> ours = CheckpointSigner::LoadOrCreate(KeyDir("ours"));
  StatusOr<CheckpointSigner> theirs = CheckpointSigner::LoadOrCreate(KeyDir("theirs"));
  ASSERT_TRUE(ours.ok());
  ASSERT_TRUE(theirs.ok());
  EXPECT_NE(ours->key_id(), theirs->key_id());
  EXPECT_NE(ours->public_key(), theirs->public_key());

  const v1::SignedCheckpoint by_ours = ours->Sign(7, kRoot, kTime);
  Status status = VerifyCheckpoint(by_ours, theirs->public_key());
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find(ours->key_id()), std::string::npos) << status.message();

  // Relabelled with the other key's id, the signature itself must still fail.
  v1::SignedCheckpoint relabelled = by_ours;
  relabelled.mutable_checkpoint()->set_key_id(theirs->key_id());
  status = VerifyCheckpoint(relabelled, theirs->public_key());
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("signature does not match"), std::string::npos)
      << status.message();
}

TEST_F(CheckpointTest, KeyFilesPersistAcrossLoads) {
  std::string first_id;
  PublicKey first_key{};
  v1::SignedCheckpoint signed_checkpoint;
  {
    StatusOr<CheckpointSigner> signer = CheckpointSigner::LoadOrCreate(KeyDir());
    ASSERT_TRUE(signer.ok());
    first_id = signer->key_id();
    first_key = signer->public_key();
    signed_checkpoint = signer->Sign(3, kRoot, kTime);
  }
  const std::string secret_path = KeyDir() + "/" + kSecretKeyFile;
  const std::string public_path = KeyDir() + "/" + kPublicKeyFile;

  struct stat st;
  ASSERT_EQ(::stat(secret_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  ASSERT_EQ(::stat(KeyDir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u) << "the key directory is private";
  EXPECT_EQ(ReadFile(public_path), PublicKeyToHex(first_key) + "\n");
  EXPECT_EQ(*PublicKeyFromHex(ReadFile(public_path)), first_key);

  StatusOr<CheckpointSigner> again = CheckpointSigner::LoadOrCreate(KeyDir());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->key_id(), first_id);
  EXPECT_EQ(again->public_key(), first_key);
  EXPECT_TRUE(VerifyCheckpoint(signed_checkpoint, again->public_key()).ok());
  // Signatures are deterministic (RFC 8032): the same checkpoint, the same bytes.
  EXPECT_EQ(again->Sign(3, kRoot, kTime).signature(), signed_checkpoint.signature());

  // A lost .pub is rebuilt from the secret key.
  ASSERT_EQ(::unlink(public_path.c_str()), 0);
  StatusOr<CheckpointSigner> rebuilt = CheckpointSigner::LoadOrCreate(KeyDir());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  EXPECT_EQ(rebuilt->key_id(), first_id);
  EXPECT_EQ(ReadFile(public_path), PublicKeyToHex(first_key) + "\n");

  // Moving the signer keeps the key.
  CheckpointSigner moved = std::move(*rebuilt);
  EXPECT_EQ(moved.key_id(), first_id);
  EXPECT_TRUE(VerifyCheckpoint(moved.Sign(1, kRoot, kTime), first_key).ok());
}

TEST_F(CheckpointTest, RefusesTruncatedOversizedOrExposedKeys) {
  ASSERT_TRUE(CheckpointSigner::LoadOrCreate(KeyDir()).ok());
  const std::string secret_path = KeyDir() + "/" + kSecretKeyFile;
  const std::string secret = ReadFile(secret_path);
  ASSERT_EQ(secret.size(), 32u);

  WriteFile(secret_path, secret.substr(0, 31), 0600);
  StatusOr<CheckpointSigner> truncated = CheckpointSigner::LoadOrCreate(KeyDir());
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("31 bytes"), std::string::npos)
      << truncated.status().message();
  EXPECT_NE(truncated.status().message().find(secret_path), std::string::npos);

  WriteFile(secret_path, "", 0600);
  EXPECT_FALSE(CheckpointSigner::LoadOrCreate(KeyDir()).ok());

  WriteFile(secret_path, secret + "x", 0600);
  EXPECT_FALSE(CheckpointSigner::LoadOrCreate(KeyDir()).ok());

  WriteFile(secret_path, secret, 0644);
  StatusOr<CheckpointSigner> exposed = CheckpointSigner::LoadOrCreate(KeyDir());
  ASSERT_FALSE(exposed.ok());
  EXPECT_NE(exposed.status().message().find("0644"), std::string::npos)
      << exposed.status().message();
  EXPECT_NE(exposed.status().message().find("chmod 600"), std::string::npos);

  // Restored, it loads again: nothing above replaced the key.
  WriteFile(secret_path, secret, 0600);
  EXPECT_TRUE(CheckpointSigner::LoadOrCreate(KeyDir()).ok());
}

TEST_F(CheckpointTest, RefusesMismatchedOrOrphanedPublicKey) {
  ASSERT_TRUE(CheckpointSigner::LoadOrCreate(KeyDir("a")).ok());
  ASSERT_TRUE(CheckpointSigner::LoadOrCreate(KeyDir("b")).ok());
  // a's secret with b's public key: the files do not belong together.
  fs::copy_file(KeyDir("b") + "/" + kPublicKeyFile, KeyDir("a") + "/" + kPublicKeyFile,
                fs::copy_options::overwrite_existing);
  StatusOr<CheckpointSigner> mismatched = CheckpointSigner::LoadOrCreate(KeyDir("a"));
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("do not belong together"), std::string::npos)
      << mismatched.status().message();

  // b's secret key lost: no new key is made silently.
  ASSERT_EQ(::unlink((KeyDir("b") + "/" + kSecretKeyFile).c_str()), 0);
  StatusOr<CheckpointSigner> orphaned = CheckpointSigner::LoadOrCreate(KeyDir("b"));
  ASSERT_FALSE(orphaned.ok());
  EXPECT_NE(orphaned.status().message().find("missing"), std::string::npos)
      << orphaned.status().message();
  EXPECT_FALSE(fs::exists(KeyDir("b") + "/" + kSecretKeyFile));
}

TEST_F(CheckpointTest, KeyFileIsTheRfc8032Seed) {
  // RFC 8032 section 7.1, TEST 1: this secret key has this public key.
  fs::create_directories(KeyDir());
  ::chmod(KeyDir().c_str(), 0700);
  std::string seed;
  const std::string seed_hex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  for (size_t i = 0; i < seed_hex.size(); i += 2) {
    seed.push_back(static_cast<char>(std::stoi(seed_hex.substr(i, 2), nullptr, 16)));
  }
  WriteFile(KeyDir() + "/" + kSecretKeyFile, seed, 0600);
  StatusOr<CheckpointSigner> signer = CheckpointSigner::LoadOrCreate(KeyDir());
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  EXPECT_EQ(PublicKeyToHex(signer->public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(signer->key_id(),
            HashToHex(Sha256(std::string(reinterpret_cast<const char*>(
                                             signer->public_key().data()),
                                         kPublicKeySize)))
                .substr(0, 16));
  const v1::PublicKey published = signer->PublicKeyMessage();
  EXPECT_EQ(published.algorithm(), "ed25519");
  EXPECT_EQ(published.key_id(), signer->key_id());
  EXPECT_EQ(*PublicKeyFromBytes(published.key()), signer->public_key());
}

TEST_F(CheckpointTest, SignedTextIsTheDocumentedFormat) {
  const Hash root = *HashFromHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
  EXPECT_EQ(CheckpointSignedText(8, root, 1740823200000, "0011223344556677"),
            "stayaway checkpoint v1\n"
            "8\n"
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n"
            "1740823200000\n"
            "0011223344556677\n");
  EXPECT_EQ(CheckpointSignedText(0, root, -5, "k"),
            "stayaway checkpoint v1\n0\n"
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n-5\nk\n");

  // A court's own tool: rebuild the text from the fields by the documentation, check the
  // signature with plain Ed25519 and the published .pub file, no stayaway code involved.
  StatusOr<CheckpointSigner> signer = CheckpointSigner::LoadOrCreate(KeyDir());
  ASSERT_TRUE(signer.ok());
  const v1::SignedCheckpoint sc = signer->Sign(8, root, kTime);
  const std::string text = "stayaway checkpoint v1\n8\n"
                           "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n"
                           "1740823200123\n" +
                           sc.checkpoint().key_id() + "\n";
  EXPECT_EQ(*CheckpointSignedText(sc.checkpoint()), text);
  std::string pub_hex = ReadFile(KeyDir() + "/" + kPublicKeyFile);
  pub_hex.pop_back();
  unsigned char pub[32];
  size_t pub_len = 0;
  ASSERT_EQ(sodium_hex2bin(pub, sizeof pub, pub_hex.data(), pub_hex.size(), nullptr, &pub_len,
                           nullptr),
            0);
  ASSERT_EQ(pub_len, 32u);
  EXPECT_EQ(crypto_sign_verify_detached(
                reinterpret_cast<const unsigned char*>(sc.signature().data()),
                reinterpret_cast<const unsigned char*>(text.data()), text.size(), pub),
            0);
}

TEST(PublicKeyText, ParsesTheFileFormatOnly) {
  const std::string hex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  EXPECT_TRUE(PublicKeyFromHex(hex).ok());
  EXPECT_TRUE(PublicKeyFromHex(hex + "\n").ok());
  EXPECT_FALSE(PublicKeyFromHex(hex.substr(2)).ok());
  EXPECT_FALSE(PublicKeyFromHex(hex + "00").ok());
  EXPECT_FALSE(PublicKeyFromHex("").ok());
  EXPECT_FALSE(PublicKeyFromBytes(std::string(31, 'x')).ok());
}

TEST_F(CheckpointTest, TheLogIsParsedStrictlyAndOnlyATornLastWriteIsLeftOut) {
  auto signer = CheckpointSigner::LoadOrCreate(KeyDir());
  ASSERT_TRUE(signer.ok()) << signer.status().message();
  std::string line;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(signer->Sign(7, kRoot, kTime), &line).ok());
  const std::string two = line + "\n" + line + "\n";
  EXPECT_EQ(ParseCheckpointLog(two, "log")->size(), 2u);
  EXPECT_EQ(ParseCheckpointLog("", "log")->size(), 0u);
  // A bad line anywhere but a torn end is refused, naming the line.
  const auto damaged = ParseCheckpointLog(line + "\n{\"checkpoint\": 5\n" + line + "\n", "log");
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().message(), "log line 2: not a signed checkpoint");
  // A torn last write is left out; a whole last line without its newline is kept.
  EXPECT_EQ(ParseCheckpointLog(two + line.substr(0, 20), "log")->size(), 2u);
  EXPECT_EQ(ParseCheckpointLog(two + line, "log")->size(), 3u);

  // The daemon cuts a torn end before it appends again; a sound log is left as it is.
  const std::string path = dir_ + "/checkpoints.ndjson";
  WriteFile(path, two + line.substr(0, 20), 0600);
  bool cut = false;
  ASSERT_TRUE(RepairCheckpointLogTail(path, &cut).ok());
  EXPECT_TRUE(cut);
  EXPECT_EQ(ReadFile(path), two);
  ASSERT_TRUE(RepairCheckpointLogTail(path, &cut).ok());
  EXPECT_FALSE(cut);
  EXPECT_EQ(LoadCheckpointLog(dir_)->size(), 2u);
  WriteFile(path, "not json\n" + two, 0600);
  EXPECT_FALSE(LoadCheckpointLog(dir_).ok());
  EXPECT_EQ(LoadCheckpointLog(dir_ + "/nowhere")->size(), 0u);
}

}  // namespace
}  // namespace stayaway::evidence
