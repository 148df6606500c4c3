#include "access/device_key_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace stayaway::access {
namespace {

namespace fs = std::filesystem;

DeviceKey KeyOf(uint8_t fill) {
  DeviceKey key;
  key.fill(fill);
  return key;
}

class DeviceKeyStoreTest : public ::testing::Test {
 protected:
  DeviceKeyStoreTest() {
    dir_ = fs::path(::testing::TempDir()) /
           ("device-keys-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "device_keys.json").string();
  }
  ~DeviceKeyStoreTest() override { fs::remove_all(dir_); }

  std::string ReadFile() const {
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  void WriteFile(const std::string& text) const { std::ofstream(path_) << text; }

  fs::path dir_;
  std::string path_;
};

TEST_F(DeviceKeyStoreTest, KeysSurviveAReloadAndListingShowsIdsOnly) {
  {
    DeviceKeyStore store(path_);
    ASSERT_TRUE(store.Load().ok()) << "a missing file is an empty store";
    EXPECT_TRUE(store.List().empty());
    ASSERT_TRUE(store.Put("tag-1", KeyOf(0x11)).ok());
    ASSERT_TRUE(store.Put("phone \"2\"", KeyOf(0x22)).ok());  // an id that needs escaping
    ASSERT_TRUE(store.Put("tag-1", KeyOf(0x33)).ok());        // replaced
    ASSERT_TRUE(store.Put("tag-9", KeyOf(0x99)).ok());
    ASSERT_TRUE(store.Remove("tag-9").ok());
    EXPECT_EQ(store.Remove("tag-9").code(), StatusCode::kNotFound);
  }
  DeviceKeyStore reloaded(path_);
  ASSERT_TRUE(reloaded.Load().ok());
  EXPECT_EQ(reloaded.List(), (std::vector<std::string>{"phone \"2\"", "tag-1"}));
  ASSERT_TRUE(reloaded.Lookup("tag-1").has_value());
  EXPECT_EQ(*reloaded.Lookup("tag-1"), KeyOf(0x33));
  EXPECT_EQ(*reloaded.Lookup("phone \"2\""), KeyOf(0x22));
  EXPECT_FALSE(reloaded.Lookup("tag-9").has_value());
  EXPECT_EQ(reloaded.Snapshot()->size(), 2u);
  // The file is the documented format, the one `stayaway feed --device-keys` reads.
  StatusOr<DeviceKeys> parsed = ParseDeviceKeysJson(ReadFile(), path_);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(*parsed, *reloaded.Snapshot());
  EXPECT_NE(ReadFile().find("\"tag-1\": \"" + DeviceKeyToHex(KeyOf(0x33)) + "\""),
            std::string::npos)
      << ReadFile();
}

TEST_F(DeviceKeyStoreTest, TheFileIsReadableByItsOwnerOnlyEvenOverAStaleTemporaryFile) {
  // A temporary file a crash left behind, readable by everyone.
  std::ofstream(path_ + ".tmp") << "{}";
  ASSERT_EQ(::chmod((path_ + ".tmp").c_str(), 0644), 0);
  DeviceKeyStore store(path_);
  ASSERT_TRUE(store.Load().ok());
  ASSERT_TRUE(store.Put("tag-1", KeyOf(1)).ok());
  struct stat info {};
  ASSERT_EQ(::stat(path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_FALSE(fs::exists(path_ + ".tmp"));
}

TEST_F(DeviceKeyStoreTest, ADamagedFileIsRefusedByNameAndChangesNothing) {
  DeviceKeyStore store(path_);
  ASSERT_TRUE(store.Put("tag-1", KeyOf(1)).ok());
  const std::string key_text = DeviceKeyToHex(KeyOf(7));
  struct Damage {
    std::string text, expect;
  };
  const std::vector<Damage> damages = {
      {"{\"tag-1\": \"" + key_text, "not a JSON object"},  // cut short
      {"[\"tag-1\"]", "not a JSON object"},
      {"{\"tag-1\": 7}", "the key of device tag-1 is not a string"},
      {"{\"tag-1\": \"" + key_text.substr(2) + "\"}", "device tag-1: a device key is 64 hex"},
      {"{\"tag-1\": \"" + key_text.substr(2) + "zz\"}",
       "device tag-1: a device key holds only hex"},
      {"{\"\": \"" + key_text + "\"}", "an empty device id"},
  };
  for (const Damage& damage : damages) {
    WriteFile(damage.text);
    const Status loaded = store.Load();
    ASSERT_FALSE(loaded.ok()) << damage.text;
    EXPECT_EQ(loaded.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(loaded.message().find(path_), std::string::npos) << loaded.message();
    EXPECT_NE(loaded.message().find(damage.expect), std::string::npos) << loaded.message();
    EXPECT_EQ(loaded.message().find(key_text.substr(4, 40)), std::string::npos)
        << "a key appears in an error message: " << loaded.message();
    EXPECT_EQ(store.List(), std::vector<std::string>{"tag-1"}) << "a failed load changed the store";
  }
}

TEST_F(DeviceKeyStoreTest, AFailedWriteChangesNothing) {
  DeviceKeyStore store((dir_ / "missing-dir" / "device_keys.json").string());
  const Status put = store.Put("tag-1", KeyOf(1));
  EXPECT_FALSE(put.ok());
  EXPECT_NE(put.message().find("missing-dir"), std::string::npos) << put.message();
  EXPECT_FALSE(store.Lookup("tag-1").has_value());
  EXPECT_EQ(store.Put("", KeyOf(1)).code(), StatusCode::kInvalidArgument);
}

TEST_F(DeviceKeyStoreTest, ReadersSeeWholeTablesWhileAWriterChangesThem) {
  DeviceKeyStore store;  // memory only
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  std::atomic<int> torn{0};
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done) {
        // Each device's key is its number in every byte: a mix would be a torn read.
        const std::shared_ptr<const DeviceKeys> keys = store.Snapshot();
        for (const auto& [device, key] : *keys) {
          if (key != KeyOf(static_cast<uint8_t>(std::stoi(device)))) ++torn;
        }
        (void)store.Lookup("7");
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(store.Put(std::to_string(i % 50), KeyOf(static_cast<uint8_t>(i % 50))).ok());
    if (i % 3 == 0) (void)store.Remove(std::to_string(i % 7));
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(torn, 0);
}

// Kafka mode: the cluster's keys are held in memory beside the file's, win over them,
// never reach the file, and the store is not ready until the cluster's are read.
TEST_F(DeviceKeyStoreTest, TheClustersKeysAreHeldInMemoryBesideTheFilesAndWin) {
  WriteFile("{\"tag-1\": \"" + DeviceKeyToHex(KeyOf(0x11)) + "\", \"tag-2\": \"" +
            DeviceKeyToHex(KeyOf(0x22)) + "\"}");
  DeviceKeyStore store(path_);
  ASSERT_TRUE(store.Load().ok());
  EXPECT_TRUE(store.SharedReady());  // outside Kafka mode, always
  store.SetSharedReady(false);
  EXPECT_FALSE(store.SharedReady());
  const std::string file_before = ReadFile();

  ASSERT_TRUE(store.PutShared("tag-1", KeyOf(0xa1)).ok());  // rotated through the cluster
  ASSERT_TRUE(store.PutShared("tag-3", KeyOf(0xa3)).ok());  // keyed through the cluster
  EXPECT_EQ(store.PutShared("", KeyOf(1)).code(), StatusCode::kInvalidArgument);
  store.SetSharedReady(true);
  EXPECT_TRUE(store.SharedReady());
  EXPECT_EQ(*store.Lookup("tag-1"), KeyOf(0xa1));
  EXPECT_EQ(*store.Lookup("tag-2"), KeyOf(0x22));
  EXPECT_EQ(*store.Lookup("tag-3"), KeyOf(0xa3));
  EXPECT_EQ(store.Snapshot()->at("tag-1"), KeyOf(0xa1));
  EXPECT_EQ(store.List(), (std::vector<std::string>{"tag-1", "tag-2", "tag-3"}));
  EXPECT_EQ(ReadFile(), file_before) << "the cluster's keys reached the file";
  EXPECT_TRUE(store.HasOwn("tag-1"));
  EXPECT_FALSE(store.HasOwn("tag-3"));

  // The file's own changes leave the cluster's in place, and the cluster's key still wins.
  ASSERT_TRUE(store.Put("tag-1", KeyOf(0x12)).ok());
  EXPECT_EQ(*store.Lookup("tag-1"), KeyOf(0xa1));
  ASSERT_TRUE(store.Put("tag-4", KeyOf(0x44)).ok());
  EXPECT_EQ(*store.Lookup("tag-3"), KeyOf(0xa3));
  EXPECT_EQ(ReadFile().find(DeviceKeyToHex(KeyOf(0xa3))), std::string::npos) << ReadFile();

  // Removed by the cluster: the file's key of the device shows again; gone from both: none.
  ASSERT_TRUE(store.RemoveShared("tag-1").ok());
  EXPECT_EQ(*store.Lookup("tag-1"), KeyOf(0x12));
  ASSERT_TRUE(store.RemoveShared("tag-3").ok());
  EXPECT_FALSE(store.Lookup("tag-3").has_value());
  EXPECT_EQ(store.RemoveShared("tag-3").code(), StatusCode::kNotFound);
  EXPECT_EQ(store.List(), (std::vector<std::string>{"tag-1", "tag-2", "tag-4"}));

  // A reload reads the file; the cluster's keys are kept.
  ASSERT_TRUE(store.PutShared("tag-5", KeyOf(0xa5)).ok());
  ASSERT_TRUE(store.Load().ok());
  EXPECT_EQ(*store.Lookup("tag-5"), KeyOf(0xa5));
  EXPECT_EQ(*store.Lookup("tag-4"), KeyOf(0x44));
}

}  // namespace
}  // namespace stayaway::access
