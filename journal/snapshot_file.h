// SnapshotFile: the state stayawayd had after a number of journal records, on disk, so
// recovery replays only the journal after it (daemon snapshots) and retention can delete
// the journal before it (the retention base, evidence/retention.h).
//
// It holds what the daemon's state is made of: the engine (Engine::SaveSnapshotBytes), the
// Merkle frontier of the signed log (MerkleFrontier::Serialize), every event the log has
// numbered so far, and the catalogue of current order and global zone versions. The engine
// and frontier are kept as opaque bytes here; their owners parse them.
//
// Layout ("SSD2"): magic, u64 records, bytes engine, bytes frontier, u32 n + n bytes
// EventRecord, u32 n + n bytes Order, u32 n + n bytes Zone, u32 n + n bytes DeviceStatus
// (the devices board, daemon/device_board.h), u32 CRC-32C of all before it. "SSD1", written
// before the board existed, is the same without the DeviceStatus list: it still decodes,
// with no devices (the daemon then rebuilds the board from the journal it still has).
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
  // Every event numbered so far, seq 1..n, each as its EventRecord's serialized bytes, as
  // the daemon's event log keeps them (daemon/event_log.h): whoever reads an event parses
  // it (Decode checks the framing only), and a million of them take a third of the memory
  // they would as messages.
  std::vector<std::string> events;
  std::vector<v1::Order> orders;        // current version of every order
  std::vector<v1::Zone> zones;          // current version of every global zone
  std::vector<v1::DeviceStatus> devices;  // the devices board's fix state (empty in SSD1)
  // Whether it holds the board: false for an SSD1 file, and for a state made without one
  // (a retention base replays the engine only), which Encode then writes as SSD1.
  bool with_board = true;

  std::string Encode() const;
  static StatusOr<SnapshotFile> Decode(std::string_view bytes);
};

}  // namespace stayaway::journal

#endif  // STAYAWAY_JOURNAL_SNAPSHOT_FILE_H_
