// AlertBook (alert_book.h) against the rules written out simply over the events it was
// given: each alert's newest reading (the newest event that is not an acknowledgement, a
// deadline, a resolution or a receipt) comes back as its last_event, read from the log, and
// the time and certainty filters of GET /v1/alerts keep exactly the alerts whose events
// say so. Random events over a few alerts, many queries.
#include "daemon/alert_book.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "daemon/event_log.h"

namespace stayaway::daemon {
namespace {

using E = v1::Event;

E RandomEvent(std::mt19937_64& random, TimeMs now) {
  static const E::Transition kTransitions[] = {E::opened,      E::escalated, E::updated,
                                               E::downgraded,  E::closed,    E::acknowledged,
                                               E::ack_overdue, E::resolved,  E::received};
  E event;
  event.set_alert_id("alert-" + std::to_string(random() % 6));
  event.set_order_id("KG-1");
  event.set_kind(random() % 2 ? E::proximity_violation : E::sos);
  event.set_transition(kTransitions[random() % 9]);
  if (random() % 3) event.set_certainty(random() % 2 ? E::confirmed : E::possible);
  MsToTimestamp(now, event.mutable_detected_at());
  MsToTimestamp(now, event.mutable_time());
  event.set_ack_note(std::to_string(random()));  // to tell the events apart
  return event;
}

bool IsReading(const E& event) {
  return event.transition() != E::acknowledged && event.transition() != E::ack_overdue &&
         event.transition() != E::resolved && event.transition() != E::received;
}

TEST(AlertBook, EachAlertsNewestReadingComesFromTheLogAndTheFiltersFollowIt) {
  std::mt19937_64 random(20261208);
  EventLog log;
  AlertBook book(log);
  std::map<std::string, std::vector<E>> given;  // by alert id, in log order
  TimeMs now = 1'780'000'000'000;
  for (int step = 0; step < 400; ++step) {
    now += 1'000 + static_cast<TimeMs>(random() % 5'000);
    std::vector<E> batch(1 + random() % 3);
    for (E& event : batch) event = RandomEvent(random, now);
    const uint64_t first = log.NextSeq();
    std::vector<E> kept = batch;
    log.Append(&kept);  // the log first, as the daemon does (core_signed_log.cc)
    for (size_t i = 0; i < batch.size(); ++i) {
      book.Record(first + i, batch[i]);
      given[batch[i].alert_id()].push_back(batch[i]);
    }
    // A random query against the oracle's answer.
    ingest::AlertQuery query;
    query.state = ingest::AlertQuery::State::kAll;
    if (random() % 2) query.since = now - static_cast<TimeMs>(random() % 60'000);
    if (random() % 2) query.until = now - static_cast<TimeMs>(random() % 60'000);
    if (random() % 2) query.certainty = random() % 2 ? E::confirmed : E::possible;
    std::map<std::string, std::string> expected;  // alert id -> its newest reading's bytes
    for (const auto& [id, events] : given) {
      const E* reading = nullptr;
      const E* opened = nullptr;
      for (const E& event : events) {
        if (IsReading(event)) reading = &event;
        if (event.transition() == E::opened) opened = &event;
      }
      const TimeMs reading_ms = reading ? TimestampToMs(reading->detected_at()) : 0;
      const TimeMs opened_ms = opened ? TimestampToMs(opened->detected_at()) : reading_ms;
      if (query.since && reading_ms < *query.since) continue;
      if (query.until && opened_ms > *query.until) continue;
      if (query.certainty &&
          (!reading || !reading->has_certainty() || reading->certainty() != *query.certainty)) {
        continue;
      }
      expected[id] = reading ? reading->SerializeAsString() : E().SerializeAsString();
    }
    std::map<std::string, std::string> listed;
    for (const v1::AlertView& view : book.List(query)) {
      listed[view.alert_id()] = view.last_event().SerializeAsString();
    }
    ASSERT_EQ(listed, expected) << "step " << step;
    // And one alert as GET /v1/alerts/{id} finds it.
    const std::string id = "alert-" + std::to_string(random() % 6);
    const auto entry = book.Find(id);
    ASSERT_EQ(entry.has_value(), given.contains(id));
    if (entry) {
      const E* reading = nullptr;
      for (const E& event : given[id]) {
        if (IsReading(event)) reading = &event;
      }
      EXPECT_EQ(entry->view.last_event().SerializeAsString(),
                reading ? reading->SerializeAsString() : E().SerializeAsString());
      EXPECT_EQ(entry->seqs.size(), given[id].size());
    }
  }
}

}  // namespace
}  // namespace stayaway::daemon
