// Tests of signing key rotation: the history a rotation leaves (each key endorsed by the
// one before, the old one retired), every way a history can be altered being refused,
// trust that runs forward only, and a rotation interrupted at each step by a crash.
#include "evidence/key_rotation.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "evidence/checkpoint_signer.h"
#include "evidence/key_history.h"
#include "evidence/trusted_keys.h"

namespace stayaway::evidence {
namespace {

namespace fs = std::filesystem;

constexpr TimeMs kStart = 1767225600000;  // 2026-01-01T00:00:00Z

class KeyRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "stayaway-rotation-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string KeyDir(const std::string& name = "keys") const { return dir_ + "/" + name; }

  // A key directory with its first key; returns that key.
  PublicKey NewCentre(const std::string& key_dir) {
    StatusOr<CheckpointSigner> first = CheckpointSigner::LoadOrCreate(key_dir);
    EXPECT_TRUE(first.ok()) << first.status().message();
    return first->public_key();
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string dir_;
};

TEST_F(KeyRotationTest, TheNewKeyIsEndorsedByTheOldWhichIsRetired) {
  const PublicKey first = NewCentre(KeyDir());
  StatusOr<RotatedKey> rotated = RotateSigningKey(KeyDir(), kStart + 1000);
  ASSERT_TRUE(rotated.ok()) << rotated.status().message();
  EXPECT_NE(rotated->signer.public_key(), first);

  const v1::PublicKeyList& history = rotated->history;
  ASSERT_EQ(history.keys_size(), 2);
  EXPECT_EQ(history.keys(0).key_id(), KeyIdOf(first));
  EXPECT_EQ(TimestampToMs(history.keys(0).retired_at()), kStart + 1000);
  EXPECT_FALSE(history.keys(0).has_endorsement());
  const v1::PublicKey& second = history.keys(1);
  EXPECT_EQ(second.key_id(), rotated->signer.key_id());
  EXPECT_EQ(TimestampToMs(second.valid_from()), kStart + 1000);
  EXPECT_FALSE(second.has_retired_at());
  EXPECT_EQ(second.endorsement().endorser_key_id(), KeyIdOf(first));
  // The signature is the old key's, over the documented text.
  EXPECT_TRUE(VerifyDetached(
                  KeyEndorsementText(rotated->signer.public_key(), KeyIdOf(first), kStart + 1000),
                  second.endorsement().signature(), first)
                  .ok());
  EXPECT_EQ(KeyEndorsementText(rotated->signer.public_key(), KeyIdOf(first), kStart + 1000),
            "stayaway key endorsement v1\n" + PublicKeyToHex(rotated->signer.public_key()) + "\n" +
                rotated->signer.key_id() + "\n" + KeyIdOf(first) + "\n1767225601000\n");
  EXPECT_TRUE(VerifyKeyHistory(history).ok());

  // The key directory now signs with the new key, and its history is on disk.
  StatusOr<CheckpointSigner> reloaded = CheckpointSigner::LoadOrCreate(KeyDir());
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().message();
  EXPECT_EQ(reloaded->public_key(), rotated->signer.public_key());
  StatusOr<v1::PublicKeyList> loaded = LoadKeyHistory(KeyDir(), reloaded->public_key());
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->SerializeAsString(), history.SerializeAsString());
  EXPECT_FALSE(fs::exists(KeyDir() + "/ed25519.key.next"));
  EXPECT_FALSE(fs::exists(KeyDir() + "/ed25519.pub.next"));
  EXPECT_EQ(fs::status(KeyDir() + "/history.json").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  // A second rotation extends the chain.
  StatusOr<RotatedKey> third = RotateSigningKey(KeyDir(), kStart + 5000);
  ASSERT_TRUE(third.ok()) << third.status().message();
  ASSERT_EQ(third->history.keys_size(), 3);
  EXPECT_EQ(third->history.keys(2).endorsement().endorser_key_id(), second.key_id());
  EXPECT_EQ(TimestampToMs(third->history.keys(1).retired_at()), kStart + 5000);
  EXPECT_TRUE(VerifyKeyHistory(third->history).ok());
}

TEST_F(KeyRotationTest, ARotationMustComeAfterThePreviousOne) {
  NewCentre(KeyDir());
  ASSERT_TRUE(RotateSigningKey(KeyDir(), kStart).ok());
  const StatusOr<RotatedKey> same_time = RotateSigningKey(KeyDir(), kStart);
  EXPECT_FALSE(same_time.ok());
  EXPECT_NE(same_time.status().message().find("clock"), std::string::npos);
  EXPECT_FALSE(RotateSigningKey(KeyDir(), kStart - 1).ok());
  EXPECT_FALSE(RotateSigningKey(KeyDir("none"), kStart).ok());  // nothing to rotate
}

TEST_F(KeyRotationTest, EveryAlterationOfTheHistoryIsRefused) {
  NewCentre(KeyDir());
  ASSERT_TRUE(RotateSigningKey(KeyDir(), kStart).ok());
  StatusOr<RotatedKey> rotated = RotateSigningKey(KeyDir(), kStart + 60'000);
  ASSERT_TRUE(rotated.ok());
  const v1::PublicKeyList good = rotated->history;

  auto refused = [&](const char* what, auto&& alter) {
    v1::PublicKeyList changed = good;
    alter(changed);
    EXPECT_FALSE(VerifyKeyHistory(changed).ok()) << what;
  };
  refused("a flipped signature byte", [](v1::PublicKeyList& h) {
    std::string signature = h.keys(2).endorsement().signature();
    signature[5] ^= 1;
    h.mutable_keys(2)->mutable_endorsement()->set_signature(signature);
  });
  refused("a moved rotation time", [](v1::PublicKeyList& h) {
    h.mutable_keys(2)->mutable_valid_from()->set_seconds(h.keys(2).valid_from().seconds() + 1);
    h.mutable_keys(2)->mutable_endorsement()->mutable_time()->set_seconds(
        h.keys(2).valid_from().seconds());
    h.mutable_keys(1)->mutable_retired_at()->set_seconds(h.keys(2).valid_from().seconds());
  });
  refused("a key swapped for another", [](v1::PublicKeyList& h) {
    StatusOr<CheckpointSigner> stranger = CheckpointSigner::Generate();
    v1::PublicKey swapped = stranger->PublicKeyMessage();
    *swapped.mutable_valid_from() = h.keys(2).valid_from();
    *swapped.mutable_endorsement() = h.keys(2).endorsement();
    *h.mutable_keys(2) = swapped;
  });
  refused("a key dropped from the middle",
          [](v1::PublicKeyList& h) { h.mutable_keys()->DeleteSubrange(1, 1); });
  refused("the current key marked retired", [](v1::PublicKeyList& h) {
    *h.mutable_keys(2)->mutable_retired_at() = h.keys(2).valid_from();
  });
  refused("an old key no longer retired",
          [](v1::PublicKeyList& h) { h.mutable_keys(0)->clear_retired_at(); });
  refused("a key id that is not its key's",
          [](v1::PublicKeyList& h) { h.mutable_keys(1)->set_key_id("0000000000000000"); });
  refused("a key listed twice", [](v1::PublicKeyList& h) { *h.add_keys() = h.keys(0); });

  // On disk: the daemon refuses to start on an altered history.
  v1::PublicKeyList altered = good;
  altered.mutable_keys(1)->mutable_endorsement()->set_signature(std::string(64, 'x'));
  ASSERT_TRUE(WriteKeyHistory(KeyDir(), altered).ok());
  const StatusOr<v1::PublicKeyList> loaded = LoadKeyHistory(KeyDir(), rotated->signer.public_key());
  EXPECT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("history.json"), std::string::npos);
  // A history whose current key is not the key files' key is refused too.
  ASSERT_TRUE(WriteKeyHistory(KeyDir(), good).ok());
  StatusOr<CheckpointSigner> other = CheckpointSigner::Generate();
  EXPECT_FALSE(LoadKeyHistory(KeyDir(), other->public_key()).ok());
}

TEST_F(KeyRotationTest, TrustRunsForwardOnly) {
  const PublicKey first = NewCentre(KeyDir());
  ASSERT_TRUE(RotateSigningKey(KeyDir(), kStart).ok());
  StatusOr<RotatedKey> rotated = RotateSigningKey(KeyDir(), kStart + 1);
  ASSERT_TRUE(rotated.ok());
  const v1::PublicKeyList& history = rotated->history;
  const PublicKey second = *KeyOfEntry(history.keys(1), "");
  const PublicKey third = rotated->signer.public_key();

  // Pinning the first key trusts every later one, through the chain.
  const KeyTrust through_chain = TrustOf(third, {first}, history);
  EXPECT_TRUE(through_chain.trusted);
  EXPECT_NE(through_chain.how.find("endorsed by " + KeyIdOf(second)), std::string::npos)
      << through_chain.how;
  EXPECT_NE(through_chain.how.find("the key given"), std::string::npos) << through_chain.how;
  EXPECT_EQ(TrustOf(first, {first}, history).how, "the key given");
  // Pinning a later key does not trust the earlier ones: anyone can endorse a real key.
  EXPECT_FALSE(TrustOf(first, {third}, history).trusted);
  EXPECT_FALSE(TrustOf(second, {third}, history).trusted);
  // A key outside the history is trusted by nothing.
  StatusOr<CheckpointSigner> stranger = CheckpointSigner::Generate();
  EXPECT_FALSE(TrustOf(stranger->public_key(), {first}, history).trusted);

  // A forger's own chain, in which his key "endorses" the centre's, trusts nothing new.
  const std::string forger_dir = KeyDir("forger");
  const PublicKey forger = NewCentre(forger_dir);
  EXPECT_FALSE(TrustOf(forger, {third}, history).trusted);
}

TEST_F(KeyRotationTest, ASavedGetV1KeysAnswerWithHistoryIsReadAndCheckedWhole) {
  const PublicKey first = NewCentre(KeyDir());
  StatusOr<RotatedKey> rotated = RotateSigningKey(KeyDir(), kStart);
  ASSERT_TRUE(rotated.ok());
  const std::string answer = KeyHistoryJson(rotated->history);
  StatusOr<std::vector<PublicKey>> keys = ParsePublishedKeyList(answer);
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0], first);
  EXPECT_EQ((*keys)[1], rotated->signer.public_key());

  v1::PublicKeyList altered = rotated->history;
  std::string signature = altered.keys(1).endorsement().signature();
  signature[0] ^= 0x40;
  altered.mutable_keys(1)->mutable_endorsement()->set_signature(signature);
  const StatusOr<std::vector<PublicKey>> refused = ParsePublishedKeyList(KeyHistoryJson(altered));
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("altered"), std::string::npos);
}

// The steps of a rotation, replayed by hand into a copy of the directory as it was
// before, stopping where a crash would.
class InterruptedRotation : public KeyRotationTest {
 protected:
  void SetUp() override {
    KeyRotationTest::SetUp();
    old_key_ = NewCentre(KeyDir());
    fs::copy(KeyDir(), KeyDir("before"));
    StatusOr<RotatedKey> rotated = RotateSigningKey(KeyDir(), kStart);
    ASSERT_TRUE(rotated.ok());
    new_key_ = rotated->signer.public_key();
  }
  void Stage(const char* file, const char* as) {
    fs::copy_file(KeyDir() + "/" + file, KeyDir("before") + "/" + as,
                  fs::copy_options::overwrite_existing);
  }
  PublicKey Loaded() {
    StatusOr<CheckpointSigner> loaded = CheckpointSigner::LoadOrCreate(KeyDir("before"));
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    EXPECT_FALSE(fs::exists(KeyDir("before") + "/ed25519.key.next"));
    EXPECT_FALSE(fs::exists(KeyDir("before") + "/ed25519.pub.next"));
    StatusOr<v1::PublicKeyList> history = LoadKeyHistory(KeyDir("before"), loaded->public_key());
    EXPECT_TRUE(history.ok()) << history.status().message();
    return loaded.ok() ? loaded->public_key() : PublicKey{};
  }
  PublicKey old_key_{};
  PublicKey new_key_{};
};

TEST_F(InterruptedRotation, AfterTheStagedSecretOnlyTheOldKeyStays) {
  Stage("ed25519.key", "ed25519.key.next");
  EXPECT_EQ(Loaded(), old_key_);
}

TEST_F(InterruptedRotation, BeforeTheHistoryWasWrittenTheOldKeyStays) {
  Stage("ed25519.key", "ed25519.key.next");
  Stage("ed25519.pub", "ed25519.pub.next");
  EXPECT_EQ(Loaded(), old_key_);
}

TEST_F(InterruptedRotation, OnceTheHistoryWasWrittenTheNewKeyTakesOver) {
  Stage("ed25519.key", "ed25519.key.next");
  Stage("ed25519.pub", "ed25519.pub.next");
  Stage("history.json", "history.json");
  EXPECT_EQ(Loaded(), new_key_);
}

TEST_F(InterruptedRotation, BetweenTheTwoRenamesTheNewKeyTakesOver) {
  Stage("ed25519.key", "ed25519.key");
  Stage("ed25519.pub", "ed25519.pub.next");
  Stage("history.json", "history.json");
  EXPECT_EQ(Loaded(), new_key_);
}

}  // namespace
}  // namespace stayaway::evidence
