// CRC-32C (Castagnoli), the checksum of every journal record, snapshot and retention base:
// it catches the torn write and the flipped bit, not an adversary (the signed log does
// that). Pure functions; thread-safe.
#ifndef STAYAWAY_BASE_CRC32C_H_
#define STAYAWAY_BASE_CRC32C_H_

#include <cstdint>
#include <string_view>

namespace stayaway {

// The CPU's instruction where it has one (SSE 4.2), else a table.
uint32_t Crc32c(std::string_view data);
// Always the table: for tests to compare the two.
uint32_t Crc32cPortable(std::string_view data);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_CRC32C_H_
