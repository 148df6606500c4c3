#include "ingest/owntracks_codec.h"

#include <array>
#include <cmath>

#include "base/identifier.h"
#include "base/time.h"
#include "ingest/traccar_codec.h"

namespace stayaway::ingest {
namespace {

using google::protobuf::Struct;

// Unix seconds beyond this are not a plausible time (year ~2286 and later), and times
// before 1970 leave no sequence number to derive (traccar_codec.h, DerivedSeq).
constexpr double kMaxEpochSeconds = 1e10;

constexpr std::array<std::string_view, 13> kTypeLabels = {
    "location", "transition", "waypoint", "waypoints", "lwt",       "card",         "status",
    "cmd",      "beacon",     "steps",    "request",   "encrypted", "configuration"};

StatusOr<OwnTracksMessage> Decode(std::string_view payload, std::string_view device) {
  StatusOr<Struct> root =
      codec::ParseJsonObject(payload, kMaxOwnTracksBytes, kMaxOwnTracksJsonDepth, "owntracks");
  if (!root.ok()) return root.status();

  codec::JsonReader read;
  std::optional<std::string> type = read.String(*root, "", "_type");
  const std::optional<std::string> topic = read.String(*root, "", "topic");
  if (!read.status().ok()) return read.status();
  if (!type.has_value()) return InvalidArgument("_type is missing");
  OwnTracksMessage message;
  message.type = std::move(*type);
  if (message.type == "encrypted") {
    return InvalidArgument(
        "encrypted payloads cannot be read by the centre: turn the app's encryption off "
        "(use TLS to the broker instead)");
  }
  if (message.type != "location") return message;

  std::string device_id(device);
  if (device_id.empty() && topic.has_value()) {
    StatusOr<std::string> from_topic = OwnTracksTopicDevice(*topic);
    if (!from_topic.ok()) return InvalidArgument("topic: " + from_topic.status().message());
    device_id = std::move(*from_topic);
  }
  if (device_id.empty()) {
    return InvalidArgument("no device: neither the topic nor X-Limit-D names one");
  }
  if (Status s = CheckIdentifier(device_id, "device id"); !s.ok()) return s;

  const std::optional<double> lat = read.Number(*root, "", "lat");
  const std::optional<double> lon = read.Number(*root, "", "lon");
  const std::optional<double> tst = read.Number(*root, "", "tst");
  const std::optional<double> acc = read.Number(*root, "", "acc");
  const std::optional<double> vel = read.Number(*root, "", "vel");
  const std::optional<double> cog = read.Number(*root, "", "cog");
  const std::optional<double> batt = read.Number(*root, "", "batt");
  // Read for their types only: a field of the wrong type is a sign of a broken sender.
  for (std::string_view unused : {"alt", "vac", "created_at", "bs", "rad", "p"}) {
    (void)read.Number(*root, "", unused);
  }
  if (!read.status().ok()) return read.status();
  if (!lat.has_value()) return InvalidArgument("lat is missing");
  if (!lon.has_value()) return InvalidArgument("lon is missing");
  if (!tst.has_value()) return InvalidArgument("tst is missing");
  if (*tst < 0 || *tst > kMaxEpochSeconds) {
    return InvalidArgument("tst " + codec::Quote(std::to_string(*tst)) +
                           " is not Unix seconds between 1970 and 2286");
  }
  const TimeMs time = static_cast<TimeMs>(std::floor(*tst * 1000));

  v1::Fix fix;
  fix.set_device(std::move(device_id));
  MsToTimestamp(time, fix.mutable_time());
  fix.set_lat(*lat);
  fix.set_lon(*lon);
  // The app reports 0 when the platform gives no accuracy: never an exact position.
  fix.set_accuracy_m(acc.has_value() && *acc > 0 ? *acc : kUnknownAccuracyM);
  if (vel.has_value() && *vel >= 0) fix.set_speed_mps(*vel * kKmhToMps);
  if (cog.has_value() && *cog >= 0) fix.set_heading_deg(*cog == 360 ? 0 : *cog);
  if (batt.has_value() && *batt >= 0) fix.set_battery_pct(*batt);
  fix.set_seq(codec::DerivedSeq(time, fix));
  message.fix = std::move(fix);
  return message;
}

}  // namespace

StatusOr<OwnTracksMessage> ParseOwnTracks(std::string_view payload, std::string_view device) {
  StatusOr<OwnTracksMessage> message = Decode(payload, device);
  if (message.ok() || message.status().message().starts_with("owntracks: ")) return message;
  return InvalidArgument("owntracks: " + message.status().message());
}

StatusOr<std::string> OwnTracksTopicDevice(std::string_view topic) {
  const std::size_t slash = topic.rfind('/');
  if (slash == std::string_view::npos || slash + 1 == topic.size()) {
    return InvalidArgument("topic " + codec::Quote(topic) +
                           " does not end in a device level (owntracks/USER/DEVICE)");
  }
  return std::string(topic.substr(slash + 1));
}

std::string_view OwnTracksTypeLabel(std::string_view type) {
  for (std::string_view label : kTypeLabels) {
    if (label == type) return label;
  }
  return "other";
}

}  // namespace stayaway::ingest
