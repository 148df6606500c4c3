// Journal: the daemon's append-only record of every input it accepted (fixes with the
// daemon's received stamp, orders, zones, acknowledgements, clock ticks), written before
// the input is applied and before the sender hears back. The engine is deterministic, so
// replaying the journal into a fresh engine rebuilds exactly the state and the event log
// the daemon had: this is crash recovery (ARCHITECTURE.md, event sourcing).
//
// On disk: <dir>/journal-NNNNNN.log segments, each a sequence of records
//   [u32 little-endian payload length][u32 little-endian CRC-32C of the payload][payload]
// where the payload is a serialized v1::Input. A segment rolls over past its size limit
// (kSegmentBytes unless the writer is opened with another). Segment numbers start at 1 and
// only grow; retention (evidence/retention.h) deletes whole segments from the front, so a
// journal may start at any number, and the record positions of what remains are known
// from the retention base that replaced the deleted segments.
//
// Durability: Append buffers; Sync writes and fdatasyncs. The daemon calls Sync once per
// batch of inputs it drained from its queue (group commit), so one fsync covers every
// input that arrived meanwhile, and acknowledges only after Sync returned ok.
//
// Reading: ReadAll hands every record to a callback in order. A torn record at the end of
// the last segment (a crash mid-write) is reported and truncated away; a damaged record
// anywhere else stops with FailedPrecondition naming the segment and offset, unless
// `salvage` is set, in which case the rest of that segment is skipped and reported.
//
// Thread-compatible: one writer (the engine thread).
#ifndef STAYAWAY_JOURNAL_JOURNAL_H_
#define STAYAWAY_JOURNAL_JOURNAL_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace stayaway::v1 {
class Input;
}

namespace stayaway::journal {

inline constexpr uint64_t kSegmentBytes = 64ull << 20;
// A record longer than this is damage, not data (inputs are small).
inline constexpr uint32_t kMaxRecordBytes = 16u << 20;

struct ReadReport {
  uint64_t records = 0;
  uint64_t truncated_bytes = 0;  // torn tail removed from the last segment
  std::string warnings;          // what was truncated or salvaged, for the log
};

// How ReadAll treats the journal. Only the daemon's recovery repairs (truncates a torn
// tail); tools reading a journal that a running daemon may be appending to must not.
enum class ReadMode { kRecover, kReadOnly };

// Reads every record of the journal in `dir` (a missing directory is an empty journal).
// kReadOnly stops quietly at an incomplete record at the end of the newest segment
// (probably one being written) and never modifies a file.
StatusOr<ReadReport> ReadAll(const std::string& dir, bool salvage,
                             const std::function<void(const v1::Input&)>& on_input,
                             ReadMode mode = ReadMode::kRecover);

struct ReadOptions {
  bool salvage = false;
  ReadMode mode = ReadMode::kRecover;
  // Segments numbered below this are ignored: retention has replaced them with a base and
  // was interrupted before it deleted them all. The first segment read must be exactly
  // this one, or ReadAll refuses: a segment is missing.
  uint32_t first_segment = 1;
  // Segments numbered from this one on are not read.
  uint32_t end_segment = UINT32_MAX;
  // The first this many records are checked (length, CRC-32C) and counted but neither
  // parsed nor handed to the callback: a snapshot already holds what they did.
  uint64_t check_only_records = 0;
  // Called before the first record of each segment, with the segment's number and the
  // count of records read before it.
  std::function<void(uint32_t segment, uint64_t records_before)> on_segment;
  // Set: once it reads true, reading stops before the next record and fails (a long
  // read-only replay that its owner stops).
  const std::atomic<bool>* cancel = nullptr;
};
StatusOr<ReadReport> ReadAll(const std::string& dir, const ReadOptions& options,
                             const std::function<void(const v1::Input&)>& on_input);
// The same, with each record's payload bytes (the serialized Input) beside the input.
StatusOr<ReadReport> ReadAllRecords(
    const std::string& dir, const ReadOptions& options,
    const std::function<void(const v1::Input&, std::string_view payload)>& on_record);

// The segment numbers in `dir`, ascending.
std::vector<uint32_t> ListSegments(const std::string& dir);
// Deletes every segment numbered below `first_kept` (and syncs the directory). Returns how
// many bytes it freed.
StatusOr<uint64_t> DeleteSegmentsBefore(const std::string& dir, uint32_t first_kept);

class JournalWriter {
 public:
  JournalWriter() = default;
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Opens `dir` for appending after the last segment (call after ReadAll, which has
  // removed any torn tail). `fsync` false skips fdatasync: records then survive a crash of
  // the process but not of the machine or its power (see the daemon's journal_fsync).
  // A segment rolls over past `segment_bytes` (tests use small ones).
  Status Open(const std::string& dir, bool fsync = true, uint64_t segment_bytes = kSegmentBytes);
  void Append(const v1::Input& input);
  // Appends an already serialized Input (the hot path serializes each fix once, for the
  // journal and the Merkle leaf alike).
  void AppendSerialized(std::string_view payload);
  // Writes what was appended and makes it durable (fdatasync). On failure nothing of what
  // was appended since the last Sync stays in the journal (the caller refuses it all).
  Status Sync();
  uint64_t records_written() const { return records_; }
  // The segment being appended to.
  uint32_t current_segment() const { return segment_number_; }

 private:
  Status Roll();

  std::string dir_;
  bool fsync_ = true;
  uint64_t segment_limit_ = kSegmentBytes;
  int fd_ = -1;
  uint32_t segment_number_ = 0;
  uint64_t segment_bytes_ = 0;
  std::string buffer_;
  uint64_t records_ = 0;
};

}  // namespace stayaway::journal

#endif  // STAYAWAY_JOURNAL_JOURNAL_H_
