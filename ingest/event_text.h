// EventToText: one event as one line an operator reads at a glance, for terminals and the
// demo. The JSON form (json_codec.h) stays the machine interface; this one is lossy.
//
//   2025-03-03T08:21:45Z OPENED    exclusion_zone        confirmed KG-2025-0001 zone:home
//       50 m [46, 54] limit 100 m  p1@tag-1  alert 6f1c0e2b9a4d3e11
//
// (on one line). Late events add "LATE, detected <time>". Pure and thread-safe.
#ifndef STAYAWAY_INGEST_EVENT_TEXT_H_
#define STAYAWAY_INGEST_EVENT_TEXT_H_

#include <string>

namespace stayaway::v1 {
class Event;
}

namespace stayaway::ingest {

std::string EventToText(const v1::Event& event);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_EVENT_TEXT_H_
