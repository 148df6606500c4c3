// How the evidence report (report_html.h) writes things down: HTML escaping, fixed-point
// numbers, readable names for enum values, each person's colour, and times in UTC and in
// the order's own time zone (ReportClock). Shared by the page, its chart (report_chart.h)
// and its map (report_map.h) so that all three say the same thing the same way.
//
// Everything here is deterministic for a given tz database: `stayaway verify` re-derives
// the report byte for byte. Pure functions and immutable objects, thread-safe.
#ifndef STAYAWAY_EVIDENCE_REPORT_TEXT_H_
#define STAYAWAY_EVIDENCE_REPORT_TEXT_H_

#include <string>

#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace date {
class time_zone;
}

namespace stayaway::evidence {

// `text` with < > & " escaped, for element text and attribute values.
std::string HtmlEscape(const std::string& text);

// `value` with exactly `decimals` digits after the point ("%.*f").
std::string Fixed(double value, int decimals);

// A distance for people: "135 m", "1.25 km" from 1000 m on, "8.4 km" from 5 km on.
std::string Metres(double metres);

// "GNSS (satellite)", "Wi-Fi", "cell tower"; source_unspecified, which the engine treats
// as GNSS, is "GNSS (not stated)".
std::string SourceName(v1::Fix::Source source);

// An enum value's proto name with '_' as a space: "proximity violation".
std::string Words(const std::string& proto_name);

// Each person's colour in the chart and on the map: the supervised person red, protected
// persons in the order's order from a palette that stays apart in greyscale print too.
std::string SupervisedColour();
std::string ProtectedColour(int index);

// Instants written in UTC and in the order's time zone (Order.time_zone).
class ReportClock {
 public:
  // `time_zone`: an IANA name, or empty for UTC. A name this machine's tz database does
  // not know (order validation refuses those, so only an older database) shows UTC only,
  // and Note() says so.
  explicit ReportClock(const std::string& time_zone);

  // True when the order names a zone this clock shows beside UTC.
  bool HasLocal() const { return zone_ != nullptr; }
  // "Asia/Bishkek", or "UTC".
  const std::string& ZoneName() const { return zone_name_; }
  // One sentence for the reader: which zones the report's times are in.
  std::string Note() const;

  // "2025-03-01 10:00:05 UTC".
  std::string Utc(TimeMs t) const;
  // "2025-03-01 16:00:05 +06:00" (the offset in force then); Utc(t) without a local zone.
  std::string Local(TimeMs t) const;
  // "HH:MM" (with `with_date`, "MM-DD HH:MM") in UTC and in the local zone, for axes.
  std::string UtcShort(TimeMs t, bool with_date) const;
  std::string LocalShort(TimeMs t, bool with_date) const;
  // A table cell's HTML: UTC, and the local time on a second line when there is a zone
  // ("16:00:05 +06:00", with its date in front when that differs from the UTC date).
  std::string BothHtml(TimeMs t) const;

 private:
  std::string zone_name_ = "UTC";
  std::string unknown_;  // a zone name the tz database did not know
  const date::time_zone* zone_ = nullptr;
};

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_REPORT_TEXT_H_
