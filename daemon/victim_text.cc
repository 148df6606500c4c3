#include "daemon/victim_text.h"

#include <date/date.h>
#include <date/tz.h>

#include <chrono>
#include <cmath>
#include <exception>
#include <map>
#include <utility>

#include "base/time.h"
#include "geo/time_zone.h"

namespace stayaway::daemon {
namespace {

struct Texts {
  std::map<std::string_view, std::string_view> status;  // by level
  std::string_view distance;                            // {m}: metres
  std::string_view message;                             // the default template
};

// Calm, short, and saying what to do, as her app does; nothing that names the programme,
// since the phone may be read by the man she is protected from.
const Texts& TextsFor(std::string_view language) {
  static const Texts* const en =
      new Texts{{{"violation", "Move to a safe place now. Help is informed."},
                 {"near", "He is near. Stay alert; the centre sees it too."},
                 {"sos", "Your SOS reached the centre. It is acting on it."},
                 {"tamper", "His device reports tampering. The centre is alerted."}},
                "About {m} m away.",
                "{status} {distance} ({time})"};
  static const Texts* const ru =
      new Texts{{{"violation", "Уйдите в безопасное место. Помощь извещена."},
                 {"near", "Он рядом. Будьте внимательны: центр тоже это видит."},
                 {"sos", "Ваш SOS получен центром. Центр действует."},
                 {"tamper", "Его устройство сообщает о вскрытии. Центр извещён."}},
                "Около {m} м.",
                "{status} {distance} ({time})"};
  return language == "ru" ? *ru : *en;
}

void ReplaceAll(std::string* text, std::string_view from, std::string_view to) {
  for (size_t at = text->find(from); at != std::string::npos;
       at = text->find(from, at + to.size())) {
    text->replace(at, from.size(), to);
  }
}

// Spaces squeezed and trimmed: an empty {distance} leaves no double space.
std::string Tidy(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

std::string_view VictimLevelOf(const v1::ProtectedAlert& alert) {
  switch (alert.kind()) {
    case v1::Event::sos:
      return "sos";
    case v1::Event::proximity_violation:
    case v1::Event::exclusion_zone:
      return alert.has_certainty() && alert.certainty() == v1::Event::possible ? "near"
                                                                               : "violation";
    case v1::Event::proximity_warning:
      return "near";
    case v1::Event::strap_tamper:
    case v1::Event::case_tamper:
      return "tamper";
    default:
      return "";
  }
}

std::string VictimText(const v1::VictimGateway& gateway, const v1::ProtectedAlert& alert,
                       const date::time_zone& zone) {
  const Texts& texts = TextsFor(gateway.language());
  std::string text =
      gateway.text_template().empty() ? std::string(texts.message) : gateway.text_template();
  const auto level = texts.status.find(VictimLevelOf(alert));
  std::string distance;
  if (alert.has_distance_m()) {
    distance = std::string(texts.distance);
    ReplaceAll(&distance, "{m}", std::to_string(std::lround(alert.distance_m())));
  }
  using std::chrono::milliseconds;
  const date::zoned_time<milliseconds> local(
      &zone, date::sys_time<milliseconds>{milliseconds{TimestampToMs(alert.time())}});
  const std::string time = date::format("%H:%M", local);
  // The placeholders' values never contain a placeholder: ids are checked identifiers,
  // the rest is ours. {status} first, so a template's own words are kept as written.
  ReplaceAll(&text, "{status}", level == texts.status.end() ? "" : level->second);
  ReplaceAll(&text, "{distance}", distance);
  ReplaceAll(&text, "{time}", time);
  ReplaceAll(&text, "{alert}", alert.alert_id());
  ReplaceAll(&text, "{order}", alert.order_id());
  return Tidy(text);
}

StatusOr<const date::time_zone*> FindTimeZone(const std::string& name) {
  return geo::FindTimeZone(name);
}

}  // namespace stayaway::daemon
