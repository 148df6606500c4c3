// AlertBook: the current picture of every alert (open or closed, its newest event, its
// acknowledgements), built from the event stream, for GET /v1/alerts. Record() is called
// by the engine thread for each event in log order; List() from any thread. Thread-safe.
#ifndef STAYAWAY_DAEMON_ALERT_BOOK_H_
#define STAYAWAY_DAEMON_ALERT_BOOK_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ingest/monitoring_service.h"
#include "proto/stayaway.pb.h"

namespace stayaway::daemon {

class AlertBook {
 public:
  void Record(uint64_t seq, const v1::Event& event);
  // Alerts matching the query, ordered by the log position of their first event.
  std::vector<v1::AlertView> List(const ingest::AlertQuery& query) const;
  // Open alerts per kind name, for metrics.
  std::map<std::string, uint64_t> OpenByKind() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, v1::AlertView> alerts_;  // by alert id
  std::map<std::string, uint64_t> open_by_kind_;  // kept in step by Record
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_ALERT_BOOK_H_
