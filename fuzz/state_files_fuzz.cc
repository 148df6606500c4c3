// Fuzzes the readers of stayawayd's state files: daemon snapshots (journal/snapshot_file.h,
// both its layouts) and the retention base (evidence/retention_base.h), down to the engine snapshot
// and the Merkle tree they hold. Both files end in a CRC-32C, which random bytes almost never
// match; so the harness appends the right one to what the fuzzer gives, and the parsers
// behind the checksum are what gets explored. Any bytes must parse or be refused, never
// crash.
#include <cstdint>
#include <string>

#include "base/crc32c.h"
#include "engine/engine.h"
#include "evidence/merkle_frontier.h"
#include "evidence/retention_base.h"
#include "journal/journal.h"
#include "journal/snapshot_file.h"

namespace {

std::string WithChecksum(std::string bytes) {
  const uint32_t crc = stayaway::Crc32c(bytes);
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    // Both layouts: SSD2 (with the devices board) and SSD1 (written before it).
    const std::string magic = (data[0] & 2) ? "SSD2" : "SSD1";
    auto snapshot = stayaway::journal::SnapshotFile::Decode(WithChecksum(magic + body));
    if (snapshot.ok()) {
      (void)stayaway::engine::Engine::FromSnapshotBytes(snapshot->engine_bytes, {});
      (void)stayaway::evidence::MerkleFrontier::Deserialize(snapshot->frontier_bytes);
    }
  } else {
    auto base = stayaway::evidence::RetentionBase::Decode(WithChecksum("SRB1" + body));
    if (base.ok()) (void)base->Tree();
  }
  return 0;
}
