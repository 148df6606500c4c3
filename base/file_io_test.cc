// Whole-file writes and private modes (base/file_io.h, base/private_files.h), under the most
// permissive umask there is: the modes must come from the code, not from the umask.
#include "base/file_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/private_files.h"

namespace stayaway {
namespace {

namespace fs = std::filesystem;

mode_t ModeOf(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

void WriteWithMode(const fs::path& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_umask_ = ::umask(0);
    dir_ = fs::path(::testing::TempDir()) /
           ("file_io_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    ::umask(old_umask_);
    fs::remove_all(dir_);
  }
  mode_t old_umask_ = 0;
  fs::path dir_;
};

TEST_F(FileIoTest, WritesWholeFilesOwnerOnly) {
  const std::string path = (dir_ / "state.bin").string();
  ASSERT_TRUE(WriteFileAtomically(path, std::string("a\0b", 3)).ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(*ReadWholeFile(path), std::string("a\0b", 3));
  EXPECT_FALSE(fs::exists(path + ".tmp"));

  // Replacing a file that an older version left readable by others: the new one is 0600.
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(*ReadWholeFile(path), "second");
}

TEST_F(FileIoTest, ReadsWholeFilesOfEverySize) {
  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::string path = (dir_ / "big.bin").string();
  ASSERT_TRUE(WriteFileAtomically(path, big).ok());
  EXPECT_EQ(*ReadWholeFile(path), big);
  ASSERT_TRUE(WriteFileAtomically(path, "").ok());
  EXPECT_EQ(*ReadWholeFile(path), "");
  // A file whose size fstat does not know (procfs says 0) is read to its end all the same.
  const StatusOr<std::string> status = ReadWholeFile("/proc/self/status");
  ASSERT_TRUE(status.ok());
  EXPECT_NE(status->find("Pid:"), std::string::npos);
  const StatusOr<std::string> missing = ReadWholeFile((dir_ / "missing").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("missing"), std::string::npos);
}

TEST_F(FileIoTest, ALeftoverTemporaryFileGivesNeitherItsModeNorItsLink) {
  const std::string path = (dir_ / "keys.json").string();
  WriteWithMode(path + ".tmp", "left by a crash", 0666);
  ASSERT_TRUE(WriteFileAtomically(path, "new").ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(*ReadWholeFile(path), "new");

  // A link planted at PATH.tmp is replaced, never written through.
  const fs::path elsewhere = dir_ / "elsewhere";
  WriteWithMode(elsewhere, "untouched", 0644);
  fs::create_symlink(elsewhere, path + ".tmp");
  ASSERT_TRUE(WriteFileAtomically(path, "newer").ok());
  EXPECT_EQ(*ReadWholeFile(elsewhere.string()), "untouched");
  EXPECT_EQ(*ReadWholeFile(path), "newer");
  EXPECT_EQ(ModeOf(path), 0600u);
}

TEST_F(FileIoTest, AFailedWriteSaysWhichFile) {
  const std::string path = (dir_ / "missing" / "file").string();
  const Status s = WriteFileAtomically(path, "x");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_EQ(ReadWholeFile(path).status().code(), StatusCode::kNotFound);
}

TEST_F(FileIoTest, MakesDirectoriesOwnerOnly) {
  const fs::path deep = dir_ / "a" / "b" / "c";
  ASSERT_TRUE(MakePrivateDirectories(deep.string()).ok());
  EXPECT_EQ(ModeOf(dir_ / "a"), 0700u);
  EXPECT_EQ(ModeOf(dir_ / "a" / "b"), 0700u);
  EXPECT_EQ(ModeOf(deep), 0700u);
  // An existing parent that is not ours is left alone.
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  ASSERT_TRUE(MakePrivateDirectories((dir_ / "d").string()).ok());
  EXPECT_EQ(ModeOf(dir_), 0755u);
  EXPECT_EQ(ModeOf(dir_ / "d"), 0700u);
  // Even a umask that takes the owner's own bits away does not make them unusable.
  ::umask(0277);
  ASSERT_TRUE(MakePrivateDirectories((dir_ / "e" / "f").string()).ok());
  ::umask(0);
  EXPECT_EQ(ModeOf(dir_ / "e"), 0700u);
  EXPECT_EQ(ModeOf(dir_ / "e" / "f"), 0700u);

  WriteWithMode(dir_ / "plain", "", 0600);
  EXPECT_EQ(MakePrivateDirectories((dir_ / "plain").string()).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(MakePrivateDirectories((dir_ / "plain" / "sub").string()).ok());
}

TEST_F(FileIoTest, OpensFilesForAppendingOwnerOnly) {
  const fs::path path = dir_ / "journal.log";
  WriteWithMode(path, "old ", 0644);
  StatusOr<int> fd = OpenPrivateFile(path.string(), O_APPEND);
  ASSERT_TRUE(fd.ok()) << fd.status().ToString();
  ASSERT_EQ(::write(*fd, "new", 3), 3);
  ::close(*fd);
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(*ReadWholeFile(path.string()), "old new");

  fd = OpenPrivateFile((dir_ / "fresh").string(), O_TRUNC);
  ASSERT_TRUE(fd.ok());
  ::close(*fd);
  EXPECT_EQ(ModeOf(dir_ / "fresh"), 0600u);

  fs::create_symlink(path, dir_ / "link");
  EXPECT_FALSE(OpenPrivateFile((dir_ / "link").string(), O_APPEND).ok());
}

TEST_F(FileIoTest, MakeTreePrivateTightensWhatAnOlderVersionLeft) {
  const fs::path root = dir_ / "data";
  fs::create_directories(root / "journal");
  fs::create_directories(root / "keys");
  ASSERT_EQ(::chmod(root.c_str(), 0755), 0);
  ASSERT_EQ(::chmod((root / "journal").c_str(), 0750), 0);
  ASSERT_EQ(::chmod((root / "keys").c_str(), 0700), 0);
  WriteWithMode(root / "journal" / "journal-000001.log", "j", 0640);
  WriteWithMode(root / "keys" / "checkpoint.pub", "k", 0644);
  WriteWithMode(root / "keys" / "checkpoint.key", "s", 0600);
  WriteWithMode(root / "readonly", "r", 0444);
  // A link inside is neither followed nor changed: its target is not ours to tighten.
  const fs::path outside = dir_ / "outside";
  WriteWithMode(outside, "o", 0644);
  fs::create_symlink(outside, root / "link");

  StatusOr<std::vector<std::string>> changed = MakeTreePrivate(root.string());
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(changed->size(), 5u);
  EXPECT_EQ(ModeOf(root), 0700u);
  EXPECT_EQ(ModeOf(root / "journal"), 0700u);
  EXPECT_EQ(ModeOf(root / "journal" / "journal-000001.log"), 0600u);
  EXPECT_EQ(ModeOf(root / "keys" / "checkpoint.pub"), 0600u);
  EXPECT_EQ(ModeOf(root / "keys" / "checkpoint.key"), 0600u);
  EXPECT_EQ(ModeOf(root / "readonly"), 0400u);
  EXPECT_EQ(ModeOf(outside), 0644u);

  changed = MakeTreePrivate(root.string());
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(changed->empty());
  EXPECT_FALSE(MakeTreePrivate((dir_ / "absent").string()).ok());
}

}  // namespace
}  // namespace stayaway
