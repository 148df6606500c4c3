#include "journal/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "proto/stayaway.pb.h"

namespace stayaway::journal {
namespace {

namespace fs = std::filesystem;

std::string FreshDir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/journal-" + name + "-" +
                          std::to_string(::getpid());
  fs::remove_all(dir);
  return dir;
}

v1::Input FixInput(uint64_t seq) {
  v1::Input input;
  v1::Fix* fix = input.mutable_fix();
  fix->set_device("tag-1");
  fix->set_seq(seq);
  fix->mutable_time()->set_seconds(1741600800 + static_cast<int64_t>(seq));
  fix->set_lat(42.87);
  fix->set_lon(74.59);
  fix->set_accuracy_m(5);
  return input;
}

std::vector<uint64_t> ReadSeqs(const std::string& dir, bool salvage, Status* status,
                               ReadReport* report = nullptr) {
  std::vector<uint64_t> seqs;
  auto result = ReadAll(dir, salvage, [&](const v1::Input& in) { seqs.push_back(in.fix().seq()); });
  *status = result.ok() ? Status::Ok() : result.status();
  if (result.ok() && report != nullptr) *report = *result;
  return seqs;
}

void Write(const std::string& dir, uint64_t from, uint64_t to) {
  JournalWriter writer;
  ASSERT_TRUE(writer.Open(dir).ok());
  for (uint64_t s = from; s <= to; ++s) writer.Append(FixInput(s));
  ASSERT_TRUE(writer.Sync().ok());
}

TEST(Journal, RecordsComeBackInOrderAcrossReopens) {
  const std::string dir = FreshDir("order");
  Write(dir, 1, 100);
  Write(dir, 101, 150);  // a restart appends after what is there
  Status status;
  const auto seqs = ReadSeqs(dir, false, &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(seqs.size(), 150u);
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
}

TEST(Journal, TornTailIsTruncatedAndWritingContinues) {
  const std::string dir = FreshDir("torn");
  Write(dir, 1, 10);
  const std::string segment = dir + "/journal-000001.log";
  const auto size = fs::file_size(segment);
  // A crash in the middle of the 11th record: its header and half its payload.
  {
    std::string partial;
    JournalWriter scratch;
    const std::string other = FreshDir("torn-scratch");
    ASSERT_TRUE(scratch.Open(other).ok());
    scratch.Append(FixInput(11));
    ASSERT_TRUE(scratch.Sync().ok());
    std::ifstream in(other + "/journal-000001.log", std::ios::binary);
    partial.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::ofstream(segment, std::ios::binary | std::ios::app) << partial.substr(0, partial.size() / 2);
  }
  Status status;
  ReadReport report;
  auto seqs = ReadSeqs(dir, false, &status, &report);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(seqs.size(), 10u);
  EXPECT_GT(report.truncated_bytes, 0u);
  EXPECT_NE(report.warnings.find("torn"), std::string::npos);
  EXPECT_EQ(fs::file_size(segment), size);
  Write(dir, 11, 12);
  seqs = ReadSeqs(dir, false, &status);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(seqs.size(), 12u);
}

TEST(Journal, ReadOnlyModeNeverTruncatesARecordBeingWritten) {
  const std::string dir = FreshDir("readonly");
  Write(dir, 1, 5);
  const std::string segment = dir + "/journal-000001.log";
  std::ofstream(segment, std::ios::binary | std::ios::app) << std::string("\x40\x00\x00", 3);
  const auto size = fs::file_size(segment);
  uint64_t records = 0;
  auto report = ReadAll(dir, false, [&](const v1::Input&) { ++records; }, ReadMode::kReadOnly);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(records, 5u);
  EXPECT_EQ(fs::file_size(segment), size);
}

TEST(Journal, DamageInTheMiddleStopsWithSegmentAndOffsetUnlessSalvaging) {
  const std::string dir = FreshDir("damage");
  Write(dir, 1, 20);
  const std::string segment = dir + "/journal-000001.log";
  {
    std::fstream f(segment, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(200);
    f.put('\x5a');  // one flipped byte inside an early record
  }
  Status status;
  auto seqs = ReadSeqs(dir, false, &status);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("journal-000001.log"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("offset"), std::string::npos) << status.message();
  ReadReport report;
  seqs = ReadSeqs(dir, true, &status, &report);
  ASSERT_TRUE(status.ok());
  EXPECT_LT(seqs.size(), 20u);
  EXPECT_GT(seqs.size(), 0u);
  EXPECT_NE(report.warnings.find("salvage"), std::string::npos);
}

TEST(Journal, CheckOnlyRecordsAreCountedAndChecksummedButNotHandedOver) {
  const std::string dir = FreshDir("check-only");
  Write(dir, 1, 20);
  ReadOptions options;
  options.check_only_records = 12;
  std::vector<uint64_t> seqs;
  auto report = ReadAll(dir, options, [&](const v1::Input& in) { seqs.push_back(in.fix().seq()); });
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->records, 20u);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{13, 14, 15, 16, 17, 18, 19, 20}));
  // Damage among the records only checked is still found.
  {
    std::fstream f(dir + "/journal-000001.log", std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(200);
    f.put('\x5a');
  }
  report = ReadAll(dir, options, [](const v1::Input&) {});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("checksum"), std::string::npos)
      << report.status().message();
}

TEST(Journal, ASegmentDeletedWhileReadIsMissingAndOneThatCannotBeReadIsAnError) {
  const std::string dir = FreshDir("vanishing");
  {
    JournalWriter writer;
    ASSERT_TRUE(writer.Open(dir, /*fsync=*/false, /*segment_bytes=*/1000).ok());
    for (uint64_t s = 1; s <= 100; ++s) {
      writer.Append(FixInput(s));
      ASSERT_TRUE(writer.Sync().ok());  // a segment rolls over at a sync
    }
  }
  ASSERT_GE(ListSegments(dir).size(), 3u);
  // Retention deletes a segment between the listing and its reading: readers of a live
  // journal (evidence/history.cc) read again when they are told it "is missing".
  ReadOptions options;
  options.mode = ReadMode::kReadOnly;
  options.on_segment = [&](uint32_t segment, uint64_t) {
    if (segment == 1) fs::remove(dir + "/journal-000002.log");
  };
  auto report = ReadAll(dir, options, [](const v1::Input&) {});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("journal-000002.log in " + dir + " is missing"),
            std::string::npos)
      << report.status().message();
  // A segment that is there but cannot be read is refused, never read as empty.
  const std::string third = dir + "/journal-000003.log";
  fs::remove(third);
  fs::create_directory(third);
  options.on_segment = nullptr;
  options.first_segment = 3;
  report = ReadAll(dir, options, [](const v1::Input&) {});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("journal segment unreadable"), std::string::npos)
      << report.status().message();
}

// A small tmpfs stands in for a full disk (needs root, as CI and the dev machines have).
TEST(Journal, FullDiskRefusesTheBatchKeepsNothingOfItAndRecoversWhenSpaceReturns) {
  const std::string mount_point = FreshDir("full");
  fs::create_directories(mount_point);
  const std::string mount = "mount -t tmpfs -o size=64k tmpfs " + mount_point + " 2>/dev/null";
  if (std::system(mount.c_str()) != 0) GTEST_SKIP() << "cannot mount a tmpfs here";
  {
    const std::string dir = mount_point + "/journal";
    JournalWriter writer;
    ASSERT_TRUE(writer.Open(dir).ok());
    // Most of the space goes to another file, so the journal hits the end soon.
    std::ofstream(mount_point + "/filler", std::ios::binary) << std::string(40 << 10, 'x');
    uint64_t stored = 0;
    Status failed;
    for (uint64_t seq = 1; seq < 10000; seq += 10) {
      for (uint64_t k = 0; k < 10; ++k) writer.Append(FixInput(seq + k));
      failed = writer.Sync();
      if (!failed.ok()) break;
      stored += 10;
    }
    ASSERT_FALSE(failed.ok()) << "the disk never filled";
    EXPECT_NE(failed.message().find("No space"), std::string::npos) << failed.message();
    Status status;
    auto seqs = ReadSeqs(dir, false, &status);
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(seqs.size(), stored) << "a refused batch must leave nothing behind";
    // Space returns: the next batch is stored and follows the last good one.
    fs::remove(mount_point + "/filler");
    writer.Append(FixInput(100000));
    ASSERT_TRUE(writer.Sync().ok());
    seqs = ReadSeqs(dir, false, &status);
    ASSERT_TRUE(status.ok());
    ASSERT_EQ(seqs.size(), stored + 1);
    EXPECT_EQ(seqs.back(), 100000u);
  }  // the writer closes its file before the unmount
  std::system(("umount " + mount_point).c_str());
}

TEST(Journal, RandomCorruptionNeverCrashesTheReader) {
  const unsigned seed = 777;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int round = 0; round < 50; ++round) {
    const std::string dir = FreshDir("fuzz");
    Write(dir, 1, 30);
    const std::string segment = dir + "/journal-000001.log";
    std::string bytes;
    {
      std::ifstream in(segment, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    for (int k = 0; k < 5; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    if (round % 3 == 0) bytes.resize(rng() % bytes.size());
    std::ofstream(segment, std::ios::binary | std::ios::trunc) << bytes;
    Status status;
    const auto seqs = ReadSeqs(dir, round % 2 == 0, &status);
    EXPECT_LE(seqs.size(), 30u);
  }
}

}  // namespace
}  // namespace stayaway::journal
