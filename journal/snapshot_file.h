// SnapshotFile: the state stayawayd had after a number of journal records, on disk, so
// recovery replays only the journal after it (daemon snapshots) and retention can delete
// the journal before it (the retention base, evidence/retention.h).
//
// It holds what the daemon's state is made of: the engine (Engine::SaveSnapshotBytes), the
// Merkle frontier of the signed log (MerkleFrontier::Serialize), every event the log has
// numbered so far, and the catalogue of current order and global zone versions. The engine
// and frontier are kept as opaque bytes here; their owners parse them.
//
// Layout ("SSD1"): magic, u64 records, bytes engine, bytes frontier, u32 n + n bytes
// EventRecord, u32 n + n bytes Order, u32 n + n bytes Zone, u32 CRC-32C of all before it.
// Integers are little endian; "bytes" is a u32 length and the bytes. Decode refuses a
// wrong magic, a checksum mismatch and anything malformed, saying which. The daemon writes
// it with WriteFileAtomically (base/file_io.h).
//
// Thread-compatible.
#ifndef STAYAWAY_JOURNAL_SNAPSHOT_FILE_H_
#define STAYAWAY_JOURNAL_SNAPSHOT_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "proto/stayaway.pb.h"

namespace stayaway::journal {

struct SnapshotFile {
  uint64_t records = 0;          // journal records applied: the journal position it stands at
  std::string engine_bytes;      // Engine::SaveSnapshotBytes
  std::string frontier_bytes;    // MerkleFrontier::Serialize
  std::vector<v1::EventRecord> events;  // every event numbered so far, seq 1..n
  std::vector<v1::Order> orders;        // current version of every order
  std::vector<v1::Zone> zones;          // current version of every global zone

  std::string Encode() const;
  static StatusOr<SnapshotFile> Decode(std::string_view bytes);
};

}  // namespace stayaway::journal

#endif  // STAYAWAY_JOURNAL_SNAPSHOT_FILE_H_
