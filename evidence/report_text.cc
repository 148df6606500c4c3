#include "evidence/report_text.h"

#include <cstdio>

#include "geo/time_zone.h"

namespace stayaway::evidence {

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string Metres(double metres) {
  if (metres >= 5000) return Fixed(metres / 1000, 1) + " km";
  if (metres >= 1000) return Fixed(metres / 1000, 2) + " km";
  return Fixed(metres, 0) + " m";
}

std::string SourceName(v1::Fix::Source source) {
  switch (source) {
    case v1::Fix::gnss:
      return "GNSS (satellite)";
    case v1::Fix::wifi:
      return "Wi-Fi";
    case v1::Fix::cell:
      return "cell tower";
    default:
      return "GNSS (not stated)";
  }
}

std::string Words(const std::string& proto_name) {
  std::string out = proto_name;
  for (char& c : out) {
    if (c == '_') c = ' ';
  }
  return out;
}

std::string SupervisedColour() { return "#c00000"; }

std::string ProtectedColour(int index) {
  static constexpr const char* kPalette[] = {"#0050b0", "#007a33", "#7a2fb0",
                                             "#b05a00", "#00808a", "#5a4a3a"};
  return kPalette[index % (sizeof kPalette / sizeof kPalette[0])];
}

ReportClock::ReportClock(const std::string& time_zone) {
  if (time_zone.empty() || time_zone == "UTC" || time_zone == "Etc/UTC") return;
  StatusOr<const date::time_zone*> zone = geo::FindTimeZone(time_zone);
  if (!zone.ok()) {
    unknown_ = time_zone;
    return;
  }
  zone_ = *zone;
  zone_name_ = time_zone;
}

std::string ReportClock::Note() const {
  if (!unknown_.empty()) {
    return "Times are in UTC. The order's time zone, " + HtmlEscape(unknown_) +
           ", is not in this computer's time zone database.";
  }
  if (zone_ == nullptr) return "Times are in UTC (the order names no time zone).";
  return "Times are given in UTC and, below each, in the order's time zone " +
         HtmlEscape(zone_name_) + " with its offset from UTC.";
}

std::string ReportClock::Utc(TimeMs t) const {
  std::string text = FormatRfc3339(t - ((t % 1000) + 1000) % 1000);  // whole seconds
  if (text.size() == 20 && text[10] == 'T' && text[19] == 'Z') {
    text[10] = ' ';
    text.resize(19);
  }
  return text + " UTC";
}

std::string ReportClock::Local(TimeMs t) const {
  if (zone_ == nullptr) return Utc(t);
  return geo::FormatZoned(t, *zone_, "%Y-%m-%d %H:%M:%S %Ez");
}

std::string ReportClock::UtcShort(TimeMs t, bool with_date) const {
  const std::string utc = Utc(t);  // "YYYY-MM-DD HH:MM:SS UTC"
  if (utc.size() != 23) return utc;
  return with_date ? utc.substr(5, 11) : utc.substr(11, 5);
}

std::string ReportClock::LocalShort(TimeMs t, bool with_date) const {
  if (zone_ == nullptr) return UtcShort(t, with_date);
  return geo::FormatZoned(t, *zone_, with_date ? "%m-%d %H:%M" : "%H:%M");
}

std::string ReportClock::BothHtml(TimeMs t) const {
  if (zone_ == nullptr) return Utc(t);
  const std::string utc = Utc(t), local = Local(t);
  // The local date only when it is not the UTC one, so that both fit a narrow column.
  const bool same_day = local.compare(0, 10, utc, 0, 10) == 0;
  return utc + "<br><span class=\"local\">" + (same_day ? local.substr(11) : local) + "</span>";
}

}  // namespace stayaway::evidence
