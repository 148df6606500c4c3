// EventLog: every event the engine emitted, numbered from 1 in emission order. The number
// is the event's stable id: subscribers resume from it and deduplicate by it.
//
// Kept in memory, each event as its EventRecord's bytes (about 300 a proximity event,
// against 1,300 as a message: bench/event_log_bench.cc) in large blocks, and parsed again
// when read; the blocks never move, so a record is written once, where it stays. Not yet
// bounded: every event since the journal began stays (README, "Measured").
//
// Appends come from the engine thread; reads and listener changes from any thread.
// Thread-safe.
#ifndef STAYAWAY_DAEMON_EVENT_LOG_H_
#define STAYAWAY_DAEMON_EVENT_LOG_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/stayaway.pb.h"

namespace stayaway::daemon {

class EventLog {
 public:
  // Appends the events, numbered from NextSeq() on, and leaves `events` empty.
  void Append(std::vector<v1::Event>* events);
  // Appends events already encoded as EventRecord bytes whose seqs run from NextSeq() on
  // (the signed log's leaves hold exactly these bytes: core_signed_log.cc; a snapshot's
  // events are these bytes too: journal/snapshot_file.h).
  void AppendEncoded(std::span<const std::string_view> records);
  // Appends to `out` up to `max` records with seq >= from_seq (seq 0 reads from 1);
  // returns the seq to read next.
  uint64_t Read(uint64_t from_seq, size_t max, std::vector<v1::EventRecord>* out) const;
  // The same, as the records' serialized bytes (for a snapshot, which holds them so).
  uint64_t ReadEncoded(uint64_t from_seq, size_t max, std::vector<std::string>* out) const;
  uint64_t NextSeq() const;

  uint64_t AddListener(std::function<void()> on_new);
  void RemoveListener(uint64_t handle);
  // Calls every listener; called by the appender after Append, outside any lock.
  void NotifyListeners();

 private:
  // Bytes of a block; a record larger than this gets a block of its own size.
  static constexpr size_t kBlockBytes = 1 << 20;
  // Where record seq (index seq - 1) lies.
  struct Span {
    uint32_t block;
    uint32_t offset;
    uint32_t size;
  };
  // Room for `size` bytes at the end of the last block (a new block when it has no room),
  // recorded as the next seq's span.
  char* Reserve(size_t size);                 // with mu_ held
  void AppendBytes(std::string_view record);  // with mu_ held
  // Encodes EventRecord{seq: NextSeq(), event} in place, without copying the event.
  void AppendEvent(const v1::Event& event);  // with mu_ held

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<char[]>> blocks_;  // guarded by mu_
  size_t last_block_used_ = 0;                   // guarded by mu_
  size_t last_block_size_ = 0;                   // guarded by mu_
  std::deque<Span> spans_;                       // guarded by mu_; spans_[i]: seq i + 1
  std::mutex listeners_mu_;
  std::map<uint64_t, std::function<void()>> listeners_;
  uint64_t next_listener_ = 1;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_EVENT_LOG_H_
