#include "base/zip_archive.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace stayaway {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// Made by Python's zipfile (an independent writer): two deflated files and a stored one.
constexpr char kPythonZip[] =
    "504b03041400000008000060b150a3c99912100000000e0000000d0000006d616e69666573742e6a736f6e"
    "ab564acbcc492d56b252a8aeade50200504b03041400000008000060b150963709950c000000cf0000000b"
    "0000007265706f72742e68746d6cb329b0ab1826c046bfc00e00504b03041400000000000060b15086a610"
    "36050000000500000005000000612e74787468656c6c6f504b010214031400000008000060b150a3c99912"
    "100000000e0000000d00000000000000000000008001000000006d616e69666573742e6a736f6e504b0102"
    "14031400000008000060b150963709950c000000cf0000000b000000000000000000000080013b00000072"
    "65706f72742e68746d6c504b010214031400000000000060b15086a6103605000000050000000500000000"
    "00000000000000800170000000612e747874504b05060000000003000300a7000000980000000000";

TEST(ZipArchive, ReadsWhatAnotherWriterWrote) {
  const auto files = ReadZip(FromHex(kPythonZip), 1 << 20);
  ASSERT_TRUE(files.ok()) << files.status().message();
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ(files->at("manifest.json"), "{\"files\": {}}\n");
  EXPECT_EQ(files->at("report.html"), "<p>" + std::string(200, 'x') + "</p>");
  EXPECT_EQ(files->at("a.txt"), "hello");
}

TEST(ZipArchive, WhatItWritesReadsBackTheSameAndAlwaysTheSameBytes) {
  std::mt19937_64 rng(7);
  std::map<std::string, std::string> files;
  files["manifest.json"] = "{\"files\": {}}\n";
  files["report.html"] = std::string(100'000, 'a');  // deflated
  std::string noise(5000, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  files["proofs.bin"] = noise;  // stored: deflate would not make it smaller
  files["empty.txt"] = "";
  const auto archive = WriteZip(files);
  ASSERT_TRUE(archive.ok()) << archive.status().message();
  EXPECT_LT(archive->size(), 20'000u);
  EXPECT_EQ(*WriteZip(files), *archive);
  const auto back = ReadZip(*archive, 1 << 20);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, files);
}

TEST(ZipArchive, RefusesWhatCouldEscapeOrExplodeOrWasChanged) {
  EXPECT_FALSE(WriteZip({{"../evil", "x"}}).ok());
  EXPECT_FALSE(WriteZip({{"dir/file", "x"}}).ok());
  for (const char* name : {"", ".hidden", "..", "a/b", "a\\b", "a b", "x\n"}) {
    EXPECT_FALSE(IsPlainFileName(name)) << name;
  }
  EXPECT_TRUE(IsPlainFileName("events.ndjson"));

  const std::string archive = *WriteZip({{"a.txt", std::string(1000, 'z')}, {"b.txt", "hello"}});
  // A bomb: more unpacked than allowed.
  EXPECT_FALSE(ReadZip(archive, 999).ok());
  EXPECT_TRUE(ReadZip(archive, 1005).ok());
  // One changed byte of b.txt's stored data: its CRC no longer matches.
  std::string changed = archive;
  const std::size_t at = changed.find("hello");
  ASSERT_NE(at, std::string::npos);
  changed[at] = 'j';
  const auto refused = ReadZip(changed, 1 << 20);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("CRC-32"), std::string::npos)
      << refused.status().message();
  // Cut anywhere, or not an archive at all: refused, never a crash.
  for (std::size_t n = 0; n < archive.size(); n += 7) {
    EXPECT_FALSE(ReadZip(archive.substr(0, n), 1 << 20).ok()) << n;
  }
  EXPECT_FALSE(ReadZip("{\"files\": {}}", 1 << 20).ok());
  // A name that would escape, written by hand into an otherwise good archive.
  std::string escaping = *WriteZip({{"aaaaaaaa", "x"}});
  for (std::size_t p = escaping.find("aaaaaaaa"); p != std::string::npos;
       p = escaping.find("aaaaaaaa", p + 1)) {
    escaping.replace(p, 8, "../../aa");
  }
  EXPECT_FALSE(ReadZip(escaping, 1 << 20).ok());
}

}  // namespace
}  // namespace stayaway
