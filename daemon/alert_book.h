// AlertBook: the current picture of every alert (open or closed, its newest event, its
// acknowledgements and resolution), built from the event stream, for GET /v1/alerts; and
// where each alert's events are in the event log (their seqs), for its timeline
// (GET /v1/alerts/{id}). Record() is called by the engine thread for each event in log
// order, once the log holds it; the readers from any thread. An alert's newest reading
// (AlertView.last_event) is not kept here but read from the log when a view is given out:
// it is most of a view's size, and the log holds it already. Thread-safe.
#ifndef STAYAWAY_DAEMON_ALERT_BOOK_H_
#define STAYAWAY_DAEMON_ALERT_BOOK_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "daemon/event_log.h"
#include "ingest/monitoring_service.h"
#include "proto/stayaway.pb.h"

namespace stayaway::daemon {

class AlertBook {
 public:
  // `log` holds every event recorded here (by their seqs) and outlives the book.
  explicit AlertBook(const EventLog& log) : log_(log) {}

  // What one event changed that the metrics count.
  struct Change {
    // A proximity alert became a violation: opened as one, or escalated from a warning.
    bool entered_violation = false;
    // An acknowledgement, the first since its level was raised: how long after the
    // detection of that level (ms).
    std::optional<TimeMs> answered_after_ms;
  };
  Change Record(uint64_t seq, const v1::Event& event);
  // Alerts matching the query (every filter, then the page), ordered by the log position
  // of their first event.
  std::vector<v1::AlertView> List(const ingest::AlertQuery& query) const;
  // One alert and the log seqs of all its events, ascending; nullopt for an unknown id.
  struct Entry {
    v1::AlertView view;
    std::vector<uint64_t> seqs;
  };
  std::optional<Entry> Find(std::string_view alert_id) const;
  // Open alerts per kind name, for metrics.
  std::map<std::string, uint64_t> OpenByKind() const;

 private:
  struct Alert {
    v1::AlertView view;             // without last_event
    std::vector<uint64_t> seqs;     // every event of it, in log order
    // Its newest reading (an event other than an acknowledgement, a deadline, a
    // resolution or a receipt): where it is in the log, and what the queries ask of it.
    uint64_t reading_seq = 0;
    TimeMs reading_detected_ms = 0;
    std::optional<v1::Event::Certainty> reading_certainty;
    std::set<std::string> devices;  // every device its events named
    TimeMs raised_ms = 0;           // detection of its newest opening or escalation
    bool answered = false;          // acknowledged since then
  };
  static bool Matches(const Alert& alert, const ingest::AlertQuery& query);
  // The alert's view with its newest reading, read from the log.
  v1::AlertView ViewOf(const Alert& alert) const;  // with mu_ held

  const EventLog& log_;
  mutable std::mutex mu_;
  std::map<std::string, Alert, std::less<>> alerts_;  // by alert id
  std::map<uint64_t, std::string> by_first_seq_;      // first_seq -> alert id, for paging
  std::map<std::string, uint64_t> open_by_kind_;      // kept in step by Record
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_ALERT_BOOK_H_
