// EventCursor: one reader's position in the daemon's event log, shared by the event
// subscribers of the TCP port (tcp_server.cc) and the HTTP API's server-sent event stream
// (http_event_stream.cc). It knows where reading starts (a requested seq, "now", or right
// after the last event a reconnecting client received), reads the next batch from there
// in the reader's view (whole, or reduced to the auditor's view: access/redaction.h),
// reports how far the reader is behind the log under its subscriber name, and wakes the
// reader when events are appended.
//
// A start position past the newest event (a client that remembers another log, or an
// absurd number) means "nothing new yet": reading starts with the next event appended.
// Seqs count from 1; a requested 0 reads as 1.
//
//   EventCursor cursor(service, "sse-3", /*whole=*/true);
//   cursor.StartAt(from_seq);
//   cursor.Listen(strand, [weak] { ... post-read ... });  // before the first Read
//   std::vector<v1::EventRecord> batch;
//   while (cursor.Read(256, &batch)) { write(batch); batch.clear(); cursor.ReportLag(); }
//   cursor.Close();
//
// Thread-safety: not thread-safe; use a cursor from one strand (its wake-ups are posted
// to the executor given to Listen). The feed must outlive every call on the cursor.
#ifndef STAYAWAY_INGEST_EVENT_CURSOR_H_
#define STAYAWAY_INGEST_EVENT_CURSOR_H_

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ingest/monitoring_service.h"

namespace stayaway::ingest {

class EventCursor {
 public:
  // `subscriber` names the reader in the lag metric; `whole` is whether it sees events
  // whole (access::SeesEventsWhole), else it reads them reduced to the auditor's view.
  EventCursor(EventFeed& feed, std::string subscriber, bool whole);
  // Does not touch the feed (a reader's last reference may go after the core has stopped,
  // at shutdown): Close() it while the feed is there.
  ~EventCursor() = default;
  EventCursor(const EventCursor&) = delete;
  EventCursor& operator=(const EventCursor&) = delete;

  // Where reading starts, each measured against the log's end now: at the event with
  // this seq, right after the event with this seq (Last-Event-ID), or with the next event
  // appended.
  void StartAt(uint64_t seq);
  void StartAfter(uint64_t seq);
  void StartNow();

  // From now until Close, posts `on_new` to `executor` whenever events were appended,
  // with at most one wake-up pending at a time however many are appended. Call it before
  // the first Read, so that no event can fall in between. Does nothing once closed.
  void Listen(boost::asio::any_io_executor executor, std::function<void()> on_new);

  // Appends to *out at most `max` (at least 1) records from the position on, in the
  // reader's view, and moves past them. False when there is nothing new.
  bool Read(std::size_t max, std::vector<v1::EventRecord>* out);

  // Reports to the feed how many events the reader is behind the log's end.
  void ReportLag();

  // Stops listening and forgets the reader's lag metric. Idempotent.
  void Close();

  // The seq of the next event Read returns.
  uint64_t next_seq() const { return next_seq_; }

 private:
  EventFeed& feed_;
  const std::string subscriber_;
  const bool whole_;
  uint64_t next_seq_ = 1;
  std::optional<uint64_t> listener_;
  bool closed_ = false;
};

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_EVENT_CURSOR_H_
