// Test support for the engine suites: builders for orders, zones and fixes, exact placement
// of people by geodesic distance and bearing (GeographicLib Direct), a small harness that
// drives one Engine and keeps every event, and finders for events by kind and transition.
//
// Everything here is header-only and deterministic; tests read as "a few lines of setup,
// then the story".
#ifndef STAYAWAY_TESTS_ENGINE_TEST_SUPPORT_H_
#define STAYAWAY_TESTS_ENGINE_TEST_SUPPORT_H_

#include <GeographicLib/Geodesic.hpp>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "engine/engine.h"
#include "engine/engine_config.h"
#include "proto/stayaway.pb.h"

namespace stayaway::enginetest {

using engine::Engine;
using engine::EngineSettings;
using v1::Event;

// ---------------------------------------------------------------------------------------
// Time.
// ---------------------------------------------------------------------------------------

inline constexpr TimeMs kSecond = 1000;
inline constexpr TimeMs kMinute = 60 * kSecond;
inline constexpr TimeMs kHour = 60 * kMinute;

// Milliseconds since the epoch of a UTC civil time (proleptic Gregorian).
inline TimeMs Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  // Howard Hinnant's days_from_civil.
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = (month + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  return ((days * 24 + hour) * 60 + minute) * kMinute + static_cast<int64_t>(second) * kSecond;
}

inline TimeMs Ms(const google::protobuf::Timestamp& ts) { return TimestampToMs(ts); }

// A weekday morning in Bishkek (UTC+6): 2025-03-10 14:00 local.
inline const TimeMs kT0 = Utc(2025, 3, 10, 8, 0, 0);

// The seed of a randomised test: STAYAWAY_TEST_SEED when set (to reproduce or explore),
// else the fixed default so CI runs are repeatable. Tests print it with SCOPED_TRACE.
inline uint64_t TestSeed(uint64_t default_seed) {
  const char* env = std::getenv("STAYAWAY_TEST_SEED");
  return env != nullptr && *env != '\0' ? std::strtoull(env, nullptr, 0) : default_seed;
}

// ---------------------------------------------------------------------------------------
// Positions.
// ---------------------------------------------------------------------------------------

struct Point {
  double lat = 0;
  double lon = 0;
};

inline constexpr Point kBishkek{42.87, 74.59};
inline constexpr Point kMadrid{40.4168, -3.7038};

// The point `metres` from `from` along the geodesic starting at `bearing_deg` (WGS84).
inline Point Destination(Point from, double bearing_deg, double metres) {
  Point out;
  GeographicLib::Geodesic::WGS84().Direct(from.lat, from.lon, bearing_deg, metres, out.lat,
                                          out.lon);
  return out;
}

// WGS84 geodesic distance in metres.
inline double GeodesicMetres(Point a, Point b) {
  double s12 = 0;
  GeographicLib::Geodesic::WGS84().Inverse(a.lat, a.lon, b.lat, b.lon, s12);
  return s12;
}

// ---------------------------------------------------------------------------------------
// Orders and zones.
// ---------------------------------------------------------------------------------------

inline v1::Party Person(const std::string& id, std::initializer_list<std::string> devices,
                        const std::string& relation = "") {
  v1::Party party;
  party.set_id(id);
  for (const std::string& device : devices) party.add_devices(device);
  party.set_relation(relation);
  return party;
}

// An active order, valid from 2024-01-01, open-ended.
inline v1::Order MakeOrder(const std::string& id, const v1::Party& supervised,
                           const std::vector<v1::Party>& protected_parties,
                           double violation_m, double warning_m = 0, uint32_t version = 1) {
  v1::Order order;
  order.set_id(id);
  order.set_case_reference("case-" + id);
  order.set_issuing_authority("test court");
  order.set_version(version);
  order.set_state(v1::Order::active);
  MsToTimestamp(Utc(2024, 1, 1), order.mutable_valid_from());
  *order.mutable_supervised() = supervised;
  for (const v1::Party& party : protected_parties) *order.add_protected_() = party;
  order.set_violation_distance_m(violation_m);
  order.set_warning_distance_m(warning_m);
  return order;
}

inline v1::Zone CircleZone(const std::string& id, v1::Zone::Kind kind, Point centre,
                           double radius_m, double buffer_m = 0) {
  v1::Zone zone;
  zone.set_id(id);
  zone.set_name(id);
  zone.set_kind(kind);
  zone.mutable_circle()->set_lat(centre.lat);
  zone.mutable_circle()->set_lon(centre.lon);
  zone.mutable_circle()->set_radius_m(radius_m);
  zone.set_buffer_m(buffer_m);
  return zone;
}

// A GeoJSON Polygon zone with one ring given as points; the ring is closed here when the
// last point differs from the first.
inline v1::Zone PolygonZone(const std::string& id, v1::Zone::Kind kind, std::vector<Point> ring,
                            double buffer_m = 0) {
  if (!ring.empty() &&
      (ring.front().lat != ring.back().lat || ring.front().lon != ring.back().lon)) {
    ring.push_back(ring.front());
  }
  std::ostringstream json;
  json.precision(17);
  json << R"({"type":"Polygon","coordinates":[[)";
  for (size_t i = 0; i < ring.size(); ++i) {
    json << (i ? "," : "") << "[" << ring[i].lon << "," << ring[i].lat << "]";
  }
  json << "]]}";
  v1::Zone zone;
  zone.set_id(id);
  zone.set_name(id);
  zone.set_kind(kind);
  const auto status = google::protobuf::util::JsonStringToMessage(json.str(),
                                                                  zone.mutable_geometry());
  EXPECT_TRUE(status.ok()) << "bad test GeoJSON: " << json.str();
  zone.set_buffer_m(buffer_m);
  return zone;
}

// A daily window "start"-"end" in `time_zone` (end <= start crosses midnight).
inline void SetDailySchedule(v1::Zone* zone, const std::string& time_zone,
                             const std::string& start, const std::string& end) {
  zone->mutable_schedule()->set_time_zone(time_zone);
  v1::WeeklySchedule::Window* window = zone->mutable_schedule()->add_windows();
  window->set_start(start);
  window->set_end(end);
}

// ---------------------------------------------------------------------------------------
// Fixes.
// ---------------------------------------------------------------------------------------

// A GNSS fix measured and received at `t`.
inline v1::Fix MakeFix(const std::string& device, uint64_t seq, TimeMs t, Point p,
                       double accuracy_m) {
  v1::Fix fix;
  fix.set_device(device);
  fix.set_seq(seq);
  MsToTimestamp(t, fix.mutable_time());
  MsToTimestamp(t, fix.mutable_received());
  fix.set_lat(p.lat);
  fix.set_lon(p.lon);
  fix.set_accuracy_m(accuracy_m);
  fix.set_source(v1::Fix::gnss);
  return fix;
}

inline v1::Fix ReceivedAt(v1::Fix fix, TimeMs received) {
  MsToTimestamp(received, fix.mutable_received());
  return fix;
}
inline v1::Fix WithFlags(v1::Fix fix, std::initializer_list<v1::Fix::Flag> flags) {
  for (v1::Fix::Flag flag : flags) fix.add_flags(flag);
  return fix;
}
inline v1::Fix WithBattery(v1::Fix fix, double pct) {
  fix.set_battery_pct(pct);
  return fix;
}
inline v1::Fix WithSource(v1::Fix fix, v1::Fix::Source source) {
  fix.set_source(source);
  return fix;
}

// ---------------------------------------------------------------------------------------
// Events.
// ---------------------------------------------------------------------------------------

inline bool IsProximity(const Event& e) {
  return e.kind() == Event::proximity_warning || e.kind() == Event::proximity_violation;
}

inline std::vector<Event> OfKind(const std::vector<Event>& events, Event::Kind kind) {
  std::vector<Event> out;
  for (const Event& e : events) {
    if (e.kind() == kind) out.push_back(e);
  }
  return out;
}

inline std::vector<Event> Proximity(const std::vector<Event>& events) {
  std::vector<Event> out;
  for (const Event& e : events) {
    if (IsProximity(e)) out.push_back(e);
  }
  return out;
}

inline std::vector<Event> Matching(const std::vector<Event>& events, Event::Kind kind,
                                   Event::Transition transition) {
  std::vector<Event> out;
  for (const Event& e : events) {
    if (e.kind() == kind && e.transition() == transition) out.push_back(e);
  }
  return out;
}

inline std::vector<Event> WithTransition(const std::vector<Event>& events,
                                         Event::Transition transition) {
  std::vector<Event> out;
  for (const Event& e : events) {
    if (e.transition() == transition) out.push_back(e);
  }
  return out;
}

inline int Count(const std::vector<Event>& events, Event::Kind kind,
                 Event::Transition transition) {
  return static_cast<int>(Matching(events, kind, transition).size());
}

inline std::optional<Event> FindEvent(const std::vector<Event>& events, Event::Kind kind,
                                      Event::Transition transition) {
  for (const Event& e : events) {
    if (e.kind() == kind && e.transition() == transition) return e;
  }
  return std::nullopt;
}

inline bool UsesFix(const Event& e, const std::string& device, uint64_t seq) {
  return std::any_of(e.fixes().begin(), e.fixes().end(), [&](const v1::FixRef& ref) {
    return ref.device() == device && ref.seq() == seq;
  });
}

// One line per event, for failure messages.
inline std::string Describe(const std::vector<Event>& events) {
  std::ostringstream out;
  out.precision(10);
  for (const Event& e : events) {
    out << "  " << Event::Kind_Name(e.kind()) << "/" << Event::Transition_Name(e.transition());
    if (e.has_certainty()) out << "/" << Event::Certainty_Name(e.certainty());
    out << " order=" << e.order_id() << " rule=" << e.rule() << " alert=" << e.alert_id()
        << " time=" << FormatRfc3339(Ms(e.time()))
        << " detected=" << FormatRfc3339(Ms(e.detected_at())) << (e.late() ? " late" : "");
    if (e.has_distance_m()) {
      out << " d=" << e.distance_m() << " [" << e.distance_lower_m() << ", "
          << e.distance_upper_m() << "] limit=" << e.limit_m();
    }
    if (!e.device().empty()) out << " device=" << e.device();
    if (!e.person().empty()) out << " person=" << e.person();
    out << "\n";
  }
  return out.str();
}

// A proximity event's bounds must follow from its distance and the radii it reports:
// lower = max(0, d - u), upper = d + u with u the two position radii.
inline void ExpectBoundsConsistent(const Event& e) {
  ASSERT_TRUE(e.has_distance_m()) << Describe({e});
  const double u = e.supervised().accuracy_m() + e.protected_().accuracy_m();
  EXPECT_NEAR(e.distance_lower_m(), std::max(0.0, e.distance_m() - u), 1e-6) << Describe({e});
  EXPECT_NEAR(e.distance_upper_m(), e.distance_m() + u, 1e-6) << Describe({e});
}

// ---------------------------------------------------------------------------------------
// Harness: one Engine, every event it emitted, automatic sequence numbers per device.
// ---------------------------------------------------------------------------------------

class Harness {
 public:
  explicit Harness(const EngineSettings& settings = EngineSettings()) : engine_(settings) {}

  std::vector<Event> AddOrder(const v1::Order& order) {
    std::vector<Event> events;
    const Status status = engine_.ApplyOrder(order, &events);
    EXPECT_TRUE(status.ok()) << "order " << order.id() << ": " << status.ToString();
    Keep(events);
    return events;
  }

  std::vector<Event> AddGlobalZone(const v1::Zone& zone) {
    std::vector<Event> events;
    const Status status = engine_.ApplyGlobalZone(zone, &events);
    EXPECT_TRUE(status.ok()) << "zone " << zone.id() << ": " << status.ToString();
    Keep(events);
    return events;
  }

  // Applies a fix that must be accepted; returns the events it caused.
  std::vector<Event> Send(const v1::Fix& fix) {
    std::vector<Event> events;
    const Status status = engine_.ApplyFix(fix, &events);
    EXPECT_TRUE(status.ok()) << fix.device() << "#" << fix.seq() << ": " << status.ToString();
    uint64_t& last = last_seq_[fix.device()];
    last = std::max(last, fix.seq());
    Keep(events);
    return events;
  }

  // A GNSS fix from `device` at `t` (received at `t`) with the next sequence number.
  std::vector<Event> Report(const std::string& device, TimeMs t, Point p,
                            double accuracy_m = 5) {
    return Send(MakeFix(device, NextSeq(device), t, p, accuracy_m));
  }

  std::vector<Event> Tick(TimeMs t) {
    std::vector<Event> events;
    engine_.ApplyTick(t, &events);
    Keep(events);
    return events;
  }

  // The next unused sequence number of `device`.
  uint64_t NextSeq(const std::string& device) const {
    auto it = last_seq_.find(device);
    return it == last_seq_.end() ? 1 : it->second + 1;
  }

  Engine& engine() { return engine_; }
  const std::vector<Event>& log() const { return log_; }

 private:
  void Keep(const std::vector<Event>& events) {
    log_.insert(log_.end(), events.begin(), events.end());
  }

  Engine engine_;
  std::map<std::string, uint64_t> last_seq_;
  std::vector<Event> log_;
};

// A pair order's devices reporting every 15 s for `rounds` rounds after *t (advanced): the
// phone at `home`, the tag `distance_m` east of it, so her position is always fresh.
// Returns the events.
inline std::vector<Event> StayApart(Harness& h, TimeMs* t, const std::string& tag,
                                    const std::string& phone, Point home, double distance_m,
                                    int rounds) {
  std::vector<Event> out;
  for (int k = 0; k < rounds; ++k) {
    *t += 15 * kSecond;
    for (const Event& e : h.Report(phone, *t, home)) out.push_back(e);
    for (const Event& e : h.Report(tag, *t, Destination(home, 90, distance_m))) out.push_back(e);
  }
  return out;
}

// He walks in to 100 m of her for two rounds: the violation's opened event.
inline std::optional<Event> WalkInToViolation(Harness& h, TimeMs* t, const std::string& tag,
                                              const std::string& phone, Point home) {
  const auto approach = StayApart(h, t, tag, phone, home, 100, 2);
  const auto opened = FindEvent(approach, Event::proximity_violation, Event::opened);
  EXPECT_TRUE(opened.has_value()) << Describe(approach);
  return opened;
}

// Appends b to a. Beware: C++ leaves the order of evaluating function arguments open, so
// never pass two calls that apply inputs as the arguments of one call.
inline std::vector<Event> Concat(std::vector<Event> a, const std::vector<Event>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace stayaway::enginetest

#endif  // STAYAWAY_TESTS_ENGINE_TEST_SUPPORT_H_
