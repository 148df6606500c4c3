// Fuzzes the ZIP reader `stayaway verify BUNDLE.zip` uses (base/zip_archive.h): any bytes
// are refused or read, never a crash, an out-of-bounds read or more than the limit
// unpacked; what it reads, written again and read back, is the same files.
#include <cstdint>
#include <string_view>

#include "base/zip_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr std::size_t kLimit = 1 << 20;
  const auto files =
      stayaway::ReadZip(std::string_view(reinterpret_cast<const char*>(data), size), kLimit);
  if (!files.ok()) return 0;
  std::size_t total = 0;
  for (const auto& [name, bytes] : *files) total += bytes.size();
  if (total > kLimit) __builtin_trap();
  const auto again = stayaway::WriteZip(*files);
  if (!again.ok()) __builtin_trap();  // every name it read is one it may write
  const auto back = stayaway::ReadZip(*again, kLimit);
  if (!back.ok() || *back != *files) __builtin_trap();
  return 0;
}
