// Fuzzes the journal reader: any bytes as the newest segment must be read, repaired or
// refused, never crash. Both the recovery mode (which truncates a torn tail) and the
// read-only mode the tools use are exercised.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "journal/journal.h"
#include "proto/stayaway.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir =
      (std::filesystem::temp_directory_path() / ("journal-fuzz-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir + "/journal-000001.log", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  const bool salvage = size > 0 && (data[0] & 1);
  const auto mode = size > 1 && (data[1] & 1) ? stayaway::journal::ReadMode::kReadOnly
                                              : stayaway::journal::ReadMode::kRecover;
  uint64_t records = 0;
  (void)stayaway::journal::ReadAll(dir, salvage, [&](const stayaway::v1::Input&) { ++records; },
                                   mode);
  return 0;
}
