#include "ingest/event_text.h"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {
namespace {

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string Metres(double m) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.0f", m);
  return buffer;
}

std::string Pad(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

std::string EventToText(const v1::Event& e) {
  std::string line = FormatRfc3339(TimestampToMs(e.time()));
  line += ' ';
  line += Pad(Upper(v1::Event::Transition_Name(e.transition())), 13);
  line += Pad(v1::Event::Kind_Name(e.kind()), 27);
  line += Pad(e.has_certainty() ? v1::Event::Certainty_Name(e.certainty()) : "", 10);
  line += e.order_id() + ' ' + e.rule();
  if (e.has_distance_m()) {
    line += "  " + Metres(e.distance_m()) + " m [" + Metres(e.distance_lower_m()) + ", " +
            Metres(e.distance_upper_m()) + "]";
  }
  if (e.has_limit_m()) line += " limit " + Metres(e.limit_m()) + " m";
  if (e.has_supervised() && !e.supervised().person().empty()) {
    line += "  " + e.supervised().person() + "@" + e.supervised().device();
  }
  if (e.has_protected_() && !e.protected_().person().empty()) {
    line += "  " + e.protected_().person() + "@" + e.protected_().device();
  }
  if (e.late()) line += "  LATE, detected " + FormatRfc3339(TimestampToMs(e.detected_at()));
  line += "  alert " + e.alert_id();
  return line;
}

}  // namespace stayaway::ingest
