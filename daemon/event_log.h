// EventLog: every event the engine emitted, numbered from 1 in emission order. The number
// is the event's stable id: subscribers resume from it and deduplicate by it.
//
// In memory for now; the journal will make it durable and bounded. Appends come from the
// engine thread; reads and listener changes from any thread. Thread-safe.
#ifndef STAYAWAY_DAEMON_EVENT_LOG_H_
#define STAYAWAY_DAEMON_EVENT_LOG_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "proto/stayaway.pb.h"

namespace stayaway::daemon {

class EventLog {
 public:
  // Appends the events, moved in (no copy: an event is a tree of small blocks), and
  // leaves `events` empty. The first gets NextSeq().
  void Append(std::vector<v1::Event>* events);
  // Appends to `out` up to `max` records with seq >= from_seq (seq 0 reads from 1);
  // returns the seq to read next.
  uint64_t Read(uint64_t from_seq, size_t max, std::vector<v1::EventRecord>* out) const;
  uint64_t NextSeq() const;

  uint64_t AddListener(std::function<void()> on_new);
  void RemoveListener(uint64_t handle);
  // Calls every listener; called by the appender after Append, outside any lock.
  void NotifyListeners();

 private:
  mutable std::mutex mu_;
  std::deque<v1::EventRecord> records_;  // records_[i].seq == i + 1
  std::mutex listeners_mu_;
  std::map<uint64_t, std::function<void()>> listeners_;
  uint64_t next_listener_ = 1;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_EVENT_LOG_H_
